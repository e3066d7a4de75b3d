"""JOBDIR hygiene: a marker naming the Scrapy that wrote it, and the reset of what is stale.

Scrapy's JOBDIR holds a pickled request queue (``requests.queue/``), the dupe filter's
seen set (``requests.seen``) and the spider's state (``spider.state``). None of it is
durable across SIGKILL, and a queue pickled by another Scrapy version may not load at all.
With the database frontier (``crawler.frontier``) the database is the record of what is
pending, so the queue and the seen set are cleared at every start; without it they are
cleared only when the JOBDIR was made by another Scrapy (or by no crawler that said so).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import scrapy

logger = logging.getLogger(__name__)

#: The marker file: ``{"scrapy": "<version>"}``.
MARKER = "crawler-jobdir.json"
QUEUE = "requests.queue"
SEEN = "requests.seen"
STATE = "spider.state"


def jobdir_scrapy_version(path: Path) -> str | None:
    """The Scrapy version the marker of JOBDIR ``path`` names, or None without a readable one."""
    try:
        return str(json.loads((path / MARKER).read_text("utf-8"))["scrapy"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def prepare_jobdir(path: Path, queue_in_database: bool) -> list[str]:
    """Reset what Scrapy must not load from JOBDIR ``path``, mark it as ours; returns what
    was removed (logged).

    A JOBDIR made by another Scrapy version, or holding Scrapy files but no marker, loses
    its queue, seen set and spider state (WARNING). With ``queue_in_database`` the queue
    and the seen set are removed in any case (INFO): the database frontier queues again
    what was pending, and a seen set that outlived its queue would hide those requests.
    """
    path.mkdir(parents=True, exist_ok=True)
    version = jobdir_scrapy_version(path)
    has_files = any((path / name).exists() for name in (QUEUE, SEEN, STATE))
    foreign = has_files and version != scrapy.__version__
    names = (QUEUE, SEEN, STATE) if foreign else (QUEUE, SEEN) if queue_in_database else ()
    removed = [name for name in names if _remove(path / name)]
    if foreign:
        made_by = f"Scrapy {version}" if version else "an unknown Scrapy"
        logger.warning(
            "JOBDIR %s was made by %s, not Scrapy %s: starting it afresh (removed %s)",
            path,
            made_by,
            scrapy.__version__,
            ", ".join(removed) or "nothing",
        )
    elif removed:
        logger.info(
            "JOBDIR %s: %s cleared; the database frontier queues again what was pending",
            path,
            " and ".join(removed),
        )
    (path / MARKER).write_text(json.dumps({"scrapy": scrapy.__version__}) + "\n", "utf-8")
    return removed


def _remove(path: Path) -> bool:
    if path.is_dir():
        shutil.rmtree(path)
        return True
    if path.exists():
        path.unlink()
        return True
    return False
