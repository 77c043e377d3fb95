"""Boundaries of the terminal UI: only keeper.tui imports textual, keeper.tui runs no SQL,
and opening the UI imports neither textual (before run) nor torch."""

from __future__ import annotations

import re
import subprocess
import sys
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


def test_cli_without_arguments_opens_the_tui(monkeypatch: pytest.MonkeyPatch) -> None:
    import keeper.tui
    from keeper import cli

    seen: list[str | None] = []
    monkeypatch.setattr(keeper.tui, "run", lambda db: seen.append(db) or 0)
    assert cli.main(["--db", "/tmp/x/keeper.db"]) == 0
    assert cli.main([]) == 0
    assert seen == ["/tmp/x/keeper.db", None]


def test_backend_connections_per_thread_and_one_for_semantic(sample_library: object) -> None:
    import threading

    from keeper.tui.backend import Backend

    backend = Backend(str(sample_library.paths.db))  # type: ignore[attr-defined]
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
