"""A status line under a list or a thread: a lasting line, and notes that clear themselves."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

NOTE_SECONDS = 5.0  # how long a note ("Copied 1,234 tokens") stays before the line reverts


class StatusLine(Static):
    """One line: ``show`` sets what it says when nothing happened, ``note`` says what just
    happened and reverts after ``NOTE_SECONDS``, ``busy`` says what is under way until the
    next ``note`` or ``show``."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id)
        self.lasting: str | Text = text
        self.current: str | Text = text
        self._timer: Timer | None = None

    def show(self, text: str | Text) -> None:
        """The lasting line (a count, what is selected); replaces a note at once."""
        self.lasting = text
        self._set(text)

    def note(self, text: str | Text, seconds: float | None = None) -> None:
        """Say what just happened; the lasting line returns after ``seconds``."""
        self._set(text)
        self._timer = self.set_timer(
            NOTE_SECONDS if seconds is None else seconds, self._revert, name="status-note"
        )

    def busy(self, text: str | Text) -> None:
        """Say what is under way; it stays until the next note or lasting line."""
        self._set(text)

    def _set(self, text: str | Text) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.current = text
        self.update(text)

    def _revert(self) -> None:
        self._timer = None
        self.current = self.lasting
        self.update(self.lasting)

    @property
    def plain(self) -> str:
        """What the line says now, as plain text."""
        if isinstance(self.current, Text):
            return self.current.plain
        return Content.from_markup(self.current).plain
