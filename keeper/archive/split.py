"""Split a stream holding one big JSON document into the byte slices of its top-level values.

Nothing is parsed in Python: each chunk is scanned with numpy for unescaped quotes and for
brackets outside strings, and the bytes between element boundaries are cut out. Only the
elements themselves are copied, so memory stays at about one chunk plus the current element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from keeper.archive import safety
from keeper.model import AnomalyKind

DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024

_QUOTE = 0x22
_BACKSLASH = 0x5C
_COMMA = 0x2C
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_NONBLANK = re.compile(rb"[^ \t\r\n]")
_WRAPPER_KEY = re.compile(rb'"conversations"[ \t\r\n]*:[ \t\r\n]*\Z')
# The wrapper key must sit right before its "[", so a short tail is enough to recognise it.
_TAIL = 512
# Reads can be large, but scanning in blocks that fit the CPU cache is about 1.5x faster.
_BLOCK = 1024 * 1024
# numpy beats bytes.find for finding commas in long runs between containers (scalar arrays).
_NUMPY_GAP = 256

Split = tuple[bytes | None, str | None, int]

# Every error message starts with one of these, so callers can classify it.
TRUNCATED = "truncated: "
TRAILING = "trailing data: "
NOT_JSON = "not JSON: "
TOO_LARGE = "too large: "


def error_kind(message: str) -> AnomalyKind:
    """The anomaly kind for an error message from :func:`iter_json_values`."""
    if message.startswith(TRAILING):
        return AnomalyKind.TRAILING_DATA
    if message.startswith(NOT_JSON):
        return AnomalyKind.NOT_JSON
    if message.startswith(TOO_LARGE):
        return AnomalyKind.RECORD_TOO_LARGE
    return AnomalyKind.TRUNCATED_JSON


IntArray = npt.NDArray[np.int64]


def iter_json_values(
    stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE, *, trailing_ok: bool = False
) -> Iterator[Split]:
    """Yield ``(payload, error, position)`` for each top-level value of a JSON document.

    The document may be an array (each element is yielded), an object with a
    ``"conversations": [...]`` member (each element of that array is yielded), or any other
    object (yielded whole). A UTF-8 BOM and surrounding whitespace are skipped. ``payload``
    is the exact bytes of one value (whitespace stripped); when the bytes cannot be delimited
    (the stream ends inside a value, or the document is not JSON) ``payload`` is None and
    ``error`` says why. ``position`` is the number of stream bytes consumed so far.
    ``trailing_ok`` accepts any bytes after the document (the ``<script>`` tail of chat.html).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    chunk, base = _read_start(stream, chunk_size)
    if not chunk:
        return
    problem = _start_problem(chunk)
    if problem is not None:
        yield None, problem, base + len(chunk)
        return
    doc = _Document(stream, chunk_size, chunk, base)
    yield from doc.values()
    if doc.finished and not trailing_ok and doc.array_level != 2:
        yield from _check_trailing(doc.rest, stream, chunk_size, doc.rest_end)


def skip_json_value(stream: BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE) -> bytes | None:
    """Read past one JSON array or object; return the bytes read beyond its end.

    None means the stream ended first (or held no JSON value); the stream is then exhausted.
    """
    chunk, base = _read_start(stream, chunk_size)
    if not chunk or _start_problem(chunk) is not None:
        return None
    doc = _Document(stream, chunk_size, chunk, base)
    for _ in doc.values():
        pass
    return doc.rest if doc.finished else None


class _Document:
    """Feeds a stream to a scanner block by block and remembers what follows the document."""

    def __init__(self, stream: BinaryIO, chunk_size: int, first: bytes, base: int) -> None:
        self.stream = stream
        self.chunk_size = chunk_size
        self.first = first
        self.base = base
        self.scanner = _Scanner(first[:1] == b"[", base)
        self.finished = False
        self.rest = b""
        self.rest_end = 0

    @property
    def array_level(self) -> int:
        return self.scanner.array_level

    def values(self) -> Iterator[Split]:
        """The document's values; afterwards ``finished``/``rest`` say how it ended."""
        scanner = self.scanner
        chunk, base = self.first, self.base
        while chunk:
            for lo in range(0, len(chunk), _BLOCK):
                block = chunk[lo : lo + _BLOCK] if len(chunk) > _BLOCK else chunk
                yield from scanner.feed(block, base)
                base += len(block)
                if scanner.done:
                    after = chunk[lo + _BLOCK :]
                    self.finished = True
                    self.rest = scanner.leftover + after
                    self.rest_end = base + len(after)
                    return
            chunk = self.stream.read(self.chunk_size)
        yield from scanner.finish(base)


