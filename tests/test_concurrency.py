"""Several keeper processes on one archive: reads go on while an import writes (WAL, busy
timeouts), a second import refuses clearly, and a held write lock makes an import wait."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import apsw
import pytest

from keeper.config import Settings
from keeper.library import Library
from tests.hostile import (
    build_export,
    cli_env,
    conversation,
    dumps,
    export_zip,
    make_zip,
    run_keeper,
)


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("concurrency")
    path = folder / "export.zip"
    return path, build_export(path)


def start_import(db: Path, export: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "keeper", "import", "--db", str(db), "--no-embed", str(export)],
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_search_list_and_show_work_while_an_import_writes(
    big_export: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    export, expected = big_export
    db = tmp_path / "data" / "keeper.db"
    # A first small import so that the database exists before the big one starts.
    small = make_zip(
        tmp_path / "small.zip",
        {"conversations.json": dumps([conversation(10_000), conversation(10_001)])},
    )
    first = run_keeper("import", "--db", db, small)
    assert first.code == 0
    expected = {**expected, "conv-10000": 2, "conv-10001": 2}
    proc = start_import(db, export)
    counts: list[int] = []
    during = 0
    with Library.open(str(db), create=False) as library:
        while proc.poll() is None:
            started = time.monotonic()
            hits = library.search("lighthouses", limit=50)
            rows = library.conversations(sort="created")
            visible = len(rows)
            assert time.monotonic() - started < 5
            # What a reader sees is never half a conversation.
            for row in rows[:5]:  # the newest: the batch committed last
                assert len(library.conversation(row.id)[1]) == expected[row.id]
            if proc.poll() is None:
                during += 1
                counts.append(visible)
                assert hits or visible <= 2  # the two small ones hold no lighthouses
            time.sleep(0.05)
    assert proc.wait() == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert during >= 3, "the import finished before searches could overlap it"
    assert counts == sorted(counts), "a search saw conversations disappear"
    for command in (("search", "tides", "--json"), ("list", "--json"), ("show", "conv-1")):
        out = run_keeper(command[0], "--db", db, *command[1:])
        assert out.code == 0 and "Traceback" not in out.stderr
    with Library.open(str(db), create=False) as library:
        assert len(library.conversations()) == len(expected)
        assert len(library.search("lighthouses", limit=50)) == 50


def test_cli_reads_during_an_import(
    big_export: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    """The import is held mid-way (lock held, some batches committed) while the CLI reads,
    so the reads certainly overlap it."""
    export, expected = big_export
    db = tmp_path / "data" / "keeper.db"
    paused, resume = threading.Event(), threading.Event()

    def committed() -> int:
        conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
        try:
            conn.set_busy_timeout(5000)
            return int(conn.execute("SELECT count(*) FROM conversations").fetchone()[0])
        finally:
            conn.close()

    def hold_once_rows_are_committed(done: int, total: int) -> None:
        if not paused.is_set() and done < total and committed():
            paused.set()
            resume.wait(120)

    def held_import() -> int:
        settings = Settings(db=str(db), import_batch_nodes=200)
        with Library.open(settings=settings) as library:
            report = library.import_exports(
                [export], show_progress=False, on_progress=hold_once_rows_are_committed
            )
            return int(report.as_dict()["exit_code"])

    with ThreadPoolExecutor(max_workers=1) as pool:
        importing = pool.submit(held_import)
        try:
            assert paused.wait(120), "the import never committed a batch"
            results = [
                run_keeper(c, "--db", db, *a)
                for c, a in (
                    ("search", ("tides", "--json")),
                    ("list", ("--json",)),
                    ("stats", ("--json",)),
                )
            ]
            mid_way = committed()
        finally:
            resume.set()
        assert importing.result(timeout=300) == 0
    for result in results:
        assert result.code == 0, result.stderr
        assert "Traceback" not in result.stderr
    listed = results[1].json()
    assert 0 < len(listed) <= mid_way < len(expected), "list must see the committed part"
    assert results[2].json()["conversations"] == len(listed)


def test_second_concurrent_import_refuses_clearly(
    big_export: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    """A real import is paused mid-way (inside its progress callback, lock held) while a
    second `keeper import` process tries the same archive: it must refuse, not interleave."""
    export, expected = big_export
    db = tmp_path / "data" / "keeper.db"
    paused, resume = threading.Event(), threading.Event()

    def hold_on_first_progress(done: int, total: int) -> None:
        if done and not paused.is_set():
            paused.set()
            resume.wait(120)

    def first_import() -> None:
        with Library.open(str(db)) as library:
            library.import_exports(
                [export], show_progress=False, on_progress=hold_on_first_progress
            )

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(first_import)
        try:
            assert paused.wait(120), "the first import never reported progress"
            second = run_keeper("import", "--db", db, "--no-embed", export)
        finally:
            resume.set()
        first.result(timeout=180)  # re-raises anything the first import raised
    assert second.code == 1, second.stderr
    assert "Another keeper import is already writing" in second.stderr
    assert "Traceback" not in second.stderr
    with Library.open(str(db), create=False) as library:
        assert len(library.conversations()) == len(expected)
    again = run_keeper("import", "--db", db, "--no-embed", export)
    assert again.code == 0, again.stderr


def test_an_import_waits_for_a_brief_writer(tmp_path: Path) -> None:
    db = tmp_path / "data" / "keeper.db"
    assert run_keeper("import", "--db", db, export_zip(tmp_path / "a.zip", 2)).code == 0
    holder = apsw.Connection(str(db))
    holder.execute("BEGIN IMMEDIATE")  # another writer (an embedding job, say) holds the lock
    release = threading.Timer(1.5, lambda: holder.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    try:
        second = run_keeper("import", "--db", db, "--json", export_zip(tmp_path / "b.zip", 5))
    finally:
        release.join()
        holder.close()
    assert second.code == 0, second.stderr
    assert time.monotonic() - started >= 1.4
    assert second.json()["conversations"]["new"] == 3


def test_search_works_while_an_embedding_job_writes(tmp_path: Path, built_model: Path) -> None:
    """Keyword and hybrid searches (CLI and Library) answer while `keeper embed` commits
    batches of vectors, and what they see of the embedding only grows."""
    export = tmp_path / "export.zip"
    build_export(export, count=150, nodes=8)
    db = tmp_path / "data" / "keeper.db"
    assert run_keeper("import", "--db", db, "--no-embed", export).code == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "keeper", "embed", "--db", str(db)],
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen: list[int] = []
    during = 0
    with Library.open(str(db), create=False) as library:
        while proc.poll() is None:
            hits = library.search("lighthouses", mode="keyword", limit=20)
            assert len(hits) == 20
            status = library.embedding_status()
            seen.append(status["embedded"])
            if status["embedded"]:
                assert library.search("stories about the sea", limit=5)
            if proc.poll() is None:
                during += 1
            time.sleep(0.05)
        cli = run_keeper("search", "--db", db, "tides", "--mode", "keyword", "--json")
    assert proc.wait() == 0, proc.stderr.read().decode() if proc.stderr else ""
    assert during >= 3, "the embedding finished before searches could overlap it"
    assert seen == sorted(seen) and max(seen) > 0
    assert cli.code == 0 and cli.json()
