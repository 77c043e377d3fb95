"""The resumable embedding job: embed every message that has no vectors yet.

Each batch is encoded, then written in its own transaction, so Ctrl-C or a crash loses
at most the batch in flight and the next run continues where this one stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import apsw

from keeper.embed.chunker import DEFAULT_CONTEXT, chunk_texts
from keeper.embed.model import Embedder
from keeper.progress import Progress
from keeper.store import vectors

BATCH_NODES = 128


@dataclass(slots=True)
class EmbedReport:
    """What one embedding run did and where the archive stands afterwards."""

    model: str
    backend: str
    embedded_now: int = 0
    chunks_now: int = 0
    seconds: float = 0.0
    embedded: int = 0
    embeddable: int = 0
    dropped_chunks: int = 0
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON shape (``keeper embed --json``)."""
        return asdict(self)


def run_embedding(
    conn: apsw.Connection,
    embedder: Embedder,
    *,
    show_progress: bool = True,
    batch_nodes: int = BATCH_NODES,
    context: str = DEFAULT_CONTEXT,
    max_nodes: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> EmbedReport:
    """Embed what is missing with ``embedder``; switching models drops the old vectors.

    ``max_nodes`` stops after about that many messages (for tests and trickle runs)."""
    model = vectors.ensure_model(conn, embedder.name, embedder.dims)
    report = EmbedReport(embedder.name, embedder.backend, note=embedder.note)
    report.dropped_chunks = vectors.activate(conn, model)
    report.embeddable = vectors.count_embeddable(conn)
    done, _ = vectors.count_embedded(conn, model.id)
    missing = max(report.embeddable - done, 0)
    progress = Progress("Embedding", missing, force=False) if show_progress else None
    started = time.monotonic()
    after = 0
    try:
        while max_nodes is None or report.embedded_now < max_nodes:
            pending = vectors.pending_nodes(conn, model.id, after=after, limit=batch_nodes)
            if not pending:
                break
            after = pending[-1].rowid
            texts: list[str] = []
            owners: list[int] = []
            for index, node in enumerate(pending):
                for text in chunk_texts(node, embedder.token_spans, embedder.max_tokens, context):
                    texts.append(text)
                    owners.append(index)
            matrix = embedder.encode(texts)
            rows_of: dict[int, list[int]] = {}
            for row, owner in enumerate(owners):
                rows_of.setdefault(owner, []).append(row)
            items = [
                vectors.ChunkVectors(node, matrix[rows_of.get(index, [])])
                for index, node in enumerate(pending)
            ]
            report.chunks_now += vectors.write_vectors(conn, model, items)
            report.embedded_now += len(pending)
            if progress:
                progress.update(report.embedded_now, report.embedded_now, "messages")
            if on_progress:
                on_progress(report.embedded_now, missing)
    finally:
        if progress:
            progress.close()
        report.seconds = round(time.monotonic() - started, 3)
        report.embedded, _ = vectors.count_embedded(conn, model.id)
    return report
