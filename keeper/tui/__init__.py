"""The Textual terminal UI. Importing this package is cheap; the app loads on ``run``."""

from __future__ import annotations


def run(db: str | None = None) -> int:
    """Open the terminal UI on the archive at ``db`` (or the default one); the exit code."""
    from keeper.tui.app import KeeperApp

    KeeperApp(db).run()
    return 0