def _read_start(stream: BinaryIO, chunk_size: int) -> tuple[bytes, int]:
    """Read past a BOM and leading whitespace; return the bytes from the first significant one
    and their stream offset (empty bytes when the stream is blank)."""
    data = b""
    offset = 0
    bom_checked = False
    while True:
        chunk = stream.read(chunk_size)
        data += chunk
        if not bom_checked:
            if chunk and len(data) < len(_BOM) and _BOM.startswith(data):
                continue
            if data.startswith(_BOM):
                data = data[len(_BOM) :]
                offset = len(_BOM)
            bom_checked = True
        stripped = data.lstrip(_WHITESPACE)
        offset += len(data) - len(stripped)
        data = stripped
        if data or not chunk:
            return data, offset


def _start_problem(head: bytes) -> str | None:
    """Say why a document starting with ``head`` cannot be split, or None if it can."""
    if head[:1] in (b"[", b"{"):
        return None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return NOT_JSON + "the file is UTF-16 encoded; save it as UTF-8 and try again"
    return NOT_JSON + f"the file does not start with a JSON array or object ({head[:20]!r})"


def _check_trailing(rest: bytes, stream: BinaryIO, chunk_size: int, end: int) -> Iterator[Split]:
    """After the document ends, report non-blank bytes that follow it."""
    while True:
        stripped = rest.lstrip(_WHITESPACE)
        if stripped:
            at = end - len(stripped)
            yield None, TRAILING + f"unexpected bytes after the end of the JSON at byte {at}", end
            return
        rest = stream.read(chunk_size)
        if not rest:
            return
        end += len(rest)


