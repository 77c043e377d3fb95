"""The only code that runs SQL: connection setup, migrations, writes and queries.

``open_connection`` loads on first use, so importing :class:`Filters` (the CLI does at
start-up) does not load apsw and sqlite-vec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from keeper.store.filters import Filters

if TYPE_CHECKING:
    from keeper.store.connection import open_connection

__all__ = ["Filters", "open_connection"]


def __getattr__(name: str) -> Any:
    if name == "open_connection":
        from keeper.store.connection import open_connection

        return open_connection
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
