"""Responses a middleware refuses from ``process_response`` end their frontier rows."""

from __future__ import annotations

import sqlalchemy as sa

from crawler.storage.engine import make_engine
from tests.hostile.routes import article_page

#: Linked path -> the drop reason its response is refused with.
REFUSED = {
    "/redirect/loop/0": "redirect_loop",
    "/redirect/chain/0": "redirect_limit",
    "/bomb/gzip": "decompression_bomb",
}


def frontier_rows(db_url: str) -> dict[str, tuple[str, str | None]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT url, state, last_error FROM frontier"))
            return {str(url): (str(state), error) for url, state, error in rows}
    finally:
        engine.dispose()


def test_a_redirect_loop_or_limit_or_a_bomb_is_recorded_done_not_left_in_progress(
    hostile, run_crawl, tmp_path
):
    start = hostile.page("/links", article_page("links", [*REFUSED, "/ok/1"]))
    db_url = f"sqlite:///{tmp_path / 'frontier.db'}"
    run = run_crawl([start], settings={"CRAWLER_DB_URL": db_url})
    assert run.returncode == 0, run.log[-2000:]
    assert {reason: run.drops(reason) for reason in REFUSED.values()} == dict.fromkeys(
        REFUSED.values(), 1
    )
    rows = frontier_rows(db_url)
    assert {path: rows[hostile.url(path)] for path in REFUSED} == {
        path: ("done", f"dropped: {reason}") for path, reason in REFUSED.items()
    }  # not left in progress, for the next pass to fetch again
    assert rows[hostile.url("/ok/1")] == ("done", None)
