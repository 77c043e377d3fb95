"""Plain records the archive layer hands to the rest of keeper."""

from __future__ import annotations

from dataclasses import dataclass

from keeper.model import AnomalyKind


@dataclass(slots=True)
class RawRecord:
    """The undecoded bytes of one conversation, or why they could not be cut out.

    ``position`` counts the conversation-file bytes consumed so far across the whole source,
    so ``position / source.total_bytes()`` is the import progress.
    """

    origin: str
    payload: bytes | None
    error: str | None
    position: int


@dataclass(slots=True)
class Anomaly:
    """Something odd about the input that did not stop the import (kept for the report)."""

    kind: AnomalyKind
    where: str
    detail: str


@dataclass(slots=True)
class AssetMember:
    """One asset file inside the export (a zip member or a file under the export folder)."""

    member: str
    size: int
    display_name: str
    mime: str | None
