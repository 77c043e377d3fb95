"""Stream one stored or deflated zip member straight from the archive file.

zipfile checks a member's CRC inside the read that reaches its end and then drops that
read's data, so one flipped bit would lose a whole shard. This reader hands out every byte
first and raises :class:`zipfile.BadZipFile` only on the read after the last one.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

STORED, DEFLATED = 0, 8
_LOCAL = b"PK\x03\x04"
_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LocalEntry:
    """Where one member's data lies and what it should decode to."""

    name: str
    data_offset: int
    compressed: int
    size: int
    method: int
    crc: int
    truncated: bool


def data_offset(path: Path, header_offset: int) -> int:
    """Where a member's data starts, read from its local header."""
    with open(path, "rb") as f:
        f.seek(header_offset)
        header = f.read(30)
    if len(header) < 30 or header[:4] != _LOCAL:
        raise zipfile.BadZipFile(f"bad local file header at offset {header_offset}")
    name_len, extra_len = struct.unpack_from("<HH", header, 26)
    return header_offset + 30 + name_len + extra_len


class EntryReader(io.RawIOBase):
    """Streams one member's bytes; ``read(n)`` returns n bytes unless the member ends.

    A CRC mismatch (or data that stops early) is raised by the first read after the last
    byte was handed out, so everything readable has been delivered by then.
    """

    def __init__(self, path: Path, entry: LocalEntry) -> None:
        super().__init__()
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._file.seek(entry.data_offset)
        self._entry = entry
        self._left_in = entry.compressed
        self._left_out = entry.size
        self._inflate = zlib.decompressobj(-15) if entry.method == DEFLATED else None
        self._pending = b""
        self._crc = 0
        self._done = False
        self._error: Exception | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts: list[bytes] = []
        got = 0
        while got < size and not self._done:
            data = self._next(size - got)
            if data:
                parts.append(data)
                got += len(data)
        if not parts and self._error is not None:
            error, self._error = self._error, None
            raise error
        return b"".join(parts) if len(parts) != 1 else parts[0]

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while data := self.read(_BLOCK):
            parts.append(data)
        return b"".join(parts)

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _next(self, want: int) -> bytes:
        if self._left_out <= 0:
            self._finish()
            return b""
        want = min(want, self._left_out)
        if self._inflate is None:
            data = self._read_raw(want)
            exhausted = not data
        else:
            if not self._pending:
                self._pending = self._read_raw(_BLOCK)
            data = self._inflate.decompress(self._pending, want)
            self._pending = self._inflate.unconsumed_tail
            exhausted = not data and not self._pending and (self._left_in == 0 or self._inflate.eof)
        if exhausted:
            self._finish()
            return b""
        self._left_out -= len(data)
        self._crc = zlib.crc32(data, self._crc)
        return data

    def _read_raw(self, want: int) -> bytes:
        if self._left_in <= 0:
            return b""
        raw = self._file.read(min(want, self._left_in))
        self._left_in = self._left_in - len(raw) if raw else 0
        return raw

    def _finish(self) -> None:
        self._done = True
        entry = self._entry
        if entry.truncated:
            return
        if self._left_out > 0:
            self._error = EOFError(f"{entry.name!r} ends {self._left_out:,} bytes early")
        elif self._crc != entry.crc:
            self._error = zipfile.BadZipFile(f"Bad CRC-32 for file {entry.name!r}")

    def close(self) -> None:
        self._file.close()
        super().close()
