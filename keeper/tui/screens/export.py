"""The export dialog: build a context pack (scope, target, budget), preview, copy, save."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

from keeper.model import Pack
from keeper.pack.options import MIN_BUDGET, TARGETS, PackOptions
from keeper.tui.screens.base import WorkerErrors
from keeper.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from keeper.tui.host import KeeperHost


@dataclass(frozen=True, slots=True)
class Scope:
    """What the dialog can pack, from where it was opened."""

    conversation: str | None = None
    title: str = ""
    search: str | None = None
    project: str | None = None
    model: str | None = None

    def choices(self) -> list[tuple[str, str]]:
        """(label, key) pairs for the scope selector, most specific first."""
        out = []
        if self.conversation:
            out.append((f"This conversation: {self.title or '(untitled)'}"[:60], "conversation"))
        if self.search:
            out.append((f"Search results: {self.search}"[:60], "search"))
        if self.project:
            out.append((f"Project {self.project}", "project"))
        if self.model:
            out.append((f"Model {self.model}", "model"))
        out.append(("Whole archive", "all"))
        return out

    def options(self, key: str, target: str, budget: int) -> PackOptions:
        """The pack request for scope ``key``."""
        if key == "conversation" and self.conversation:
            return PackOptions(conversations=(self.conversation,), target=target, budget=budget)
        if key == "search" and self.search:
            return PackOptions(search=self.search, target=target, budget=budget)
        if key == "project" and self.project:
            return PackOptions(project=self.project, target=target, budget=budget)
        if key == "model" and self.model:
            return PackOptions(model=self.model, target=target, budget=budget)
        return PackOptions(target=target, budget=budget)


class ExportScreen(WorkerErrors, ModalScreen[None]):
    """Build, preview, copy and save a context pack."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+b", "build", "Build", priority=True),
        Binding("ctrl+y", "copy", "Copy", priority=True),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope
        self.pack: Pack | None = None

    @property
    def keeper(self) -> KeeperHost:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        choices = self.scope.choices()
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label(
                "Context pack  (ctrl+b build · ctrl+y copy · ctrl+s save)", classes="dialog-title"
            )
            with Horizontal(classes="export-row"):
                yield Select(choices, value=choices[0][1], allow_blank=False, id="scope")
            with Horizontal(classes="export-row"):
                yield Select(
                    [(t, t) for t in TARGETS], value="generic", allow_blank=False, id="target"
                )
                yield Input("8000", placeholder="token budget", id="budget", type="integer")
                yield Button("Build", id="build", variant="primary")
            yield TextArea("", read_only=True, id="preview", soft_wrap=True)
            yield StatusLine("Build a pack to preview it.", id="export-status")
            with Horizontal(classes="export-row"):
                yield Input("keeper-pack.md", placeholder="save to", id="save-path")
                yield Button("Copy", id="copy")
                yield Button("Save", id="save")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """The dialog's buttons."""
        actions = {"build": self.action_build, "copy": self.action_copy, "save": self.action_save}
        if event.button.id in actions:
            actions[event.button.id]()

    def on_select_changed(self, event: Select.Changed) -> None:
        """A new target (or scope) after a build previews the pack in that shape."""
        if self.pack is not None and event.select.id in ("target", "scope"):
            self.action_build()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the budget builds; Enter in the path saves."""
        if event.input.id == "budget":
            self.action_build()
        elif event.input.id == "save-path":
            self.action_save()

    def action_close(self) -> None:
        """Close the dialog."""
        self.dismiss(None)

    def action_build(self) -> None:
        """Build the pack for the chosen scope in a worker."""
        budget_text = self.query_one("#budget", Input).value.strip()
        if not budget_text.isdigit() or int(budget_text) < MIN_BUDGET:
            self.status(f"The token budget is a number of at least {MIN_BUDGET}.")
            return
        scope = str(self.query_one("#scope", Select).value)
        target = str(self.query_one("#target", Select).value)
        self.query_one("#export-status", StatusLine).busy("Building…")
        self.build(self.scope.options(scope, target, int(budget_text)))

    @work(thread=True, exclusive=True, group="export-build", exit_on_error=False)
    def build(self, options: PackOptions) -> None:
        """Run Library.pack off the UI thread."""
        pack = self.keeper.backend.library().pack(options)
        self.app.call_from_thread(self.built, pack)

    def built(self, pack: Pack) -> None:
        """Preview a finished pack."""
        if self.user_left():
            return
        self.pack = pack
        self.query_one("#preview", TextArea).load_text(pack.text)
        share = pack.citation_tokens / pack.tokens if pack.tokens else 0.0
        self.query_one("#export-status", StatusLine).show(
            f"{pack.tokens:,} / {pack.budget:,} tokens ({pack.tokenizer}) · "
            f"{len(pack.sources)} conversations · citations {share:.0%} · target {pack.target}"
        )

    def status(self, text: str) -> None:
        """Say what just happened, under the preview (it clears itself)."""
        self.query_one("#export-status", StatusLine).note(text)

    def action_copy(self) -> None:
        """Copy the pack: a clipboard tool if there is one, else the terminal (OSC 52)."""
        if self.pack is None:
            self.status("Build the pack first (ctrl+b).")
            return
        from keeper.pack.clipboard import ClipboardError, copy_text

        try:
            tool = copy_text(self.pack.text)
        except ClipboardError:
            self.app.copy_to_clipboard(self.pack.text)
            tool = "the terminal"
        self.status(f"Copied {self.pack.tokens:,} tokens with {tool}.")

    def action_save(self) -> None:
        """Save the pack to the path in the box."""
        if self.pack is None:
            self.status("Build the pack first (ctrl+b).")
            return
        path = Path(self.query_one("#save-path", Input).value.strip() or "keeper-pack.md")
        path = path.expanduser()
        try:
            path.write_text(self.pack.text, encoding="utf-8")
        except OSError as error:
            self.status(f"Could not save to {path}: {error.strerror or error}")
            return
        self.status(f"Saved to {path}.")
