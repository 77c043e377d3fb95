"""Boundaries of the terminal UI: only keeper.tui imports textual, keeper.tui runs no SQL,
and opening the UI imports neither textual (before run) nor torch."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

KEEPER = Path(__file__).resolve().parent.parent / "keeper"


def test_only_keeper_tui_imports_textual() -> None:
    offenders = [
        str(path.relative_to(KEEPER))
        for path in KEEPER.rglob("*.py")
        if "tui" not in path.relative_to(KEEPER).parts
        and re.search(r"^\s*(from|import) textual\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []


def test_keeper_tui_runs_no_sql() -> None:
    sql = re.compile(r"\.execute\(|\bSELECT\b|\bINSERT\b|\bUPDATE\s+\w+\s+SET\b|\bimport apsw\b")
    offenders = [
        str(path.relative_to(KEEPER))
        for path in (KEEPER / "tui").rglob("*.py")
        if sql.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("module", "absent"),
    [("keeper.tui", ("textual", "torch")), ("keeper.tui.app", ("torch", "sentence_transformers"))],
)
def test_imports_stay_light(module: str, absent: tuple[str, ...]) -> None:
    code = f"import sys, {module}; print([m for m in {absent!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_opening_and_listing_the_archive_does_not_import_numpy(sample_library: object) -> None:
    """The library screen's first query (open, load sqlite-vec, list) stays off numpy:
    numpy (~80 ms) loads only when a search needs it."""
    db = str(sample_library.paths.db)  # type: ignore[attr-defined]
    code = (
        "import sys; from keeper.library import Library; "
        f"lib = Library.open({db!r}, create=False); assert lib.conversations(); "
        "assert lib.conn.execute('SELECT vec_version()').fetchone(); "
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_without_arguments_opens_the_tui(monkeypatch: pytest.MonkeyPatch) -> None:
    import keeper.tui
    from keeper import cli

    seen: list[str | None] = []
    monkeypatch.setattr(keeper.tui, "run", lambda db, settings: seen.append(db) or 0)
    assert cli.main(["--db", "/tmp/x/keeper.db"]) == 0
    assert cli.main([]) == 0
    assert seen == ["/tmp/x/keeper.db", None]


def test_backend_connections_per_thread_and_one_for_semantic(sample_library: object) -> None:
    import threading

    from keeper.config import Settings
    from keeper.tui import library_factory
    from keeper.tui.backend import Backend

    db = str(sample_library.paths.db)  # type: ignore[attr-defined]
    backend = Backend(library_factory(Settings(db=db)))
    seen: dict[str, list[object]] = {"plain": [], "semantic": []}

    def work() -> None:
        seen["plain"].append(backend.library())
        assert backend.library() is seen["plain"][-1]
        with backend.semantic() as library:
            seen["semantic"].append(library)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len({id(x) for x in seen["plain"]}) == 3
        assert len({id(x) for x in seen["semantic"]}) == 1
        assert seen["semantic"][0].conversations()  # type: ignore[attr-defined]
    finally:
        backend.close()


def test_backend_close_waits_for_a_busy_worker_and_interrupts_long_queries(
    sample_library: object,
) -> None:
    """Quitting while a worker is inside a query neither raises nor leaks the connection."""
    import threading

    import apsw

    from keeper.config import Settings
    from keeper.errors import StoreError
    from keeper.tui import library_factory
    from keeper.tui.backend import Backend

    db = str(sample_library.paths.db)  # type: ignore[attr-defined]
    backend = Backend(library_factory(Settings(db=db)))
    started, looping = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def slow_worker() -> None:
        library = backend.library()

        def slow() -> None:
            started.set()
            time.sleep(0.3)
            outcome["slept_until"] = time.monotonic()

        library.conn.create_scalar_function("slow", slow)
        outcome["slow_library"] = library
        try:
            library.conn.execute("select slow()").fetchall()
        except apsw.InterruptError as error:
            outcome["slow"] = error

    def endless_worker() -> None:
        library = backend.library()
        outcome["endless_library"] = library
        library.conn.create_scalar_function("tick", lambda: looping.set() or 1)
        try:
            library.conn.execute(
                "with recursive n(i) as (select tick() union all select i + 1 from n) "
                "select count(*) from n"
            ).fetchall()
        except apsw.InterruptError as error:
            outcome["endless"] = error

    threads = [
        threading.Thread(target=slow_worker, daemon=True),
        threading.Thread(target=endless_worker, daemon=True),
    ]
    for thread in threads:
        thread.start()
    # Both events are set from inside the queries: both workers are in them now.
    assert started.wait(5) and looping.wait(5)
    backend.close()
    closed_at = time.monotonic()
    for thread in threads:
        thread.join(5)
    assert closed_at >= outcome["slept_until"]  # type: ignore[operator]  # it waited
    assert isinstance(outcome.get("slow"), apsw.InterruptError)
    assert isinstance(outcome.get("endless"), apsw.InterruptError)
    for key in ("slow_library", "endless_library"):
        with pytest.raises(apsw.ConnectionClosedError):
            outcome[key].conn.execute("select 1")  # type: ignore[attr-defined]
    # A worker that first asks for the archive after close gets a clear refusal.
    late: list[Exception] = []

    def late_worker() -> None:
        try:
            backend.library()
        except StoreError as error:
            late.append(error)

    thread = threading.Thread(target=late_worker, daemon=True)
    thread.start()
    thread.join(5)
    assert late and "closing" in str(late[0])
