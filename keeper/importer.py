"""Import ChatGPT exports into the archive: archive -> parse -> store, with a report."""

from __future__ import annotations

import copy
import errno
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import apsw

from keeper.archive import AssetIndex, ExportSource, RawRecord, open_export
from keeper.archive.container import READ_ERRORS
from keeper.assetstore import copy_asset
from keeper.config import DEFAULT_IMPORT_BATCH_NODES
from keeper.errors import InputError, KeeperError, RecordError, StoreError
from keeper.model import INCOMPLETE_SOURCE, AnomalyKind, ImportReport
from keeper.model.report import FAILED
from keeper.parse.conversation import ParsedConversation, parse_conversation
from keeper.parse.jsontext import loads_conversation
from keeper.paths import DataPaths
from keeper.progress import Progress
from keeper.store.writer import NEW, UNCHANGED, ArchiveWriter, finish_import, start_import

# A write transaction commits after this many nodes or seconds, whichever comes first: a
# crash loses at most that much work. The import_batch_nodes setting tunes it.
BATCH_NODES = DEFAULT_IMPORT_BATCH_NODES
BATCH_SECONDS = 2.0
MAX_LISTED = 500  # anomalies and missing assets listed one by one; counts stay complete

# Errors writing into the data directory: the disk (or quota, or file-size limit) is full.
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@dataclass
class ImportTally:
    """What an import has done so far; :meth:`report` freezes it into an ImportReport."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    conversations: Counter[str] = field(default_factory=Counter)
    nodes_by_kind: Counter[str] = field(default_factory=Counter)
    nodes_added: int = 0
    nodes_seen: int = 0
    assets: Counter[str] = field(default_factory=Counter)
    missing_assets: list[dict[str, Any]] = field(default_factory=list)
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    anomaly_counts: Counter[str] = field(default_factory=Counter)
    failed: list[dict[str, Any]] = field(default_factory=list)
    profile_items: int = 0
    marked_absent: int = 0
    elapsed_s: float = 0.0
    import_id: int | None = None

    def anomaly(self, kind: AnomalyKind, detail: str, **where: str | None) -> None:
        """Count an anomaly and list it while the list is short."""
        name = kind.value  # plain strings in the report and its JSON
        self.anomaly_counts[name] += 1
        if len(self.anomalies) < MAX_LISTED:
            self.anomalies.append({"kind": name, "detail": detail, **where})

    def fail(self, origin: str, error: str, conversation_id: str | None = None) -> None:
        """Record a conversation that could not be imported."""
        self.conversations[FAILED] += 1
        self.anomaly_counts[AnomalyKind.FAILED_RECORD.value] += 1
        if len(self.failed) < MAX_LISTED:
            self.failed.append(
                {"origin": origin, "conversation_id": conversation_id, "error": error}
            )

    def report(self) -> ImportReport:
        """The tally as it stands, as a frozen report (copies: later counting changes
        nothing in it)."""
        return ImportReport(
            **{f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(ImportReport)}
        )


class Importer:
    """Runs one import of one or more export paths into an open database."""

    def __init__(
        self,
        conn: apsw.Connection,
        paths: DataPaths,
        *,
        show_progress: bool = True,
        on_progress: Callable[[int, int], None] | None = None,
        batch_nodes: int = BATCH_NODES,
    ) -> None:
        self.conn = conn
        self.paths = paths
        self.batch_nodes = batch_nodes
        self.show_progress = show_progress
        self.on_progress = on_progress
        self.tally = ImportTally()
        self._source_name = ""
        self._lacking_files: set[str] = set()

    def run(self, inputs: list[Path]) -> ImportReport:
        """Import every input; never raises for bad input, only for a broken database."""
        started = time.monotonic()
        try:
            import_id = start_import(self.conn, [str(p) for p in inputs])
        except apsw.Error as error:
            raise self._write_failed(error) from error
        self.tally.import_id = import_id
        writer = ArchiveWriter(self.conn, import_id)
        completed = False
        try:
            for path in inputs:
                self._import_source(path, writer)
            completed = True
        except apsw.Error as error:
            raise self._write_failed(error) from error
        finally:
            self.tally.elapsed_s = time.monotonic() - started
            report = self.tally.report()
            try:
                finish_import(self.conn, import_id, report.exit_code, report.as_dict())
            except apsw.Error as error:
                # With the disk still full, storing the report fails too; the error that
                # stopped the import (already propagating) is the one to show.
                if completed:
                    raise self._write_failed(error) from error
        return report

    def _write_failed(self, error: BaseException) -> StoreError:
        return StoreError(
            f"Writing to {self.paths.db} failed: {error}",
            "Conversations committed before this point are safe. Free some disk space "
            "if the disk is full, then run the same import again: it resumes.",
        )

    def _import_source(self, path: Path, writer: ArchiveWriter) -> None:
        entry: dict[str, Any] = {"path": str(path)}
        self.tally.sources.append(entry)
        try:
            source = open_export(path)
        except InputError as error:
            entry["error"] = str(error)
            return
        with source:
            entry["kind"] = source.kind
            self._source_name = str(path.expanduser().resolve())
            seen: set[str] = set()
            newest = self._import_records(source, writer, seen)
            self._store_aux_files(source, writer)
            for anomaly in source.anomalies:
                self.tally.anomaly(anomaly.kind, anomaly.detail, where=anomaly.where)
            incomplete = any(a.kind in INCOMPLETE_SOURCE for a in source.anomalies)
            entry["conversations"] = len(seen)
            if incomplete:
                entry["incomplete"] = True
            if not seen and not self.tally.conversations[FAILED]:
                entry["error"] = (
                    f"No conversations found in {path}. A ChatGPT export holds "
                    "conversations.json or conversations-000.json; check that this is the zip "
                    "from Settings → Data controls → Export data."
                )
                return
            if source.kind in ("zip", "directory") and not incomplete and newest is not None:
                with self._transaction(writer):
                    self.tally.marked_absent += writer.mark_absent(seen, newest)

    @contextmanager
    def _transaction(self, writer: ArchiveWriter) -> Iterator[None]:
        writer.begin()
        try:
            yield
        except BaseException:
            writer.rollback()
            raise
        writer.commit()

    def _import_records(
        self, source: ExportSource, writer: ArchiveWriter, seen: set[str]
    ) -> float | None:
        progress = Progress(f"Importing {source.label}", source.total_bytes())
        progress.enabled = progress.enabled and self.show_progress
        assets = source.assets()
        asset_cache: dict[str, tuple[str | None, str | None]] = {}
        # Conversations stored before without some of their files (say, from a bare
        # conversations.json): this source may hold them, even when the record is unchanged.
        self._lacking_files = writer.conversations_lacking_files() if len(assets) else set()
        newest: float | None = None
        pending_nodes = 0
        batch_started = time.monotonic()
        writer.begin()
        try:
            for record in source.records():
                conv = self._import_record(record, writer, seen, assets, asset_cache)
                if conv is not None:
                    pending_nodes += len(conv.nodes)
                    if conv.update_time is not None:
                        newest = max(newest or conv.update_time, conv.update_time)
                if (
                    pending_nodes >= self.batch_nodes
                    or time.monotonic() - batch_started > BATCH_SECONDS
                ):
                    writer.commit()
                    writer.begin()
                    pending_nodes = 0
                    batch_started = time.monotonic()
                progress.update(record.position, self.tally.nodes_seen, "nodes")
                if self.on_progress:
                    self.on_progress(record.position, source.total_bytes())
            writer.commit()
        except apsw.Error as error:
            writer.rollback()
            raise self._write_failed(error) from error
        except BaseException:
            writer.rollback()
            raise
        finally:
            progress.close()
        return newest

    def _import_record(
        self,
        record: RawRecord,
        writer: ArchiveWriter,
        seen: set[str],
        assets: AssetIndex,
        asset_cache: dict[str, tuple[str | None, str | None]],
    ) -> ParsedConversation | None:
        if record.payload is None:
            self.tally.fail(record.origin, record.error or "unreadable record")
            return None
        payload_hash = hashlib.blake2b(record.payload, digest_size=16).digest()
        known = writer.known_record(payload_hash)
        if known is not None:
            self.tally.conversations[UNCHANGED] += 1
            seen.add(known)
            writer.note_source(known, self._source_name)
            if known in self._lacking_files:
                self._fill_missing_files(known, writer, assets, asset_cache)
            return None
        try:
            conv = parse_conversation(loads_conversation(record.payload))
        except RecordError as error:
            self.tally.fail(record.origin, error.message)
            return None
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
            # A parser bug on one odd record must not stop the other conversations.
            self.tally.fail(record.origin, f"could not parse ({type(error).__name__}: {error})")
            return None
        try:
            with self.conn:  # a savepoint: a failed conversation leaves no trace
                result = writer.write(conv)
                if result.status != UNCHANGED:
                    self._store_assets(conv, writer, assets, asset_cache)
                elif conv.id in self._lacking_files:
                    self._fill_missing_files(conv.id, writer, assets, asset_cache)
                writer.remember_record(payload_hash, conv.id)
                writer.note_source(conv.id, self._source_name)
        except apsw.ConstraintError as error:
            self.tally.fail(record.origin, f"could not store: {error}", conv.id)
            return None
        seen.add(conv.id)
        self.tally.conversations[result.status] += 1
        self.tally.nodes_seen += len(conv.nodes)
        self.tally.nodes_added += result.nodes_added
        if result.status == NEW:
            self.tally.profile_items += len(conv.profile)
        for node in conv.nodes:
            self.tally.nodes_by_kind[str(node.kind)] += 1
        for issue in conv.issues:
            self.tally.anomaly(
                issue.kind,
                issue.detail,
                conversation_id=conv.id,
                node_id=issue.node_id,
                where=record.origin,
            )
        return conv

    def _store_assets(
        self,
        conv: ParsedConversation,
        writer: ArchiveWriter,
        assets: AssetIndex,
        cache: dict[str, tuple[str | None, str | None]],
    ) -> None:
        for node in conv.nodes:
            for ref in node.assets:
                self.tally.assets["referenced"] += 1
                if ref.pointer not in cache:
                    cache[ref.pointer] = self._copy_asset(ref.pointer, conv.id, assets, writer)
                sha, mime = cache[ref.pointer]
                if sha is None:
                    self.tally.assets["missing"] += 1
                    if len(self.tally.missing_assets) < MAX_LISTED:
                        self.tally.missing_assets.append(
                            {
                                "pointer": ref.pointer,
                                "conversation_id": conv.id,
                                "node_id": node.node_id,
                                "name": ref.name,
                            }
                        )
                else:
                    self.tally.assets["resolved"] += 1
                writer.add_asset_ref(
                    conv.id, node.node_id, ref.pointer, ref.kind, ref.name, ref.mime or mime, sha
                )

    def _fill_missing_files(
        self,
        conv_id: str,
        writer: ArchiveWriter,
        assets: AssetIndex,
        cache: dict[str, tuple[str | None, str | None]],
    ) -> None:
        """Copy the files an already stored conversation lacks, if this source has them."""
        with self.conn:
            for node_id, pointer, kind, name, mime in writer.refs_lacking_files(conv_id):
                if pointer not in cache:
                    cache[pointer] = self._copy_asset(pointer, conv_id, assets, writer)
                sha, found_mime = cache[pointer]
                if sha is not None:
                    self.tally.assets["filled"] += 1
                    writer.add_asset_ref(
                        conv_id, node_id, pointer, kind, name, mime or found_mime, sha
                    )

    def _copy_asset(
        self, pointer: str, conv_id: str, assets: AssetIndex, writer: ArchiveWriter
    ) -> tuple[str | None, str | None]:
        member = assets.resolve(pointer, conv_id)
        if member is None:
            return None, None
        try:
            with assets.open(member) as stream:
                sha, size, relpath = copy_asset(
                    stream, self.paths.assets, member.mime, member.display_name
                )
        except READ_ERRORS as error:
            # A damaged member (bad CRC, cut short) is the export's problem: list it and go
            # on. A full disk is not: stop, so this conversation (rolled back with its
            # savepoint) gets its files when the import is run again.
            if isinstance(error, OSError) and error.errno in _DISK_FULL:
                raise self._write_failed(error) from error
            self.tally.anomaly(AnomalyKind.UNREADABLE_ASSET, str(error), where=member.member)
            return None, None
        except KeeperError as error:
            self.tally.anomaly(AnomalyKind.UNREADABLE_ASSET, str(error), where=member.member)
            return None, None
        writer.add_asset(sha, size, member.mime, relpath)
        self.tally.assets["copied"] += 1
        return sha, member.mime

    def _store_aux_files(self, source: ExportSource, writer: ArchiveWriter) -> None:
        with self._transaction(writer):
            for name, raw in source.aux_files():
                writer.add_aux_file(name, raw)
