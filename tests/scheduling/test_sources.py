"""Sources file: loading, defaults, and one clear line per problem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawler.extraction.options import SiteOverrides
from crawler.schedule import Cron, Interval
from crawler.sources import SourcesError, find_source, load_sources

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[[source]]
name = "defenseworld"
start_urls = ["https://www.defenseworld.net/", "https://www.defenseworld.net/news/"]
feeds = ["https://www.defenseworld.net/feed/"]
allow_patterns = ['/news/\\d+/']
deny_patterns = ['/tag/', '/author/']
schedule = "15m"
timezone = "Asia/Kolkata"
max_pages = 200

[source.extraction]
byline = "span.byline::text"
date = "//time/@datetime"

[[source]]
name = "daily"
sitemaps = ["https://news.example.org/sitemap-news.xml"]
allowed_domains = ["news.example.org", "cdn.example.org"]
schedule = "0 6 * * *"
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> tuple[str, ...]:
    with pytest.raises(SourcesError) as info:
        load_sources(write(tmp_path, text))
    return info.value.problems


def test_a_good_file_loads_with_its_values_and_defaults(tmp_path: Path) -> None:
    world, daily = load_sources(write(tmp_path, GOOD))
    assert world.name == "defenseworld"
    assert world.schedule == Interval(timedelta(minutes=15))
    assert world.schedule_text == "15m"
    assert world.feeds == ("https://www.defenseworld.net/feed/",)
    assert world.allowed_domains == ()  # the spiders keep to the start URLs' hosts
    assert world.allow_patterns == ("/news/\\d+/",)
    assert world.max_pages == 200 and world.enabled
    assert world.overrides == SiteOverrides(byline="span.byline::text", date="//time/@datetime")
    assert daily.schedule == Cron("0 6 * * *", "UTC")
    assert daily.allowed_domains == ("news.example.org", "cdn.example.org")
    assert not daily.enabled and daily.max_pages is None and daily.start_urls == ()


def test_cron_schedules_are_read_in_the_source_time_zone(tmp_path: Path) -> None:
    text = GOOD.replace('schedule = "15m"', 'schedule = "*/30 * * * *"')
    assert load_sources(write(tmp_path, text))[0].schedule == Cron("*/30 * * * *", "Asia/Kolkata")


def test_the_shipped_example_file_is_valid() -> None:
    sources = load_sources(ROOT / "sources.example.toml")
    assert len(sources) >= 2
    assert len({s.name for s in sources}) == len(sources)


def one_source(**fields: str) -> str:
    table = {"name": '"site"', "start_urls": '["https://example.com/"]', "schedule": '"1h"'}
    table.update(fields)
    body = "\n".join(f"{k} = {v}" for k, v in table.items() if v != "")
    return f"[[source]]\n{body}\n"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"colour": '"red"'}, "source 'site': field 'colour': unknown key"),
        ({"schedule": '"every hour"'}, "source 'site': field 'schedule': 'every hour' is neither"),
        ({"schedule": ""}, "source 'site': field 'schedule': missing"),
        ({"timezone": '"Mars/Olympus"'}, "field 'timezone': unknown IANA time zone 'Mars/Olympus'"),
        (
            {"start_urls": '["example.com/news"]'},
            "field 'start_urls': 'example.com/news' is not an",
        ),
        ({"feeds": '["ftp://example.com/feed"]'}, "field 'feeds': 'ftp://example.com/feed' is not"),
        ({"start_urls": "[]"}, "field 'start_urls': give at least one URL"),
        ({"start_urls": '"https://example.com/"'}, "field 'start_urls': must be a list"),
        ({"allow_patterns": '["/news/(\\\\d+"]'}, "field 'allow_patterns': bad regular expression"),
        ({"allowed_domains": '["https://example.com/"]'}, "field 'allowed_domains': 'https://"),
        ({"max_pages": "0"}, "field 'max_pages': must be a whole number"),
        ({"max_pages": "true"}, "field 'max_pages': must be a whole number"),
        ({"enabled": '"yes"'}, "field 'enabled': must be true or false"),
        ({"name": '"my site"'}, "source 'my site': field 'name': use 1-64 letters"),
        ({"name": ""}, "source #1: field 'name': missing"),
        ({"extraction": '{ author = "a" }'}, "field 'extraction.author': unknown key"),
        ({"extraction": '{ body = "div[" }'}, "field 'extraction.body': bad CSS selector 'div['"),
        ({"extraction": '{ date = "//time[" }'}, "field 'extraction.date': bad XPath '//time['"),
    ],
)
def test_each_problem_is_one_line_naming_file_source_and_field(
    tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    found = problems(tmp_path, one_source(**fields))
    assert len(found) == 1, found
    (line,) = found
    assert "\n" not in line
    assert line.startswith(f"{tmp_path / 'sources.toml'}: ")
    assert expected in line


def test_every_problem_of_every_source_is_reported(tmp_path: Path) -> None:
    text = one_source(schedule='"sometimes"') + one_source(name='"other"', max_pages="-1")
    found = problems(tmp_path, text)
    assert [p.split(": ", 1)[1].split(":")[0:2] for p in found] == [
        ["source 'site'", " field 'schedule'"],
        ["source 'other'", " field 'max_pages'"],
    ]


def test_duplicate_names_and_unknown_top_level_keys_are_errors(tmp_path: Path) -> None:
    found = problems(tmp_path, "interval = 5\n" + one_source() + one_source())
    assert any("unknown top-level key 'interval'" in p for p in found)
    assert any("source 'site': duplicate name 'site'" in p for p in found)


def test_unreadable_and_malformed_files_are_one_line_each(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read"):
        load_sources(tmp_path / "missing.toml")
    (line,) = problems(tmp_path, "[[source]\nname = 1\n")
    assert "not valid TOML" in line and "\n" not in line
    (line,) = problems(tmp_path, "")
    assert line.endswith("no [[source]] tables")


def test_find_source_names_the_known_sources(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, GOOD))
    assert find_source(sources, "daily").name == "daily"
    with pytest.raises(KeyError, match="known: defenseworld, daily"):
        find_source(sources, "nope")
