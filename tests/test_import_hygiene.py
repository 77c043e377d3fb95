"""What each entry point loads: `keeper --help` no UI, model runtime or database binding;
keyword search no model runtime (they cost seconds and hundreds of MB at start-up)."""

from __future__ import annotations

import subprocess
import sys

import orjson

HEAVY = ("textual", "torch", "onnxruntime", "sentence_transformers", "transformers", "apsw")


def _loaded_after(code: str) -> dict[str, bool]:
    probe = (
        "import sys, orjson\n"
        f"{code}\n"
        f"sys.stdout = sys.__stdout__\n"
        f"print(orjson.dumps({{m: m in sys.modules for m in {HEAVY!r}}}).decode())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return orjson.loads(out.stdout.strip().splitlines()[-1])


def test_help_loads_no_ui_model_runtime_or_database() -> None:
    code = (
        "import io\nfrom keeper.cli import main\nsys.stdout = io.StringIO()\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
        "assert 'usage: keeper' in sys.stdout.getvalue()"
    )
    loaded = _loaded_after(code)
    assert loaded == dict.fromkeys(HEAVY, False)


def test_every_command_help_loads_none_of_them() -> None:
    code = (
        "import io\nfrom keeper.cli import COMMANDS, main\n"
        "for name in COMMANDS:\n    sys.stdout = io.StringIO()\n"
        "    try:\n        main([name, '--help'])\n    except SystemExit as e:\n"
        "        assert e.code == 0, name"
    )
    assert not any(_loaded_after(code).values())


def test_keyword_search_loads_no_model_runtime(sample_library: object) -> None:
    db = str(sample_library.paths.db)  # type: ignore[attr-defined]
    code = (
        "import io\nfrom keeper.cli import main\nout = io.BytesIO()\n"
        "sys.stdout = io.TextIOWrapper(out)\n"
        f"assert main(['search', '--db', {db!r}, '--mode', 'keyword', '--json', 'tea']) == 0\n"
        "assert orjson.loads(out.getvalue())"
    )
    loaded = _loaded_after(code)
    assert loaded["apsw"], "the probe must really have searched the archive"
    assert not any(loaded[m] for m in ("torch", "onnxruntime", "sentence_transformers", "textual"))
