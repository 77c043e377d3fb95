"""A database made by the first schema, full of data, migrates to today's without loss."""

from __future__ import annotations

from pathlib import Path

import apsw
import orjson

from keeper.importer import Importer
from keeper.library import Library
from keeper.paths import DataPaths
from keeper.store import open_connection
from keeper.store.migrations import MIGRATIONS, migrate, schema_version
from tests.conftest import SAMPLE_EXPORT

TABLES_OF_STEP_1 = (
    "conversations", "nodes", "node_revisions", "conversation_revisions", "record_hashes",
    "assets", "asset_refs", "profile_items", "profile_sources", "aux_files", "imports",
)  # fmt: skip


def _first_schema_archive(paths: DataPaths) -> dict[str, list[tuple[object, ...]]]:
    """The sample export imported into a database that has only migration step 1."""
    paths.db.parent.mkdir(parents=True, exist_ok=True)
    conn = apsw.Connection(str(paths.db))
    assert migrate(conn, MIGRATIONS[:1]) == 1
    report = Importer(conn, paths, show_progress=False).run([SAMPLE_EXPORT]).as_dict()
    assert report["exit_code"] == 0 and report["conversations"]["new"] > 0
    tables = {
        table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        for table in TABLES_OF_STEP_1
    }
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "summaries" not in names and "embed_models" not in names
    conn.close()
    return tables


def test_first_schema_with_data_migrates_to_today(db_paths: DataPaths, tmp_path: Path) -> None:
    before = _first_schema_archive(db_paths)
    assert all(before[t] for t in ("conversations", "nodes", "profile_items", "imports"))
    conn = open_connection(db_paths, create=False)
    assert schema_version(conn) == len(MIGRATIONS)
    for table, rows in before.items():
        after = sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
        assert after == rows, f"{table} changed in the migration"
    conn.close()

    with Library.open(str(db_paths.db), create=False) as library:
        conversations = library.conversations()
        assert len(conversations) == len(before["conversations"])
        # Every later step's tables work on the migrated data: search, summaries, round trip.
        assert library.search("tea", mode="keyword")
        summary = library.summarize(conversations[0].id)
        assert summary.as_dict()["conversation_id"] == conversations[0].id
        assert library.embedding_status().embedded == 0
        out = tmp_path / "round.json"
        with out.open("wb") as handle:
            assert library.export_chatgpt(handle) == len(conversations)
    exported = {c["conversation_id"]: c for c in orjson.loads(out.read_bytes())}
    assert set(exported) == {c.id for c in conversations}


def test_migrating_records_which_file_each_conversation_came_from(db_paths: DataPaths) -> None:
    _first_schema_archive(db_paths)
    with Library.open(str(db_paths.db), create=False) as library:
        ((source, _, count),) = library.import_sources()
        assert source == str(SAMPLE_EXPORT) and count == len(library.conversations())
        _, rows = library.import_plan(str(SAMPLE_EXPORT))
        assert len(rows) == count
