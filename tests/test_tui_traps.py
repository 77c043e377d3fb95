"""The traps a first-time user fell into in the terminal UI (issue 12, item 7), each
driven by Pilot on a real app over the imported sample archive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable, Footer, Input, Select

from keeper.config import Settings
from keeper.library import Library
from keeper.tui import build_app
from keeper.tui.app import KeeperApp
from keeper.tui.format import project_labels
from keeper.tui.screens.export import ExportScreen
from keeper.tui.screens.help import HelpScreen
from keeper.tui.screens.library import FIXED_COLUMNS, LibraryScreen
from keeper.tui.screens.profile import ProfileScreen
from keeper.tui.screens.reader import ReaderScreen
from keeper.tui.screens.search import SearchScreen
from keeper.tui.screens.stats import StatsScreen
from keeper.tui.screens.welcome import WelcomeScreen
from keeper.tui.widgets.message import MessageView
from keeper.tui.widgets.status import StatusLine
from tests.conftest import SAMPLE_EXPORT
from tests.tui_support import rendered, screen_text, text_of, until

pytestmark = pytest.mark.asyncio


@pytest.fixture
def app(sample_library: Library) -> KeeperApp:
    """A fresh app on the module's sample archive, keyword search only."""
    return build_app(Settings(db=str(sample_library.paths.db)), semantic=False)


async def library_ready(pilot, app: KeeperApp) -> LibraryScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: app.ready)
    assert isinstance(app.screen, LibraryScreen)
    await pilot.pause(0.05)
    return app.screen


async def reader_ready(pilot, app: KeeperApp) -> ReaderScreen:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen.loaded)
    screen = app.screen
    assert isinstance(screen, ReaderScreen)
    await until(pilot, lambda: isinstance(screen.focused, MessageView))
    return screen


def focused_node(reader: ReaderScreen) -> str | None:
    focused = reader.focused
    return focused.node.node_id if isinstance(focused, MessageView) else None


def status_of(screen: object, selector: str) -> str:
    return screen.query_one(selector, StatusLine).plain  # type: ignore[attr-defined]


