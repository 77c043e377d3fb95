"""What an import did: the report people read (``render_report``) and machines parse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keeper.model.core import ImportStatus

EXIT_OK, EXIT_UNREADABLE, EXIT_PARTIAL = 0, 1, 3
FAILED = "failed"  # the conversations count of records that could not be stored


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Everything one import did, counted when it finished.

    ``conversations`` counts by :class:`ImportStatus` value and ``failed``;
    ``anomalies``, ``missing_assets`` and ``failed`` list the first few hundred while the
    counts stay complete.
    """

    sources: list[dict[str, Any]] = field(default_factory=list)
    conversations: dict[str, int] = field(default_factory=dict)
    nodes_by_kind: dict[str, int] = field(default_factory=dict)
    nodes_added: int = 0
    nodes_seen: int = 0
    assets: dict[str, int] = field(default_factory=dict)
    missing_assets: list[dict[str, Any]] = field(default_factory=list)
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    anomaly_counts: dict[str, int] = field(default_factory=dict)
    failed: list[dict[str, Any]] = field(default_factory=list)
    profile_items: int = 0
    marked_absent: int = 0
    elapsed_s: float = 0.0
    import_id: int | None = None

    @property
    def exit_code(self) -> int:
        """0: all imported; 3: some records failed, the rest stored; 1: nothing stored."""
        readable = [s for s in self.sources if not s.get("error")]
        if not readable:
            return EXIT_UNREADABLE
        if sum(self.conversations.get(status, 0) for status in ImportStatus) == 0:
            # Nothing at all could be stored (even if records were found): not a partial
            # import but a failed one.
            return EXIT_UNREADABLE
        partial = self.conversations.get(FAILED, 0) or len(readable) < len(self.sources)
        partial = partial or any(s.get("incomplete") for s in readable)
        return EXIT_PARTIAL if partial else EXIT_OK

    def as_dict(self) -> dict[str, Any]:
        """The report as one JSON-able object (the ``--json`` output)."""
        return {
            "import_id": self.import_id,
            "exit_code": self.exit_code,
            "sources": self.sources,
            "conversations": {
                key: self.conversations.get(key, 0)
                for key in [*(status.value for status in ImportStatus), FAILED]
            }
            | {"marked_absent": self.marked_absent},
            "nodes": {
                "seen": self.nodes_seen,
                "added": self.nodes_added,
                "by_kind": dict(sorted(self.nodes_by_kind.items())),
            },
            "assets": {
                "referenced": self.assets.get("referenced", 0),
                "resolved": self.assets.get("resolved", 0),
                "copied": self.assets.get("copied", 0),
                "missing": self.assets.get("missing", 0),
                "filled": self.assets.get("filled", 0),
                "missing_list": self.missing_assets,
            },
            "profile_items": self.profile_items,
            "anomalies": {
                "counts": dict(sorted(self.anomaly_counts.items())),
                "list": self.anomalies,
            },
            "failed": self.failed,
            "elapsed_s": round(self.elapsed_s, 3),
            "nodes_per_s": round(self.nodes_seen / self.elapsed_s) if self.elapsed_s else 0,
        }