class _Scanner:
    """Carries the scan state (string, escape, depth, pending element) across chunks."""

    __slots__ = (
        "array_level",
        "bs_parity",
        "buf_start",
        "depth",
        "done",
        "elem_open",
        "in_string",
        "index",
        "leftover",
        "mask",
        "mask2",
        "oversized",
        "pending",
        "pieces",
        "scratch",
        "tail",
    )

    def __init__(self, is_array: bool, start: int) -> None:
        self.in_string = False
        self.bs_parity = 0
        self.depth = 0
        # 1 for a top-level array, 2 for the array of a {"conversations": [...]} wrapper,
        # -1 while reading a top-level object.
        self.array_level = 1 if is_array else -1
        self.buf_start = start + 1 if is_array else start
        self.pieces: list[bytes] = []
        # Bytes of the value being read; past safety.MAX_RECORD_BYTES they are dropped
        # (``oversized``) so one giant value, such as a zip bomb's, cannot exhaust memory.
        self.pending = 0
        self.oversized = False
        self.elem_open = False
        self.done = False
        self.leftover = b""
        self.tail = b""
        self.index = 0
        self.scratch: npt.NDArray[np.uint8] | None = None
        self.mask: npt.NDArray[np.bool_] | None = None
        self.mask2: npt.NDArray[np.bool_] | None = None

    def feed(self, chunk: bytes, base: int) -> list[Split]:
        """Scan one chunk starting at stream offset ``base``; return the values it completed."""
        a = np.frombuffer(chunk, dtype=np.uint8)
        hits = np.flatnonzero(self._interesting(a))
        kinds = a[hits]
        is_quote = kinds == _QUOTE
        self._drop_escaped(chunk, a, hits, is_quote)
        string_parity = int(self.in_string)
        quotes_before = np.cumsum(is_quote, dtype=np.int64)
        folded = kinds | 0x20
        outside = ((quotes_before + string_parity) & 1) == 0
        outside &= (folded == 0x7B) | (folded == 0x7D)
        picked = np.flatnonzero(outside)
        brackets = hits[picked]
        if quotes_before.size:
            self.in_string = bool((string_parity + int(quotes_before[-1])) & 1)
        steps = np.where((kinds[picked] & 4) == 0, 1, -1)
        depths = self.depth + np.cumsum(steps)
        quotes = _LazyQuotes(hits, is_quote)
        out: list[Split] = []
        self._cut(chunk, base, a, brackets, steps, depths, quotes, string_parity, out)
        if not self.done:
            if brackets.size:
                self.depth = int(depths[-1])
            self._keep_pending(chunk, base)
            self.tail = (self.tail + chunk[-_TAIL:])[-_TAIL:]
        return out

    def _interesting(self, a: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
        """Mask of quotes, backslashes and brackets (plus '|', filtered out later)."""
        n = a.size
        if self.scratch is None or self.scratch.size < n:
            self.scratch = np.empty(n, dtype=np.uint8)
            self.mask = np.empty(n, dtype=np.bool_)
            self.mask2 = np.empty(n, dtype=np.bool_)
        assert self.mask is not None and self.mask2 is not None
        folded, mask, mask2 = self.scratch[:n], self.mask[:n], self.mask2[:n]
        # '[', '\\', ']', '{', '|', '}' are the bytes whose (b | 0x20) - 0x7B is 0, 1 or 2.
        np.bitwise_or(a, 0x20, out=folded)
        np.subtract(folded, 0x7B, out=folded)
        np.less_equal(folded, 2, out=mask)
        np.equal(a, _QUOTE, out=mask2)
        np.logical_or(mask, mask2, out=mask)
        return mask

    def _drop_escaped(
        self,
        chunk: bytes,
        a: npt.NDArray[np.uint8],
        hits: IntArray,
        is_quote: npt.NDArray[np.bool_],
    ) -> None:
        """Clear ``is_quote`` for quotes escaped by an odd run of backslashes; carry the run
        parity at the chunk end into the next chunk."""
        carry = self.bs_parity
        n = a.size
        if n and a[-1] == _BACKSLASH:
            trailing = n - len(chunk.rstrip(b"\\"))
            self.bs_parity = (trailing + (carry if trailing == n else 0)) & 1
        else:
            self.bs_parity = 0
        quote_idx = np.flatnonzero(is_quote)
        if not quote_idx.size:
            return
        qpos = hits[quote_idx]
        # a[q - 1] for q == 0 reads a[0], the quote itself, so it is never a candidate.
        cand = np.flatnonzero(a[np.maximum(qpos - 1, 0)] == _BACKSLASH)
        if carry and qpos[0] == 0:
            is_quote[quote_idx[0]] = False
        if not cand.size:
            return
        runs = _backslash_runs(chunk, a, qpos[cand], carry)
        is_quote[quote_idx[cand[(runs & 1) == 1]]] = False

    def finish(self, end: int) -> list[Split]:
        """Report an element left open when the stream ended."""
        if self.done:
            return []
        pending = b"".join(self.pieces).strip(_WHITESPACE)
        if self.array_level == -1:
            what = "the JSON object"
        elif self.elem_open or pending:
            what = f"element #{self.index}"
        else:
            return [
                (
                    None,
                    TRUNCATED + f"the file ends before the closing ']' (after {self.index} "
                    "elements)",
                    end,
                )
            ]
        return [
            (
                None,
                TRUNCATED + f"the file ends inside {what} (starting at byte {self.buf_start}); "
                "it looks truncated",
                end,
            )
        ]

    def _cut(
        self,
        chunk: bytes,
        base: int,
        a: npt.NDArray[np.uint8],
        brackets: IntArray,
        steps: npt.NDArray[np.int64],
        depths: npt.NDArray[np.int64],
        quotes: _LazyQuotes,
        string_parity: int,
        out: list[Split],
    ) -> None:
        """Turn the bracket events of a chunk into element boundaries."""
        start = 0
        n = len(chunk)
        while not self.done:
            events = self._events(a, brackets, steps, depths, start)
            switched = False
            for i in events.tolist():
                pos = int(brackets[i])
                level = self.array_level
                if level == -1:
                    if depths[i] == 0:
                        self._emit(chunk, base, pos + 1, out)
                        self.done = True
                        self.leftover = chunk[pos + 1 :]
                        return
                    if self._is_wrapper_key(chunk, pos):
                        self.array_level = 2
                        self._reset(base + pos + 1)
                        start = i + 1
                        switched = True
                        break
                    continue
                depth_before = int(depths[i] - steps[i])
                if depth_before == level and not self.elem_open:
                    self._split_gap(chunk, base, pos, quotes, string_parity, out)
                if steps[i] > 0:
                    self._scalar_before(chunk, base, pos, out)
                    self.elem_open = True
                    self._reset(base + pos)
                elif depths[i] == level:
                    self._emit(chunk, base, pos + 1, out)
                    self.elem_open = False
                    self._reset(base + pos + 1)
                else:
                    self._scalar_before(chunk, base, pos, out)
                    self.done = True
                    self.leftover = chunk[pos + 1 :]
                    return
            if not switched:
                break
        if self.array_level > 0 and not self.elem_open and not self.done:
            gap_depth = int(depths[-1]) if brackets.size else self.depth
            if gap_depth == self.array_level:
                self._split_gap(chunk, base, n, quotes, string_parity, out)

    def _events(
        self,
        a: npt.NDArray[np.uint8],
        brackets: IntArray,
        steps: npt.NDArray[np.int64],
        depths: npt.NDArray[np.int64],
        start: int,
    ) -> IntArray:
        """Indices of the bracket events that matter at the current level, from ``start``."""
        level = self.array_level
        if level == -1:
            mask = (depths == 0) | ((depths == 2) & (steps > 0) & (a[brackets] == ord("[")))
        else:
            mask = np.where(steps > 0, depths == level + 1, depths <= level)
        idx = np.flatnonzero(mask)
        return idx[idx >= start] if start else idx

    def _is_wrapper_key(self, chunk: bytes, pos: int) -> bool:
        """True when the '[' at ``pos`` opens the value of a top-level "conversations" key."""
        before = chunk[max(0, pos - _TAIL) : pos]
        if len(before) < _TAIL:
            before = self.tail + before
        return _WRAPPER_KEY.search(before) is not None

    def _split_gap(
        self,
        chunk: bytes,
        base: int,
        end: int,
        lazy_quotes: _LazyQuotes,
        string_parity: int,
        out: list[Split],
    ) -> None:
        """Cut scalar elements at commas outside strings between the pending start and ``end``."""
        begin = max(self.buf_start - base, 0)
        if end - begin < _NUMPY_GAP:
            found = []
            at = chunk.find(b",", begin, end)
            while at != -1:
                found.append(at)
                at = chunk.find(b",", at + 1, end)
            if not found:
                return
            # Separators sit outside strings, so a gap that starts in this chunk starts outside
            # one; without quotes in it, none of its commas can be inside a string.
            starts_outside = self.buf_start >= base or not string_parity
            if starts_outside and chunk.find(b'"', begin, end) == -1:
                for c in found:
                    self._scalar_before(chunk, base, c, out)
                    self._reset(base + c + 1)
                return
            commas = np.asarray(found, dtype=np.int64)
        else:
            view = np.frombuffer(chunk, dtype=np.uint8, count=end - begin, offset=begin)
            commas = np.flatnonzero(view == _COMMA) + begin
            if not commas.size:
                return
        quotes = lazy_quotes.get()
        if quotes.size:
            inside = (np.searchsorted(quotes, commas) + string_parity) & 1
            commas = commas[inside == 0]
        elif string_parity:
            return
        for c in commas.tolist():
            self._scalar_before(chunk, base, c, out)
            self._reset(base + c + 1)

    def _scalar_before(self, chunk: bytes, base: int, pos: int, out: list[Split]) -> None:
        """Emit the pending gap bytes before ``pos`` if they hold a scalar value."""
        begin = self.buf_start - base
        if self.oversized:
            self._emit_oversized(base + pos, out)
            return
        gap = chunk[begin:pos] if begin >= 0 else b"".join([*self.pieces, chunk[:pos]])
        # A stray BOM between values (files joined by a tool) is not a value. Its bytes can
        # never begin or end a JSON scalar, so stripping them as a set is safe.
        value = gap.strip(_WHITESPACE + _BOM)
        if value:
            self.index += 1
            out.append((value, None, base + pos))

    def _emit(self, chunk: bytes, base: int, end: int, out: list[Split]) -> None:
        """Emit the pending element, which ends at chunk offset ``end``."""
        if self.oversized:
            self._emit_oversized(base + end, out)
            return
        begin = self.buf_start - base
        value = chunk[begin:end] if begin >= 0 else b"".join([*self.pieces, chunk[:end]])
        self.index += 1
        out.append((value, None, base + end))

    def _emit_oversized(self, position: int, out: list[Split]) -> None:
        """Report the value whose bytes were dropped for being over the size limit."""
        limit = safety.MAX_RECORD_BYTES
        out.append(
            (
                None,
                TOO_LARGE + f"element #{self.index} (starting at byte {self.buf_start}) is "
                f"over {limit // 1024**2:,} MiB, the most keeper reads as one conversation; "
                "it was skipped",
                position,
            )
        )
        self.index += 1

    def _reset(self, start: int) -> None:
        self.buf_start = start
        self.pieces = []
        self.pending = 0
        self.oversized = False

    def _keep_pending(self, chunk: bytes, base: int) -> None:
        """Keep the bytes of the unfinished element (or gap) for the next chunk."""
        begin = self.buf_start - base
        if begin >= len(chunk) or self.oversized:
            return
        piece = chunk if begin <= 0 else chunk[begin:]
        if not self.elem_open and not self.pieces and _NONBLANK.search(piece) is None:
            # A blank gap between values: nothing to keep, however long it runs.
            self.buf_start = base + len(chunk)
            return
        self.pending += len(piece)
        if self.pending > safety.MAX_RECORD_BYTES:
            self.oversized = True
            self.pieces = []
            return
        self.pieces.append(piece)


class _LazyQuotes:
    """Positions of a chunk's unescaped quotes, computed only if a gap needs them."""

    __slots__ = ("_hits", "_is_quote", "_value")

    def __init__(self, hits: IntArray, is_quote: npt.NDArray[np.bool_]) -> None:
        self._hits = hits
        self._is_quote = is_quote
        self._value: IntArray | None = None

    def get(self) -> IntArray:
        if self._value is None:
            self._value = self._hits[self._is_quote]
        return self._value


_FAST_RUN_STEPS = 16


def _backslash_runs(chunk: bytes, a: npt.NDArray[np.uint8], qpos: IntArray, carry: int) -> IntArray:
    """Length of the backslash run before each quote in ``qpos`` (each has at least one).

    A run that reaches the chunk start continues the previous chunk's, whose parity is
    ``carry``. Short runs are measured vectorized; the rare long ones byte by byte.
    """
    length = np.ones(qpos.size, dtype=np.int64)
    active = np.ones(qpos.size, dtype=np.bool_)
    for _ in range(_FAST_RUN_STEPS):
        at = qpos - 1 - length
        active &= at >= 0
        active[active] = a[at[active]] == _BACKSLASH
        if not active.any():
            break
        length += active
    else:
        for i in np.flatnonzero(active).tolist():
            length[i] = _run_length(chunk, int(qpos[i]))
    return length + np.where(qpos == length, carry, 0)


def _run_length(chunk: bytes, end: int) -> int:
    """Number of backslashes immediately before ``chunk[end]``."""
    window = 64
    while True:
        lo = max(0, end - window)
        segment = chunk[lo:end]
        kept = segment.rstrip(b"\\")
        if kept or lo == 0:
            return len(segment) - len(kept)
        window *= 4
