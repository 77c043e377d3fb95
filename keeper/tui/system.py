"""Open a file with the system's viewer (xdg-open, open, start)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def viewer_command(path: str) -> list[str] | None:
    """The command that opens ``path`` on this system, or None when there is none."""
    if sys.platform == "darwin":
        return ["open", path]
    if os.name == "nt":
        return ["cmd", "/c", "start", "", path]
    for tool in ("xdg-open", "gio"):
        if shutil.which(tool):
            return [tool, path] if tool == "xdg-open" else [tool, "open", path]
    return None


def open_with_system(path: str) -> str:
    """Start the system viewer on ``path`` without waiting; the tool's name.

    Raises OSError when no viewer exists or it cannot start."""
    command = viewer_command(path)
    if command is None:
        raise OSError(f"No viewer found to open {path} (install xdg-utils).")
    subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    return command[0]
