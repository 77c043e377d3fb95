"""Per-thread access to the archive for the UI's workers.

Every database call runs in a Textual thread worker. SQLite (WAL) lets many readers work
at once, so each worker thread gets its own :class:`~keeper.library.Library` connection;
a slow call (a semantic search loading its model, an import) never blocks a quick one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from keeper.errors import StoreError

if TYPE_CHECKING:
    from keeper.library import Library

log = logging.getLogger(__name__)
# How long quitting waits for a worker still inside a query to let go of its connection.
CLOSE_WAIT_SECONDS = 2.0


LibraryFactory = Callable[[], "Library"]
"""Opens a new Library on the archive the UI shows (one per worker thread)."""


class Backend:
    """Opens one Library per thread with ``open_library`` and closes them all at the end."""

    def __init__(self, open_library: LibraryFactory) -> None:
        self.open_library = open_library
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Library] = []
        self._semantic: Library | None = None
        self._semantic_lock = threading.Lock()
        self._closed = False
        # Start loading keeper.library (apsw, orjson, the store) while Textual sets up its
        # screen, rather than after the first screen asks for the list (the default
        # factory imports it lazily for the same reason).
        self._warm = threading.Thread(target=_import_library, daemon=True)
        self._warm.start()

    def library(self) -> Library:
        """This thread's Library (opened on first use; imports keeper.library lazily)."""
        library: Library | None = getattr(self._local, "library", None)
        if library is None:
            library = self.open_library()
            self._local.library = library
            self._register(library)
        return library

    def _register(self, library: Library) -> None:
        """Track ``library`` for :meth:`close`; after close, close it and refuse."""
        with self._lock:
            if not self._closed:
                self._open.append(library)
                return
        library.close()
        raise StoreError("keeper is closing; the archive is no longer open.")

    @contextmanager
    def semantic(self) -> Iterator[Library]:
        """The one Library semantic searches share, held by one thread at a time.

        A Library keeps its embedding model once loaded; a per-thread Library would load
        the model again in every worker thread."""
        with self._semantic_lock:
            if self._semantic is None:
                library = self.open_library()
                self._register(library)
                self._semantic = library
            yield self._semantic

    def close(self) -> None:
        """Close every connection the workers opened.

        A worker may still be inside a query when the app quits: its statement is
        interrupted and its connection closed as soon as the worker lets go of it. One that
        holds on past ``CLOSE_WAIT_SECONDS`` (all workers together) keeps its connection
        until the process ends; committed data is safe either way (WAL), an interrupted
        import resumes next time."""
        with self._lock:
            self._closed = True
            libraries, self._open = self._open, []
        deadline = time.monotonic() + CLOSE_WAIT_SECONDS
        for library in libraries:
            if not library.close_when_idle(max(0.0, deadline - time.monotonic())):
                log.info("a worker still holds %s; left open", library.paths.db)


def _import_library() -> None:
    import keeper.library  # noqa: F401
