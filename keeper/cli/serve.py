"""``keeper mcp``: the read-only MCP server over stdio (its logic lives in keeper.mcp)."""

from __future__ import annotations

import argparse

from keeper.cli.common import Subparsers, settings_of


def cmd_mcp(args: argparse.Namespace) -> int:
    """keeper mcp [--redact]"""
    from keeper.mcp import serve

    return serve(settings_of(args), redact=args.redact)


def add_mcp(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Register ``keeper mcp``."""
    p = sub.add_parser(
        "mcp",
        parents=[common],
        help="serve the archive to an MCP client (Claude Desktop, LM Studio) over stdio, read-only",
    )
    p.add_argument(
        "--redact",
        action="store_true",
        help="mask e-mail addresses, phone numbers, street addresses and card numbers in "
        "every answer",
    )
    p.set_defaults(handler=cmd_mcp)
