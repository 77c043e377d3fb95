"""Limits and name checks that keep a hostile or broken archive from hurting the machine."""

from __future__ import annotations

import re

# Central-directory entries are held in memory, so an absurd count is refused up front.
MAX_MEMBERS = 200_000
# Conversation files are streamed, so this only stops absurd inputs, not big exports.
MAX_CONVERSATION_BYTES = 16 * 1024**3
# One conversation is held in memory while it is parsed and stored, which takes about
# seven times its size at peak; a bigger one (or a zip bomb's single giant value) is
# skipped and reported instead of exhausting memory. A 100 MB message still fits.
MAX_RECORD_BYTES = 128 * 1024**2
# Auxiliary JSON files are read whole.
MAX_AUX_BYTES = 64 * 1024**2
# Deflate cannot beat about 1032:1; real JSON and media stay far below this.
MAX_RATIO = 1000
RATIO_CHECK_MIN_BYTES = 10 * 1024**2

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name_reason(name: str) -> str | None:
    """Why a member name could escape the export folder (zip-slip), or None if it is safe."""
    if "\x00" in name:
        return "its name contains a NUL byte"
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        return "its name is an absolute path"
    if ".." in path.split("/"):
        return "its name climbs out of the archive with '..'"
    return None


def ratio_reason(size: int, compressed: int) -> str | None:
    """Why a member's compression ratio looks like a zip bomb, or None if it is plausible."""
    if size > RATIO_CHECK_MIN_BYTES and size > MAX_RATIO * max(compressed, 1):
        return (
            f"it would expand {size:,} bytes from {compressed:,} "
            f"(more than {MAX_RATIO}:1), which only a zip bomb does"
        )
    return None


def is_ignored(name: str) -> bool:
    """True for macOS and Windows clutter that is never part of an export."""
    parts = name.split("/")
    base = parts[-1]
    return (
        "__MACOSX" in parts
        or base in (".DS_Store", "Thumbs.db", "desktop.ini")
        or base.startswith("._")
    )
