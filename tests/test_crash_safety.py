"""Crash safety: `kill -9` at random moments of an import, and a full disk.

After every kill the database must pass ``PRAGMA integrity_check``, no conversation may be
visible with only part of its nodes, and running the same import again must finish the
job (the result equals an import that was never interrupted).

The default run uses a few kill points; ``KEEPER_KILL_POINTS=20`` (or
``python -m tests.perf fuzz``) runs the long version.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import apsw
import pytest

from tests.hostile import (
    PNG,
    build_export,
    cli_env,
    conversation,
    dumps,
    make_zip,
    run_keeper,
    with_image,
)

KILL_POINTS = int(os.environ.get("KEEPER_KILL_POINTS", "4"))


def check_consistent(db: Path, expected: dict[str, int]) -> int:
    """Integrity, and every visible conversation complete; returns how many are stored."""
    conn = apsw.Connection(str(db))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.execute("INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)")
        stored = dict(
            conn.execute(
                "SELECT c.id, (SELECT count(*) FROM nodes n WHERE n.conversation_id = c.id) "
                "FROM conversations c"
            ).fetchall()
        )
        for conv_id, count in stored.items():
            assert count == expected[conv_id], f"{conv_id}: {count} of {expected[conv_id]} nodes"
        orphans = conn.execute(
            "SELECT count(*) FROM record_hashes WHERE conversation_id NOT IN "
            "(SELECT id FROM conversations)"
        ).fetchone()
        assert orphans == (0,)
        return len(stored)
    finally:
        conn.close()


def snapshot(db: Path) -> set[tuple]:
    conn = apsw.Connection(str(db))
    try:
        nodes = set(conn.execute("SELECT conversation_id, node_id, raw, text FROM nodes"))
        refs = set(conn.execute("SELECT conversation_id, node_id, pointer, sha256 FROM asset_refs"))
        hits = conn.execute(
            "SELECT count(*) FROM message_fts WHERE message_fts MATCH 'lighthouses'"
        ).fetchone()
        return nodes | refs | {("fts", hits[0])}
    finally:
        conn.close()


def start_import(db: Path, export: Path) -> subprocess.Popen[bytes]:
    # Small batches: ~25 commits over this export, so kills land between and inside them.
    return subprocess.Popen(
        [sys.executable, "-m", "keeper", "import", "--db", str(db), "--no-embed", str(export)],
        env=cli_env({"KEEPER_IMPORT_BATCH_NODES": "1000"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def committed(db: Path, sql: str) -> int:
    """``sql``'s count in what ``db`` has committed (0 while it does not exist yet)."""
    if not db.exists():
        return 0
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        conn.set_busy_timeout(5000)
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0
    except apsw.SQLError:
        return 0  # the schema is not there yet
    finally:
        conn.close()


