"""Copy text to the system clipboard with whichever tool the machine has."""

from __future__ import annotations

import os
import shutil
import subprocess

from keeper.errors import KeeperError

# (command, needs) in order of preference; ``needs`` is an environment variable that
# must be set for the tool to work (Wayland / X11 display), or None.
TOOLS: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("pbcopy",), None),
    (("wl-copy",), "WAYLAND_DISPLAY"),
    (("xclip", "-selection", "clipboard"), "DISPLAY"),
    (("xsel", "--clipboard", "--input"), "DISPLAY"),
    (("clip.exe",), None),
)


class ClipboardError(KeeperError):
    """No clipboard tool could take the text."""


def clipboard_command() -> tuple[str, ...] | None:
    """The first usable clipboard command, or None."""
    for command, needs in TOOLS:
        if shutil.which(command[0]) and (needs is None or os.environ.get(needs)):
            return command
    return None


def copy_text(text: str) -> str:
    """Put ``text`` on the clipboard; returns the tool's name."""
    command = clipboard_command()
    if command is None:
        raise ClipboardError(
            "No clipboard tool found (tried pbcopy, wl-copy, xclip, xsel, clip.exe).",
            "Install one (e.g. sudo apt install wl-clipboard or xclip), or write the pack "
            "to a file with -o pack.md.",
        )
    try:
        subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        raise ClipboardError(
            f"{command[0]} could not take the text: {error}",
            "Write the pack to a file instead: -o pack.md",
        ) from error
    return command[0]
