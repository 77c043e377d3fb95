"""Hybrid fusion: the calibrated floor, weighted RRF, exact matches first for short
queries, and the date boost, over a real SQLite archive with the fake embedder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from keeper.embed.job import run_embedding
from keeper.search import Fusion, above_floor, hybrid_search, rrf
from keeper.store.filters import Filters
from tests.embed_support import FakeEmbedder
from tests.search_support import open_archive

DAY = 86_400.0
T0 = datetime(2023, 4, 27, 12).timestamp()


def test_floor_keeps_only_candidates_well_above_chance() -> None:
    chance = np.random.default_rng(0).normal(0.2, 0.05, 512)
    semantic = [(1, 0.5), (2, 0.33), (3, 0.28), (4, 0.21)]
    assert [r for r, _ in above_floor(semantic, chance, 2.0)] == [1, 2]
    assert above_floor(semantic, chance, None) == semantic
    assert above_floor(semantic, chance[:10], 2.0) == semantic  # no stable picture yet


def test_rrf_is_weighted_by_list() -> None:
    scores = rrf([(1.0, [1, 2]), (0.5, [2, 3])], k=5)
    assert scores[2] == pytest.approx(1 / 7 + 0.5 / 6)
    assert max(scores, key=scores.__getitem__) == 2


@pytest.fixture
def archive(tmp_path: Path):
    chatter = [
        ("user" if i % 2 else "assistant", f"walk {i}: the park was sunny", T0 + i * 600)
        for i in range(40)
    ]
    library = open_archive(
        tmp_path,
        {
            "Walks": chatter,
            "Taxes": [
                ("user", "my tax return is due, where do I file it", T0 + 5 * DAY),
                ("assistant", "File the return online before the deadline.", T0 + 5 * DAY + 60),
                ("user", "what about the tax on my savings", T0 + 6 * DAY),
            ],
        },
    )
    run_embedding(library.conn, FakeEmbedder(), show_progress=False)
    yield library
    library.close()


def test_short_query_lists_exact_matches_first(archive) -> None:
    hits = hybrid_search(archive.conn, "tax return", FakeEmbedder(), Filters(), 10)
    assert hits[0].snippet == "my tax return is due, where do I file it"
    assert hits[0].highlights  # the words are marked


def test_replies_to_keyword_hits_join(archive) -> None:
    hits = hybrid_search(archive.conn, "due tax return", FakeEmbedder(), Filters(), 3)
    assert "File the return online before the deadline." in [h.snippet for h in hits]


def test_no_junk_when_nothing_is_related(archive) -> None:
    fusion = Fusion(floor=3.0)
    hits = hybrid_search(archive.conn, "zzqx", FakeEmbedder(), Filters(), 20, fusion=fusion)
    assert len(hits) < 20


def test_a_named_date_ranks_that_days_messages_first(archive) -> None:
    hits = hybrid_search(archive.conn, "5月3号 savings", FakeEmbedder(), Filters(), 5)
    assert hits[0].snippet == "what about the tax on my savings"
    query = "what did we talk about on 5月2日"
    hits = hybrid_search(archive.conn, query, FakeEmbedder(), Filters(), 2)
    assert {h.snippet for h in hits} <= {
        "my tax return is due, where do I file it",
        "File the return online before the deadline.",
    }