def kill_after(
    proc: subprocess.Popen[bytes], db: Path, sql: str, target: int, rng: random.Random
) -> None:
    """SIGKILL ``proc`` a random few milliseconds after ``db`` has committed ``target``
    rows of ``sql`` (wall-clock kill times are at the mercy of the machine's load)."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if committed(db, sql) >= target:
            time.sleep(rng.uniform(0, 0.05))
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def next_target(rng: random.Random, done: int, total: int, kills_left: int) -> int:
    """A count past ``done`` that leaves room for the kills still to come."""
    room = max(1, (total - done) // (kills_left + 1))
    return min(total - 1, done + rng.randint(1, room))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Path, float]:
    """The export, its expected node counts, a reference import and its duration."""
    folder = tmp_path_factory.mktemp("crash")
    path = folder / "export.zip"
    expected = build_export(path)
    reference = folder / "reference" / "keeper.db"
    started = time.monotonic()
    proc = start_import(reference, path)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return path, expected, reference, time.monotonic() - started


def test_kill_nine_during_import_never_leaves_a_half_conversation(
    export: tuple[Path, dict[str, int], Path, float], tmp_path: Path
) -> None:
    path, expected, reference, _ = export
    db = tmp_path / "data" / "keeper.db"
    rng = random.Random(int(os.environ.get("KEEPER_KILL_SEED", "20260")))
    progress: list[int] = []
    count = "SELECT count(*) FROM conversations"
    for kills_left in range(KILL_POINTS, 0, -1):
        target = next_target(rng, progress[-1] if progress else 0, len(expected), kills_left)
        kill_after(start_import(db, path), db, count, target, rng)
        if db.exists():
            progress.append(check_consistent(db, expected))
    # The kills landed at different moments, and at least one mid-import.
    assert any(0 < n < len(expected) for n in progress) or KILL_POINTS < 3, progress
    final = run_keeper("import", "--db", db, "--no-embed", "--json", path, timeout=300)
    assert final.code == 0, final.stderr + final.stdout
    assert "Traceback" not in final.stderr
    assert check_consistent(db, expected) == len(expected)
    assert snapshot(db) == snapshot(reference)
    leftovers = [p for p in (db.parent / "keeper-assets").rglob(".incoming-*")]
    assert len(leftovers) <= KILL_POINTS  # at most one half-copied temp file per kill


def _limit_file_size(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        # Without this the kernel kills the writer with SIGXFSZ; ignored, write() fails
        # with EFBIG, which is what a full disk looks like to the program.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("limit_mb", [1, 3])
def test_full_disk_gives_a_clear_error_and_an_intact_database(
    export: tuple[Path, dict[str, int], Path, float], tmp_path: Path, limit_mb: int
) -> None:
    path, expected, reference, _ = export
    db = tmp_path / "data" / "keeper.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "keeper", "import", "--db", str(db), "--no-embed", str(path)],
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_file_size(limit_mb * 1024 * 1024),
    )
    out, err = proc.communicate(timeout=300)
    stderr = err.decode()
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == 1, (proc.returncode, stderr, out.decode()[-500:])
    assert str(db) in stderr and "disk" in stderr.lower()
    assert check_consistent(db, expected) < len(expected)
    final = run_keeper("import", "--db", db, "--no-embed", path, timeout=300)
    assert final.code == 0, final.stderr + final.stdout
    assert check_consistent(db, expected) == len(expected)
    assert snapshot(db) == snapshot(reference)


def test_disk_full_while_copying_a_file_stops_and_resumes(tmp_path: Path) -> None:
    big = with_image(conversation(1), "Big1", "a large picture")
    export = make_zip(
        tmp_path / "export.zip",
        {
            "conversations.json": dumps([conversation(0), big, conversation(2)]),
            "file-Big1-photo.png": PNG + os.urandom(3 * 1024 * 1024),
        },
    )
    db = tmp_path / "data" / "keeper.db"
    proc = subprocess.run(
        [sys.executable, "-m", "keeper", "import", "--db", str(db), str(export)],
        env=cli_env(),
        capture_output=True,
        preexec_fn=_limit_file_size(2 * 1024 * 1024),
        check=False,
    )
    stderr = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr
    assert "disk" in stderr.lower()
    assert not list((db.parent / "keeper-assets").rglob(".incoming-*"))
    again = run_keeper("import", "--db", db, "--json", export)
    assert again.code == 0, again.stdout
    assert again.json()["assets"]["copied"] == 1
    copied = [p for p in (db.parent / "keeper-assets").rglob("*.png")]
    assert len(copied) == 1 and copied[0].stat().st_size == len(PNG) + 3 * 1024 * 1024


def check_vectors_consistent(db: Path) -> tuple[int, int]:
    """Integrity, and every message marked embedded has exactly its chunks, each chunk its
    vec0 row; returns ``(embedded messages, chunks)``."""
    conn = apsw.Connection(str(db))
    try:
        from keeper.store.connection import load_sqlite_vec

        load_sqlite_vec(conn)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        mismatched = conn.execute(
            "SELECT count(*) FROM embedded_nodes e WHERE e.chunk_count != "
            "(SELECT count(*) FROM chunks c WHERE c.node_rowid = e.node_rowid)"
        ).fetchone()
        assert mismatched == (0,), "a message is marked embedded without all its chunks"
        unmarked = conn.execute(
            "SELECT count(*) FROM chunks c WHERE c.node_rowid NOT IN "
            "(SELECT node_rowid FROM embedded_nodes)"
        ).fetchone()
        assert unmarked == (0,), "chunks of a message that is not marked embedded"
        for (model_id,) in conn.execute("SELECT id FROM embed_models").fetchall():
            table = f"vec_chunks_{int(model_id)}"
            missing = conn.execute(
                f"SELECT count(*) FROM chunks c WHERE c.model_id = ? AND c.id NOT IN "
                f"(SELECT chunk_id FROM {table})",
                (model_id,),
            ).fetchone()
            assert missing == (0,), "a chunk without its vector index row"
        row = conn.execute(
            "SELECT (SELECT count(*) FROM embedded_nodes), (SELECT count(*) FROM chunks)"
        ).fetchone()
        return int(row[0]), int(row[1])
    finally:
        conn.close()


def test_kill_nine_during_embedding_loses_at_most_a_batch(
    tmp_path: Path, built_model: Path
) -> None:
    """`kill -9` at random moments of `keeper embed` (the real packaged model): the database
    stays intact and consistent, work already committed is kept, and a re-run finishes with
    the same vectors as an uninterrupted run."""
    export = tmp_path / "export.zip"
    build_export(export, count=120, nodes=8)
    reference = tmp_path / "reference" / "keeper.db"
    db = tmp_path / "data" / "keeper.db"
    for target in (reference, db):
        done = run_keeper("import", "--db", target, "--no-embed", export, timeout=300)
        assert done.code == 0, done.stderr
    full = run_keeper("embed", "--db", reference, timeout=600)
    assert full.code == 0, full.stderr
    expected = check_vectors_consistent(reference)
    rng = random.Random(int(os.environ.get("KEEPER_KILL_SEED", "20261")))
    progress: list[tuple[int, int]] = []
    count = "SELECT count(*) FROM embedded_nodes"
    for kills_left in range(KILL_POINTS, 0, -1):
        done = progress[-1][0] if progress else 0
        proc = subprocess.Popen(
            [sys.executable, "-m", "keeper", "embed", "--db", str(db)],
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        kill_after(proc, db, count, next_target(rng, done, expected[0], kills_left), rng)
        progress.append(check_vectors_consistent(db))
    counts = [messages for messages, _ in progress]
    assert counts == sorted(counts), "a kill lost vectors committed before it"
    assert any(0 < n < expected[0] for n in counts) or KILL_POINTS < 3, progress
    final = run_keeper("embed", "--db", db, timeout=600)
    assert final.code == 0 and "Traceback" not in final.stderr, final.stderr
    assert check_vectors_consistent(db) == expected
    found = run_keeper("search", "--db", db, "--mode", "semantic", "tides by the lighthouse")
    assert found.code == 0 and "story" in found.stdout, found.stdout + found.stderr
