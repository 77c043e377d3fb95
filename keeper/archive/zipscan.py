"""Recover the members of a zip whose end (the central directory) is missing.

A download cut short leaves a zip without its central directory, which :mod:`zipfile`
needs. Every member is also preceded by a local header, so walking those headers from the
start finds the members that did arrive; the last one may be cut short too.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import BinaryIO, cast

from keeper.archive.container import Container, Member, Refusal
from keeper.archive.entry import DEFLATED, STORED, EntryReader, LocalEntry
from keeper.archive.model import Anomaly
from keeper.archive.safety import MAX_MEMBERS, is_ignored, ratio_reason, unsafe_name_reason
from keeper.errors import ArchiveError
from keeper.model import AnomalyKind

_LOCAL = b"PK\x03\x04"
_DESCRIPTOR = b"PK\x07\x08"
_HEADER = struct.Struct("<4sHHHHHIIIHH")
_BLOCK = 1024 * 1024


class RecoveredZipContainer(Container):
    """The members of a truncated zip, found by walking local headers."""

    kind = "zip"

    def __init__(self, path: Path, label: str) -> None:
        super().__init__(label)
        self.path = path
        self._entries: dict[str, LocalEntry] = {}
        with open(path, "rb") as f:
            f.seek(0, 2)
            end = f.tell()
            self._scan(f, end)
        kept = len(self.listing.members) + len(self.listing.refused)
        self.anomalies.insert(
            0,
            Anomaly(
                AnomalyKind.TRUNCATED_ZIP,
                label,
                f"the zip's table of contents (central directory) is missing or damaged, "
                f"usually because the download was cut short (the file has {end:,} bytes); "
                f"recovered {kept} member(s) from their local headers",
            ),
        )

    def _scan(self, f: BinaryIO, end: int) -> None:
        pos = 0
        while pos + _HEADER.size <= end:
            f.seek(pos)
            header = f.read(_HEADER.size)
            if header[:4] != _LOCAL:
                return
            (_, _, flags, method, _, _, crc, csize, usize, name_len, extra_len) = _HEADER.unpack(
                header
            )
            raw_name = f.read(name_len)
            extra = f.read(extra_len)
            data_offset = pos + _HEADER.size + name_len + extra_len
            if data_offset > end:
                return
            name = _decode_name(raw_name, flags).replace("\\", "/")
            csize, usize, zip64 = _zip64_sizes(extra, csize, usize)
            if flags & 0x8:
                if method == DEFLATED:
                    csize, usize, status = _inflate_extent(f, data_offset, end)
                elif method == STORED:
                    csize, status = _stored_extent(f, data_offset, end, zip64)
                    usize = csize
                else:
                    self.anomalies.append(
                        Anomaly(
                            AnomalyKind.UNREADABLE_MEMBER,
                            name,
                            f"compression method {method} with sizes after the data cannot be "
                            "recovered from a cut-short zip; recovery stops here",
                        )
                    )
                    return
                if status == "bomb":
                    self.listing.refused[name] = Refusal(
                        AnomalyKind.ZIP_BOMB,
                        f"skipped: {ratio_reason(usize, csize)}; recovery stops here",
                    )
                    return
                complete = status == "complete"
                next_pos = _skip_descriptor(f, data_offset + csize, zip64) if complete else end
                crc = _descriptor_crc(f, data_offset + csize) if complete else 0
            else:
                complete = data_offset + csize <= end
                next_pos = data_offset + csize
            entry = LocalEntry(
                name, data_offset, min(csize, end - data_offset), usize, method, crc, not complete
            )
            self._add(entry, flags)
            if not complete:
                return
            pos = next_pos

    def _add(self, entry: LocalEntry, flags: int) -> None:
        name = entry.name
        if name.endswith("/") or is_ignored(name):
            return
        reason = unsafe_name_reason(name)
        if reason is not None:
            self.anomalies.append(Anomaly(AnomalyKind.UNSAFE_MEMBER, name, f"skipped: {reason}"))
            return
        if len(self._entries) >= MAX_MEMBERS:
            raise ArchiveError(
                f"{self.label} holds more than {MAX_MEMBERS:,} files, far more than any "
                "ChatGPT export; keeper will not open it.",
                hint="Check that this is the export downloaded from ChatGPT.",
            )
        if flags & 0x1:
            self.listing.refused[name] = Refusal(
                AnomalyKind.ENCRYPTED_MEMBER, "it is password-protected (encrypted)"
            )
            return
        bomb = ratio_reason(entry.size, entry.compressed)
        if bomb is not None:
            self.listing.refused[name] = Refusal(AnomalyKind.ZIP_BOMB, f"skipped: {bomb}")
            return
        if entry.method not in (STORED, DEFLATED):
            self.listing.refused[name] = Refusal(
                AnomalyKind.UNREADABLE_MEMBER,
                f"compression method {entry.method} cannot be recovered",
            )
            return
        if entry.truncated:
            self.truncated.add(name)
            self.anomalies.append(
                Anomaly(
                    AnomalyKind.TRUNCATED_MEMBER,
                    name,
                    "the zip ends inside this file; only its first part can be read",
                )
            )
        self._entries[name] = entry
        self.listing.members[name] = Member(name, entry.size, entry.compressed)

    def open(self, name: str) -> BinaryIO:
        return cast(BinaryIO, EntryReader(self.path, self._entries[name]))


def _decode_name(raw: bytes, flags: int) -> str:
    if flags & 0x800:
        return raw.decode("utf-8", "replace")
    return raw.decode("cp437")


def _zip64_sizes(extra: bytes, csize: int, usize: int) -> tuple[int, int, bool]:
    """Apply a ZIP64 extra field's sizes where the header says 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        body = extra[at + 4 : at + 4 + length]
        if tag == 0x0001:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            return csize, usize, True
        at += 4 + length
    return csize, usize, False


