"""The archive's one-writer-at-a-time lock (imports, embedding, forgetting)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from keeper.errors import KeeperError
from keeper.paths import DataPaths


@contextmanager
def write_lock(paths: DataPaths) -> Iterator[None]:
    """Hold the archive's write lock, or refuse with a clear message.

    An advisory ``flock`` on ``<db>.import-lock`` beside the database: the kernel drops it
    when the process dies, so a crash never leaves the archive locked."""
    lock_path = paths.db.with_name(paths.db.name + ".import-lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise KeeperError(
                f"Another keeper import is already writing to {paths.db}.",
                "Wait for it to finish (searching works meanwhile), then run this import again.",
            ) from error
        yield
    finally:
        os.close(fd)
