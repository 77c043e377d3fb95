"""The database: binding, sqlite-vec, WAL, migrations, file modes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import apsw
import pytest

from keeper.errors import StoreError
from keeper.paths import DataPaths, resolve_paths
from keeper.store import open_connection
from keeper.store.migrations import MIGRATIONS, migrate, schema_version


def test_fresh_database_is_migrated_with_vec_and_fts5(db_paths: DataPaths) -> None:
    conn = open_connection(db_paths)
    assert schema_version(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT vec_version()").fetchone()[0].startswith("v")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"conversations", "nodes", "message_fts", "assets", "profile_items"} <= tables
    conn.close()


def test_file_modes_are_private_from_creation(tmp_path: Path) -> None:
    paths = resolve_paths(str(tmp_path / "private" / "keeper.db"))
    old = os.umask(0o022)
    try:
        open_connection(paths).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(paths.db.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(paths.db).st_mode) == 0o600


def test_default_location_is_private(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    paths = resolve_paths(None)
    assert paths.is_default and str(paths.db).startswith(str(tmp_path))
    open_connection(paths).close()
    assert stat.S_IMODE(os.stat(paths.data_dir).st_mode) == 0o700


def test_env_variable_chooses_the_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KEEPER_DB", str(tmp_path / "env.db"))
    from keeper.config import load_settings
    from keeper.library import Library

    assert resolve_paths(load_settings().db).db == tmp_path / "env.db"
    flag = load_settings({"db": str(tmp_path / "flag.db")}).db
    assert resolve_paths(flag).db == tmp_path / "flag.db"
    with Library.open(None) as library:
        assert library.paths.db == tmp_path / "env.db"


def test_migrating_from_the_previous_schema_keeps_data(db_paths: DataPaths) -> None:
    db_paths.db.parent.mkdir(parents=True)
    conn = apsw.Connection(str(db_paths.db))
    migrate(conn, MIGRATIONS[:-1])
    marker = "CREATE TABLE keep_me (x)"
    conn.execute(marker)
    conn.execute("INSERT INTO keep_me VALUES (42)")
    conn.close()
    conn = open_connection(db_paths)
    assert schema_version(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT x FROM keep_me").fetchone()[0] == 42
    conn.close()


def test_migrate_twice_is_a_no_op(conn: apsw.Connection) -> None:
    before = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    assert migrate(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == before


def test_newer_schema_is_refused(db_paths: DataPaths) -> None:
    open_connection(db_paths).close()
    raw = apsw.Connection(str(db_paths.db))
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    raw.close()
    with pytest.raises(StoreError, match="newer keeper"):
        open_connection(db_paths)


def test_missing_database_without_create(db_paths: DataPaths) -> None:
    with pytest.raises(StoreError, match="No keeper database"):
        open_connection(db_paths, create=False)


def test_not_a_database_gives_a_clear_error(db_paths: DataPaths) -> None:
    db_paths.db.parent.mkdir(parents=True)
    db_paths.db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="Could not open"):
        open_connection(db_paths)


def test_a_nodes_children_are_found_by_index_not_by_scanning_its_conversation(
    db_paths: DataPaths,
) -> None:
    """The reply beside every search hit and the reader's branches look children up; a
    scan of the conversation per hit made search 2.5x slower at 100k messages."""
    conn = open_connection(db_paths)
    plan = " ".join(
        str(row[3])
        for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT t.rowid FROM nodes h JOIN nodes t "
            "ON t.conversation_id = h.conversation_id AND t.parent_id = h.node_id "
            "WHERE h.rowid = 1"
        )
    )
    assert "nodes_children (conversation_id=? AND parent_id=?)" in plan
    conn.close()


def test_a_scope_clause_runs_once_per_conversation_when_ranking_threads(
    db_paths: DataPaths,
) -> None:
    """Ranking a model pack's threads scanned every message first and ran the model's
    EXISTS per message (39 s at 100k messages); conversations must be the outer loop."""
    from keeper.store.continuity import engagement_sql
    from keeper.store.filters import Filters

    conn = open_connection(db_paths)
    where, params = Filters(model="gpt-4o", since=0.0).conversation_clause()
    plan = [
        str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {engagement_sql(where)}", params)
    ]
    outer = next(i for i, step in enumerate(plan) if step.startswith(("SCAN", "SEARCH")))
    assert plan[outer].startswith("SCAN c"), plan
    conn.close()
