"""Load the embedding model in the background, the first time a search needs it.

The server starts (and answers keyword searches) without importing torch or onnxruntime;
the first search on an embedded archive starts the load and waits briefly for it, and
falls back to keywords (saying so) while it is still loading.
"""

from __future__ import annotations

import gc
import threading
from typing import TYPE_CHECKING

from keeper.errors import KeeperError

if TYPE_CHECKING:
    from keeper.library import Library


class EmbedderWarmup:
    """One background load of the archive's embedding model."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    @property
    def started(self) -> bool:
        """Whether the load has been started."""
        return self._thread is not None

    def start(self, model: str) -> None:
        """Start loading ``model`` (the name the archive was embedded with), once."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._load, args=(model,), name="keeper-embedder", daemon=True
        )
        self._thread.start()

    def _load(self, model: str) -> None:
        try:
            # Library.embedder caches the model under the key a later search asks for.
            self._library.embedder(model)
        except KeeperError as error:
            self.error = error.message
        except (ImportError, OSError, RuntimeError, ValueError) as error:
            self.error = f"The embedding model could not be loaded ({error})."
        finally:
            self._done.set()

    def ready(self, wait: float = 0.0) -> bool:
        """Whether the model is loaded (waiting up to ``wait`` seconds); False after a
        failed load, whose reason is :attr:`error`."""
        if self._thread is None:
            return False
        self._done.wait(wait)
        return self._done.is_set() and self.error is None


class ContinuityWarmup:
    """Fill the archive's continuity caches in the background right after the server
    starts, on a read-only connection of its own: at 100k messages the term statistics
    take ~20 s and the default persona a few seconds, which the first summary, pack or
    persona call would otherwise wait for."""

    def __init__(self, db: str) -> None:
        self._db = db
        self._done = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="keeper-warmup", daemon=True)

    def start(self) -> None:
        """Start filling the caches."""
        self._thread.start()

    def _run(self) -> None:
        from keeper.library import Library

        try:
            with Library.open_readonly(self._db) as library:
                library.warm_continuity()
            # What was just cached lives as long as the server: take it out of the cyclic
            # collector's reach, so a full collection during a call does not rescan it.
            gc.freeze()
        except KeeperError as error:
            self.error = error.message
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the caches are filled (waiting up to ``timeout`` seconds)."""
        return self._done.wait(timeout)
