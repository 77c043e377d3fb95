"""The terminal UI, driven by Pilot against the imported sample export."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, Select, Sparkline, TextArea

from keeper.config import Settings
from keeper.library import Library
from keeper.model import SearchResult
from keeper.pack.options import MIN_BUDGET
from keeper.store.filters import Filters
from keeper.tui import build_app
from keeper.tui.app import KeeperApp
from keeper.tui.query import parse_date
from keeper.tui.screens.export import ExportScreen
from keeper.tui.screens.help import HelpScreen
from keeper.tui.screens.library import LibraryScreen
from keeper.tui.screens.profile import ProfileScreen
from keeper.tui.screens.reader import WINDOW, ReaderScreen
from keeper.tui.screens.search import SearchScreen
from keeper.tui.screens.stats import StatsScreen
from keeper.tui.screens.welcome import WelcomeScreen
from keeper.tui.widgets.message import MessageView
from tests.conftest import SAMPLE_EXPORT
from tests.tui_support import text_of, until

pytestmark = pytest.mark.asyncio


@pytest.fixture
def app(sample_library: Library) -> KeeperApp:
    """A fresh app on the module's sample archive, keyword search only."""
    return build_app(Settings(db=str(sample_library.paths.db)), semantic=False)


def table_ids(app: KeeperApp) -> list[str]:
    """Conversation ids in the library table, top to bottom."""
    table = app.screen.query_one("#conversations", DataTable)
    return [
        str(table.coordinate_to_cell_key((row, 0)).row_key.value) for row in range(table.row_count)
    ]


async def open_library(pilot, app: KeeperApp) -> LibraryScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.ready)
    assert isinstance(app.screen, LibraryScreen)
    return app.screen


async def open_reader(pilot, app: KeeperApp) -> ReaderScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen.loaded)
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    await pilot.pause(0.05)
    return screen


def shown_ids(screen: ReaderScreen) -> list[str]:
    return [view.node.node_id for view in screen.message_views()]


# -- library --------------------------------------------------------------------------------
async def test_library_lists_every_conversation(app: KeeperApp, sample_library: Library) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        expected = [c.id for c in sample_library.conversations(sort="updated")]
        assert table_ids(app) == expected
        assert "23 conversations" in text_of(app.screen.query_one("#library-status"))


async def test_type_to_filter_and_open(
    app: KeeperApp, sample_library: Library, index: dict
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press(*"lisb")
        box = app.screen.query_one("#filter", Input)
        assert box.value == "lisb" and app.screen.focused is box
        assert table_ids(app) == [index["slim"]["id"]]
        await pilot.press("enter")
        reader = await open_reader(pilot, app)
        assert reader.conversation_id == index["slim"]["id"]
        assert "Packing list for Lisbon" in text_of(reader.query_one("#reader-title"))


async def test_sort_and_filters(app: KeeperApp, sample_library: Library, index: dict) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_library(pilot, app)
        await pilot.press("ctrl+s")
        created = [c.id for c in sample_library.conversations(sort="created")]
        await until(pilot, lambda: table_ids(app) == created)
        await pilot.press("ctrl+f")
        screen.query_one("#f-model", Select).value = "gpt-4o-mini"
        expected = {c.id for c in sample_library.conversations(Filters(model="gpt-4o-mini"))}
        assert expected and len(expected) < 23
        await until(pilot, lambda: set(table_ids(app)) == expected)
        screen.query_one("#f-model", Select).clear()
        screen.query_one("#f-archived", Select).value = "only"
        await until(pilot, lambda: table_ids(app) == [index["archived-lease"]["id"]])
        screen.query_one("#f-archived", Select).value = "include"
        screen.query_one("#f-since", Input).value = "2025-01-01"
        since = sample_library.conversations(Filters(since=parse_date("2025-01-01")))
        await until(pilot, lambda: set(table_ids(app)) == {c.id for c in since})
        assert 0 < len(since) < 23


async def test_welcome_imports_exports_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "exports" / "export.zip")
    monkeypatch.chdir(tmp_path)
    app = build_app(Settings(db=str(tmp_path / "empty.db")), semantic=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        welcome = app.screen
        assert "keeper import" in str(welcome.query_one("Markdown").source)
        assert "Found 1 export" in text_of(welcome.query_one("#welcome-found"))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen), timeout=60)
        await until(pilot, lambda: len(table_ids(app)) == 23)
        assert welcome.progress_seen and welcome.progress_seen[-1][0] > 0


