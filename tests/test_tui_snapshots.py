"""Snapshot tests of the main screens at fixed sizes (pytest-textual-snapshot).

The SVGs live in tests/__snapshots__/test_tui_snapshots/; after a deliberate change of the
look, review the new pictures and accept them with ``pytest tests/test_tui_snapshots.py
--snapshot-update``. Times are shown in UTC here so the pictures do not depend on the
machine's time zone."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from keeper.config import Settings
from keeper.library import Library
from keeper.tui import build_app
from keeper.tui.app import KeeperApp
from keeper.tui.screens.reader import ReaderScreen
from keeper.tui.screens.search import SearchScreen
from tests.conftest import SAMPLE_EXPORT
from tests.tui_support import until


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_app(library: Library) -> KeeperApp:
    return build_app(Settings(db=str(library.paths.db)), semantic=False)


async def ready(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, KeeperApp)
    await until(pilot, lambda: app.ready)
    await pilot.pause(0.1)


def test_library_80x24(snap_compare, sample_library: Library) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(sample_library), terminal_size=(80, 24), run_before=ready)


def test_library_filters_120x32(snap_compare, sample_library: Library) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("ctrl+f")
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_library), terminal_size=(120, 32), run_before=run_before)


def test_search_results_80x24(snap_compare, sample_library: Library) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("slash", *"letter")
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        await until(pilot, lambda: len(screen.hits) == 3)
        screen.keyword_ms = None  # a timing, different on every run
        screen.status(screen.summary_line("keyword"))
        await pilot.press("down")
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_library), terminal_size=(80, 24), run_before=run_before)


def reader_at(library: Library, conversation: str, target: str | None, keys: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        pilot.app.push_screen(ReaderScreen(conversation, target=target))
        await until(
            pilot, lambda: isinstance(pilot.app.screen, ReaderScreen) and pilot.app.screen.loaded
        )
        await pilot.pause(0.1)
        if keys:
            await pilot.press(*keys)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause(0.2)

    return run_before


def test_reader_branch_80x24(snap_compare, sample_library: Library, index: dict) -> None:  # type: ignore[no-untyped-def]
    novel = index["novel-branches"]
    run_before = reader_at(sample_library, novel["id"], None, ("j", "j", "j"))
    assert snap_compare(make_app(sample_library), terminal_size=(80, 24), run_before=run_before)


def test_reader_hidden_and_summary_140x40(
    snap_compare, sample_library: Library, index: dict
) -> None:  # type: ignore[no-untyped-def]
    legal = index["legal-fair-use"]
    run_before = reader_at(sample_library, legal["id"], None, ("h", "s"))
    assert snap_compare(make_app(sample_library), terminal_size=(140, 40), run_before=run_before)


def test_export_dialog_100x30(snap_compare, sample_library: Library, index: dict) -> None:  # type: ignore[no-untyped-def]
    novel = index["novel-branches"]
    run_before = reader_at(sample_library, novel["id"], None, ("e",))
    assert snap_compare(make_app(sample_library), terminal_size=(100, 30), run_before=run_before)


def test_profile_80x24(snap_compare, sample_library: Library) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("3")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_library), terminal_size=(80, 24), run_before=run_before)


def test_stats_100x30(snap_compare, sample_library: Library) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("4")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.2)

    assert snap_compare(make_app(sample_library), terminal_size=(100, 30), run_before=run_before)


def test_help_80x24(snap_compare, sample_library: Library) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(make_app(sample_library), terminal_size=(80, 24), run_before=run_before)


def test_welcome_80x24(snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "exports" / "chatgpt-export.zip")
    monkeypatch.chdir(tmp_path)
    app = build_app(Settings(db=str(tmp_path / "empty.db")), semantic=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
