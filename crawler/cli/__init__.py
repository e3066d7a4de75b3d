"""The ``crawler`` command: one sub-command module per job, errors as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from crawler import __version__
from crawler.cli.errors import CliError

#: Sub-command modules; each has ``register(subparsers)`` which sets ``func`` on its parser.
COMMANDS = (
    "extract",
    "fixture",
    "db",
    "export",
    "stats",
    "crawl",
    "demo",
    "sources",
    "run-due",
    "runs",
    "frontier",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(prog="crawler", description=__doc__)
    parser.add_argument("--version", action="version", version=f"crawler {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        import_module(f"crawler.cli.{name.replace('-', '_')}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
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
