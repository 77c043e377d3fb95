"""Options and helpers every command module shares: dates, filters, JSON output, the archive.

The command modules (archive, reading, continuity, system) import only from here and
from the layers below; none reaches into another's helpers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from keeper.config import Settings, load_settings
from keeper.errors import KeeperError, UsageError
from keeper.store.filters import Filters
from keeper.timefmt import parse_date as parse_date  # shared by every command

if TYPE_CHECKING:
    from keeper.library import Library

Handler = Callable[[argparse.Namespace], int]
"""A command: parsed arguments in, exit code out."""


class Subparsers(Protocol):
    """What ``ArgumentParser.add_subparsers()`` returns (argparse keeps the type private)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        """Add one command's parser."""
        ...


Register = Callable[[Subparsers, argparse.ArgumentParser], None]
"""Adds one command to the ``keeper`` parser, given the subparsers and the shared parent."""

ROLES = ("user", "assistant", "system", "tool")


def make_filters(
    *,
    since: str | None = None,
    until: str | None = None,
    model: str | None = None,
    role: str | None = None,
    project: str | None = None,
    conversation: str | None = None,
    include_hidden: bool = False,
) -> Filters:
    """Filters from the user's spelling of them (dates as typed on the command line)."""
    start = parse_date(since) if since else None
    end = parse_date(until, end=True) if until else None
    if start is not None and end is not None and start >= end:
        raise UsageError(
            f"--since {since} starts after --until {until} ends, so nothing could match.",
            "Swap the two dates.",
        )
    return Filters(
        since=start,
        until=end,
        model=model or None,
        role=role or None,
        project=project or None,
        conversation=conversation or None,
        include_hidden=include_hidden,
    )


def filters_from(args: argparse.Namespace) -> Filters:
    """Filters from the shared --since/--until/--model/--role/--project/--conversation flags."""
    return make_filters(
        since=getattr(args, "since", None),
        until=getattr(args, "until", None),
        model=getattr(args, "model", None),
        role=getattr(args, "role", None),
        project=getattr(args, "project", None),
        conversation=getattr(args, "conversation", None),
        include_hidden=getattr(args, "include_hidden", False),
    )


FILTER_KEYS = ("since", "until", "model", "role", "project", "conversation")


def filters_from_mapping(spec: Mapping[str, object], where: str) -> Filters:
    """Filters from one JSON object (a ``search --batch`` line); ``where`` names it in errors.

    Dates may be strings as on the command line or epoch numbers."""
    values: dict[str, str | None] = {}
    for key in FILTER_KEYS:
        value = spec.get(key)
        if key in ("since", "until") and isinstance(value, int | float):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise UsageError(f"{where}: {key!r} must be a string, not {value!r}.")
        values[key] = value
    return make_filters(**values, include_hidden=bool(spec.get("include_hidden")))


def print_json(value: object) -> None:
    """Write ``value`` to stdout as indented JSON."""
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def add_filters(parser: argparse.ArgumentParser, *, roles: bool = True) -> None:
    """The shared filter options (``--role`` only where messages, not conversations, match)."""
    group = parser.add_argument_group("filters")
    group.add_argument(
        "--since",
        metavar="DATE",
        help="from this date on: 2024, 2024-05, 2024-05-06 (or with a time)",
    )
    group.add_argument(
        "--until", metavar="DATE", help="through the end of this date: 2024 keeps all of 2024"
    )
    group.add_argument("--model", metavar="SLUG", help="model slug, e.g. gpt-4o")
    if roles:
        group.add_argument("--role", choices=ROLES, help="messages by this author only")
    group.add_argument("--project", metavar="GIZMO_ID", help="Project (g-p-…) or custom GPT id")
    group.add_argument("--conversation", metavar="ID", help="one conversation")


FLAG_SETTINGS = {"db": "db", "llm": "llm_url", "device": "embed_device", "backend": "embed_backend"}
"""Flags that override a setting (flag dest -> setting name). ``embed --model`` is not one:
it names the model to embed with, beside the archive's stored one."""


def resolve_settings(args: argparse.Namespace) -> Settings:
    """The settings, resolved once per command: defaults < file < KEEPER_* < these flags."""
    flags = {name: getattr(args, dest, None) for dest, name in FLAG_SETTINGS.items()}
    return load_settings(flags)


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings ``main`` resolved for this command (resolved here if it did not)."""
    settings = getattr(args, "settings", None)
    if not isinstance(settings, Settings):
        settings = args.settings = resolve_settings(args)
    return settings


def open_library(args: argparse.Namespace, *, create: bool = True) -> Library:
    """The archive the settings name (``--db``, ``$KEEPER_DB``, the config file, default)."""
    from keeper.library import Library

    return Library.open(create=create, settings=settings_of(args))


def embed_line(data: Mapping[str, Any]) -> str:
    """One line on an embedding run (``EmbedReport.as_dict()``), plus its note if any."""
    rate = data["chunks_now"] / data["seconds"] if data["seconds"] else 0.0
    line = (
        f"Embedded {data['embedded']:,} of {data['embeddable']:,} messages with "
        f"{data['model']} ({data['backend']}; {data['embedded_now']:,} now, "
        f"{rate:,.0f} chunks/s)."
    )
    return f"{line}\n{data['note']}" if data.get("note") else line


def say(line: str) -> None:
    """A status line on stderr (what keeper is doing while it takes a while)."""
    sys.stderr.write(f"keeper: {line}\n")
    sys.stderr.flush()


def unwritable(path: object, error: OSError) -> KeeperError:
    """The error for an output file or folder keeper could not write."""
    reason = error.strerror or type(error).__name__
    where = error.filename or path
    return KeeperError(
        f"Could not write {path}: {reason} ({where}).",
        "Check that the folder exists and that you may write there, then run it again.",
    )
