"""The profile: custom instructions and saved memories, dated, linked to their sources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from keeper.tui.format import clip, day
from keeper.tui.screens.base import WorkerErrors

if TYPE_CHECKING:
    from keeper.tui.host import KeeperHost

KIND_LABELS = {
    "about_user": "About you",
    "about_model": "How to respond",
    "memory": "Memory",
}


def item_prompt(item: dict[str, Any], width: int) -> Text:
    """A profile item: kind, dates, source conversation, then its text."""
    label = KIND_LABELS.get(item["kind"], item["kind"].replace("_", " ").capitalize())
    first, last = day(item.get("first_seen")), day(item.get("last_seen"))
    span = first if first == last or not last else f"{first} → {last}"
    head = Text(label, style="bold")
    head.append(f"  {span or 'undated'}", style="dim")
    if not item["included"]:
        head.append("  (left out of packs)", style="italic dim")
    text = item["edited_text"] or item["text"]
    body = Text("\n" + clip(text, max(40, width * 3)))
    source = item.get("conversation_title") or item.get("conversation_id") or "?"
    times = f" and {item['occurrences'] - 1} more" if (item.get("occurrences") or 1) > 1 else ""
    foot = Text(f"\nfrom “{clip(source, 50)}”{times} · Enter opens it", style="dim")
    return head + body + foot


class ProfileScreen(WorkerErrors, Screen[None]):
    """Custom instructions and memories; Enter opens the conversation an item came from."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, Any]] = []

    @property
    def keeper(self) -> KeeperHost:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(
            "Who you are to the model: custom instructions and saved memories.", id="profile-intro"
        )
        yield OptionList(id="profile-items")
        yield Footer()

    def on_mount(self) -> None:
        """Load in a worker."""
        self.query_one("#profile-items").focus()
        self.load()

    @work(thread=True, exclusive=True, group="profile-load", exit_on_error=False)
    def load(self) -> None:
        """Library.profile off the UI thread."""
        items = self.keeper.backend.library().profile()
        self.app.call_from_thread(self.loaded, items)

    def loaded(self, items: list[dict[str, Any]]) -> None:
        """Fill the list."""
        if self.user_left():
            return
        self.items = items
        listing = self.query_one("#profile-items", OptionList)
        listing.clear_options()
        width = max(40, self.size.width - 4)
        listing.add_options(
            [Option(item_prompt(item, width), id=str(n)) for n, item in enumerate(items)]
        )
        if items:
            listing.highlighted = 0
        intro = self.query_one("#profile-intro", Static)
        if not items:
            intro.update("No custom instructions or memories were found in your exports.")
        else:
            memories = sum(1 for item in items if item["kind"] == "memory")
            intro.update(
                f"{len(items) - memories} custom-instruction items and {memories} memories "
                "(oldest first)."
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Open the item's source conversation at the message it came from."""
        item = self.items[int(event.option.id or 0)]
        if not item.get("conversation_id"):
            return
        from keeper.tui.screens.reader import ReaderScreen

        self.app.push_screen(ReaderScreen(item["conversation_id"], target=item.get("node_id")))

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