# -- arrows in the reader ---------------------------------------------------------------------
async def test_arrow_keys_move_between_messages_and_brackets_follow(
    app: KeeperApp, index: dict
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await library_ready(pilot, app)
        app.push_screen(ReaderScreen(index["novel-branches"]["id"]))
        reader = await reader_ready(pilot, app)
        assert reader.view is not None
        ids = [node.node_id for node in reader.shown_nodes]
        branch_at = next(n for n, i in enumerate(ids) if reader.view.tree.branch(i)[1] > 1)
        assert branch_at >= 2  # the first message has no versions: [ ] must follow the cursor
        for step in range(1, branch_at + 1):
            await pilot.press("down")
            await until(pilot, lambda step=step: focused_node(reader) == ids[step])
        assert reader.cursor == ids[branch_at]
        await pilot.press("left_square_bracket")
        await pilot.pause(0.1)
        assert "Version 1/2" in status_of(reader, "#reader-status")
        switched = [node.node_id for node in reader.shown_nodes]
        assert switched[branch_at] != ids[branch_at] and switched[:branch_at] == ids[:branch_at]
        await pilot.press("up")
        await until(pilot, lambda: focused_node(reader) == switched[branch_at - 1])
        # j/k and the arrows are the same moves; End and Home go to the ends of the thread.
        await pilot.press("j")
        await until(pilot, lambda: focused_node(reader) == switched[branch_at])
        await pilot.press("end")
        await until(pilot, lambda: focused_node(reader) == switched[-1])
        await pilot.press("home")
        await until(pilot, lambda: focused_node(reader) == switched[0])


# -- shortcuts after coming back ----------------------------------------------------------------
async def test_shortcuts_are_not_typed_into_a_filter_box_left_from_before(
    app: KeeperApp, index: dict
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        library = await library_ready(pilot, app)
        await pilot.press(*"lisb", "enter")
        await reader_ready(pilot, app)
        await pilot.press("escape")
        assert app.screen is library
        await pilot.press("3")
        assert isinstance(app.screen, ProfileScreen)
        box = library.query_one("#filter", Input)
        assert box.value == "lisb"  # the filter stays, and still filters
        await pilot.press("escape")
        assert library.focused is library.query_one("#conversations", DataTable)

        # The same in search: back from a hit, keys are shortcuts again; / returns to the box.
        await pilot.press("slash", *"letter")
        search = app.screen
        assert isinstance(search, SearchScreen)
        await until(pilot, lambda: bool(search.hits))
        await pilot.press("enter")
        await reader_ready(pilot, app)
        await pilot.press("escape")
        assert app.screen is search
        await pilot.press("4")
        assert isinstance(app.screen, StatsScreen)
        await pilot.press("escape")
        assert search.query_one("#query", Input).value == "letter"
        await pilot.press("slash")
        assert search.focused is search.query_one("#query", Input)


# -- filters you cannot see -------------------------------------------------------------------
async def test_active_filters_stay_visible_when_the_panel_is_hidden(
    app: KeeperApp, sample_library: Library
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        library = await library_ready(pilot, app)
        line = library.query_one("#active-filters")
        assert not line.display
        await pilot.press("ctrl+f")
        library.query_one("#f-model", Select).value = "gpt-4o-mini"
        library.query_one("#f-since", Input).value = "2024"
        library.query_one("#f-archived", Select).value = "exclude"
        await until(pilot, lambda: "of 23 conversations" in status_of(library, "#library-status"))
        await pilot.press("ctrl+f")
        assert library.query_one("#filters").has_class("-off")
        assert line.display and line.region.height == 1
        shown = text_of(line)
        for words in ("model gpt-4o-mini", "since 2024", "not archived", "ctrl+f"):
            assert words in shown
        assert "Filtered: model gpt-4o-mini" in screen_text(app)
        # Cleared filters leave no line behind.
        await pilot.press("ctrl+f")
        library.query_one("#f-model", Select).clear()
        library.query_one("#f-since", Input).value = ""
        library.query_one("#f-archived", Select).value = "include"
        await until(pilot, lambda: status_of(library, "#library-status").startswith("23 conv"))
        await pilot.press("ctrl+f")
        assert not line.display


# -- the welcome screen's import embeds too -----------------------------------------------------
async def test_welcome_import_also_embeds_in_the_background_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "exports" / "export.zip")
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "empty.db"
    app = build_app(Settings(db=str(db)), semantic=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen), timeout=60)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        # The list is usable while the embedding runs.
        await until(pilot, lambda: library.query_one("#conversations", DataTable).row_count == 23)
        await until(
            pilot,
            lambda: (
                library.embed_report is not None
                or any(n.severity == "error" for n in app._notifications)
            ),
            timeout=240,
        )
        assert library.embed_report is not None, [n.message for n in app._notifications]
        assert library.embed_progress_seen
        done, total = library.embed_progress_seen[-1]
        assert done == total > 0
        assert not library.query_one("#embed-row").display
        assert "Semantic search ready" in status_of(library, "#library-status")
    with Library.open(str(db)) as check:
        status = check.embedding_status()
    assert status.complete and status.embedded == total


async def test_keyword_only_app_does_not_embed_after_the_welcome_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "exports" / "export.zip")
    monkeypatch.chdir(tmp_path)
    app = build_app(Settings(db=str(tmp_path / "empty.db")), semantic=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen), timeout=60)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await until(pilot, lambda: library.query_one("#conversations", DataTable).row_count == 23)
        assert not library.query_one("#embed-row").display and not library.embed_progress_seen


# -- custom instructions in a code fence --------------------------------------------------------
async def test_custom_instructions_that_open_with_a_fence_render_whole(
    app: KeeperApp, sample_library: Library, index: dict
) -> None:
    conversation = next(
        c for c in sample_library.conversations() if c.title == "Friendly invoice reminder email"
    )
    _, rows = sample_library.conversation(conversation.id)
    context = next(row for row in rows if row.kind == "context")
    assert "```Preferred name: Mika" in context.text  # how ChatGPT writes it
    async with app.run_test(size=(100, 40)) as pilot:
        await library_ready(pilot, app)
        app.push_screen(ReaderScreen(conversation.id, target=context.node_id))
        reader = await reader_ready(pilot, app)
        view = next(v for v in reader.message_views() if v.node.node_id == context.node_id)
        body = " ".join(rendered(view.query_one(".message-body"), width=96).split())
        for line in ("Preferred name: Mika", "Other Information", "Be warm but honest"):
            assert line in body
        # Prose after the fences is prose again, not swallowed into a code block.
        assert "The user provided the additional info" in body
        assert "Preferred name: Mika" in screen_text(app)  # on screen, not only in the widget


