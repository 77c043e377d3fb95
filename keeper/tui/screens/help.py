"""The help screen (``?``): every key, screen by screen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# keeper — keys

**Everywhere**: `/` search · `1` library · `2` search · `3` profile · `4` stats ·
`?` this help · `ctrl+p` command palette · `ctrl+t` light/dark · `q` quit · `esc` back

**Library**: type to filter titles · `↑↓` move · `Enter` open · `ctrl+s` sort ·
`ctrl+f` filters (model, project, archived, dates) · `ctrl+o` export · click a header to sort

**Search**: results as you type; filters in the box: `model:gpt-4o role:user
since:2024-01 until:2024-12 project:P·168d hidden:yes` · `↓` into the results ·
`Enter` opens a hit at its message · `ctrl+o` pack the results

**Reader**: `↓`/`↑` or `j`/`k` next/previous message · `Home`/`End` first/last ·
`PgUp`/`PgDn` scroll · `[` `]` other versions at a `‹ 2/3 ›` branch · `h` hidden nodes
(reasoning, tools, instructions) · `f` find, `n`/`N` next/prev · `g` jump to a date ·
`c` chapters · `a` files (Enter opens) · `s` summary pane · `e` export a context pack

**Export**: `ctrl+b` build · `ctrl+y` copy · `ctrl+s` save · `esc` close

**Markers**: `⌂` archived conversation · `P·168d` a project, `GPT·ab12` a custom GPT
(the start of its id; `ctrl+f` lists them with their latest conversation) ·
`‹ 2/3 ›` version 2 of 3 of a message · `≈ semantic` a hit found by meaning, not by its
words · in the reader, `◆ hit` the search hit you opened, a green bar find matches, dim
text hidden nodes, the accent bar the current message. The line at the bottom of each
screen explains the markers it shows.
"""


class HelpScreen(ModalScreen[None]):
    """Keys, screen by screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
