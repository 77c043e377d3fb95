"""What every keeper screen shares: failed workers become notifications, not crashes, and
results that arrive after the user left are dropped."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from textual.worker import Worker, WorkerState

from keeper.errors import KeeperError

if TYPE_CHECKING:
    from textual.screen import Screen

log = logging.getLogger(__name__)


class WorkerErrors:
    """Mixin for screens: a worker that raised is reported to the user. (Worker state
    messages do not bubble, so each screen that runs workers handles its own.)"""

    def user_left(self) -> bool:
        """Whether this screen was closed (or the app is quitting) while a worker ran: a
        popped screen can stay attached for a moment, but it is off the stack at once."""
        screen = cast("Screen[object]", self)
        return not screen.is_attached or screen not in screen.app.screen_stack

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