# -- footers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [80, 120])
async def test_every_footer_fits(
    width: int,
    sample_library: Library,
    index: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fits(app: KeeperApp) -> tuple[str, int, int]:
        footer = app.screen.query_one(Footer)
        return type(app.screen).__name__, footer.virtual_size.width, footer.size.width

    seen = []
    app = build_app(Settings(db=str(sample_library.paths.db)), semantic=False)
    async with app.run_test(size=(width, 24)) as pilot:
        library = await library_ready(pilot, app)
        seen.append(fits(app))
        # The line above the footer says its legend in full, too.
        assert len(status_of(library, "#library-status")) <= width - 4
        await pilot.press("slash", *"letter")
        await pilot.pause(0.2)
        seen.append(fits(app))
        await pilot.press("escape", "3")
        await pilot.pause(0.1)
        seen.append(fits(app))
        await pilot.press("escape", "4")
        await pilot.pause(0.1)
        seen.append(fits(app))
        await pilot.press("escape")
        app.push_screen(ReaderScreen(index["novel-branches"]["id"]))
        await reader_ready(pilot, app)
        await pilot.pause(0.1)
        seen.append(fits(app))
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path)
    welcome = build_app(Settings(db=str(tmp_path / "empty.db")), semantic=False)
    async with welcome.run_test(size=(width, 24)) as pilot:
        await until(pilot, lambda: isinstance(welcome.screen, WelcomeScreen))
        await pilot.pause(0.1)
        seen.append(fits(welcome))
    assert [name for name, _, _ in seen] == [
        "LibraryScreen",
        "SearchScreen",
        "ProfileScreen",
        "StatsScreen",
        "ReaderScreen",
        "WelcomeScreen",
    ]
    assert [(name, used) for name, used, room in seen if used > room] == []


# -- resizing ---------------------------------------------------------------------------------
async def test_library_lays_out_again_when_the_terminal_is_resized(
    app: KeeperApp, sample_library: Library
) -> None:
    long_title = max((c.title for c in sample_library.conversations()), key=len)
    assert len(long_title) > 80 - FIXED_COLUMNS
    async with app.run_test(size=(80, 24)) as pilot:
        library = await library_ready(pilot, app)
        table = library.query_one("#conversations", DataTable)
        assert table.columns["title"].width == 80 - FIXED_COLUMNS  # type: ignore[index]
        await pilot.press("down", "down", "down")
        highlighted = library.shown[table.cursor_row].id
        await pilot.resize_terminal(160, 40)
        await until(pilot, lambda: table.columns["title"].width == 160 - FIXED_COLUMNS)  # type: ignore[index]
        assert long_title in screen_text(app)
        assert library.shown[table.cursor_row].id == highlighted
        await pilot.resize_terminal(100, 30)
        await until(pilot, lambda: table.columns["title"].width == 100 - FIXED_COLUMNS)  # type: ignore[index]
        assert library.shown[table.cursor_row].id == highlighted


# -- project ids and legends --------------------------------------------------------------------
async def test_project_ids_are_shortened_and_named(app: KeeperApp, sample_library: Library) -> None:
    projects = sorted({c.project for c in sample_library.conversations() if c.project})
    assert projects and all(p.startswith("g-") for p in projects)
    async with app.run_test(size=(100, 30)) as pilot:
        library = await library_ready(pilot, app)
        text = screen_text(app)
        assert not any(project in text for project in projects)
        labels = project_labels(projects)
        assert any(label in text for label in labels.values())
        assert "Project/GPT" in text  # the column's header says what its labels are
        select = library.query_one("#f-project", Select)
        options = {value: str(label) for label, value in select._options if value in projects}  # type: ignore[attr-defined]
        for project in projects:
            newest = max(
                (c for c in sample_library.conversations() if c.project == project),
                key=lambda c: c.update_time or c.create_time or 0,
            )
            assert options[project].startswith(labels[project])
            assert newest.title[:20] in options[project]
        conversation = next(c for c in library.shown if c.project)
        app.push_screen(ReaderScreen(conversation.id))
        reader = await reader_ready(pilot, app)
        assert f"project {labels[conversation.project]}" in text_of(  # type: ignore[index]
            reader.query_one("#reader-title")
        )


async def test_every_marker_on_screen_has_a_legend(app: KeeperApp, index: dict) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        library = await library_ready(pilot, app)
        assert "⌂" in screen_text(app) or any(r.is_archived for r in library.shown)
        assert "⌂ archived" in status_of(library, "#library-status")
        # The reader: version marks, the opened hit, find matches and hidden nodes.
        await pilot.press("slash", *"father hidden")
        search = app.screen
        assert isinstance(search, SearchScreen)
        await until(pilot, lambda: bool(search.hits))
        await pilot.press("down", "down", "enter")
        reader = await reader_ready(pilot, app)
        legend = status_of(reader, "#reader-status")
        assert "‹ 1/2 ›" in screen_text(app)
        assert "◆ hit" in screen_text(app)
        assert "‹ n/m › versions ([ ])" in legend and "◆ your search hit" in legend
        await pilot.press("f", *"lighthouse", "enter")
        line = reader.query_one("#reader-status", StatusLine)
        await until(pilot, lambda: "find match (n/N)" in str(line.lasting))
        await pilot.press("escape", "h")
        await until(pilot, lambda: "dim[/]: hidden (h)" in str(line.lasting))
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = str(app.screen.query_one("Markdown").source)  # type: ignore[attr-defined]
        for mark in ("⌂", "‹ 2/3 ›", "≈ semantic", "P·", "GPT·", "◆ hit"):
            assert mark in help_text


