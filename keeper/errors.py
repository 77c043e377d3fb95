"""The one error family keeper raises on purpose.

Every error meant for a person derives from :class:`KeeperError`. The CLI and the TUI
catch this family at their edges and show ``str(error)`` plus the hint; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations


class KeeperError(Exception):
    """An error with a message a person can act on.

    ``exit_code`` is what the CLI exits with; ``hint`` says what to do next.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class UsageError(KeeperError):
    """The command line was wrong (bad flag value, unknown id)."""

    exit_code = 2


class InputError(KeeperError):
    """An input could not be read at all: not an export, empty, unreadable."""

    exit_code = 1


class ArchiveError(InputError):
    """An export archive is damaged or unsafe (truncated zip, zip bomb, encrypted)."""


class RecordError(KeeperError):
    """One record inside an export is malformed; the rest of the import goes on."""


class StoreError(KeeperError):
    """The database could not be opened, migrated or written."""


class ModelError(KeeperError):
    """The embedding model could not be loaded (missing package, bad checksum, offline)."""
