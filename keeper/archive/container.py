"""A uniform, read-only view of the files of an export: zip members or files in a folder."""

from __future__ import annotations

import lzma
import os
import stat
import zipfile
import zlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from keeper.archive.model import Anomaly
from keeper.archive.safety import MAX_MEMBERS, is_ignored
from keeper.errors import ArchiveError
from keeper.model import AnomalyKind

# What reading a member can raise: damaged zip data, a cut-short file, disk errors,
# and compression methods zipfile lacks.
READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    NotImplementedError,
)


@dataclass(frozen=True, slots=True)
class Member:
    """One file of the export. ``name`` is '/'-separated and relative to the container."""

    name: str
    size: int
    compressed: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """A member that exists but will not be read, and why."""

    kind: AnomalyKind
    detail: str


@dataclass(slots=True)
class Listing:
    """What a container holds: readable members, plus refused ones kept for planning."""

    members: dict[str, Member] = field(default_factory=dict)
    refused: dict[str, Refusal] = field(default_factory=dict)


class Container(ABC):
    """Read-only access to the members of an export, never extracting them."""

    kind: str

    def __init__(self, label: str) -> None:
        self.label = label
        self.anomalies: list[Anomaly] = []
        self.listing = Listing()
        # Members whose data stops early (only a recovered zip has any).
        self.truncated: set[str] = set()

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """Open a member for streaming reads."""

    def close(self) -> None:  # noqa: B027 - most containers hold nothing open
        """Release any open file handles."""


class DirContainer(Container):
    """An unpacked export folder. Symbolic links are skipped so nothing outside is read."""

    kind = "directory"

    def __init__(self, root: Path, label: str, *, max_depth: int = 64) -> None:
        super().__init__(label)
        self.root = root
        self._walk(max_depth)

    def _walk(self, max_depth: int) -> None:
        stack: list[tuple[Path, str, int]] = [(self.root, "", 0)]
        members = self.listing.members
        while stack:
            folder, prefix, depth = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                self.anomalies.append(
                    Anomaly(
                        AnomalyKind.UNREADABLE_MEMBER, prefix or ".", f"cannot list folder: {exc}"
                    )
                )
                continue
            for entry in entries:
                name = prefix + entry.name
                if is_ignored(name):
                    continue
                if entry.is_symlink():
                    self.anomalies.append(
                        Anomaly(AnomalyKind.UNSAFE_MEMBER, name, "skipped: it is a symbolic link")
                    )
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    self.anomalies.append(Anomaly(AnomalyKind.UNREADABLE_MEMBER, name, str(exc)))
                    continue
                if stat.S_ISDIR(info.st_mode):
                    if depth < max_depth:
                        stack.append((Path(entry.path), name + "/", depth + 1))
                elif stat.S_ISREG(info.st_mode):
                    members[name] = Member(name, info.st_size, info.st_size)
                    if len(members) > MAX_MEMBERS:
                        raise ArchiveError(
                            f"{self.label} holds more than {MAX_MEMBERS:,} files, far more than "
                            "any ChatGPT export.",
                            hint="Point keeper at the folder the export was unpacked into, "
                            "or at the export .zip itself.",
                        )

    def open(self, name: str) -> BinaryIO:
        return open(self.root / name, "rb")


class FileContainer(Container):
    """A single file given on its own (conversations.json, a shard, chat.html)."""

    kind = "file"

    def __init__(self, path: Path, label: str) -> None:
        super().__init__(label)
        self.path = path
        size = path.stat().st_size
        self.listing.members[path.name] = Member(path.name, size, size)

    def open(self, name: str) -> BinaryIO:
        return open(self.path, "rb")