# -- status lines -------------------------------------------------------------------------------
async def test_status_lines_clear_themselves(
    app: KeeperApp, index: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keeper.pack.clipboard
    import keeper.tui.widgets.status

    monkeypatch.setattr(keeper.tui.widgets.status, "NOTE_SECONDS", 1.0)
    monkeypatch.setattr(keeper.pack.clipboard, "clipboard_command", lambda: None)
    async with app.run_test(size=(100, 30)) as pilot:
        await library_ready(pilot, app)
        app.push_screen(ReaderScreen(index["novel-branches"]["id"]))
        reader = await reader_ready(pilot, app)
        line = reader.query_one("#reader-status", StatusLine)
        legend = line.plain
        await pilot.press("h")
        assert line.plain == "Hidden nodes shown."
        await pilot.pause(1.2)  # the note's time is up
        assert line.plain != "Hidden nodes shown." and "dim: hidden (h)" in line.plain
        await pilot.press("h")
        assert line.plain == "Hidden nodes hidden."
        await pilot.pause(1.2)
        assert line.plain == legend

        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        export = app.screen
        assert isinstance(export, ExportScreen)
        await pilot.press("ctrl+b")
        await until(pilot, lambda: export.pack is not None, timeout=30)
        status = export.query_one("#export-status", StatusLine)
        built = status.plain
        assert "tokens" in built
        await pilot.press("ctrl+y")
        assert "Copied" in status.plain
        await pilot.pause(1.2)
        assert status.plain == built


async def test_search_takes_project_labels_and_explains_semantic_hits(
    sample_library: Library,
) -> None:
    from keeper.model import SearchResult
    from keeper.store.filters import Filters

    class SemanticExtra(Library):
        """Hybrid search that adds one unrelated hit, as only a vector search would."""

        def search(self, query, filters=Filters(), *, mode=None, limit=20, embedding_model=None):  # type: ignore[no-untyped-def]
            hits = super().search(query, filters, mode="keyword", limit=limit)
            if mode == "hybrid" and hits.hits:
                extra = super().search("pasta", Filters(), mode="keyword", limit=1)
                return SearchResult(hits.hits + extra.hits, hits.note)
            return hits

    fair_use = next(c for c in sample_library.conversations() if c.title.startswith("Fair use"))
    project = fair_use.project
    assert project
    settings = Settings(db=str(sample_library.paths.db))
    app = build_app(settings, lambda: SemanticExtra.open(settings=settings), semantic=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await library_ready(pilot, app)
        label = app.backend.project_names[project]
        assert label != project
        await pilot.press("slash")
        search = app.screen
        assert isinstance(search, SearchScreen)
        search.query_one("#query", Input).value = f"Warhol project:{label}"
        await until(pilot, lambda: "semantic joined" in status_of(search, "#search-status"))
        keyword = [h for h in search.hits if h.rowid not in search.semantic_rows]
        assert keyword and search.semantic_rows
        projects = {sample_library.conversation(h.conversation_id)[0].project for h in keyword}
        assert projects == {project}
        # The mark explains itself where it stands.
        assert "≈ semantic: found by meaning, not by the words" in screen_text(app)


async def test_quitting_stops_the_background_embedding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedding runs in a worker thread the interpreter would wait for at exit: quitting
    must stop it at its next batch, not leave keeper hanging until it is done."""
    import threading

    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE_EXPORT, tmp_path / "exports" / "export.zip")
    monkeypatch.chdir(tmp_path)
    batches: list[int] = []
    ended = threading.Event()
    go_on = threading.Event()

    class EndlessEmbed(Library):
        """An embedding that would go on for minutes, one short batch at a time."""

        def embed(self, *args, on_progress=None, **kwargs):  # type: ignore[no-untyped-def]
            try:
                for batch in range(10_000):
                    batches.append(batch)
                    on_progress(batch, 10_000)
                    go_on.wait(0.05)  # one batch of work
            finally:
                ended.set()

    settings = Settings(db=str(tmp_path / "empty.db"))
    app = build_app(settings, lambda: EndlessEmbed.open(settings=settings), semantic=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen), timeout=60)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        await until(pilot, lambda: len(library.embed_progress_seen) >= 2)
        assert library.query_one("#embed-row").display
        await pilot.press("q")
    assert ended.wait(10)
    assert len(batches) < 10_000
