"""Copy asset bytes into keeper's data directory, content-addressed by SHA-256."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from keeper.paths import ensure_private_dir

CHUNK = 1 << 20


def copy_asset(
    stream: BinaryIO, assets_dir: Path, mime: str | None, name: str
) -> tuple[str, int, str]:
    """Stream ``stream`` into ``assets_dir/<sha[:2]>/<sha><ext>``; returns (sha256, size, relpath).

    The bytes go to a temporary file first and are renamed into place, so a crash never
    leaves a half-written asset under its final name.
    """
    ensure_private_dir(assets_dir, owned=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=assets_dir, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        sha = digest.hexdigest()
        relpath = f"{sha[:2]}/{sha}{_extension(mime, name)}"
        final = assets_dir / relpath
        if final.exists():
            os.unlink(tmp_name)
        else:
            ensure_private_dir(final.parent, owned=True)
            os.replace(tmp_name, final)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return sha, size, relpath


def _extension(mime: str | None, name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix and suffix != ".dat" and len(suffix) <= 6:
        return suffix
    guessed = mimetypes.guess_extension(mime) if mime else None
    return guessed or ".bin"
