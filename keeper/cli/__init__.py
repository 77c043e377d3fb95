"""The `keeper` command line: a thin layer over keeper.library, split by concern.

- :mod:`keeper.cli.archive`: import, export, forget (what the archive holds)
- :mod:`keeper.cli.reading`: search, list, show, stats
- :mod:`keeper.cli.continuity`: summarize, profile, persona, pack
- :mod:`keeper.cli.system`: doctor, embed, and the TUI (``keeper`` with no arguments)
- :mod:`keeper.cli.demo`: demo (the sample, in a database of its own)
- :mod:`keeper.cli.common`: the options and helpers they share

Why argparse and not click: it is in the standard library, so ``keeper --help`` starts
without importing a framework (the start-up test counts imported modules); its help and
error formats (exit code 2 on a bad flag) are what users and the tests already see; and
every command is plain data (a parser and a handler), which the docs test walks through
:data:`COMMANDS`. click would add a dependency and a decorator layer for no gain here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from keeper import __version__
from keeper.cli import archive, continuity, demo, reading, serve, system
from keeper.cli.common import Handler, Register, resolve_settings
from keeper.errors import KeeperError

COMMANDS: dict[str, Register] = {
    "demo": demo.add_demo,
    "import": archive.add_import,
    "search": reading.add_search,
    "embed": system.add_embed,
    "list": reading.add_list,
    "show": reading.add_show,
    "stats": reading.add_stats,
    "doctor": system.add_doctor,
    "export": archive.add_export,
    "summarize": continuity.add_summarize,
    "profile": continuity.add_profile,
    "persona": continuity.add_persona,
    "pack": continuity.add_pack,
    "forget": archive.add_forget,
    "mcp": serve.add_mcp,
}
"""Every ``keeper`` command in the order ``keeper --help`` lists them."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one paragraph: what was wrong and where the help is
    (not the whole usage block, which buries the one line that matters)."""

    def error(self, message: str) -> NoReturn:
        """Print the problem and exit 2."""
        self.exit(2, f"{self.prog}: {message}\n(`{self.prog} --help` lists every option.)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: $KEEPER_DB or the user data folder)",
    )
    parser = Parser(
        prog="keeper",
        parents=[common],
        description="Keep your ChatGPT history: import exports, search, re-read, export.",
    )
    parser.add_argument("--version", action="version", version=f"keeper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS.values():
        register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `keeper` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "db"):
        args.db = None
    handler: Handler = getattr(args, "handler", system.cmd_tui)
    try:
        args.settings = resolve_settings(args)
        return handler(args)
    except KeeperError as error:
        sys.stderr.write(f"keeper: {error}\n")
        return error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("keeper: interrupted; everything committed so far is kept.\n")
        return 130
    except BrokenPipeError:
        # Output piped into `head` closed early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        # A file or folder the command needed could not be used: the system's reason and
        # the path say what to fix; a traceback would not.
        where = f" ({error.filename})" if error.filename else ""
        sys.stderr.write(
            f"keeper: {error.strerror or error}{where}. Check the path and its permissions.\n"
        )
        return 1


__all__ = ["COMMANDS", "build_parser", "main"]
