"""The ``crawler`` command: one sub-command module per job, errors as one line.

Only the module of the command being run is imported (``crawler --help`` imports none), so
a command loads Scrapy, SQLAlchemy or Redis only when it needs them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from crawler import __version__
from crawler.cli.errors import CliError

#: Sub-command name -> its one-line help. Each has a module ``crawler.cli.<name>`` (dashes
#: as underscores) whose ``register(parser)`` adds its arguments and sets ``func``.
COMMANDS = {
    "extract": "extract articles from saved HTML pages",
    "fixture": "manage golden extraction cases",
    "db": "manage the database schema",
    "export": "export stored articles as JSON Lines or CSV",
    "stats": "per-site counts: articles, share with authors and dates, duplicates, last crawl",
    "crawl": "crawl sites, feeds, sitemaps or a list of article URLs into the database",
    "demo": "crawl the bundled sample news sites (served on 127.0.0.1) into news.db",
    "sources": "check or list the sources file",
    "run-due": "crawl every enabled source whose schedule is due, then exit",
    "runs": "list recent crawls with their counts and status",
    "frontier": "show the shared Redis frontier: queued, in-flight and seen requests per source",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that sub-command's module is imported and
    registered (the others are listed by name and help)."""
    parser = argparse.ArgumentParser(prog="crawler", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"crawler {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, summary in COMMANDS.items():
        command = subparsers.add_parser(name, help=summary)
        if only is None or name == only:
            import_module(f"crawler.cli.{name.replace('-', '_')}").register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    args = build_parser(command if command in COMMANDS else "").parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"crawler: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("crawler: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
