"""End to end: the installed `keeper` in a real terminal (tmux), driven by keystrokes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from keeper.library import Library

KEEPER = Path(sys.executable).with_name("keeper")
TITLE = "Rename photos by EXIF date"


class Tmux:
    """One private tmux server (its own socket) running one window."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A tmux command on this server."""
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check
        )

    def screen(self) -> str:
        """What the terminal shows now."""
        return self.run("capture-pane", "-p", "-t", "keeper").stdout

    def wait_for(self, check: Callable[[str], bool], timeout: float = 20.0) -> str:
        """Poll the screen until ``check`` accepts it; fail with the last screen."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out; the terminal showed:\n{screen}")

    def alive(self) -> bool:
        """Whether the window's session still exists (keeper has not exited)."""
        return self.run("has-session", "-t", "keeper", check=False).returncode == 0


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    """A private tmux server, killed afterwards."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (.ci/run installs it: apt-get install tmux)")
    server = Tmux(f"keeper-test-{os.getpid()}-{tmp_path.name}")
    yield server
    server.run("kill-server", check=False)


def test_keeper_in_tmux_search_and_open(tmux: Tmux, sample_library: Library) -> None:
    assert KEEPER.exists(), f"{KEEPER} is not installed (pip install -e .)"
    command = f"TERM=xterm-256color {KEEPER} --db {sample_library.paths.db}"
    tmux.run("new-session", "-d", "-s", "keeper", "-x", "100", "-y", "30", command)
    tmux.wait_for(lambda s: "23 conversations" in s)

    tmux.run("send-keys", "-t", "keeper", "/")
    tmux.wait_for(lambda s: "Search messages" in s)
    tmux.run("send-keys", "-t", "keeper", "-l", TITLE)
    # The title shows twice: once in the box, once as the heading of its results.
    screen = tmux.wait_for(lambda s: s.count(TITLE) >= 2 and " conversation" in s)
    assert "exiftool" in screen or "EXIF" in screen

    tmux.run("send-keys", "-t", "keeper", "Enter")
    screen = tmux.wait_for(lambda s: "One-liner to rename all my JPGs" in s and "Version" in s)
    assert TITLE in screen and "messages" in screen

    tmux.run("send-keys", "-t", "keeper", "q")
    deadline = time.monotonic() + 10
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "q did not quit keeper"