# -- search ---------------------------------------------------------------------------------
async def test_search_as_you_type_grouped_and_highlighted(app: KeeperApp, index: dict) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"letter")
        screen = app.screen
        await until(pilot, lambda: len(screen.hits) == 3)
        options = screen.query_one("#hits", OptionList)
        prompts = [options.get_option_at_index(i) for i in range(options.option_count)]
        # Grouped: a conversation heading, then its hits.
        assert prompts[0].id == f"c:{index['novel-branches']['id']}"
        assert [p.id for p in prompts[1:3]] == ["h:0", "h:1"]
        snippet = prompts[1].prompt
        marked = [
            snippet.plain[s.start : s.end] for s in snippet.spans if "reverse" in str(s.style)
        ]
        assert marked == ["letter"]
        assert "keyword" in text_of(screen.query_one("#search-status"))


async def test_long_hit_lists_paint_a_screenful_first_then_the_rest(
    app: KeeperApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keeper.tui.screens.search as search_screen

    monkeypatch.setattr(search_screen, "FIRST_OPTIONS", 2)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("slash", *"麻糬")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        options = screen.query_one("#hits", OptionList)
        await until(pilot, lambda: len(screen.hits) == 4 and options.option_count == 5)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids[0].startswith("c:") and ids[1:] == ["h:0", "h:1", "h:2", "h:3"]
        # A newer query replaces the list; the older list's remaining options never join it.
        screen.show_hits(screen.generation, screen.hits, "keyword", 1.0)
        screen.show_hits(screen.generation, screen.hits[:1], "keyword", 1.0)
        await pilot.pause(0.2)
        assert options.option_count == 2


async def test_search_filters_and_cjk(app: KeeperApp, index: dict) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("slash", *"麻糬")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await until(pilot, lambda: len(screen.hits) == 4)
        assert {h.conversation_id for h in screen.hits} == {index["zh-cat"]["id"]}
        box = screen.query_one("#query", Input)
        box.value = "麻糬 role:user"
        await until(pilot, lambda: len(screen.hits) == 1)
        assert screen.hits[0].role == "user"
        box.value = "pasta model:gpt-4o"
        await until(pilot, lambda: "0 hits" in text_of(screen.query_one("#search-status")))


async def test_semantic_hits_join_and_failures_keep_keyword(sample_library: Library) -> None:
    calls: list[str | None] = []

    class FakeSemantic(Library):
        """Hybrid search that adds one hit, or fails for "boom" (no model needed)."""

        def search(self, query, filters=Filters(), *, mode=None, limit=20, embedding_model=None):  # type: ignore[no-untyped-def]
            calls.append(mode)
            hits = super().search(query, filters, mode="keyword", limit=limit)
            if mode == "hybrid":
                if query == "boom":
                    raise RuntimeError("no model here")
                extra = super().search("pasta", filters, mode="keyword", limit=1)
                return SearchResult(hits.hits + extra.hits, hits.note)
            return hits

    settings = Settings(db=str(sample_library.paths.db))
    app = build_app(settings, lambda: FakeSemantic.open(settings=settings), semantic=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("slash", *"letter")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await until(pilot, lambda: len(screen.hits) == 4)
        assert "semantic joined (+1)" in text_of(screen.query_one("#search-status"))
        options = screen.query_one("#hits", OptionList)
        last = options.get_option_at_index(options.option_count - 1).prompt
        assert "≈ semantic" in last.plain
        screen.query_one("#query", Input).value = "boom"
        await until(pilot, lambda: "unavailable" in text_of(screen.query_one("#search-status")))
        assert calls.count("hybrid") >= 2


# -- the whole flow: search → open hit → branch → hidden → summary → export → copy -----------
async def test_search_open_branch_hidden_summary_export_copy(
    app: KeeperApp,
    sample_library: Library,
    index: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keeper.pack.clipboard

    monkeypatch.setattr(keeper.pack.clipboard, "clipboard_command", lambda: None)
    novel = index["novel-branches"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("slash", *"father hidden")
        search = app.screen
        assert isinstance(search, SearchScreen)
        await until(pilot, lambda: bool(search.hits))
        hit = search.hits[0]
        # The hit is on a branch the stored thread does not show.
        _, rows = sample_library.conversation(novel["id"])
        by_id = {row.node_id: row for row in rows}
        assert not by_id[hit.node_id].on_path
        await pilot.press("down", "down", "enter")
        reader = await open_reader(pilot, app)
        assert hit.node_id in shown_ids(reader)
        target = next(v for v in reader.message_views() if v.node.node_id == hit.node_id)
        assert target.has_class("-target")
        await until(pilot, lambda: reader.focused is target)
        assert "‹ 1/2 ›" in text_of(target.query_one(".message-heading"))

        # Switch branch: the stored (2/2) version of that message replaces it.
        await pilot.press("right_square_bracket")
        await pilot.pause(0.1)
        shown = shown_ids(reader)
        assert hit.node_id not in shown
        sibling = next(n for n in shown if by_id[n].parent_id == by_id[hit.node_id].parent_id)
        assert "‹ 2/2 ›" in text_of(
            next(v for v in reader.message_views() if v.node.node_id == sibling).query_one(
                ".message-heading"
            )
        )
        assert "Version 2/2" in text_of(reader.query_one("#reader-status"))

        # Hidden nodes: custom instructions appear, then go again.
        before = len(shown)
        await pilot.press("h")
        await pilot.pause(0.1)
        kinds = {v.node.kind for v in reader.message_views()}
        assert "context" in kinds and len(reader.message_views()) > before
        await pilot.press("h")
        await pilot.pause(0.1)
        assert len(reader.message_views()) == before

        # Summary pane.
        await pilot.press("s")
        await until(pilot, lambda: not reader.query_one("#summary-pane").has_class("-off"))
        summary = sample_library.summarize(novel["id"])
        assert reader.query_one("#summary").source == summary.to_markdown()
        assert "## Abstract" in summary.to_markdown()

        # Export → build → copy → save.
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        export = app.screen
        assert isinstance(export, ExportScreen)
        await pilot.press("ctrl+b")
        await until(pilot, lambda: export.pack is not None, timeout=30)
        assert export.pack is not None
        assert export.query_one("#preview", TextArea).text == export.pack.text
        assert any(s.conversation_id == novel["id"] for s in export.pack.sources)
        await pilot.press("ctrl+y")
        assert app.clipboard == export.pack.text
        assert "Copied" in text_of(export.query_one("#export-status"))
        out = tmp_path / "pack.md"
        export.query_one("#save-path", Input).value = str(out)
        await pilot.press("ctrl+s")
        assert out.read_text(encoding="utf-8") == export.pack.text
        await pilot.press("escape")
        assert app.screen is reader


async def test_export_scopes_and_budget(app: KeeperApp, index: dict) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await open_library(pilot, app)
        await pilot.press("slash", *"logbook")
        search = app.screen
        await until(pilot, lambda: bool(search.hits))  # type: ignore[attr-defined]
        await pilot.press("ctrl+o")
        export = app.screen
        assert isinstance(export, ExportScreen)
        assert export.query_one("#scope", Select).value == "search"
        export.query_one("#budget", Input).value = "12"
        await pilot.press("ctrl+b")
        assert f"at least {MIN_BUDGET}" in text_of(export.query_one("#export-status"))
        export.query_one("#budget", Input).value = "1500"
        export.query_one("#target", Select).value = "claude"
        await pilot.press("ctrl+b")
        await until(pilot, lambda: export.pack is not None, timeout=30)
        assert export.pack is not None
        assert export.pack.target == "claude" and export.pack.tokens <= 1500


# -- reader ---------------------------------------------------------------------------------
async def test_reader_find_date_chapters_files(
    app: KeeperApp, index: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    import keeper.tui.system

    monkeypatch.setattr(keeper.tui.system, "open_with_system", lambda p: opened.append(p) or "fake")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_library(pilot, app)
        app.push_screen(ReaderScreen(index["companion-long"]["id"]))
        reader = await open_reader(pilot, app)
        views = reader.shown_nodes
        assert len(views) > WINDOW
        # A long thread is mounted as a window that follows the reader.
        assert len(reader.message_views()) <= WINDOW
        await pilot.press("f", *"mochi", "enter")
        matches = [n.node_id for n in views if "mochi" in n.text.casefold()]
        assert reader.matches == matches and len(matches) > 1
        await until(pilot, lambda: reader.cursor == matches[0])
        await pilot.press("escape", "n")
        assert reader.cursor == matches[1]
        assert f"Match 2/{len(matches)}" in text_of(reader.query_one("#reader-status"))

        day = sorted(n.create_time for n in views if n.create_time)[-1]
        from keeper.tui.format import day as day_of

        await pilot.press("g", *day_of(day), "enter")
        first = next(n for n in views if n.create_time and day_of(n.create_time) >= day_of(day))
        assert views.index(first) >= WINDOW  # outside the first window
        await until(pilot, lambda: reader.focused is not None)
        await until(
            pilot,
            lambda: (
                isinstance(reader.focused, MessageView)
                and reader.focused.node.node_id == first.node_id
            ),
        )
        await pilot.press("k")
        await until(
            pilot,
            lambda: (
                isinstance(reader.focused, MessageView)
                and reader.focused.node is views[views.index(first) - 1]
            ),
        )

        await pilot.press("c")
        await until(pilot, lambda: app.screen is not reader)
        picker = app.screen.query_one("#pick", OptionList)
        assert picker.option_count > 3
        await pilot.press("down", "enter")
        assert reader.summary is not None
        await until(pilot, lambda: reader.cursor == reader.summary.chapters[1].start_node)  # type: ignore[union-attr]

        await pilot.press("escape")
        app.push_screen(ReaderScreen(index["logo-design"]["id"]))
        logo = await open_reader(pilot, app)
        assert "2 files" in text_of(logo.query_one("#reader-title"))
        await pilot.press("a")
        await until(pilot, lambda: app.screen is not logo)
        await pilot.press("enter")
        await until(pilot, lambda: bool(opened))
        assert Path(opened[0]).is_file()


async def test_profile_and_stats(app: KeeperApp, sample_library: Library) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("3")
        profile = app.screen
        assert isinstance(profile, ProfileScreen)
        await until(pilot, lambda: bool(profile.items))
        items = sample_library.profile()
        assert len(profile.items) == len(items)
        listing = profile.query_one("#profile-items", OptionList)
        first = listing.get_option_at_index(0).prompt.plain
        assert items[0]["conversation_title"] in first and items[0]["first_seen"]
        assert any(
            "Memory" in listing.get_option_at_index(i).prompt.plain
            for i in range(listing.option_count)
        )
        await pilot.press("enter")
        reader = await open_reader(pilot, app)
        assert reader.conversation_id == items[0]["conversation_id"]

        await pilot.press("4")
        stats = app.screen
        assert isinstance(stats, StatsScreen)
        await until(pilot, lambda: bool(stats.query(Sparkline)))
        sparks = list(stats.query(Sparkline))
        activity = sample_library.activity()
        assert len(sparks) == len({model for _, model, _ in activity})
        assert sum(sum(s.data or []) for s in sparks) == sum(c for _, _, c in activity)
        totals = text_of(stats.query_one("#stats-totals"))
        assert "23 conversations" in totals
        await pilot.press("1")
        assert isinstance(app.screen, LibraryScreen)


async def test_help_palette_theme_and_quit(app: KeeperApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, LibraryScreen)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("ctrl+p")
        await pilot.pause(0.1)
        await pilot.press(*"Stats")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StatsScreen))
        await pilot.press("escape", "q")
        await pilot.pause(0.1)
    assert app.return_code == 0


async def test_large_terminal_layout(app: KeeperApp, index: dict) -> None:
    async with app.run_test(size=(200, 60)) as pilot:
        await open_library(pilot, app)
        table = app.screen.query_one("#conversations", DataTable)
        assert table.region.width > 190 and table.region.height > 40
        app.push_screen(ReaderScreen(index["novel-branches"]["id"]))
        reader = await open_reader(pilot, app)
        await pilot.press("s")
        await until(pilot, lambda: not reader.query_one("#summary-pane").has_class("-off"))
        pane = reader.query_one("#summary-pane")
        assert 70 <= pane.region.width <= 90


async def test_hidden_hit_opens_with_hidden_nodes_shown(app: KeeperApp, index: dict) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        await pilot.press("slash", *"hidden:yes Scoping the question")
        search = app.screen
        assert isinstance(search, SearchScreen)
        await until(pilot, lambda: bool(search.hits))
        hit = search.hits[0]
        assert hit.conversation_id == index["legal-fair-use"]["id"]
        await pilot.press("enter")
        reader = await open_reader(pilot, app)
        assert reader.show_hidden
        target = next(v for v in reader.message_views() if v.node.node_id == hit.node_id)
        assert target.node.kind == "reasoning" and target.has_class("-target")


async def test_leaving_while_loading_and_worker_errors_are_quiet(
    app: KeeperApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        app.push_screen(ReaderScreen("no-such-conversation-id"))
        await until(pilot, lambda: bool(app._notifications))
        note = next(iter(app._notifications))
        assert "No conversation with id" in note.message and note.severity == "error"
        await pilot.press("escape")
        assert isinstance(app.screen, LibraryScreen)
        count = len(app._notifications)
        # Leave a reader while its worker is held inside the query: no error, no crash.
        original = Library.conversation
        entered, release, done = threading.Event(), threading.Event(), threading.Event()

        def held(self, conversation_id):  # type: ignore[no-untyped-def]
            entered.set()
            release.wait(30)
            try:
                return original(self, conversation_id)
            finally:
                done.set()

        monkeypatch.setattr(Library, "conversation", held)
        reader = ReaderScreen(next(iter(table_ids(app))))
        app.push_screen(reader)
        await until(pilot, entered.is_set)
        assert not reader.loaded
        app.pop_screen()
        release.set()  # the worker finishes after its screen has gone
        await until(pilot, done.is_set)
        await pilot.pause()
        assert len(app._notifications) == count
        assert isinstance(app.screen, LibraryScreen) and not reader.loaded


async def test_long_lists_fill_in_chunks_after_the_first_paint(
    app: KeeperApp, sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keeper.tui.screens.library as library_screen

    monkeypatch.setattr(library_screen, "FIRST_CHUNK", 5)
    monkeypatch.setattr(library_screen, "CHUNK", 7)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        expected = [c.id for c in sample_library.conversations(sort="updated")]
        await until(pilot, lambda: len(table_ids(app)) == len(expected))
        assert table_ids(app) == expected
        # A new filter while rows are still coming replaces them, never mixes.
        await pilot.press(*"ch")
        titled = [
            c.id
            for c in sample_library.conversations(sort="updated")
            if "ch" in (c.title or "").casefold()
        ]
        await until(pilot, lambda: table_ids(app) == titled)


async def test_collector_is_tuned_while_the_app_runs_and_restored_after(app: KeeperApp) -> None:
    import gc

    from keeper.tui.app import GC_THRESHOLD

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_library(pilot, app)
        assert gc.get_threshold() == GC_THRESHOLD
        assert gc.get_freeze_count() > frozen  # startup's objects are out of the collector's way
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
