"""Deterministic, streaming writer for export archives (ZIP or folder).

Conversations are appended one at a time and serialised straight into the open shard, so
memory is bounded by the largest single conversation. ZIP members get a fixed timestamp,
fixed permissions and a fixed creator system, so the same input gives the same bytes.
"""

from __future__ import annotations

import queue
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import orjson

LAYOUTS = ("zip-sharded", "zip-single", "dir")
ZIP_DATE_TIME = (2026, 3, 14, 12, 0, 0)
MANIFEST = "export_manifest.json"


def shard_name(i: int) -> str:
    """``conversations-000.json`` style shard name."""
    return f"conversations-{i:03d}.json"


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def encode(value: Any) -> bytes:
    """Serialise an aux value: bytes pass through, everything else becomes compact JSON."""
    return value if isinstance(value, bytes) else orjson.dumps(value)


class ExportWriter:
    """Write an export archive incrementally.

    ``layout``: ``zip-sharded`` (2026: ``conversations-NNN.json`` + ``export_manifest.json``),
    ``zip-single`` (2023–2025: one ``conversations.json``) or ``dir`` (the sharded layout
    unpacked into a folder). Extra files given to :meth:`add_file` are written at close, in
    the order given, after the conversations. With ``background=True`` compression and disk
    writes run on a helper thread (zlib releases the GIL), overlapping with generation; the
    bytes written are the same either way.
    """

    def __init__(
        self,
        path: str | Path,
        layout: str = "zip-sharded",
        per_shard: int = 100,
        *,
        background: bool = False,
    ) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
        if per_shard < 1:
            raise ValueError("per_shard must be at least 1")
        self.path = Path(path)
        self.layout = layout
        self.per_shard = per_shard
        self.sharded = layout != "zip-single"
        self.shards: list[str] = []
        self.sizes: dict[str, int] = {}
        self.conversations = 0
        self.nodes = 0
        self._files: list[tuple[str, bytes]] = []
        self._shard_open = False
        self._in_shard = 0
        self._stream: IO[bytes] | None = None
        self._zip: zipfile.ZipFile | None = None
        self._queue: queue.Queue[tuple[Callable[..., None], tuple[Any, ...]] | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if layout == "dir":
            self.path.mkdir(parents=True, exist_ok=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._zip = zipfile.ZipFile(self.path, "w", allowZip64=True)
        if background:
            self._queue = queue.Queue(maxsize=32)
            self._thread = threading.Thread(target=self._drain, name="export-writer", daemon=True)
            self._thread.start()

    # I/O, run in order on the caller's thread or on the helper thread ----------------------
    def _drain(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    item[0](*item[1])
                except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
                    self._error = exc

    def _io(self, fn: Callable[..., None], *args: Any) -> None:
        if self._error is not None:
            raise self._error
        if self._queue is None:
            fn(*args)
        else:
            self._queue.put((fn, args))

    def _do_open(self, name: str) -> None:
        if self._zip is not None:
            self._stream = self._zip.open(_zipinfo(name), "w", force_zip64=True)
        else:
            self._stream = (self.path / name).open("wb")

    def _do_write(self, data: bytes) -> None:
        assert self._stream is not None
        self._stream.write(data)

    def _do_close_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _do_put(self, name: str, data: bytes) -> None:
        if self._zip is not None:
            self._zip.writestr(_zipinfo(name), data)
        else:
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    def _do_finish(self) -> None:
        self._do_close_stream()
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def _stop(self) -> None:
        if self._thread is not None:
            assert self._queue is not None
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            self._queue = None

    # bookkeeping ------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        self.sizes[self.shards[-1]] += len(data)
        self._io(self._do_write, data)

    def _start_shard(self) -> None:
        self._close_shard()
        name = shard_name(len(self.shards)) if self.sharded else "conversations.json"
        self.shards.append(name)
        self.sizes[name] = 0
        self._io(self._do_open, name)
        self._shard_open = True
        self._in_shard = 0
        self._write(b"[")

    def _close_shard(self) -> None:
        if self._shard_open:
            self._write(b"]")
            self._io(self._do_close_stream)
            self._shard_open = False

    def _put(self, name: str, data: bytes) -> None:
        self.sizes[name] = len(data)
        self._io(self._do_put, name, data)

    # public ----------------------------------------------------------------------------
    def add_conversation(self, conversation: dict[str, Any] | bytes) -> None:
        """Append one conversation (a dict, or its already-serialised JSON bytes)."""
        if not self._shard_open or (self.sharded and self._in_shard >= self.per_shard):
            self._start_shard()
        if isinstance(conversation, bytes):
            data = conversation
        else:
            data = orjson.dumps(conversation)
            self.nodes += len(conversation.get("mapping") or {})
        self._write(b"," + data if self._in_shard else data)
        self._in_shard += 1
        self.conversations += 1

    def add_file(self, name: str, data: Any) -> None:
        """Queue a top-level or nested file (bytes, or a JSON-serialisable value)."""
        self._files.append((name, encode(data)))

    def close(self) -> Path:
        """Finish the last shard, write queued files and the manifest; return the path."""
        try:
            if not self.shards:
                self._start_shard()  # an export without conversations still has "[]"
            self._close_shard()
            for name, data in self._files:
                self._put(name, data)
            if self.sharded:
                manifest = {
                    "version": 1,
                    "manifest_file": MANIFEST,
                    "logical_files": {
                        "conversations.json": {"files": list(self.shards), "sharded": True},
                    },
                    "inventory": [
                        {"path": name, "size_bytes": size} for name, size in self.sizes.items()
                    ],
                }
                self._put(MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            self._io(self._do_finish)
        finally:
            self._stop()
        if self._error is not None:
            raise self._error
        return self.path

    def __enter__(self) -> ExportWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        self._stop()
        self._do_finish()
