"""Which sources a run-due invocation takes, judged from crawl_runs and leases with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from crawler.cli.run_due import RunOptions, claim_sources, crawl_config
from crawler.leases import acquire_lease, release_lease
from crawler.sources import Source, parse_sources
from crawler.storage import Database, open_database

TTL = timedelta(minutes=2)
SOURCES = parse_sources(
    {
        "source": [
            {"name": "often", "start_urls": ["https://a.example/"], "schedule": "15m"},
            {"name": "daily", "feeds": ["https://b.example/feed"], "schedule": "0 6 * * *"},
            {"name": "new", "sitemaps": ["https://c.example/sitemap.xml"], "schedule": "1h"},
        ]
    }
)


@pytest.fixture
def database(db_url: str, clock) -> Iterator[Database]:
    database = open_database(db_url, clock=clock)
    yield database
    database.close()


def claim(database: Database, clock, holder: str = "me", only_due: bool = True) -> list[str]:
    said: list[str] = []
    taken = claim_sources(database, SOURCES, holder, TTL, only_due, clock, said.append)
    return [s.name for s in taken]


def ran(database: Database, source: str, status: str = "completed") -> None:
    run_id = database.start_run("site", source)
    database.finish_run(run_id, status)


def test_sources_never_run_are_due_and_then_not_until_their_schedule(database, clock) -> None:
    assert claim(database, clock) == ["often", "daily", "new"]
    for source in SOURCES:
        release_lease(database.engine, source.name, "me")
        ran(database, source.name)
    assert claim(database, clock) == []
    clock.advance(minutes=14)  # 06:14: 'often' is due (15m less the one-minute grace)
    assert claim(database, clock) == ["often"]
    release_lease(database.engine, "often", "me")
    clock.advance(minutes=47)  # 07:01: 'new' (1h) too, 'often' still (no run recorded since)
    assert claim(database, clock) == ["often", "new"]


def test_a_failed_or_killed_run_counts_as_the_last_run(database, clock) -> None:
    ran(database, "often", status="failed")
    database.start_run("site", "daily")  # killed: stays 'running'
    assert claim(database, clock) == ["new"]


def test_a_source_leased_by_another_run_is_skipped_until_the_lease_expires(database, clock) -> None:
    acquire_lease(database.engine, "often", "other-host:1:ab", TTL, clock())
    assert claim(database, clock) == ["daily", "new"]
    for name in ("daily", "new"):
        release_lease(database.engine, name, "me")
    clock.advance(minutes=2, seconds=1)  # the other run was killed: its lease ran out
    assert claim(database, clock, holder="next") == ["often", "daily", "new"]


def test_a_source_crawled_meanwhile_is_released_not_crawled_again(database, clock) -> None:
    # The due check passes, then another run finishes the source before our lease is
    # taken: the second check sees that run and gives the lease back.
    said: list[str] = []

    class FinishesElsewhere(Database):
        calls = 0

        def last_run(self, source, statuses=()):  # type: ignore[no-untyped-def]
            FinishesElsewhere.calls += 1
            if FinishesElsewhere.calls == 2:
                ran(database, source)
            return super().last_run(source, statuses)

    racing = FinishesElsewhere(database.engine, clock)
    taken = claim_sources(racing, SOURCES[:1], "me", TTL, True, clock, said.append)
    assert taken == [] and said == ["often: skipped, another run has just crawled it"]
    assert acquire_lease(database.engine, "often", "someone", TTL, clock()).holder == "someone"


def test_crawl_now_ignores_the_schedule_but_not_the_lease(database, clock) -> None:
    for source in SOURCES:
        ran(database, source.name)
    acquire_lease(database.engine, "daily", "other", TTL, clock())
    assert claim(database, clock, only_due=False) == ["often", "new"]


def test_the_crawl_config_carries_the_source_and_a_since_from_the_last_completed_run(
    database, clock, db_url: str
) -> None:
    source: Source = SOURCES[2]
    options = RunOptions(db_url=db_url, jobdir="state")
    first = crawl_config(source, database, options)
    assert first.since is None and first.sitemaps == source.sitemaps
    assert (first.source, first.jobdir, first.db_url) == ("new", "state/new", db_url)
    started = clock()
    ran(database, "new")
    clock.advance(hours=1)
    ran(database, "new", status="failed")
    assert crawl_config(source, database, options).since == started - timedelta(hours=1)
    refresh = RunOptions(db_url=db_url, refresh=True)
    assert crawl_config(source, database, refresh).since is None
