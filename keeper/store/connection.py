"""Open keeper's SQLite database: apsw, sqlite-vec loaded, WAL, private file modes."""

from __future__ import annotations

import importlib.util
import os
import weakref
from pathlib import Path

import apsw

from keeper.errors import StoreError
from keeper.paths import DataPaths, ensure_private_dir
from keeper.store.migrations import MIGRATIONS, migrate, schema_version
from keeper.store.sql import ensure_vocab

BUSY_TIMEOUT_MS = 10_000
# Searches read the database through a memory map: rescoring a vector or filtering a
# keyword match is a random row read, and mapped pages skip a system call and a copy each
# (measured at 1M chunks: vector rescoring p95 51 -> 13 ms). Only searching connections
# map the file, so an import's peak RSS stays what it was.
SEARCH_MMAP_BYTES = 1 << 40
_MAPPED: weakref.WeakSet[apsw.Connection] = weakref.WeakSet()


def sqlite_vec_path() -> str:
    """Where the sqlite-vec package keeps its loadable extension (``…/sqlite_vec/vec0``).

    Found without importing the package: its ``__init__`` imports numpy and sqlite3,
    ~80 ms that the terminal UI's start would otherwise wait for."""
    spec = importlib.util.find_spec("sqlite_vec")
    if spec is None or not spec.submodule_search_locations:
        raise StoreError(
            "The sqlite-vec package is not installed.",
            "Reinstall keeper's dependencies (pip install --force-reinstall sqlite-vec).",
        )
    return os.path.join(next(iter(spec.submodule_search_locations)), "vec0")


def load_sqlite_vec(conn: apsw.Connection) -> None:
    """Load the sqlite-vec extension into ``conn``."""
    conn.enable_load_extension(True)
    try:
        conn.load_extension(sqlite_vec_path())
    except apsw.Error as error:
        raise StoreError(
            f"Could not load the sqlite-vec extension: {error}",
            "Reinstall keeper's dependencies (pip install --force-reinstall sqlite-vec).",
        ) from error
    finally:
        conn.enable_load_extension(False)


def _create_private_file(path: Path) -> None:
    """Create an empty 0600 database file so SQLite never makes a world-readable one."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def open_connection(paths: DataPaths, *, create: bool = True) -> apsw.Connection:
    """Open the database at ``paths.db``, migrating it; create it only if ``create``."""
    db = paths.db
    if not create and not db.exists():
        raise StoreError(
            f"No keeper database at {db}.",
            "Import an export first: keeper import path/to/export.zip",
        )
    ensure_private_dir(db.parent, owned=paths.is_default)
    if not db.exists():
        _create_private_file(db)
    try:
        conn = apsw.Connection(str(db))
        conn.set_busy_timeout(BUSY_TIMEOUT_MS)
        load_sqlite_vec(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")
        # Checkpoint every 64 MiB of WAL instead of every 4 MiB: a large import then pays
        # for far fewer checkpoint fsyncs (measured: 8.0 s -> 7.3 s on 50k nodes).
        conn.execute("PRAGMA wal_autocheckpoint = 16384")
        _check_version(conn, db)
    except apsw.Error as error:
        raise StoreError(
            f"Could not open the keeper database {db}: {error}",
            "Check that the file is a keeper database and that the disk is not full; "
            "`keeper doctor` shows more.",
        ) from error
    return conn


def open_readonly(paths: DataPaths) -> apsw.Connection:
    """Open the database at ``paths.db`` read-only at the SQLite level: every write through
    this connection fails, and nothing is migrated or created (the MCP server's connection).

    A database from an older keeper must be upgraded by a writing command first."""
    db = paths.db
    if not db.is_file():
        raise StoreError(
            f"No keeper database at {db}.",
            "Import an export first (keeper import path/to/export.zip), or pass --db.",
        )
    try:
        conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
        conn.set_busy_timeout(BUSY_TIMEOUT_MS)
        load_sqlite_vec(conn)
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -65536")
        version = schema_version(conn)
    except apsw.Error as error:
        raise StoreError(
            f"Could not open the keeper database {db} read-only: {error}",
            "Check that the file is a keeper database; `keeper doctor` shows more.",
        ) from error
    if version != len(MIGRATIONS):
        conn.close()
        newer = version > len(MIGRATIONS)
        raise StoreError(
            f"{db} has schema {version}; this keeper reads schema {len(MIGRATIONS)}.",
            "Upgrade keeper: pip install --upgrade keeper"
            if newer
            else "Run a keeper command once (e.g. keeper doctor) to upgrade it, then start again.",
        )
    # Temporary objects only (the temp schema), made before every write is refused.
    ensure_vocab(conn)
    conn.execute("PRAGMA query_only = ON")
    return conn


def map_for_search(conn: apsw.Connection) -> None:
    """Let ``conn`` read the database file through a memory map (once per connection)."""
    if conn not in _MAPPED:
        conn.execute(f"PRAGMA mmap_size = {SEARCH_MMAP_BYTES}")
        _MAPPED.add(conn)


def _check_version(conn: apsw.Connection, db: Path) -> None:
    version = schema_version(conn)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"{db} was written by a newer keeper (schema {version}, this one knows "
            f"{len(MIGRATIONS)}).",
            "Upgrade keeper: pip install --upgrade keeper",
        )
    if version < len(MIGRATIONS):
        migrate(conn)
