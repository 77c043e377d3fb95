"""The keeper terminal UI: library, search, reader, summary/export, profile, stats."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from keeper.config import Settings
from keeper.tui.backend import Backend

log = logging.getLogger(__name__)
DARK, LIGHT = "textual-dark", "textual-light"
GC_THRESHOLD = (5_000, 20, 50)  # allocations per young collection, then per older one


class KeeperApp(App[None]):
    """The app; :func:`keeper.tui.build_app` builds it. ``semantic=False`` keeps search
    keyword-only (tests, no model)."""

    CSS_PATH = "keeper.tcss"
    TITLE = "keeper"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("slash", "search", "Search"),
        Binding("1", "library", "Library", show=False),
        Binding("2", "search", "Search", show=False),
        Binding("3", "profile", "Profile"),
        Binding("4", "stats", "Stats"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
    ]

    def __init__(self, backend: Backend, settings: Settings, *, semantic: bool = True) -> None:
        super().__init__()
        self.backend = backend
        self.settings = settings
        self.semantic = semantic
        self.ready = False
        self.started = time.perf_counter()
        self.ready_after: float | None = None
        self.theme = DARK
        self._gc_threshold = gc.get_threshold()
        self._gc_was_frozen = False

    def on_mount(self) -> None:
        """Open on the library (which shows the welcome screen for an empty archive)."""
        from keeper.tui.screens.library import LibraryScreen

        # Python's full collections walk every object; Textual and the modules make that
        # tens of ms, paid on a keystroke. What exists now lives as long as the app, so it
        # is frozen out of the collector's sight, and collections run less often (measured
        # on the benchmark's 100k-message archive: 30-107 ms pauses while typing, now < 5 ms).
        self._gc_threshold = gc.get_threshold()
        self._gc_was_frozen = gc.get_freeze_count() > 0
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)
        self.push_screen(LibraryScreen())

    def on_unmount(self) -> None:
        """Close the workers' connections; give the collector its settings back (objects
        stay frozen if something froze some before the app started)."""
        self.backend.close()
        gc.set_threshold(*self._gc_threshold)
        if not self._gc_was_frozen:
            gc.unfreeze()

    def mark_ready(self) -> None:
        """The first screen shows real data and takes keys (the startup benchmark's end)."""
        if not self.ready:
            self.ready = True
            self.ready_after = time.perf_counter() - self.started
            gc.freeze()  # the first screen lives as long as the app (see on_mount)

    # -- navigation --------------------------------------------------------------------------
    def to_library(self) -> None:
        """Pop back to the library screen."""
        from keeper.tui.screens.library import LibraryScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, LibraryScreen):
            self.pop_screen()

    def action_library(self) -> None:
        """``1``: the library."""
        self.to_library()

    def action_search(self) -> None:
        """``/`` or ``2``: the search screen (its box focused)."""
        from keeper.tui.screens.search import SearchScreen

        if isinstance(self.screen, SearchScreen):
            self.screen.action_focus_box()
            return
        self.push_screen(SearchScreen())

    def action_profile(self) -> None:
        """``3``: custom instructions and memories."""
        from keeper.tui.screens.profile import ProfileScreen

        if not isinstance(self.screen, ProfileScreen):
            self.push_screen(ProfileScreen())

    def action_stats(self) -> None:
        """``4``: activity per model over time."""
        from keeper.tui.screens.stats import StatsScreen

        if not isinstance(self.screen, StatsScreen):
            self.push_screen(StatsScreen())

    def action_help(self) -> None:
        """``?``: the keys."""
        from keeper.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        """Switch between the light and the dark theme."""
        self.theme = LIGHT if self.theme == DARK else DARK

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """keeper's screens and switches in the command palette (ctrl+p)."""
        yield SystemCommand("Library", "All conversations (1)", self.action_library)
        yield SystemCommand(
            "Search messages", "Keyword and semantic search (/)", self.action_search
        )
        yield SystemCommand("Profile", "Custom instructions and memories (3)", self.action_profile)
        yield SystemCommand("Stats", "Activity over time per model (4)", self.action_stats)
        yield SystemCommand(
            "Light / dark theme", "Toggle the theme (ctrl+t)", self.action_toggle_theme
        )
        yield SystemCommand("Keys", "The help screen (?)", self.action_help)
        yield from super().get_system_commands(screen)
