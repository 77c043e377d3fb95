"""`keeper forget ID`: one conversation leaves the archive completely, nothing else does."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import apsw
import pytest

from keeper.library import Library
from tests.hostile import conversation, dumps, make_zip, run_keeper

SECRET = "zanzibarquokka"  # a word only the forgotten conversation contains
PNG_ONLY = b"\x89PNG\r\n\x1a\n" + b"only-mine" * 40
PNG_SHARED = b"\x89PNG\r\n\x1a\n" + b"shared" * 40


def _with_images(convo: dict[str, Any], *file_ids: str) -> dict[str, Any]:
    message = convo["mapping"]["n1"]["message"]
    text = message["content"]["parts"][0]
    message["content"] = {
        "content_type": "multimodal_text",
        "parts": [
            *(
                {"content_type": "image_asset_pointer", "asset_pointer": f"file-service://{f}"}
                for f in file_ids
            ),
            text,
        ],
    }
    return convo


def _with_instructions(convo: dict[str, Any], about: str) -> dict[str, Any]:
    convo["mapping"]["ci"] = {
        "id": "ci",
        "parent": "root",
        "children": [],
        "message": {
            "id": "ci",
            "author": {"role": "user"},
            "content": {"content_type": "user_editable_context", "user_profile": about},
            "metadata": {"is_visually_hidden_from_conversation": True},
        },
    }
    return convo


def build_export(path: Path, *, title: str = "Secret plans") -> Path:
    doomed = conversation(1, f"{SECRET} tells", nodes=3)
    doomed["title"] = f"{title} {SECRET}"
    _with_images(doomed, "file-Only1", "file-Shared1", "file-GoneA")  # one is missing
    _with_instructions(doomed, "I keep a quokka named Zanzibar.")
    keeper = conversation(2, "ordinary words", nodes=3)
    _with_images(keeper, "file-Shared1", "file-GoneB")
    _with_instructions(keeper, "I live by the sea.")
    third = conversation(3, "more ordinary words", nodes=2)
    return make_zip(
        path,
        {
            "conversations.json": dumps([doomed, keeper, third]),
            "file-Only1-mine.png": PNG_ONLY,
            "message_feedback.json": dumps(
                [
                    {"conversation_id": "conv-1", "rating": "thumbsUp", "content": SECRET},
                    {"conversation_id": "conv-2", "rating": "thumbsDown", "content": "meh"},
                ]
            ),
            "shared_conversations.json": dumps([{"conversation_id": "conv1", "title": SECRET}]),
            "file-Shared1-ours.png": PNG_SHARED,
        },
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    db = tmp_path / "data" / "keeper.db"
    with Library.open(str(db)) as library:
        report = library.import_exports([build_export(tmp_path / "a.zip")], show_progress=False)
        assert report.exit_code == 0
        # A newer snapshot adds revisions to forget as well.
        newer = build_export(tmp_path / "b.zip", title="Secret plans, renamed")
        library.import_exports([newer], show_progress=False)
    return db


def _rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = apsw.Connection(str(db))
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


def _files(db: Path) -> set[str]:
    assets = db.parent / "keeper-assets"
    return {p.read_bytes().decode("latin-1") for p in assets.rglob("*") if p.is_file()}


def test_forget_removes_everything_derived_from_one_conversation(archive: Path) -> None:
    before_other = _rows(
        archive,
        "SELECT conversation_id, node_id, raw FROM nodes WHERE conversation_id != ?",
        ("conv-1",),
    )
    assert (
        _rows(
            archive,
            "SELECT count(*) FROM conversation_revisions WHERE conversation_id = ?",
            ("conv-1",),
        )[0][0]
        == 1
    )
    with Library.open(str(archive), create=False) as library:
        assert [h.conversation_id for h in library.search(SECRET)] == ["conv-1"] * 3
        done = library.forget("conv-1")
        assert done["nodes"] == 5 and done["asset_files"] == 1 and done["profile_items"] == 1
        assert list(library.search(SECRET)) == []
        assert {h.conversation_id for h in library.search("ordinary")} == {"conv-2", "conv-3"}
        assert [r.id for r in library.conversations(title_like=SECRET)] == []
        assert [p["text"] for p in library.profile()] == ["I live by the sea."]
        assert any(a["path"] for a in library.assets("conv-2"))
    for table in (
        "nodes",
        "node_revisions",
        "conversation_revisions",
        "record_hashes",
        "asset_refs",
        "profile_sources",
        "title_fts",
    ):
        assert _rows(archive, f"SELECT count(*) FROM {table} WHERE conversation_id = 'conv-1'") == [
            (0,)
        ], table
    assert _rows(
        archive, "SELECT count(*) FROM message_fts WHERE message_fts MATCH ?", (SECRET,)
    ) == [(0,)]
    # The file only it used is gone from disk; the shared one stays.
    assert any("shared" in f for f in _files(archive))
    assert not any("only-mine" in f for f in _files(archive))
    assert _rows(archive, "SELECT count(*) FROM assets") == [(1,)]
    # Nothing else changed.
    assert (
        _rows(
            archive,
            "SELECT conversation_id, node_id, raw FROM nodes WHERE conversation_id != ?",
            ("conv-1",),
        )
        == before_other
    )
    assert _rows(archive, "PRAGMA integrity_check") == [("ok",)]
    reports = b"".join(bytes(r[0]) for r in _rows(archive, "SELECT report FROM imports"))
    assert b"conv-1" not in reports and b"conv-2" in reports


def test_forgotten_words_do_not_linger_in_the_database_files(archive: Path) -> None:
    # Fill the caches other commands keep (summaries, term statistics, persona cards).
    for command in (("summarize", "conv-1"), ("persona",), ("pack", "-o", "/dev/null")):
        assert run_keeper(command[0], "--db", archive, *command[1:]).code == 0
    with Library.open(str(archive), create=False) as library:
        library.forget("conv-1")
        feedback = [
            raw
            for name, raw in _rows(archive, "SELECT name, raw FROM aux_files")
            if name == "message_feedback.json"
        ]
        assert b"meh" in feedback[-1]
    leftovers = [
        p.name
        for p in archive.parent.iterdir()
        if p.is_file() and SECRET.encode() in p.read_bytes()
    ]
    assert leftovers == []


def test_reimport_brings_a_forgotten_conversation_back_as_new(
    archive: Path, tmp_path: Path
) -> None:
    with Library.open(str(archive), create=False) as library:
        library.forget("conv-1")
        report = library.import_exports([tmp_path / "b.zip"], show_progress=False)
        assert report.conversations["new"] == 1 and report.conversations["unchanged"] == 2
        assert [h.conversation_id for h in library.search(SECRET)] == ["conv-1"] * 3


def test_rows_of_later_tables_keyed_by_conversation_or_node_are_removed(archive: Path) -> None:
    conn = apsw.Connection(str(archive))
    conn.execute(
        "CREATE TABLE summaries_test (conversation_id TEXT, body TEXT);"
        "CREATE TABLE chunks_test (id INTEGER PRIMARY KEY, node_rowid INTEGER, body TEXT);"
        "INSERT INTO summaries_test SELECT id, title FROM conversations;"
        "INSERT INTO chunks_test (node_rowid, body) SELECT rowid, text FROM nodes;"
    )
    conn.close()
    with Library.open(str(archive), create=False) as library:
        done = library.forget("conv-1")
    assert done["other_rows"] == {"summaries_test": 1, "chunks_test": 5}
    assert _rows(archive, "SELECT conversation_id FROM summaries_test ORDER BY 1") == [
        ("conv-2",),
        ("conv-3",),
    ]
    assert _rows(
        archive,
        "SELECT count(*) FROM chunks_test WHERE node_rowid NOT IN (SELECT rowid FROM nodes)",
    ) == [(0,)]


def test_cli_asks_first_and_refuses_without_a_yes(archive: Path) -> None:
    declined = run_keeper("forget", "--db", archive, "conv-1", stdin="no\n")
    assert declined.code == 1
    assert "Secret plans" in declined.stderr and "nothing was deleted" in declined.stderr
    no_answer = run_keeper("forget", "--db", archive, "conv-1")  # stdin closed: EOF
    assert no_answer.code == 1
    assert _rows(archive, "SELECT count(*) FROM nodes WHERE conversation_id = 'conv-1'") == [(5,)]
    accepted = run_keeper("forget", "--db", archive, "conv-1", stdin="yes\n")
    assert accepted.code == 0, accepted.stderr
    assert "Forgot" in accepted.stdout
    assert _rows(archive, "SELECT count(*) FROM conversations") == [(2,)]


def test_cli_yes_json_and_unknown_id(archive: Path) -> None:
    done = run_keeper("forget", "--db", archive, "conv-2", "--yes", "--json")
    assert done.code == 0, done.stderr
    assert done.json()["conversation_id"] == "conv-2"
    again = run_keeper("forget", "--db", archive, "conv-2", "--yes")
    assert again.code == 2 and "No conversation" in again.stderr
    assert "Traceback" not in again.stderr + done.stderr


def test_forget_waits_for_no_import(archive: Path) -> None:
    from keeper.paths import resolve_paths
    from keeper.store.lock import write_lock as import_lock

    with import_lock(resolve_paths(str(archive))):
        busy = run_keeper("forget", "--db", archive, "conv-3", "--yes")
    assert busy.code == 1 and "Another keeper import" in busy.stderr
    assert _rows(archive, "SELECT count(*) FROM conversations") == [(3,)]


def test_imports_never_delete(tmp_path: Path) -> None:
    db = tmp_path / "data" / "keeper.db"
    with Library.open(str(db)) as library:
        library.import_exports([build_export(tmp_path / "a.zip")], show_progress=False)
        smaller = make_zip(tmp_path / "small.zip", {"conversations.json": dumps([conversation(3)])})
        library.import_exports([smaller], show_progress=False)
        with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
            pass
        library.import_exports([tmp_path / "empty.zip"], show_progress=False)
        assert {r.id for r in library.conversations()} == {"conv-1", "conv-2", "conv-3"}


def test_scrub_is_reported_when_another_reader_blocks_it(archive: Path) -> None:
    reader = apsw.Connection(str(archive))
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM nodes").fetchone()  # holds a read snapshot
    try:
        blocked = run_keeper("forget", "--db", archive, "conv-3", "--yes")
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert blocked.code == 3 and "keeper forget --scrub" in blocked.stderr
    assert _rows(archive, "SELECT count(*) FROM conversations WHERE id = 'conv-3'") == [(0,)]
    done = run_keeper("forget", "--db", archive, "--scrub")
    assert done.code == 0 and "compacted" in done.stdout
    missing_id = run_keeper("forget", "--db", archive)
    assert missing_id.code == 2
