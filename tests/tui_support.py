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


def screen_text(app: object) -> str:
    """The whole screen as plain text, as a person would see it (what Textual's own
    screenshots draw: the current screen over the ones below it)."""
    import io

    from rich.console import Console

    width, height = app.size  # type: ignore[attr-defined]
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    screen = app.screen  # type: ignore[attr-defined]
    console.print(
        screen._compositor.render_update(full=True, screen_stack=app._background_screens)  # type: ignore[attr-defined]
    )
    return console.export_text()


def rendered(widget: object, width: int = 100) -> str:
    """The plain text of what a Static shows (Rich renderables such as Markdown included)."""
    import io

    from rich.console import Console

    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(widget.content)  # type: ignore[attr-defined]
    return console.export_text()
