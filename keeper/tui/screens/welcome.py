"""The welcome screen of an empty archive: what `keeper import` does, and a button that
imports ./exports with a progress bar."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Markdown, ProgressBar, Static

from keeper.tui.screens.base import WorkerErrors
from keeper.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from keeper.model import ImportReport
    from keeper.tui.host import KeeperHost

WELCOME = """\
# Welcome to keeper

Your archive is empty. keeper reads the **data export** ChatGPT e-mails you
(Settings → Data controls → Export data) and keeps every conversation, every branch,
your custom instructions and memories — on this machine only.

From a shell:

    keeper import ~/Downloads/chatgpt-export.zip

or put the zip files into `./exports/` and import them here.
"""


class WelcomeScreen(WorkerErrors, Screen[bool]):
    """Explain importing; import ``./exports/*.zip`` on request. Dismisses True after an
    import that added conversations."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("i", "import_exports", "Import ./exports")]

    def __init__(self, folder: Path = Path("exports")) -> None:
        super().__init__()
        self.folder = folder
        self.zips = sorted(Path(p) for p in glob.glob(str(folder / "*.zip")))
        self.progress_seen: list[tuple[int, int]] = []

    @property
    def keeper(self) -> KeeperHost:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Vertical(id="welcome"):
            yield Markdown(WELCOME)
            found = (
                f"Found {len(self.zips)} export(s) in {self.folder}/: "
                + ", ".join(p.name for p in self.zips[:3])
                if self.zips
                else f"No .zip files in {self.folder}/ yet."
            )
            yield Static(found, id="welcome-found")
            yield Button(
                f"Import {self.folder}/ (i)", id="import", variant="primary", disabled=not self.zips
            )
            yield ProgressBar(total=None, id="import-progress", show_eta=False)
            yield StatusLine(id="import-status")
        yield Footer()

    def on_mount(self) -> None:
        """The progress bar appears once an import starts."""
        self.query_one("#import-progress").display = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The import button."""
        if event.button.id == "import":
            self.action_import_exports()

    def action_import_exports(self) -> None:
        """Import every zip in the folder in a worker, updating the progress bar."""
        if not self.zips:
            self.query_one("#import-status", StatusLine).note(
                f"Put your export's .zip into {self.folder}/ first, or run keeper import PATH."
            )
            return
        self.query_one("#import", Button).disabled = True
        self.query_one("#import-progress").display = True
        self.query_one("#import-status", StatusLine).busy(
            "Importing… (semantic search is prepared in the background after)"
            if self.keeper.semantic
            else "Importing…"
        )
        self.run_import(self.zips)

    @work(thread=True, exclusive=True, group="welcome-import", exit_on_error=False)
    def run_import(self, zips: list[Path]) -> None:
        """Library.import_exports with progress forwarded to the bar."""

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.progress, done, total)

        report = self.keeper.backend.library().import_exports(
            zips, show_progress=False, on_progress=progress
        )
        self.app.call_from_thread(self.finished, report)

    def progress(self, done: int, total: int) -> None:
        """Move the bar."""
        if self.user_left():
            return
        self.progress_seen.append((done, total))
        self.query_one("#import-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def finished(self, report: ImportReport) -> None:
        """Leave for the library once conversations arrived; else say what happened."""
        if self.user_left():
            return
        data = report.as_dict()
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=1, progress=1)
        from keeper.store.writer import NEW

        added = int(data["conversations"].get(NEW, 0))
        status = self.query_one("#import-status", StatusLine)
        errors = [s["error"] for s in data.get("sources", []) if s.get("error")]
        if errors:
            status.show("Import problem: " + "; ".join(errors))
            self.query_one("#import", Button).disabled = False
            return
        self.notify(f"Imported {added} conversations." if added else "Import finished.")
        self.dismiss(True)
