"""A zip export read lazily through :mod:`zipfile`, with safety checks on every member."""

from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO, cast

from keeper.archive.container import Container, Member, Refusal
from keeper.archive.entry import DEFLATED, STORED, EntryReader, LocalEntry, data_offset
from keeper.archive.model import Anomaly
from keeper.archive.safety import MAX_MEMBERS, is_ignored, ratio_reason, unsafe_name_reason
from keeper.errors import ArchiveError
from keeper.model import AnomalyKind

# Methods zipfile can decompress: stored, deflated, bzip2, lzma.
_READABLE_METHODS = {0, 8, 12, 14}
_METHOD_NAMES = {9: "Deflate64", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES"}
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"


class ZipContainer(Container):
    """Members of a zip whose central directory is intact."""

    kind = "zip"

    def __init__(self, path: Path, label: str) -> None:
        super().__init__(label)
        self.path = path
        count = central_directory_count(path)
        if count is not None and count > MAX_MEMBERS:
            raise ArchiveError(
                f"{label} lists {count:,} files, far more than any ChatGPT export; "
                "keeper will not open it.",
                hint="Check that this is the export downloaded from ChatGPT.",
            )
        self._zip = zipfile.ZipFile(path)  # raises BadZipFile when the directory is missing
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            self._add(info)

    def _add(self, info: zipfile.ZipInfo) -> None:
        name = info.filename.replace("\\", "/")
        if name.endswith("/") or is_ignored(name):
            return
        reason = unsafe_name_reason(name)
        if reason is None and stat.S_ISLNK(info.external_attr >> 16):
            reason = "it is a symbolic link"
        if reason is not None:
            self.anomalies.append(Anomaly(AnomalyKind.UNSAFE_MEMBER, name, f"skipped: {reason}"))
            return
        refusal = _refusal(info)
        if refusal is not None:
            self.listing.refused[name] = refusal
            return
        self._infos[name] = info
        self.listing.members[name] = Member(name, info.file_size, info.compress_size)

    def open(self, name: str) -> BinaryIO:
        info = self._infos[name]
        if info.compress_type not in (STORED, DEFLATED):
            return cast(BinaryIO, self._zip.open(info))
        entry = LocalEntry(
            name,
            data_offset(self.path, info.header_offset),
            info.compress_size,
            info.file_size,
            info.compress_type,
            info.CRC,
            truncated=False,
        )
        return cast(BinaryIO, EntryReader(self.path, entry))

    def close(self) -> None:
        self._zip.close()


def _refusal(info: zipfile.ZipInfo) -> Refusal | None:
    """Why a well-named member still cannot be read, or None."""
    if info.flag_bits & 0x1:
        return Refusal(AnomalyKind.ENCRYPTED_MEMBER, "it is password-protected (encrypted)")
    bomb = ratio_reason(info.file_size, info.compress_size)
    if bomb is not None:
        return Refusal(AnomalyKind.ZIP_BOMB, f"skipped: {bomb}")
    if info.compress_type not in _READABLE_METHODS:
        method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        return Refusal(
            AnomalyKind.UNREADABLE_MEMBER,
            f"it is compressed with {method}, which keeper cannot read; unpack the zip with "
            "your system's archive tool and open the folder instead",
        )
    return None


def central_directory_count(path: Path) -> int | None:
    """The entry count the end-of-central-directory record declares, or None if none found."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        tail_len = min(size, 22 + 65535 + 20)
        f.seek(size - tail_len)
        tail = f.read(tail_len)
        at = tail.rfind(_EOCD)
        if at < 0 or at + 22 > len(tail):
            return None
        (count,) = struct.unpack_from("<H", tail, at + 10)
        if count != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != _EOCD64_LOCATOR:
            return int(count)
        (eocd64_offset,) = struct.unpack_from("<Q", tail, at - 20 + 8)
        f.seek(eocd64_offset)
        record = f.read(56)
        if len(record) < 40 or record[:4] != b"PK\x06\x06":
            return None
        (count64,) = struct.unpack_from("<Q", record, 32)
        return int(count64)
