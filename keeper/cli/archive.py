"""Commands that change what the archive holds or copy it out: import, export, forget."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from keeper.cli.common import (
    Subparsers,
    add_filters,
    embed_line,
    filters_from,
    open_library,
    print_json,
    say,
    unwritable,
)
from keeper.errors import KeeperError, UsageError
from keeper.export.formats import EXPORT_FORMATS

if TYPE_CHECKING:
    from keeper.library import Library


def cmd_import(args: argparse.Namespace) -> int:
    """keeper import [PATH ...]"""
    from keeper.library import default_inputs
    from keeper.report import render_report

    inputs = [Path(p) for p in args.paths] if args.paths else default_inputs()
    with open_library(args) as library:
        report = library.import_exports(inputs, show_progress=not args.json)
        data = report.as_dict()
        if args.json:
            print_json(data)
        else:
            sys.stdout.write(render_report(data))
        if not args.no_embed and data["exit_code"] != 1:
            _embed_after_import(library, quiet=args.json)
        if data["exit_code"] != 1:
            _prepare_after_import(library, quiet=args.json)
    if data["exit_code"] == 1:
        errors = [source["error"] for source in data["sources"] if source.get("error")]
        for error in errors:
            sys.stderr.write(f"keeper: {error}\n")
        if not errors:
            sys.stderr.write(
                f"keeper: none of the {data['conversations']['failed']:,} records found "
                "could be stored (the report above says why); nothing was imported.\n"
            )
    return int(data["exit_code"])


def _embed_after_import(library: Library, *, quiet: bool) -> None:
    """Embed the new messages once the keyword index is committed; a missing model only
    costs semantic search, so it is a note, not a failure."""
    from keeper.errors import ModelError

    try:
        result = library.embed(show_progress=not quiet, notify=say)
    except ModelError as error:
        sys.stderr.write(
            f"keeper: not embedded ({error.message}); keyword search works. "
            "Run `keeper embed` later.\n"
        )
        return
    if not quiet:
        print(embed_line(result.as_dict()))


def _prepare_after_import(library: Library, *, quiet: bool) -> None:
    """Digest the new and changed threads for packs and the MCP server (after embedding:
    a thread's summary picks its central turns by their vectors when it has them)."""
    computed = library.prepare_packs(show_progress=not quiet)
    if computed and not quiet:
        print(f"Prepared {computed:,} threads for context packs.")


def cmd_export(args: argparse.Namespace) -> int:
    """keeper export --format chatgpt|markdown|jsonl-chat|sharegpt -o PATH [filters]"""
    out_path = Path(args.output)
    filters = filters_from(args)
    with open_library(args, create=False) as library:
        filters = library.resolve_filters(filters)
        try:
            if args.format == "markdown":
                count = library.export_markdown(out_path, filters)
            else:
                with open(out_path, "wb") as out:
                    if args.format == "chatgpt":
                        count = library.export_chatgpt(out, filters)
                    else:
                        style = "openai" if args.format == "jsonl-chat" else "sharegpt"
                        count = library.export_chat_jsonl(
                            out, filters, style=style, only_model=args.only_model
                        )
        except OSError as error:
            raise unwritable(out_path, error) from None
    print(f"Wrote {count:,} conversations to {out_path}", file=sys.stderr)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    """keeper forget ID [--yes]"""
    from keeper.render import format_time

    if args.scrub:
        with open_library(args, create=False) as library:
            if not library.scrub():
                raise KeeperError(
                    "Another keeper process is using the database, so it was not compacted.",
                    "Close other keeper windows and imports, then run keeper forget --scrub again.",
                )
        print("The database was compacted; deleted text is gone from its files.")
        return 0
    if args.import_:
        if args.id:
            raise UsageError("Give either a conversation id or --import, not both.")
        return _forget_import(args)
    if not args.id:
        raise UsageError(
            "Give the id of the conversation to forget (keeper list shows ids), "
            "or --import FILE to take back a whole import."
        )
    with open_library(args, create=False) as library:
        conv, nodes = library.conversation(args.id)
        if not args.yes and not _confirm(
            f"Forget {conv.title or '(untitled)'!r} [{conv.id}], "
            f"{format_time(conv.create_time)}, {conv.message_count:,} messages "
            f"({len(nodes):,} nodes)?\nThis deletes it from the archive for good: its "
            "messages, search index entries, embeddings, and the files no other "
            "conversation uses."
        ):
            sys.stderr.write("keeper: nothing was deleted.\n")
            return 1
        done = library.forget(conv.id)
    if args.json:
        print_json(done.as_dict())
    else:
        print(
            f"Forgot {done.title or '(untitled)'!r} [{done.conversation_id}]: "
            f"{done.nodes:,} nodes, {done.asset_files:,} files, "
            f"{done.profile_items:,} profile items."
        )
    if not done.scrubbed:
        sys.stderr.write(
            "keeper: the conversation is deleted, but another keeper process kept the "
            "database from being compacted, so old copies of its text may remain in free "
            "space. Close other keeper windows, then run: keeper forget --scrub\n"
        )
        return 3
    return 0


def _confirm(question: str) -> bool:
    """Ask on stderr; True only when the person types yes."""
    sys.stderr.write(f"{question} Type yes to confirm: ")
    sys.stderr.flush()
    try:
        answer = input()
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _forget_import(args: argparse.Namespace) -> int:
    """keeper forget --import FILE|IMPORT_ID: every conversation only that export held."""
    from keeper.render import format_time

    with open_library(args, create=False) as library:
        sources, rows = library.import_plan(args.import_)
        files = ", ".join(sources)
        if not rows:
            print(f"Every conversation from {files} is also in another import; nothing to forget.")
            return 0
        shown = rows[:20]
        lines = [
            f"  {r.id}  {format_time(r.create_time)[:10]:10}  {r.title or '(untitled)'}"
            for r in shown
        ]
        if len(rows) > len(shown):
            lines.append(f"  … and {len(rows) - len(shown):,} more")
        sys.stderr.write(
            f"These {len(rows):,} conversations came only from {files}:\n" + "\n".join(lines) + "\n"
        )
        if not args.yes and not _confirm(
            f"Forget all {len(rows):,}? This deletes them from the archive for good, with "
            "their search index entries, embeddings and the files no other conversation uses."
        ):
            sys.stderr.write("keeper: nothing was deleted.\n")
            return 1
        done = library.forget_many([r.id for r in rows])
    if args.json:
        print_json(done | {"sources": sources})
    else:
        print(
            f"Forgot {done['conversations']:,} conversations from {files}: "
            f"{done['nodes']:,} nodes, {done['asset_files']:,} files, "
            f"{done['profile_items']:,} profile items."
        )
    if not done["scrubbed"]:
        sys.stderr.write(
            "keeper: the conversations are deleted, but another keeper process kept the "
            "database from being compacted. Close other keeper windows, then run: "
            "keeper forget --scrub\n"
        )
        return 3
    return 0


def add_import(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper import``."""
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


def add_export(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper export``."""
    p = sub.add_parser("export", parents=[common], help="export conversations")
    p.add_argument("--format", choices=EXPORT_FORMATS, required=True)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="a file (a folder for --format markdown)",
    )
    p.add_argument(
        "--only-model",
        metavar="SLUG",
        help="jsonl-chat/sharegpt: train only on turns this model wrote",
    )
    add_filters(p, roles=False)
    p.set_defaults(handler=cmd_export)


def add_forget(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper forget``."""
    p = sub.add_parser(
        "forget",
        parents=[common],
        help="delete a conversation, or a whole import, for good (asks first)",
    )
    p.add_argument("id", nargs="?", help="conversation id (or a unique prefix)")
    p.add_argument(
        "--import",
        dest="import_",
        metavar="FILE_OR_ID",
        help="take back a whole import: every conversation that came only from this "
        "export file (or import id); shows them and asks first",
    )
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--scrub",
        action="store_true",
        help="only compact the database so deleted text leaves its files",
    )
    p.add_argument("--json", action="store_true", help="print what was removed as JSON")
    p.set_defaults(handler=cmd_forget)
