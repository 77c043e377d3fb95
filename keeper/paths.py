"""Where keeper keeps its database and copied assets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DB_NAME = "keeper.db"


@dataclass(frozen=True, slots=True)
class DataPaths:
    """The database file and the folder of content-addressed assets beside it."""

    db: Path
    assets: Path
    is_default: bool

    @property
    def data_dir(self) -> Path:
        """The folder that holds the database."""
        return self.db.parent


def resolve_paths(db_option: str | None = None) -> DataPaths:
    """The database at ``db_option`` (already resolved by keeper.config: ``--db`` beats
    ``$KEEPER_DB`` beats the config file), else in the platform data dir."""
    chosen = db_option
    if chosen:
        db = Path(chosen).expanduser().resolve()
        return DataPaths(db=db, assets=db.parent / f"{db.stem}-assets", is_default=False)
    data_dir = Path(platformdirs.user_data_dir("keeper", appauthor=False))
    return DataPaths(db=data_dir / DB_NAME, assets=data_dir / "assets", is_default=True)


def ensure_private_dir(path: Path, *, owned: bool) -> None:
    """Create ``path`` (0700). When keeper owns the folder, tighten it even if it exists.

    A folder the user chose (for ``--db /somewhere/x.db``) is created private but an
    existing one is left alone: it may be shared, like /tmp.
    """
    existed = path.exists()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if owned or not existed:
        os.chmod(path, 0o700)


def file_mode(path: Path) -> str:
    """Octal permission bits of ``path`` ("0600"), or "missing"."""
    try:
        return "0" + oct(os.stat(path).st_mode & 0o777)[2:]
    except FileNotFoundError:
        return "missing"
