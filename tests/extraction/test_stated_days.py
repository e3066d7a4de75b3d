"""Whether a page prints a day in full: a date counts only where it starts and ends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crawler.extraction.dates import DateContext
from crawler.extraction.stated_days import states_day

CONTEXT = DateContext(datetime(2024, 6, 1, tzinfo=UTC), date_order="DMY")
DAY = date(2024, 5, 7)


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("posted 2024-05-07 by", True),
        ('datetime="2024-05-07t10:00"', True),
        ("x2024-05-07", True),
        ("id 12024-05-07", False),
        ("id=20240507&", True),
        ("id=120240507", False),
        ("on 7 may 2024", True),
        ("on 7th may 2024", True),
        ("on 17 may 2024", False),
        ("ref a7 may 2024", False),
        ("on may 7, 2024", True),
        ("am 07.05.2024", True),
        ("am 07.05.24", True),
        ("v1.07.05.2024", False),
        ("v107.05.2024", False),
        ("may 2024", False),
        ("ON 7 MAY 2024", True),  # the text is lower-cased for month names
        ("ID=20240507&", True),
    ],
)
def test_a_day_counts_only_as_a_whole_date(text: str, stated: bool) -> None:
    assert states_day(text, DAY, CONTEXT) is stated
