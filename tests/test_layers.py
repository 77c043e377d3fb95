"""The layers hold: import-linter's contracts, SQL only in keeper.store, light entry points."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KEEPER = REPO / "keeper"


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_only_the_store_runs_sql() -> None:
    calls = []
    for path in sorted(KEEPER.rglob("*.py")):
        if (KEEPER / "store") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "cursor")
            ):
                calls.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert calls == []


def test_writing_without_importing_takes_the_lock_without_the_importer(
    sample_library: object,
) -> None:
    db = str(sample_library.paths.db)  # type: ignore[attr-defined]
    code = (
        "import sys\nfrom keeper.library import Library\n"
        f"lib = Library.open({db!r}, create=False)\nassert lib.scrub()\n"
        "print('keeper.importer' in sys.modules, 'keeper.archive' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["False", "False"]
