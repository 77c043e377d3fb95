"""Pull ``jsonData`` and ``assetsJson`` out of an export's chat.html without running it.

chat.html is an offline viewer whose script assigns the whole conversation list to
``var jsonData = [...]`` and a pointer → file-name map to ``var assetsJson = {...}``. The
script text is scanned for those assignments and the JSON values after them are split
like any other JSON file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO, cast

import orjson

from keeper.archive.split import (
    DEFAULT_CHUNK_SIZE,
    NOT_JSON,
    Split,
    iter_json_values,
    skip_json_value,
)

_ASSIGNMENT = re.compile(rb"(?:\b(?:var|let|const)\s+|\bwindow\.)(jsonData|assetsJson)\s*=\s*")
# An assignment split across two reads is found by re-scanning this many bytes.
_OVERLAP = 256
MAX_ASSETS_JSON = 64 * 1024 * 1024


class _Prefixed(io.RawIOBase):
    """``head`` followed by the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _prefixed(head: bytes, stream: BinaryIO) -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(_Prefixed(head, stream), buffer_size=1024 * 1024))


def find_assignment(
    stream: BinaryIO, names: tuple[bytes, ...], chunk_size: int = DEFAULT_CHUNK_SIZE
) -> tuple[bytes, BinaryIO, int] | None:
    """Read up to the first ``var <name> =`` for one of ``names``.

    Returns the name found, a stream of the bytes after the ``=``, and their offset in the
    original stream; None if the stream ends without such an assignment.
    """
    carry = b""
    offset = 0  # stream offset of carry[0]
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            return None
        window = carry + chunk
        for match in _ASSIGNMENT.finditer(window):
            if match.group(1) in names and match.end() < len(window):
                return (
                    match.group(1),
                    _prefixed(window[match.end() :], stream),
                    offset + match.end(),
                )
        keep = min(len(window), _OVERLAP)
        offset += len(window) - keep
        carry = window[len(window) - keep :]


def iter_html_conversations(
    stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[Split]:
    """Split the ``jsonData`` array of a chat.html; positions count chat.html bytes.

    Yields a single error when the file has no ``jsonData`` assignment.
    """
    found = find_assignment(stream, (b"jsonData",), chunk_size)
    if found is None:
        yield None, NOT_JSON + "chat.html has no `var jsonData = [...]` assignment", 0
        return
    _, rest, offset = found
    for payload, error, position in iter_json_values(rest, chunk_size, trailing_ok=True):
        yield payload, error, offset + position


def has_conversations(stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE) -> bool:
    """True when the stream holds a ``jsonData`` assignment (read only up to it)."""
    return find_assignment(stream, (b"jsonData",), chunk_size) is not None


def load_assets_json(
    open_html: Callable[[], BinaryIO], chunk_size: int = DEFAULT_CHUNK_SIZE
) -> dict[str, str]:
    """The ``assetsJson`` map of a chat.html (pointer → file name), or {} when absent.

    ``jsonData`` is skipped as a JSON value, so text inside conversations that happens to
    read ``var assetsJson =`` is never mistaken for the real assignment.
    """
    with open_html() as stream:
        current: BinaryIO = stream
        while True:
            found = find_assignment(current, (b"jsonData", b"assetsJson"), chunk_size)
            if found is None:
                return {}
            name, rest, _ = found
            if name == b"assetsJson":
                return _parse_assets(rest, chunk_size)
            after = skip_json_value(rest, chunk_size)
            if after is None:
                return {}
            current = _prefixed(after, rest)


def _parse_assets(stream: BinaryIO, chunk_size: int) -> dict[str, str]:
    for payload, _, _ in iter_json_values(stream, chunk_size, trailing_ok=True):
        if payload is None or len(payload) > MAX_ASSETS_JSON:
            return {}
        try:
            value = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return {}
        return _as_name_map(value)
    return {}


def _as_name_map(value: object) -> dict[str, str]:
    """Keep the entries that map a pointer to a file name (a string, or a dict naming one)."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = next(
                (
                    item[k]
                    for k in ("name", "path", "file_name", "filename", "url")
                    if isinstance(item.get(k), str)
                ),
                None,
            )
        if isinstance(key, str) and isinstance(item, str) and item:
            out[key] = item
    return out
