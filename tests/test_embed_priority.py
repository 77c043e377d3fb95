"""Embedding takes recent and much-revisited conversations first, and still resumes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from keeper.embed.job import run_embedding
from keeper.store import vectors
from keeper.store.sql import scalar
from tests.embed_support import FakeEmbedder
from tests.search_support import open_archive

DAY = 86_400.0
T0 = datetime(2024, 1, 1, 12).timestamp()


def _embedded_titles(library) -> set[str]:
    rows = library.conn.execute(
        "SELECT DISTINCT c.title FROM embedded_nodes e JOIN nodes n ON n.rowid = e.node_rowid "
        "JOIN conversations c ON c.id = n.conversation_id"
    )
    return {str(r[0]) for r in rows}


def test_recent_and_revisited_conversations_are_embedded_first(tmp_path: Path) -> None:
    def turns(word: str, start: float, days: int) -> list[tuple[str, str, float]]:
        return [("user", f"{word} message {i}", start + i * DAY) for i in range(max(days, 2))]

    library = open_archive(
        tmp_path,
        {
            "old": turns("old", T0, 2),  # imported first: lowest rowids
            "revisited": turns("revisited", T0 + 30 * DAY, 64),  # ends ~day 94, 64 days
            "recent": turns("recent", T0 + 200 * DAY, 2),
            "middle": turns("middle", T0 + 120 * DAY, 2),
        },
    )
    order = vectors.conversations_by_priority(library.conn)
    titles = dict(library.conn.execute("SELECT id, title FROM conversations").fetchall())
    # "revisited" ended before "middle", but 64 active days count as 6 x 30 days more recent
    assert [titles[c] for c in order] == ["revisited", "recent", "middle", "old"]

    fake = FakeEmbedder()
    run_embedding(library.conn, fake, show_progress=False, batch_nodes=8, max_nodes=64)
    assert _embedded_titles(library) == {"revisited"}
    report = run_embedding(library.conn, fake, show_progress=False, batch_nodes=8)
    assert (
        report.embedded
        == report.embeddable
        == int(scalar(library.conn, f"SELECT count(*) FROM nodes n WHERE {vectors.EMBEDDABLE}"))
    )
    assert report.embedded_now == report.embeddable - 64  # resumed, nothing done twice
    library.close()
