"""Key names: per deployment, source and spider; unnamed crawls keyed by their seeds."""

from __future__ import annotations

import pytest

from crawler.distributed.keys import FrontierKeys, check_namespace, source_key


def test_keys_are_namespaced_by_deployment_source_and_spider() -> None:
    keys = FrontierKeys("prod", "defense", "site")
    assert keys.requests == "prod:defense:site:requests"
    assert keys.seen == "prod:defense:site:seen"
    assert keys.taken("host:12:ab") == "prod:defense:site:taken:host:12:ab"
    assert FrontierKeys("prod", "defense", "feed").requests != keys.requests
    assert FrontierKeys("staging", "defense", "site").requests != keys.requests


@pytest.mark.parametrize("kind", ["requests", "seen", "workers"])
def test_parse_reads_back_each_kind_of_key(kind: str) -> None:
    keys = FrontierKeys("prod", "defense", "site")
    assert FrontierKeys.parse(getattr(keys, kind)) == (keys, kind)


def test_parse_reads_per_worker_keys_and_ignores_others() -> None:
    keys = FrontierKeys("prod", "defense", "site")
    assert FrontierKeys.parse(keys.taken("h:1:a")) == (keys, "taken")
    assert FrontierKeys.parse(keys.unsaved("h:1:a")) == (keys, "unsaved")
    assert FrontierKeys.parse("prod:defense:site:items") is None
    assert FrontierKeys.parse("site:requests") is None


def test_a_source_name_becomes_a_safe_key_part() -> None:
    assert source_key("defense", ["http://x/"]) == "defense"
    assert source_key("le monde: 24h", []) == "le_monde_24h"


def test_unnamed_crawls_share_a_frontier_only_with_the_same_seeds() -> None:
    one = source_key(None, ["https://www.example.com/", "https://example.org/news/"])
    same = source_key(None, ["https://example.org/news/", "https://www.example.com/"])
    other = source_key(None, ["https://www.example.com/"])
    assert one == same != other
    assert one.startswith("example.org-")


@pytest.mark.parametrize("bad", ["", "a:b", "two words", "ns*"])
def test_a_namespace_that_would_break_key_names_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="CRAWLER_REDIS_NAMESPACE"):
        check_namespace(bad)
