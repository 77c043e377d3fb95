"""What every keeper screen shares: failed workers become notifications, not crashes."""

from __future__ import annotations

import logging

from textual.worker import Worker, WorkerState

from keeper.errors import KeeperError

log = logging.getLogger(__name__)


class WorkerErrors:
    """Mixin for screens: a worker that raised is reported to the user. (Worker state
    messages do not bubble, so each screen that runs workers handles its own.)"""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Notify about a failed worker: a KeeperError's own words, else the error."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        app = event.worker.node.app
        if isinstance(error, KeeperError):
            app.notify(str(error), severity="error", timeout=8)
        else:
            log.error("worker %s failed", event.worker.name, exc_info=error)
            app.notify(f"{type(error).__name__}: {error}", severity="error", timeout=8)
