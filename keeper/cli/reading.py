"""Commands that read the archive: search, list, show, stats."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from keeper.cli.common import (
    Subparsers,
    add_filters,
    filters_from,
    filters_from_mapping,
    open_library,
    print_json,
)
from keeper.errors import UsageError

if TYPE_CHECKING:
    from keeper.library import Library
    from keeper.store.filters import Filters

MODES = ("hybrid", "keyword", "semantic")


def cmd_search(args: argparse.Namespace) -> int:
    """keeper search QUERY | --batch FILE.jsonl"""
    if args.batch:
        return _search_batch(args)
    if not args.query:
        raise UsageError('Give a query, e.g. keeper search "sourdough starter", or --batch FILE.')
    from keeper.render import format_time
    from keeper.search import group_by_conversation
    from keeper.snippet import context_line, mark

    query = " ".join(args.query)
    with open_library(args, create=False) as library:
        hits = library.search(
            query,
            library.resolve_filters(filters_from(args)),
            mode=args.mode,
            limit=args.limit,
            embedding_model=args.embedding_model,
        )
        if hits.note:
            sys.stderr.write(f"keeper: {hits.note}\n")
    if args.json:
        if args.group:
            groups = group_by_conversation(list(hits))
            print_json([g | {"hits": [h.as_dict() for h in g["hits"]]} for g in groups])
        else:
            print_json([hit.as_dict() for hit in hits])
        return 0
    if not hits:
        print(f"No messages match {query!r}.")
        return 0
    groups = group_by_conversation(list(hits)) if args.group else [{"hits": [h]} for h in hits]
    for group in groups:
        if args.group:
            print(f"\n{group['title'] or '(untitled)'}  [{group['conversation_id']}]")
        for hit in group["hits"]:
            head = f"{format_time(hit.create_time)}  {hit.role or ''}  {hit.model or ''}".strip()
            if args.group:  # the group's heading already names the conversation
                print(f"  {head}  [{hit.message_id}]")
            else:
                print(
                    f"{hit.title or '(untitled)'}  {head}  [{hit.conversation_id} {hit.message_id}]"
                )
            print(f"    {mark(hit.snippet, hit.highlights, '**', '**')}")
            if around := context_line(hit.role, hit.context):
                print(f"      {around}")
    return 0


BATCH_KEYS = frozenset(
    {
        "query",
        "since",
        "until",
        "model",
        "role",
        "project",
        "conversation",
        "mode",
        "limit",
        "include_hidden",
    }
)
"""The keys one ``search --batch`` line may hold."""


def _batch_query(
    spec: object, where: str, args: argparse.Namespace
) -> tuple[str, Filters, str | None, int]:
    """(query, filters, mode, limit) of one batch line, the flags filling what it leaves out."""
    if not isinstance(spec, dict) or not isinstance(spec.get("query"), str):
        raise UsageError(f'{where} needs an object with a "query" string.')
    unknown = set(spec) - BATCH_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown keys {sorted(unknown)}.")
    mode = spec.get("mode") or args.mode
    if mode is not None and mode not in MODES:
        raise UsageError(f"{where}: mode must be one of {', '.join(MODES)}.")
    try:
        limit = int(spec.get("limit") or args.limit)
    except (TypeError, ValueError) as error:
        raise UsageError(f"{where}: limit must be a number.") from error
    return spec["query"], filters_from_mapping(spec, where), mode, limit


def _search_batch(args: argparse.Namespace) -> int:
    """Run each line of the batch file; a bad line is reported (stderr, and an
    ``{"error": ..., "line": N}`` object in its place on stdout) and the rest still run."""
    path = Path(args.batch)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"Could not read the batch file {path}: {reason}") from error
    out = sys.stdout.buffer
    failed = 0
    with open_library(args, create=False) as library:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path} line {number}"
            try:
                try:
                    spec = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    raise UsageError(f"{where} is not JSON: {error}") from error
                query, filters, mode, limit = _batch_query(spec, where, args)
                filters = library.resolve_filters(filters)
                result: object = _search_one(
                    library, query, filters, mode, limit, args.embedding_model
                )
            except UsageError as error:
                failed += 1
                message = " ".join(str(error).split())
                if not message.startswith(where):
                    message = f"{where}: {message}"
                sys.stderr.write(f"keeper: {message}\n")
                result = {"line": number, "error": message}
            out.write(orjson.dumps(result) + b"\n")
            out.flush()
    return 2 if failed else 0


def _search_one(
    library: Library,
    query: str,
    filters: Filters,
    mode: str | None,
    limit: int,
    embedding_model: str | None = None,
) -> list[dict[str, object]]:
    hits = library.search(query, filters, mode=mode, limit=limit, embedding_model=embedding_model)
    return [hit.as_dict() for hit in hits]


def cmd_list(args: argparse.Namespace) -> int:
    """keeper list [filters]"""
    from keeper.render import format_time, iso_time

    archived = {"only": True, "exclude": False, "include": None}[args.archived]
    with open_library(args, create=False) as library:
        rows = library.conversations(
            library.resolve_filters(filters_from(args)),
            archived=archived,
            sort=args.sort,
            limit=args.limit,
        )
    if args.json:
        print_json(
            [
                {
                    "conversation_id": r.id,
                    "title": r.title,
                    "create_time": r.create_time,
                    "update_time": r.update_time,
                    "created": iso_time(r.create_time),
                    "updated": iso_time(r.update_time),
                    "model": r.model,
                    "project": r.project,
                    "gizmo_type": r.gizmo_type,
                    "is_archived": r.is_archived,
                    "message_count": r.message_count,
                    "absent_from_latest_export": r.absent,
                }
                for r in rows
            ]
        )
        return 0
    # The date shown is the one the list is sorted by (created, else last updated).
    for r in rows:
        flags = " [archived]" if r.is_archived else ""
        flags += " [not in latest export]" if r.absent else ""
        when = r.create_time if args.sort == "created" else r.update_time or r.create_time
        print(
            f"{r.id}  {format_time(when):16}  "
            f"{(r.model or '-'):14}  {r.message_count:5}  {r.title or '(untitled)'}{flags}"
        )
    if not rows:
        print("No conversations match.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """keeper show ID"""
    from keeper.render import conversation_json, conversation_markdown, file_lines

    with open_library(args, create=False) as library:
        conv, rows = library.conversation(args.id)
        refs = library.assets(conv.id)
    if args.format == "json":
        print_json(conversation_json(conv, rows))
    else:
        sys.stdout.write(
            conversation_markdown(
                conv,
                rows,
                all_branches=args.all_branches,
                hidden=args.hidden,
                files=file_lines(refs, lambda ref: ref["path"]),
            )
        )
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """keeper stats"""
    with open_library(args, create=False) as library:
        data = library.stats()
    if args.json:
        print_json(data)
        return 0
    print(
        f"{data['conversations']:,} conversations, {data['messages']:,} messages "
        f"({data['nodes']:,} nodes)\n"
    )
    for label, key in (
        ("Messages by model", "messages_by_model"),
        ("Conversations by month", "conversations_by_month"),
        ("Messages by month", "messages_by_month"),
    ):
        print(label)
        rows = data[key]
        top = max((count for _, count in rows), default=1)
        width = max((len(str(name)) for name, _ in rows), default=0)
        for name, count in rows:
            print(f"  {name:{width}} {count:8,}  {'█' * max(1, round(24 * count / top))}")
        print()
    return 0


def add_search(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper search``."""
    p = sub.add_parser("search", parents=[common], help="search messages")
    p.add_argument("query", nargs="*")
    p.add_argument(
        "--mode",
        choices=MODES,
        default=None,
        help="default: hybrid once messages are embedded, else keyword",
    )
    p.add_argument(
        "--embedding-model",
        metavar="NAME_OR_PATH",
        help="the model the archive was embedded with (default: the stored one)",
    )
    p.add_argument("--limit", type=int, default=20, metavar="K", help="at most K hits (default 20)")
    p.add_argument("--group", action="store_true", help="group hits by conversation")
    p.add_argument(
        "--include-hidden",
        action="store_true",
        help="also search tool output, reasoning and custom instructions",
    )
    p.add_argument("--batch", metavar="FILE.jsonl", help="one JSON query object per line")
    p.add_argument("--json", action="store_true")
    add_filters(p)
    p.set_defaults(handler=cmd_search)


def add_list(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper list``."""
    p = sub.add_parser("list", parents=[common], help="list conversations")
    p.add_argument(
        "--sort",
        choices=("updated", "created", "title", "messages"),
        default="updated",
        help="order (default: most recently updated first)",
    )
    p.add_argument(
        "--archived",
        choices=("include", "only", "exclude"),
        default="include",
        help="conversations archived in ChatGPT (default: include)",
    )
    p.add_argument("--limit", type=int, metavar="N", help="at most N conversations")
    p.add_argument("--json", action="store_true")
    add_filters(p, roles=False)
    p.set_defaults(handler=cmd_list)


def add_show(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper show``."""
    p = sub.add_parser("show", parents=[common], help="read one conversation")
    p.add_argument("id", help="conversation id (or a unique prefix)")
    p.add_argument("--all-branches", action="store_true", help="also show other branches")
    p.add_argument(
        "--hidden", action="store_true", help="include tool calls, reasoning, custom instructions"
    )
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.set_defaults(handler=cmd_show)


def add_stats(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper stats``."""
    p = sub.add_parser("stats", parents=[common], help="conversations and messages by model/month")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_stats)
