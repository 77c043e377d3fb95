"""``keeper demo``: the sample export in a database of its own, never the user's archive.

The sample is fictional (someone called Mika, a cat called Mochi). Imported into the
default archive it would mix into the user's own profile and packs, so the demo keeps it
in ``demo.db`` in the user data folder (or a path given with ``--db``), imports it there,
then opens the terminal UI on it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import keeper
from keeper.cli.common import Subparsers, embed_line, say, settings_of
from keeper.errors import InputError

SAMPLE_NAME = "sample-export.zip"
DEMO_DB = "demo.db"


def sample_export() -> Path:
    """The sample export: ``./exports/`` first, then the checkout keeper runs from."""
    here = Path("exports") / SAMPLE_NAME
    checkout = Path(keeper.__file__).resolve().parent.parent / "exports" / SAMPLE_NAME
    for candidate in (here, checkout):
        if candidate.is_file():
            return candidate
    raise InputError(
        f"The sample export ({SAMPLE_NAME}) is not in ./exports/ or beside keeper's code.",
        "Run keeper demo from a checkout of keeper, or pass an export: keeper demo PATH.",
    )


def demo_db(args: argparse.Namespace) -> Path:
    """The demo database: ``--db`` if given, else ``demo.db`` in the user data folder. The
    ``db`` setting ($KEEPER_DB, the config file) names the user's own archive: not used."""
    from keeper.paths import resolve_paths

    if args.db:
        return Path(args.db).expanduser().resolve()
    return resolve_paths(None).data_dir / DEMO_DB


def cmd_demo(args: argparse.Namespace) -> int:
    """keeper demo [PATH] [--db DEMO.db] [--no-tui] [--no-embed]"""
    from keeper.errors import ModelError
    from keeper.library import Library

    export = Path(args.path) if args.path else sample_export()
    db = demo_db(args)
    settings = settings_of(args).with_flags(db=str(db))
    with Library.open(create=True, settings=settings) as library:
        report = library.import_exports([export], show_progress=True).as_dict()
        if report["exit_code"] == 1:
            errors = [s["error"] for s in report["sources"] if s.get("error")]
            raise InputError(errors[0] if errors else f"Nothing could be imported from {export}.")
        counts = report["conversations"]
        stored = counts["new"] + counts["updated"] + counts["unchanged"]
        print(f"The demo archive {db} holds the {stored:,} conversations of {export}.")
        if not args.no_embed:
            try:
                print(embed_line(library.embed(show_progress=True, notify=say).as_dict()))
            except ModelError as error:
                print(f"Not embedded ({error.message}); keyword search works.")
        library.prepare_packs(show_progress=True)
    from keeper.config import load_settings
    from keeper.paths import resolve_paths

    own = resolve_paths(load_settings().db).db  # the user's archive, whatever --db says
    tries = [
        (f"keeper --db {db}", "the terminal UI on the demo"),
        (f'keeper search --db {db} "cat" --group', "search it"),
        (f"keeper list --db {db} --since 2025", "conversations from 2025 on"),
        (f"keeper profile --db {db}", "the custom instructions and memories"),
        (f"keeper pack --db {db} --budget 2000", "a context pack for a new model"),
        (f"keeper forget --db {db} --import {export.name}", "take the sample back out"),
    ]
    width = max(len(command) for command, _ in tries)
    print(
        f"Your own archive ({own}) is untouched: import your export there with "
        "keeper import PATH. Things to try on the demo:"
    )
    for command, what in tries:
        print(f"  {command:{width}}   # {what}")
    if args.no_tui:
        return 0
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("Not a terminal, so the terminal UI was not opened (--no-tui says so quietly).")
        return 0
    from keeper.tui import run

    return run(str(db), settings=settings)


def add_demo(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper demo``."""
    p = sub.add_parser(
        "demo",
        parents=[common],
        help="try keeper on the sample export, in a demo database of its own",
    )
    p.add_argument("path", nargs="?", metavar="PATH", help=f"default: exports/{SAMPLE_NAME}")
    p.add_argument("--no-tui", action="store_true", help="only import and say what to try")
    p.add_argument("--no-embed", action="store_true", help="skip building embeddings")
    p.set_defaults(handler=cmd_demo)
