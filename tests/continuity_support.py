"""Shared helpers for the continuity tests (summaries, packs, exports); the module-scoped
``sample_library`` and ``index`` fixtures live in ``tests/conftest.py``."""

from __future__ import annotations

import re
from pathlib import Path

from keeper.library import Library
from tests.conftest import SAMPLE_EXPORT

MSG_REF = re.compile(r"msg `([0-9a-zA-Z-]+)`|`\[([0-9a-zA-Z-]+)\]`")


def open_sample(folder: Path) -> Library:
    """A library at ``folder`` with the sample export imported."""
    library = Library.open(str(folder / "keeper.db"))
    library.import_exports([SAMPLE_EXPORT], show_progress=False)
    return library
