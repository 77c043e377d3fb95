"""What a screen needs from the app that hosts it (screens never import the app module)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from keeper.tui.backend import Backend


class KeeperHost(Protocol):
    """The keeper app as its screens see it."""

    backend: Backend
    semantic: bool

    def mark_ready(self) -> None:
        """The first screen shows real data and takes keys."""
        ...

    def to_library(self) -> None:
        """Pop back to the library screen."""
        ...
