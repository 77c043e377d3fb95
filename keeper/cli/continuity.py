"""Commands that carry context to a new model: summarize, profile, persona, pack."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keeper.cli.common import (
    Subparsers,
    open_library,
    parse_date,
    print_json,
    settings_of,
    unwritable,
)
from keeper.errors import UsageError
from keeper.pack.options import MIN_BUDGET
from keeper.store.filters import Filters


def _llm_url(args: argparse.Namespace) -> str | None:
    return settings_of(args).llm_url


def cmd_summarize(args: argparse.Namespace) -> int:
    """keeper summarize ID [--json] [--llm URL]"""
    with open_library(args, create=False) as library:
        summary = library.summarize(args.id, llm_url=_llm_url(args))
    if args.json:
        print_json(summary.as_dict())
    else:
        sys.stdout.write(summary.to_markdown())
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    """keeper profile [--json] [--include ID | --exclude ID | --edit ID TEXT]"""
    from keeper.render import format_time

    with open_library(args, create=False) as library:
        for item_id in args.include or ():
            library.set_profile_item(item_id, included=True)
        for item_id in args.exclude or ():
            library.set_profile_item(item_id, included=False)
        if args.edit:
            if not args.edit[0].isdigit():
                raise UsageError(
                    f"--edit takes an item number, then the text; {args.edit[0]!r} is not one.",
                    "keeper profile lists the numbers (#12): keeper profile --edit 12 'new text'",
                )
            library.set_profile_item(int(args.edit[0]), edited_text=args.edit[1])
        if args.reset_edit is not None:
            library.set_profile_item(args.reset_edit, edited_text="")
        items = library.profile()
    if args.json:
        print_json(items)
        return 0
    if not items:
        print("No custom instructions or memories in this archive.")
        return 0
    labels = {
        "about_user": "About me (custom instructions)",
        "about_model": "How to respond (custom instructions)",
        "memory": "Memories",
    }
    for kind in ("about_user", "about_model", "memory"):
        group = [i for i in items if i["kind"] == kind]
        if not group:
            continue
        print(f"\n{labels[kind]}")
        for item in group:
            mark = "x" if item["included"] else " "
            first = format_time(item.get("first_seen") or item["time"])[:10] or "undated"
            last = format_time(item.get("last_seen"))[:10]
            when = first if not last or last == first else f"{first} → {last}"
            text = " ".join((item["edited_text"] or item["text"]).split())
            edited = " (edited)" if item["edited_text"] else ""
            print(f"  [{mark}] #{item['id']:<4} {when}  {text}{edited}")
            print(
                f"          from “{item['conversation_title'] or '(untitled)'}” "
                f"{item['conversation_id']} via {item['source']}, seen {item['occurrences']}×"
            )
    others = sorted({i["kind"] for i in items} - set(labels))
    for kind in others:
        print(f"\n{kind}")
        for item in (i for i in items if i["kind"] == kind):
            print(f"  [{'x' if item['included'] else ' '}] #{item['id']:<4} {item['text']}")
    print("\n[x] = goes into packs. Change with --include ID / --exclude ID / --edit ID TEXT.")
    return 0


def cmd_persona(args: argparse.Namespace) -> int:
    """keeper persona [--model SLUG] [--json]"""
    with open_library(args, create=False) as library:
        if args.model:
            library.resolve_filters(Filters(model=args.model))
        persona = library.persona(args.model)
    if args.json:
        print_json(persona.as_dict())
    else:
        sys.stdout.write(persona.to_markdown())
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    """keeper pack [scope] [--budget N] [--target T] [--redact] [-o FILE | --copy]"""
    from keeper.pack import PackOptions

    if args.output and args.copy:
        raise UsageError("Use either -o FILE or --copy, not both.")
    with open_library(args, create=False) as library:
        # A typo in --model or --project is an error with suggestions, not an empty pack.
        scope = library.resolve_filters(Filters(model=args.model, project=args.project))
        pack = library.pack(
            PackOptions(
                conversations=tuple(args.conversation or ()),
                search=" ".join(args.search) if args.search else None,
                project=scope.project,
                since=parse_date(args.since) if args.since else None,
                model=scope.model,
                budget=args.budget,
                target=args.target,
                redact=args.redact or args.redact_names,
                redact_names=args.redact_names,
                llm_url=_llm_url(args),
            )
        )
    if args.json:
        print_json(pack.as_dict())
        return 0
    if args.output:
        try:
            Path(args.output).write_text(pack.text, encoding="utf-8")
        except OSError as error:
            raise unwritable(args.output, error) from None
        where = f"Wrote {args.output}"
    elif args.copy:
        from keeper.pack.clipboard import copy_text

        where = f"Copied to the clipboard ({copy_text(pack.text)})"
    else:
        sys.stdout.write(pack.text)
        where = "Pack"
    print(
        f"{where}: {pack.tokens:,} of {pack.budget:,} tokens ({pack.tokenizer}), "
        f"{len(pack.sources)} sources.",
        file=sys.stderr,
    )
    for item in pack.redactions:
        print(
            f"  masked {item['placeholder']} = {item['value']!r} ({item['count']}×)",
            file=sys.stderr,
        )
    return 0


def add_summarize(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper summarize``."""
    p = sub.add_parser("summarize", parents=[common], help="offline summary of a conversation")
    p.add_argument("id", help="conversation id (or a unique prefix)")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--llm",
        metavar="URL",
        help="also ask an OpenAI-compatible endpoint (e.g. http://127.0.0.1:11434/v1)",
    )
    p.set_defaults(handler=cmd_summarize)


