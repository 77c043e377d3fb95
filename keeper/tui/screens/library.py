"""The library: every conversation, sortable, filterable, with type-to-filter."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from keeper.store.filters import Filters
from keeper.store.reader import ConversationRow
from keeper.tui.format import clip, day
from keeper.tui.query import parse_date
from keeper.tui.screens.base import WorkerErrors

if TYPE_CHECKING:
    from keeper.tui.host import KeeperHost

SORTS = ("updated", "created", "title", "messages")
SORT_BY_COLUMN = {"title": "title", "date": "updated", "msgs": "messages"}
FIRST_CHUNK = 80  # rows added before the first paint (more than a tall terminal shows)
CHUNK = 1000  # rows added per frame after that
ARCHIVED = (("All conversations", "include"), ("Not archived", "exclude"), ("Archived", "only"))


class LibraryScreen(WorkerErrors, Screen[None]):
    """The conversation list; Enter opens one, letters filter titles."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "cycle_sort", "Sort"),
        Binding("ctrl+f", "toggle_filters", "Filters"),
        Binding("escape", "clear", "Clear", show=False),
        Binding("ctrl+o", "export", "Export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "updated"
        self.rows: list[ConversationRow] = []
        self.shown: list[ConversationRow] = []
        self.models: list[str] = []
        self.projects: list[str] = []
        self.loaded_at: float | None = None
        self.total: int | None = None
        self.fill_generation = 0
        self.title_width = 16

    @property
    def keeper(self) -> KeeperHost:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Grid(id="filters", classes="-off"):
            yield Select([], prompt="Any model", id="f-model")
            yield Select([], prompt="Any project", id="f-project")
            yield Select(ARCHIVED, value="include", allow_blank=False, id="f-archived")
            yield Input(placeholder="since YYYY-MM-DD", id="f-since")
            yield Input(placeholder="until YYYY-MM-DD", id="f-until")
        yield Input(
            placeholder="Type to filter titles · / searches messages · ? help",
            id="filter",
            select_on_focus=False,
        )
        table: DataTable[str | Text] = DataTable(
            id="conversations", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Static("Loading…", id="library-status")
        yield Footer()

    def on_mount(self) -> None:
        """Load the list in a worker; focus the table."""
        self.query_one("#conversations", DataTable).focus()
        self.reload()

    # -- loading -----------------------------------------------------------------------------
    def filters(self) -> tuple[Filters, bool | None, str | None]:
        """The filter bar as Filters and an archived flag; a problem message if any."""
        model = self.query_one("#f-model", Select).value
        project = self.query_one("#f-project", Select).value
        archived = self.query_one("#f-archived", Select).value
        problem = None
        since = until = None
        try:
            if value := self.query_one("#f-since", Input).value.strip():
                since = parse_date(value)
            if value := self.query_one("#f-until", Input).value.strip():
                until = parse_date(value, end=True)
        except ValueError:
            problem = "Dates look like 2024-05-01, 2024-05 or 2024."
        filters = Filters(
            since=since,
            until=until,
            model=model if isinstance(model, str) else None,
            project=project if isinstance(project, str) else None,
        )
        flag = {"include": None, "exclude": False, "only": True}[str(archived)]
        return filters, flag, problem

    def reload(self) -> None:
        """Fetch the conversations for the current filters and sort."""
        filters, archived, problem = self.filters()
        if problem:
            self.status(problem)
            return
        self.fetch(filters, archived, self.sort)

    @work(thread=True, exclusive=True, group="library-load", exit_on_error=False)
    def fetch(self, filters: Filters, archived: bool | None, sort: str) -> None:
        """Conversations from the database (all of them when nothing is filtered)."""
        library = self.keeper.backend.library()
        rows = library.conversations(filters, archived=archived, sort=sort)
        unfiltered = filters == Filters() and archived is None
        self.app.call_from_thread(self.loaded, rows, unfiltered)

    def loaded(self, rows: list[ConversationRow], unfiltered: bool) -> None:
        """Show fetched rows; an empty archive gets the welcome screen."""
        if self.user_left():
            return
        if unfiltered:
            self.total = len(rows)
            if not rows:
                from keeper.tui.screens.welcome import WelcomeScreen

                self.app.push_screen(WelcomeScreen(), lambda _: self.reload())
                self.status("The archive is empty.")
                self.keeper.mark_ready()
                return
            models = sorted({r.model for r in rows if r.model})
            projects = sorted({r.project for r in rows if r.project})
            if models != self.models:
                self.models = models
                self.query_one("#f-model", Select).set_options([(m, m) for m in models])
            if projects != self.projects:
                self.projects = projects
                self.query_one("#f-project", Select).set_options([(p, p) for p in projects])
        self.rows = rows
        self.apply_title_filter()
        self.loaded_at = time.monotonic()
        self.call_after_refresh(self.keeper.mark_ready)

    def apply_title_filter(self) -> None:
        """Show the rows whose title contains the typed text (in memory: instant)."""
        needle = self.query_one("#filter", Input).value.strip().casefold()
        self.shown = [r for r in self.rows if needle in (r.title or "").casefold()]
        table: DataTable[str | Text] = self.query_one("#conversations", DataTable)
        table.clear(columns=True)
        width = self.size.width or 80
        title_width = max(16, width - 52)
        table.add_column("Title", width=title_width, key="title")
        table.add_column("Date", width=10, key="date")
        table.add_column("Model", width=14, key="model")
        table.add_column("Msgs", width=5, key="msgs")
        table.add_column("Project", width=12, key="project")
        self.fill_generation += 1
        self.title_width = title_width
        self.add_rows(self.fill_generation, 0)
        total = f" of {len(self.rows):,}" if len(self.shown) != len(self.rows) else ""
        self.status(
            f"{len(self.shown):,}{total} conversations · sorted by {self.sort} (ctrl+s) · "
            "ctrl+f filters"
        )

    def add_rows(self, generation: int, start: int) -> None:
        """Add the next chunk of ``shown`` to the table; the first chunk paints at once
        and the rest follow between frames, so typing stays quick on 6,000 rows."""
        if generation != self.fill_generation or self.user_left():
            return
        table: DataTable[str | Text] = self.query_one("#conversations", DataTable)
        size = FIRST_CHUNK if start == 0 else CHUNK
        for row in self.shown[start : start + size]:
            title = Text(clip(row.title or "(untitled)", self.title_width))
            if row.is_archived:
                title.append(" ⌂", style="dim")
            table.add_row(
                title,
                day(row.update_time or row.create_time),
                Text(clip(row.model or "—", 14), style="bold"),
                Text(str(row.message_count), justify="right"),
                clip(row.project or "", 12),
                key=row.id,
            )
        if start + size < len(self.shown):
            self.set_timer(0.01, lambda: self.add_rows(generation, start + size))

    def status(self, text: str) -> None:
        """The line under the list."""
        self.query_one("#library-status", Static).update(text)

    # -- events ------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing filters titles; the date boxes refilter from the database."""
        if event.input.id == "filter":
            if self.rows or self.total:
                self.apply_title_filter()
        elif event.input.id in ("f-since", "f-until"):
            self.reload()

    def on_select_changed(self, event: Select.Changed) -> None:
        """A model, project or archived choice refilters from the database."""
        if self.total is not None:
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter box opens the highlighted conversation."""
        if event.input.id == "filter":
            self.open_highlighted()

    def on_key(self, event: events.Key) -> None:
        """Type-to-filter: a printable key in the list goes to the filter box; ↓ in the
        box goes back to the list."""
        table = self.query_one("#conversations", DataTable)
        box = self.query_one("#filter", Input)
        if self.focused is table and event.is_printable and event.character:
            if event.character in "q/?1234":
                return
            box.focus()
            box.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()
        elif self.focused is box and event.key in ("down", "up"):
            table.focus()

    def open_highlighted(self) -> None:
        """Open the conversation under the cursor."""
        table = self.query_one("#conversations", DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return
        self.open(self.shown[table.cursor_row].id)

    def open(self, conversation_id: str) -> None:
        """Open one conversation in the reader."""
        from keeper.tui.screens.reader import ReaderScreen

        self.app.push_screen(ReaderScreen(conversation_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row opens it."""
        if event.row_key.value:
            self.open(event.row_key.value)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a column header sorts by it."""
        sort = SORT_BY_COLUMN.get(str(event.column_key.value))
        if sort:
            self.sort = sort
            self.reload()

    def action_cycle_sort(self) -> None:
        """Next sort order: updated, created, title, messages."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reload()

    def action_toggle_filters(self) -> None:
        """Show or hide the filter bar (model, project, archived, dates)."""
        bar = self.query_one("#filters")
        bar.toggle_class("-off")
        if not bar.has_class("-off"):
            self.query_one("#f-model", Select).focus()
        else:
            self.query_one("#conversations", DataTable).focus()

    def action_clear(self) -> None:
        """Escape clears the typed filter and returns to the list."""
        box = self.query_one("#filter", Input)
        box.value = ""
        self.query_one("#conversations", DataTable).focus()

    def action_export(self) -> None:
        """A context pack for the highlighted conversation, its project or model."""
        table = self.query_one("#conversations", DataTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return
        row = self.shown[table.cursor_row]
        from keeper.tui.screens.export import ExportScreen, Scope

        self.app.push_screen(
            ExportScreen(
                Scope(conversation=row.id, title=row.title, project=row.project, model=row.model)
            )
        )
