"""Small modal dialogs: ask for a line of text, pick one item from a list."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class AskScreen(ModalScreen[str | None]):
    """Ask one question; dismisses with the answer, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter answers."""
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        """Escape gives no answer."""
        self.dismiss(None)


class PickScreen(ModalScreen[str | None]):
    """Pick one of ``items`` (id, label); dismisses with the id, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, items: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*[Option(label, id=key) for key, label in self.items], id="pick")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter picks the highlighted item."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Escape picks nothing."""
        self.dismiss(None)