def _inflate_extent(f: BinaryIO, start: int, end: int) -> tuple[int, int, str]:
    """Inflate a deflate stream to learn its compressed and uncompressed sizes.

    The status is "complete", "truncated" (the file ends first, or the data is corrupt) or
    "bomb" (it expands implausibly; inflating further would take forever).
    """
    d = zlib.decompressobj(-15)
    f.seek(start)
    consumed = produced = 0
    try:
        while not d.eof:
            raw = f.read(min(_BLOCK, end - start - consumed))
            if not raw:
                return consumed, produced, "truncated"
            consumed += len(raw)
            produced += len(d.decompress(raw, _BLOCK))
            while d.unconsumed_tail and not d.eof:
                produced += len(d.decompress(d.unconsumed_tail, _BLOCK))
                if ratio_reason(produced, consumed) is not None:
                    return consumed, produced, "bomb"
    except zlib.error:
        return consumed, produced, "truncated"
    return consumed - len(d.unused_data), produced, "complete"


def _stored_extent(f: BinaryIO, start: int, end: int, zip64: bool) -> tuple[int, str]:
    """Find where stored data followed by a data descriptor ends.

    The data is searched for a descriptor signature whose size field matches the distance
    from ``start``; without one, the data runs to the end of the file.
    """
    sized = 8 if zip64 else 4
    at = start
    carry = b""
    while at < end:
        f.seek(at)
        block = carry + f.read(min(_BLOCK, end - at))
        block_start = at - len(carry)
        hit = block.find(_DESCRIPTOR)
        while hit != -1:
            pos = block_start + hit
            f.seek(pos + 8)
            for width in (sized, 12 - sized):
                f.seek(pos + 8)
                field = f.read(width)
                if len(field) == width and int.from_bytes(field, "little") == pos - start:
                    return pos - start, "complete"
            hit = block.find(_DESCRIPTOR, hit + 1)
        at = block_start + len(block)
        carry = block[-3:]
    return end - start, "truncated"


def _skip_descriptor(f: BinaryIO, at: int, zip64: bool) -> int:
    """Offset just after the data descriptor that follows a member's data."""
    f.seek(at)
    head = f.read(4)
    if head == _DESCRIPTOR:
        at += 4
    sized = 8 if zip64 else 4
    after = at + 4 + 2 * sized
    f.seek(after)
    if f.read(4) not in (_LOCAL, b"PK\x01\x02", b""):
        other = at + 4 + 2 * (12 - sized)
        f.seek(other)
        if f.read(4) in (_LOCAL, b"PK\x01\x02"):
            return other
    return after


def _descriptor_crc(f: BinaryIO, at: int) -> int:
    f.seek(at)
    head = f.read(8)
    body = head[4:8] if head[:4] == _DESCRIPTOR else head[:4]
    return int(struct.unpack("<I", body)[0]) if len(body) == 4 else 0
