"""A crawl asked to share a frontier through a Redis it cannot use stops before fetching."""

from __future__ import annotations

import pytest

from crawler.cli import main
from crawler.distributed.frontier import redis_problem


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://127.0.0.1:1/0", "Redis is unreachable"),
        ("http://127.0.0.1:6379/", "not a Redis URL"),
    ],
)
def test_crawl_with_an_unusable_redis_is_a_one_line_error(
    url: str, message: str, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["crawl", "http://127.0.0.1:9/", "--db", sqlite_url, "--redis", url, "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.redis
def test_a_usable_redis_has_no_problem(redis_server_url: str) -> None:
    assert redis_problem(redis_server_url) is None
