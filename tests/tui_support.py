"""Helpers for the TUI tests: waiting on workers and reading what a screen shows."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot


async def until(pilot: Pilot, check: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until ``check()`` is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if check():
            return
    raise AssertionError(f"timed out after {timeout}s waiting for {check}")


def text_of(widget: object) -> str:
    """The plain text a Static (or any widget with ``render``) shows."""
    render = widget.render()  # type: ignore[attr-defined]
    return str(getattr(render, "plain", render))
