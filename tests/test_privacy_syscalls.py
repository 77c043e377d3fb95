"""Privacy, seen from the kernel: no keeper command reaches the network, native code included.

Every command runs under ``strace -f`` (all threads, all children) on a fresh data folder,
so the first run builds the int8 ONNX copy of the model as a new user's does; any
``connect``/``sendto``/``sendmsg`` to an address other than loopback fails the test. The
audit-hook test in test_privacy.py stays as the fast in-process check.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_EXPORT
from tests.hostile import REPO, cli_env
from tests.netwatch import network_attempts, strace_or_fail, traced
from tests.test_tui_e2e import Tmux

pytestmark = pytest.mark.slow

CONVERSATION = "ad827162"  # a conversation of the sample export
# onnxruntime's native telemetry thread (1.29-1.32) fired 5-25 s after the library
# loaded; the TUI session below stays open longer than that with the model loaded.
LONG_LIVED_SECONDS = 35


def _env(tmp_path: Path) -> dict[str, str]:
    env = cli_env(
        {
            "XDG_DATA_HOME": str(tmp_path / "xdg"),
            # Leave the hub settings alone: keeper itself must stay offline.
            "HF_HUB_OFFLINE": "0",
            "TRANSFORMERS_OFFLINE": "0",
        }
    )
    env.pop("KEEPER_MODEL_CACHE", None)  # build the model copy where users get it
    return env


def _commands(out: Path) -> list[tuple[str, ...]]:
    """The archive-touching commands, in a new user's order (forget last)."""
    packs = [
        ("pack", "--target", target, "-o", str(out / f"pack-{target}.md"))
        for target in ("generic", "chatgpt", "claude", "gemini", "system-prompt")
    ]
    exports = [
        ("export", "--format", fmt, "-o", str(out / f"export-{fmt}"))
        for fmt in ("chatgpt", "markdown", "jsonl-chat", "sharegpt")
    ]
    return [
        ("import", str(SAMPLE_EXPORT)),
        ("demo", "--no-tui"),
        ("embed", "--model", "all-MiniLM-L6-v2"),  # builds MiniLM's int8 ONNX copy
        ("search", "tea", "--mode", "keyword", "--json"),
        ("search", "tea", "--mode", "semantic", "--json"),
        ("search", "tea", "--mode", "hybrid", "--json"),
        ("search", "喜欢", "--json"),
        ("list", "--json"),
        ("show", CONVERSATION),
        ("stats", "--json"),
        ("summarize", CONVERSATION, "--json"),
        ("profile", "--json"),
        ("persona", "--json"),
        *packs,
        ("pack", "--search", "tea", "-o", str(out / "pack-search.md")),
        *exports,
        ("doctor", "--json"),
    ]


def _run_traced(args: tuple[str, ...], db: Path, env: dict[str, str], log: Path) -> int:
    command = traced([sys.executable, "-m", "keeper", args[0], "--db", str(db), *args[1:]], log)
    proc = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "Traceback" not in proc.stderr, (args, proc.stderr)
    return proc.returncode


def test_the_watch_sees_native_code_in_a_child_process(tmp_path: Path) -> None:
    """The control: a connect made by bash (native code, a grandchild) is caught."""
    strace_or_fail()
    log = tmp_path / "control.log"
    script = "exec 3<>/dev/tcp/192.0.2.1/9"  # TEST-NET-1: never routed
    subprocess.run(
        traced(["sh", "-c", f"timeout 2 bash -c {shlex.quote(script)}"], log),
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert any("192.0.2.1" in line for line in network_attempts(log)), log.read_text()


def test_loopback_is_not_an_attempt(tmp_path: Path) -> None:
    log = tmp_path / "loopback.log"
    code = (
        "import socket\ns = socket.socket()\ntry:\n    s.connect(('127.0.0.1', 9))\n"
        "except OSError:\n    pass\n"
    )
    subprocess.run(traced([sys.executable, "-c", code], log), check=True, timeout=60)
    assert "127.0.0.1" in log.read_text()
    assert network_attempts(log) == []


def test_no_command_reaches_the_network_from_a_fresh_data_folder(tmp_path: Path) -> None:
    env = _env(tmp_path)
    db = tmp_path / "data" / "keeper.db"
    out = tmp_path / "out"
    out.mkdir()
    for index, args in enumerate(_commands(out)):
        log = tmp_path / f"trace-{index}.log"
        code = _run_traced(args, db, env, log)
        assert network_attempts(log) == [], (args, network_attempts(log))
        assert code == 0, args
        if args[0] == "embed":
            built = list((db.parent / "models").rglob("*.onnx"))
            assert built, "the first MiniLM run built the model copy (the run this test is for)"
    forget_log = tmp_path / "trace-forget.log"
    assert _run_traced(("forget", CONVERSATION, "--yes"), db, env, forget_log) == 0
    assert network_attempts(forget_log) == []


def test_a_long_tui_session_with_semantic_search_reaches_no_network(tmp_path: Path) -> None:
    """The TUI, open past the window in which onnxruntime's telemetry thread used to fire."""
    strace_or_fail()
    env = _env(tmp_path)
    db = tmp_path / "data" / "keeper.db"
    setup = subprocess.run(
        [sys.executable, "-m", "keeper", "import", "--db", str(db), str(SAMPLE_EXPORT)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert setup.returncode == 0, setup.stderr
    log = tmp_path / "tui.log"
    keeper = traced([sys.executable, "-m", "keeper", "--db", str(db)], log)
    variables = [f"{k}={v}" for k, v in env.items() if k.isidentifier()]
    command = shlex.join(["env", "-i", *variables, "TERM=xterm-256color", *keeper])
    tmux = Tmux(f"keeper-netwatch-{os.getpid()}")
    try:
        started = time.monotonic()
        tmux.run("new-session", "-d", "-s", "keeper", "-x", "100", "-y", "30", command)
        tmux.wait_for(lambda s: "23 conversations" in s, timeout=60)
        tmux.run("send-keys", "-t", "keeper", "/")
        tmux.wait_for(lambda s: "Search messages" in s)
        tmux.run("send-keys", "-t", "keeper", "-l", "a cosy evening with tea")
        tmux.wait_for(lambda s: "semantic joined" in s, timeout=90)
        while time.monotonic() - started < LONG_LIVED_SECONDS:
            assert tmux.alive()
            time.sleep(1)
        tmux.run("send-keys", "-t", "keeper", "Escape")  # leave the search box
        tmux.wait_for(lambda s: "23 conversations" in s)
        tmux.run("send-keys", "-t", "keeper", "q")
        deadline = time.monotonic() + 30
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not tmux.alive(), f"q quits the TUI; the terminal showed:\n{tmux.screen()}"
    finally:
        tmux.run("kill-server", check=False)
        # A traced process can outlive its tmux pane (strace detaches on SIGHUP).
        subprocess.run(["pkill", "-f", str(db)], check=False)
    assert log.exists() and log.stat().st_size > 0, "strace watched the TUI"
    assert network_attempts(log) == []
