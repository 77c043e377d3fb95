"""The Textual terminal UI. Importing this package is cheap; the app loads on ``run``.

:func:`build_app` is the one way to make the app: it receives its collaborators (how to
open the archive, the settings), so tests hand it what they need instead of patching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keeper.config import Settings
    from keeper.library import Library
    from keeper.tui.app import KeeperApp
    from keeper.tui.backend import LibraryFactory


def library_factory(settings: Settings) -> LibraryFactory:
    """Opens the archive ``settings`` name (keeper.library is imported on first use, so the
    first frame does not wait for apsw and the store)."""

    def open_library() -> Library:
        from keeper.library import Library

        return Library.open(settings=settings)

    return open_library


def build_app(
    settings: Settings, open_library: LibraryFactory | None = None, *, semantic: bool = True
) -> KeeperApp:
    """The keeper app on the archive ``open_library`` opens (default: the one ``settings``
    name). ``semantic=False`` keeps search keyword-only."""
    from keeper.tui.app import KeeperApp
    from keeper.tui.backend import Backend

    backend = Backend(open_library or library_factory(settings))
    return KeeperApp(backend, settings, semantic=semantic)


def run(db: str | None = None, *, settings: Settings | None = None) -> int:
    """Open the terminal UI on the archive at ``db`` (or the settings' one); the exit code."""
    from keeper.config import load_settings

    resolved = (settings or load_settings()).with_flags(db=db)
    build_app(resolved).run()
    return 0
