"""Search and list filters, and the SQL WHERE clauses they become."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions shared by search, list, pack and export. ``None`` means no restriction."""

    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, exclusive
    model: str | None = None
    role: str | None = None
    project: str | None = None  # gizmo_id (a Project g-p-… or a custom GPT g-…)
    conversation: str | None = None
    include_hidden: bool = False  # search tool output, reasoning and scaffolding too

    def node_clause(self, node: str = "n", conv: str = "c") -> tuple[str, list[object]]:
        """A WHERE fragment over nodes ``node`` joined to conversations ``conv``."""
        clauses: list[str] = []
        params: list[object] = []
        when = f"coalesce({node}.create_time, {conv}.create_time)"
        if self.since is not None:
            clauses.append(f"{when} >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append(f"{when} < ?")
            params.append(self.until)
        if self.model:
            clauses.append(f"{node}.model = ?")
            params.append(self.model)
        if self.role:
            clauses.append(f"{node}.role = ?")
            params.append(self.role)
        if self.project:
            clauses.append(f"{conv}.gizmo_id = ?")
            params.append(self.project)
        if self.conversation:
            clauses.append(f"{node}.conversation_id = ?")
            params.append(self.conversation)
        if not self.include_hidden:
            clauses.append(f"{node}.kind = 'message'")
        return (" AND ".join(clauses) or "1"), params

    def conversation_clause(self, conv: str = "c") -> tuple[str, list[object]]:
        """A WHERE fragment over conversations only (for listing)."""
        clauses: list[str] = []
        params: list[object] = []
        when = f"coalesce({conv}.update_time, {conv}.create_time)"
        if self.since is not None:
            clauses.append(f"{when} >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append(f"coalesce({conv}.create_time, {conv}.update_time) < ?")
            params.append(self.until)
        if self.model:
            clauses.append(
                f"({conv}.model = ? OR EXISTS (SELECT 1 FROM nodes m WHERE "
                f"m.conversation_id = {conv}.id AND m.model = ? AND m.kind = 'message'))"
            )
            params.extend([self.model, self.model])
        if self.project:
            clauses.append(f"{conv}.gizmo_id = ?")
            params.append(self.project)
        if self.conversation:
            clauses.append(f"{conv}.id = ?")
            params.append(self.conversation)
        return (" AND ".join(clauses) or "1"), params
