"""Helpers for the MCP tests and benchmark: start `keeper mcp` as a subprocess and talk to
it with the official SDK's stdio client.

The server runs with an audit hook (a ``sitecustomize`` module, as in the privacy tests)
that refuses and logs every network attempt and logs each import of a heavy ML package,
so a test can tell that the server made no connection and did not import torch.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from mcp import Client, StdioServerParameters

from tests.hostile import REPO
from tests.netwatch import traced
from tests.test_privacy import HOOK

T = TypeVar("T")

IMPORT_HOOK = """
_HEAVY = ("torch", "sentence_transformers", "onnxruntime", "transformers")

def _imports(event, args):
    if event == "import" and args[0].split(".")[0] in _HEAVY and "." not in args[0]:
        with open(os.environ["KEEPER_IMPORT_LOG"], "a") as log:
            log.write(args[0] + "\\n")

sys.addaudithook(_imports)
"""


def hooked_env(folder: Path) -> dict[str, str]:
    """Environment for a server child process with the network and import hooks."""
    hook_dir = folder / "hook"
    hook_dir.mkdir(parents=True, exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(HOOK + IMPORT_HOOK)
    env = {
        "PYTHONPATH": os.pathsep.join([str(hook_dir), str(REPO)]),
        "KEEPER_NET_LOG": str(folder / "network.log"),
        "KEEPER_IMPORT_LOG": str(folder / "imports.log"),
        "XDG_DATA_HOME": str(folder / "xdg"),
        # Leave the hub settings alone: the hook, not an offline flag, proves the point.
        "HF_HUB_OFFLINE": "0",
    }
    if os.environ.get("KEEPER_MODEL_CACHE"):
        env["KEEPER_MODEL_CACHE"] = os.environ["KEEPER_MODEL_CACHE"]
    return env


def log_lines(path: Path) -> list[str]:
    """The lines a hook wrote (none when it wrote nothing)."""
    return path.read_text().splitlines() if path.exists() else []


def server_params(
    db: Path, env: dict[str, str], *extra: str, strace_log: Path | None = None
) -> StdioServerParameters:
    """How to start `keeper mcp` on ``db`` (under ``strace -f`` writing to ``strace_log``,
    when given, to watch native code's system calls too)."""
    command = [sys.executable, "-m", "keeper", "mcp", "--db", str(db), *extra]
    if strace_log is not None:
        command = traced(command, strace_log)
    return StdioServerParameters(command=command[0], args=command[1:], env=env, cwd=str(REPO))


def with_client(
    db: Path,
    env: dict[str, str],
    body: Callable[[Client], Awaitable[T]],
    *extra: str,
    strace_log: Path | None = None,
) -> T:
    """Start the server, run ``body`` with a connected client, close both."""

    async def main() -> T:
        params = server_params(db, env, *extra, strace_log=strace_log)
        async with Client(params, cache=None) as client:
            return await body(client)

    return asyncio.run(main())


def text_of(result: Any) -> str:
    """The text of a tool result."""
    return "".join(getattr(part, "text", "") for part in result.content)


def file_digest(db: Path) -> str:
    """sha256 over the database file and its WAL (what a write would change)."""
    digest = hashlib.sha256()
    for path in (db, Path(f"{db}-wal")):
        if path.exists() and path.stat().st_size:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
