"""The library: every conversation, sortable, filterable, with type-to-filter."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from keeper.model import Conversation
from keeper.store.filters import Filters
from keeper.tui.format import ARCHIVED_MARK, clip, day, project_labels
from keeper.tui.query import parse_date
from keeper.tui.screens.base import WorkerErrors
from keeper.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from keeper.embed.job import EmbedReport
    from keeper.tui.host import KeeperHost

SORTS = ("updated", "created", "title", "messages")
SORT_BY_COLUMN = {"title": "title", "date": "updated", "msgs": "messages"}
FIRST_CHUNK = 80  # rows added before the first paint (more than a tall terminal shows)
CHUNK = 1000  # rows added per frame after that
ARCHIVED = (("All conversations", "include"), ("Not archived", "exclude"), ("Archived", "only"))
ARCHIVED_WORDS = {"exclude": "not archived", "only": "archived only"}
FINISHED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)
RELAYOUT_DELAY = 0.05  # seconds without a new size before the columns are laid out again
FIXED_COLUMNS = 52  # date, model, message count, project and the gaps between columns


class EmbeddingStopped(Exception):
    """The app is quitting: the background embedding stops after its current batch."""


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
        self.rows: list[Conversation] = []
        self.shown: list[Conversation] = []
        self.models: list[str] = []
        self.projects: list[str] = []
        self.loaded_at: float | None = None
        self.total: int | None = None
        self.fill_generation = 0
        self.title_width = 16
        self.laid_out_width = 0
        self.relayout: Timer | None = None
        self.project_names: dict[str, str] = {}
        self.embed_progress_seen: list[tuple[int, int]] = []
        self.embed_report: EmbedReport | None = None

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
        yield Static("", id="active-filters")
        yield Input(
            placeholder="Type to filter titles · / searches messages · ? help",
            id="filter",
            select_on_focus=False,
        )
        table: DataTable[str | Text] = DataTable(
            id="conversations", cursor_type="row", zebra_stripes=True
        )
        yield table
        with Horizontal(id="embed-row"):
            yield Label("Loading the embedding model…", id="embed-label")
            yield ProgressBar(total=None, id="embed-progress", show_eta=False)
        yield StatusLine("Loading…", id="library-status")
        yield Footer()

    def on_mount(self) -> None:
        """Load the list in a worker; focus the table."""
        self.query_one("#conversations", DataTable).focus()
        self.query_one("#active-filters").display = False
        self.query_one("#embed-row").display = False
        self.reload()

    def on_screen_resume(self) -> None:
        """Coming back (from the reader, search, a dialog) lands on the list, not in a text
        box left focused: the keys pressed next are shortcuts, not filter text."""
        if isinstance(self.focused, Input):
            self.query_one("#conversations", DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        """Lay the columns out again for the new width (the title takes what is left),
        once the terminal stops changing size (a dragged window sends many sizes)."""
        if self.relayout is not None:
            self.relayout.stop()
        self.relayout = self.set_timer(RELAYOUT_DELAY, self.relayout_columns)

    def relayout_columns(self) -> None:
        """Rebuild the columns if the width changed since they were laid out."""
        self.relayout = None
        if self.size.width != self.laid_out_width and (self.rows or self.total):
            self.apply_title_filter(keep_cursor=True)

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
            self.query_one("#library-status", StatusLine).show(problem)
            return
        self.fetch(filters, archived, self.sort)

    @work(thread=True, exclusive=True, group="library-load", exit_on_error=False)
    def fetch(self, filters: Filters, archived: bool | None, sort: str) -> None:
        """Conversations from the database (all of them when nothing is filtered)."""
        library = self.keeper.backend.library()
        rows = library.conversations(filters, archived=archived, sort=sort)
        unfiltered = filters == Filters() and archived is None
        self.app.call_from_thread(self.loaded, rows, unfiltered)

    def loaded(self, rows: list[Conversation], unfiltered: bool) -> None:
        """Show fetched rows; an empty archive gets the welcome screen."""
        if self.user_left():
            return
        if unfiltered:
            self.total = len(rows)
            if not rows:
                from keeper.tui.screens.welcome import WelcomeScreen

                self.app.push_screen(WelcomeScreen(), self.after_welcome)
                self.query_one("#library-status", StatusLine).show("The archive is empty.")
                self.keeper.mark_ready()
                return
            models = sorted({r.model for r in rows if r.model})
            projects = sorted({r.project for r in rows if r.project})
            if models != self.models:
                self.models = models
                self.query_one("#f-model", Select).set_options([(m, m) for m in models])
            if projects != self.projects:
                self.projects = projects
                self.project_names = project_labels(projects)
                self.keeper.backend.project_names = self.project_names
                self.query_one("#f-project", Select).set_options(project_options(rows, projects))
        self.rows = rows
        self.apply_title_filter()
        self.loaded_at = time.monotonic()
        self.call_after_refresh(self.keeper.mark_ready)

    def apply_title_filter(self, keep_cursor: bool = False) -> None:
        """Show the rows whose title contains the typed text (in memory: instant);
        ``keep_cursor`` keeps the highlighted conversation highlighted."""
        needle = self.query_one("#filter", Input).value.strip().casefold()
        table: DataTable[str | Text] = self.query_one("#conversations", DataTable)
        keep = None
        if keep_cursor and self.shown and 0 <= table.cursor_row < len(self.shown):
            keep = self.shown[table.cursor_row].id
        self.shown = [r for r in self.rows if needle in (r.title or "").casefold()]
        table.clear(columns=True)
        width = self.size.width or 80
        self.laid_out_width = width
        title_width = max(16, width - FIXED_COLUMNS)
        table.add_column("Title", width=title_width, key="title")
        table.add_column("Date", width=10, key="date")
        table.add_column("Model", width=14, key="model")
        table.add_column("Msgs", width=5, key="msgs")
        # Its header is the legend of its labels: P·168d a project, GPT·bTFF a custom GPT.
        table.add_column("Project/GPT", width=12, key="project")
        self.fill_generation += 1
        self.title_width = title_width
        row = next((n for n, r in enumerate(self.shown) if r.id == keep), 0) if keep else 0
        self.add_rows(self.fill_generation, 0, max(FIRST_CHUNK, row + 1))
        if row:
            table.move_cursor(row=row, animate=False)
        self.show_counts()

    def show_counts(self) -> None:
        """The lasting status line: how many are listed of how many, the sort, and what
        the markers in the list mean."""
        everything = self.total if self.total is not None else len(self.rows)
        total = f" of {everything:,}" if len(self.shown) != everything else ""
        bits = [f"{len(self.shown):,}{total} conversations", f"sorted by {self.sort} (ctrl+s)"]
        if any(r.is_archived for r in self.shown):
            bits.append(f"{ARCHIVED_MARK} archived")
        self.query_one("#library-status", StatusLine).show(" · ".join(bits))
        self.show_active_filters()

    def add_rows(self, generation: int, start: int, first: int = FIRST_CHUNK) -> None:
        """Add the next chunk of ``shown`` to the table; the first chunk (``first`` rows)
        paints at once and the rest follow between frames, so typing stays quick on 6,000
        rows."""
        if generation != self.fill_generation or self.user_left():
            return
        table: DataTable[str | Text] = self.query_one("#conversations", DataTable)
        size = first if start == 0 else CHUNK
        for row in self.shown[start : start + size]:
            room = self.title_width - (2 if row.is_archived else 0)
            title = Text(clip(row.title or "(untitled)", room))
            if row.is_archived:
                title.append(f" {ARCHIVED_MARK}", style="dim")
            table.add_row(
                title,
                day(row.update_time or row.create_time),
                Text(clip(row.model or "—", 14), style="bold"),
                Text(str(row.message_count), justify="right"),
                self.project_names.get(row.project, row.project) if row.project else "",
                key=row.id,
            )
        if start + size < len(self.shown):
            self.set_timer(0.01, lambda: self.add_rows(generation, start + size))

    def status(self, text: str) -> None:
        """Say what just happened, under the list (it clears itself)."""
        self.query_one("#library-status", StatusLine).note(text)

    def active_filters(self) -> list[str]:
        """The filter panel's choices that narrow the list, in words."""
        words = []
        model = self.query_one("#f-model", Select).value
        if isinstance(model, str):
            words.append(f"model {model}")
        project = self.query_one("#f-project", Select).value
        if isinstance(project, str):
            words.append(f"project {self.project_names.get(project, project)}")
        archived = str(self.query_one("#f-archived", Select).value)
        if archived in ARCHIVED_WORDS:
            words.append(ARCHIVED_WORDS[archived])
        for box, word in (("#f-since", "since"), ("#f-until", "until")):
            if value := self.query_one(box, Input).value.strip():
                words.append(f"{word} {value}")
        return words

    def show_active_filters(self) -> None:
        """While the panel is hidden, a line says which filters still narrow the list."""
        line = self.query_one("#active-filters", Static)
        words = self.active_filters() if self.query_one("#filters").has_class("-off") else []
        line.display = bool(words)
        if words:
            line.update("Filtered: " + " · ".join(words) + " (ctrl+f changes)")

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
        self.show_active_filters()

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

    # -- after the welcome screen's import -------------------------------------------------
    def after_welcome(self, imported: bool | None) -> None:
        """List what was imported; then embed it for semantic search in the background."""
        self.reload()
        if imported and self.keeper.semantic:
            self.query_one("#embed-row").display = True
            self.embed_new()

    @work(thread=True, exclusive=True, group="library-embed", exit_on_error=False)
    def embed_new(self) -> None:
        """Library.embed with its progress forwarded to the bar (keyword search and the
        list work meanwhile). Quitting stops it after the batch under way: what is
        embedded is kept, ``keeper embed`` or the next import goes on from there."""
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise EmbeddingStopped
            self.app.call_from_thread(self.embed_progress, done, total)

        try:
            report = self.keeper.backend.library().embed(show_progress=False, on_progress=progress)
        except EmbeddingStopped:
            return
        self.app.call_from_thread(self.embedded, report)

    def embed_progress(self, done: int, total: int) -> None:
        """Move the embedding bar."""
        if self.user_left():
            return
        if not self.embed_progress_seen:
            self.query_one("#embed-label", Label).update("Embedding for semantic search")
        self.embed_progress_seen.append((done, total))
        self.query_one("#embed-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The embedding bar goes when the embedding ends, however it ends; failures are
        reported as on every screen."""
        super().on_worker_state_changed(event)
        ended = event.worker.group == "library-embed" and event.state in FINISHED
        if ended and not self.user_left():
            self.query_one("#embed-row").display = False

    def embedded(self, report: EmbedReport) -> None:
        """Say that semantic search is ready."""
        if self.user_left():
            return
        self.embed_report = report
        self.query_one("#embed-row").display = False
        self.status(
            f"Semantic search ready: {report.embedded:,} messages embedded with {report.model}."
        )


def project_options(rows: list[Conversation], projects: list[str]) -> list[tuple[str, str]]:
    """(label, id) per project for the filter: its short label, how many conversations,
    and the title of its latest one, so people can tell their projects apart."""
    labels = project_labels(projects)
    latest: dict[str, Conversation] = {}
    counts: dict[str, int] = {}
    for row in rows:
        if row.project:
            counts[row.project] = counts.get(row.project, 0) + 1
            seen = latest.get(row.project)
            when = row.update_time or row.create_time or 0
            if seen is None or when > (seen.update_time or seen.create_time or 0):
                latest[row.project] = row
    return [
        (
            f"{labels[p]} ({counts.get(p, 0)}) {clip(latest[p].title or '', 30)}"
            if p in latest
            else labels[p],
            p,
        )
        for p in projects
    ]
