"""Where an embedding model comes from (shared by the loader and both backends)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ModelSource:
    """Where a model comes from: a local folder (packaged or a path) or a hub name."""

    name: str  # what each vector records
    path: Path | None  # local folder, when there is one
    hub_id: str | None = None