def add_profile(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper profile``."""
    p = sub.add_parser(
        "profile",
        parents=[common],
        help="custom instructions and memories; choose what packs include",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--include", type=int, action="append", metavar="ID", help="put item ID into packs"
    )
    p.add_argument(
        "--exclude", type=int, action="append", metavar="ID", help="keep item ID out of packs"
    )
    p.add_argument("--edit", nargs=2, metavar=("ID", "TEXT"), help="text to use in packs")
    p.add_argument("--reset-edit", type=int, metavar="ID", help="go back to the original text")
    p.set_defaults(handler=cmd_profile)


def add_persona(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper persona``."""
    p = sub.add_parser("persona", parents=[common], help="how a model spoke with you")
    p.add_argument("--model", metavar="SLUG", help="default: the model you talked with most")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_persona)


def add_pack(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper pack``."""
    p = sub.add_parser("pack", parents=[common], help="a context pack for a new model")
    p.add_argument("--conversation", action="append", metavar="ID", help="repeatable")
    p.add_argument(
        "--search", nargs="+", metavar="QUERY", help="the conversations this search finds"
    )
    p.add_argument("--project", metavar="GIZMO_ID", help="the conversations of one Project")
    p.add_argument(
        "--since", metavar="DATE", help="conversations from this date on (2024, 2024-05, ...)"
    )
    p.add_argument("--model", metavar="SLUG", help="conversations with this model")
    p.add_argument(
        "--budget",
        type=int,
        default=8000,
        metavar="TOKENS",
        help=f"size limit (at least {MIN_BUDGET}; default 8000)",
    )
    p.add_argument(
        "--target",
        default="generic",
        choices=("generic", "chatgpt", "claude", "gemini", "system-prompt"),
        help="shape it for this assistant's memory or system prompt (default: generic)",
    )
    p.add_argument(
        "--redact",
        action="store_true",
        help="mask e-mails, phone numbers, addresses and other identifiers",
    )
    p.add_argument(
        "--redact-names",
        action="store_true",
        help="with --redact, also mask the people sheet's names",
    )
    p.add_argument("--llm", metavar="URL", help="LLM abstracts for threads (optional)")
    p.add_argument("--json", action="store_true")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="FILE", help="write it to FILE")
    out.add_argument("--copy", action="store_true", help="copy to the clipboard")
    p.set_defaults(handler=cmd_pack)
