"""Embedding unit tests with a fake embedder: chunking, the resumable job, vectors in
sqlite-vec, filters inside retrieval, invalidation, forgetting, model switches, fusion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keeper.embed.chunker import MAX_CHUNKS, chunk_texts, header, split_text
from keeper.embed.job import run_embedding
from keeper.library import Library
from keeper.search import Hit, fuse, hybrid_search, semantic_search
from keeper.store import vectors
from keeper.store.continuity import chunk_vectors
from keeper.store.filters import Filters
from keeper.store.sql import scalar
from tests.conftest import SAMPLE_EXPORT
from tests.embed_support import FakeEmbedder

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def library(tmp_path: Path):
    lib = Library.open(str(tmp_path / "k.db"))
    lib.import_exports([SAMPLE_EXPORT], show_progress=False)
    yield lib
    lib.close()


def _node(text: str, **kw: object) -> vectors.PendingNode:
    fields: dict = dict(
        rowid=1,
        conversation_id="c",
        title="Sourdough starter",
        role="user",
        text=text,
        previous="How do I feed it?",
        project="",
        model="",
        create_time=0.0,
    )
    fields.update(kw)
    return vectors.PendingNode(**fields)


def test_split_text_respects_budget_and_overlaps() -> None:
    words = " ".join(f"w{i}" for i in range(100))
    spans = FakeEmbedder().token_spans
    pieces = split_text(words, spans, budget=30, overlap=5)
    assert all(len(spans(p)) <= 30 for p in pieces)
    assert pieces[0].split()[-5:] == pieces[1].split()[:5]
    assert pieces[-1].endswith("w99")
    assert " ".join(dict.fromkeys(" ".join(pieces).split())) == words


def test_a_huge_message_is_embedded_from_its_beginning_only() -> None:
    calls: list[int] = []
    spans = FakeEmbedder().token_spans

    def counting_spans(text: str) -> list[tuple[int, int]]:
        calls.append(len(text))
        return spans(text)

    words = " ".join(f"w{i}" for i in range(200_000))
    chunks = chunk_texts(_node(words), counting_spans, 64)
    assert len(chunks) == MAX_CHUNKS
    assert "w0 " in chunks[0] and "w199999" not in chunks[-1]
    assert max(calls) < len(words) / 2, "the tokenizer saw the whole message"


def test_header_carries_title_speaker_and_previous_turn() -> None:
    node = _node("Feed it twice a day.", role="assistant")
    assert header(node, "none") == ""
    assert header(node, "title") == "Sourdough starter\nassistant: "
    assert "(replying to: How do I feed it?)" in header(node, "previous")
    chunks = chunk_texts(node, FakeEmbedder().token_spans, 32)
    assert chunks == [header(node) + "Feed it twice a day."]


def test_job_embeds_everything_once_and_resumes(library: Library) -> None:
    fake = FakeEmbedder()
    total = vectors.count_embeddable(library.conn)
    first = run_embedding(library.conn, fake, show_progress=False, batch_nodes=20, max_nodes=40)
    assert first.embedded == 40 < total
    status = library.embedding_status()
    assert (status.model, status.embedded, status.embeddable) == ("fake-bow", 40, total)
    assert not status.complete and status.as_dict()["complete"] is False
    second = run_embedding(library.conn, fake, show_progress=False, batch_nodes=20)
    assert second.embedded_now == total - 40 and second.embedded == total
    again = run_embedding(library.conn, fake, show_progress=False)
    assert again.embedded_now == 0
    chunks = scalar(library.conn, "SELECT count(*) FROM chunks")
    assert scalar(library.conn, "SELECT count(*) FROM vec_chunks_1") == chunks
    # Hidden scaffolding and tool output are not embedded.
    assert (
        scalar(
            library.conn,
            "SELECT count(*) FROM chunks c JOIN nodes n ON n.rowid = c.node_rowid "
            "WHERE n.kind != 'message' OR n.hidden OR n.role NOT IN ('user', 'assistant')",
        )
        == 0
    )


def test_interrupt_loses_at_most_one_batch(library: Library) -> None:
    fake = FakeEmbedder()
    fake.fail_after = 2
    with pytest.raises(KeyboardInterrupt):
        run_embedding(library.conn, fake, show_progress=False, batch_nodes=10)
    assert vectors.count_embedded(library.conn, 1)[0] == 20
    fake.fail_after = None
    report = run_embedding(library.conn, fake, show_progress=False, batch_nodes=10)
    assert report.embedded == vectors.count_embeddable(library.conn)


def test_long_messages_get_several_chunks(library: Library) -> None:
    run_embedding(library.conn, FakeEmbedder(max_tokens=32), show_progress=False)
    most = scalar(library.conn, "SELECT max(chunk_count) FROM embedded_nodes")
    assert most is not None and int(most) > 3
    rowid = scalar(
        library.conn, "SELECT node_rowid FROM embedded_nodes ORDER BY chunk_count DESC LIMIT 1"
    )
    vecs = chunk_vectors(library.conn, [int(rowid)])
    assert vecs[int(rowid)].shape == (64,) and vecs[int(rowid)].dtype == np.float32


def test_filters_apply_inside_vector_retrieval(library: Library) -> None:
    fake = FakeEmbedder()
    run_embedding(library.conn, fake, show_progress=False)
    conn = library.conn
    assistant = scalar(
        conn, f"SELECT count(*) FROM nodes n WHERE {vectors.EMBEDDABLE} AND n.role = 'assistant'"
    )
    hits = semantic_search(conn, "lisbon packing", fake, Filters(role="assistant"), 500)
    assert len(hits) == assistant and {h.role for h in hits} == {"assistant"}
    conv = hits[0].conversation_id
    within = semantic_search(conn, "anything", fake, Filters(conversation=conv), 5)
    assert within and {h.conversation_id for h in within} == {conv}
    times = sorted(h.create_time for h in hits if h.create_time)
    middle = times[len(times) // 2]
    late = semantic_search(conn, "lisbon", fake, Filters(since=middle), 500)
    assert late and all(h.create_time is not None and h.create_time >= middle for h in late)
    early = semantic_search(conn, "lisbon", fake, Filters(until=middle), 500)
    assert early and all(h.create_time is not None and h.create_time < middle for h in early)
    assert len(early) + len(late) == len(semantic_search(conn, "lisbon", fake, Filters(), 500))


def test_semantic_search_ranks_the_closest_message_first(library: Library) -> None:
    fake = FakeEmbedder(dims=1024)
    run_embedding(library.conn, fake, show_progress=False)
    hits = semantic_search(library.conn, "Lisbon: need cash?", fake, Filters(), 3)
    # The question and its answer (whose header quotes the question) lead.
    top = {hit.snippet[:14] for hit in hits}
    assert {"Do I need cash", "Cards work alm"} <= top
    assert hits[0].score >= hits[1].score > hits[2].score


def test_changed_conversation_is_re_embedded(library: Library, tmp_path: Path) -> None:
    import orjson

    fake = FakeEmbedder()
    run_embedding(library.conn, fake, show_progress=False)
    conv_id, title = library.conn.execute(
        "SELECT id, title FROM conversations WHERE title LIKE 'Packing%'"
    ).fetchone()
    before = scalar(
        library.conn, "SELECT count(*) FROM chunks WHERE conversation_id = ?", (conv_id,)
    )
    raw = library.export_chatgpt_bytes() if hasattr(library, "export_chatgpt_bytes") else None
    assert raw is None
    out = tmp_path / "conversations.json"
    with out.open("wb") as handle:
        library.export_chatgpt(handle)
    data = orjson.loads(out.read_bytes())
    changed = next(c for c in data if c.get("conversation_id", c.get("id")) == conv_id)
    changed["title"] = title + " (renamed)"
    changed["update_time"] = (changed.get("update_time") or 0) + 1000
    out.write_bytes(orjson.dumps([changed]))
    library.import_exports([out], show_progress=False)
    assert (
        scalar(library.conn, "SELECT count(*) FROM chunks WHERE conversation_id = ?", (conv_id,))
        == 0
    )
    assert scalar(library.conn, "SELECT count(*) FROM chunks") == scalar(
        library.conn, "SELECT count(*) FROM vec_chunks_1"
    )
    report = run_embedding(library.conn, fake, show_progress=False)
    assert report.embedded_now > 0
    assert (
        scalar(library.conn, "SELECT count(*) FROM chunks WHERE conversation_id = ?", (conv_id,))
        == before
    )


def test_forget_removes_chunks_and_vectors(library: Library) -> None:
    fake = FakeEmbedder()
    run_embedding(library.conn, fake, show_progress=False)
    conv_id = scalar(library.conn, "SELECT conversation_id FROM chunks LIMIT 1")
    library.forget(str(conv_id))
    for table in ("chunks", "embedded_nodes"):
        assert (
            scalar(
                library.conn, f"SELECT count(*) FROM {table} WHERE conversation_id = ?", (conv_id,)
            )
            == 0
        )
    assert scalar(library.conn, "SELECT count(*) FROM chunks") == scalar(
        library.conn, "SELECT count(*) FROM vec_chunks_1"
    )
    assert scalar(library.conn, "SELECT count(*) FROM vec_chunks_1 WHERE conv = ?", (conv_id,)) == 0


def test_switching_models_re_embeds(library: Library) -> None:
    run_embedding(library.conn, FakeEmbedder("fake-a"), show_progress=False)
    other = FakeEmbedder("fake-b", dims=48)
    report = run_embedding(library.conn, other, show_progress=False)
    assert report.dropped_chunks > 0 and report.embedded == report.embeddable
    models = library.conn.execute("SELECT name, dims, active FROM embed_models").fetchall()
    assert models == [("fake-b", 48, 1)]
    assert scalar(library.conn, "SELECT count(*) FROM chunks WHERE model_id != 2") == 0
    with pytest.raises(Exception, match="embedded with fake-b"):
        semantic_search(library.conn, "cash", FakeEmbedder("fake-a"), Filters(), 5)


def test_fusion_is_weighted_rrf_and_keyword_led() -> None:
    def hit(rowid: int) -> Hit:
        return Hit("c", str(rowid), str(rowid), "", None, None, None, 0.0, "", rowid=rowid)

    keyword = [hit(1), hit(2), hit(3)]
    semantic = [hit(3), hit(4), hit(1)]
    fused = fuse(keyword, semantic, limit=4)
    assert [h.rowid for h in fused][:2] == [1, 3]
    assert {h.rowid for h in fused} == {1, 2, 3, 4}
    assert keyword[0].score == 0.0  # inputs are not modified


def test_hybrid_filtered_search_is_never_short(library: Library) -> None:
    fake = FakeEmbedder()
    run_embedding(library.conn, fake, show_progress=False)
    hits = hybrid_search(library.conn, "the", fake, Filters(role="user"), 30)
    users = scalar(
        library.conn, f"SELECT count(*) FROM nodes n WHERE {vectors.EMBEDDABLE} AND role='user'"
    )
    assert len(hits) == min(30, int(users)) and {h.role for h in hits} == {"user"}


def test_library_search_falls_back_to_keywords_with_a_note(library: Library) -> None:
    hits = library.search("Lisbon", mode="hybrid")
    assert hits and "fell back to keywords" in hits.note
    again = library.search("Lisbon")
    assert again.hits == hits.hits
    assert again.note.startswith("0 of ") and "keyword results only" in again.note
    assert library.search("Lisbon", mode="keyword").note == ""


def test_keyword_search_never_imports_torch(library: Library) -> None:
    run_embedding(library.conn, FakeEmbedder(), show_progress=False)
    code = (
        "import sys; from keeper.cli import main; "
        f"rc = main(['search', '--db', {str(library.paths.db)!r}, '--mode', 'keyword', "
        "'--json', 'Lisbon']); "
        "assert rc == 0; bad = [m for m in ('torch', 'sentence_transformers', "
        "'transformers', 'onnxruntime') if m in sys.modules]; assert not bad, bad"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert '"conversation_id"' in done.stdout


def _exact(conn, model, query: np.ndarray, filters: Filters, limit: int) -> list[int]:
    """Node rowids best first by exact cosine of their best chunk, filters applied in SQL."""
    where, params = filters.node_clause()
    rows = conn.execute(
        "SELECT ch.node_rowid, ch.embedding FROM chunks ch JOIN nodes n ON n.rowid = ch.node_rowid "
        f"JOIN conversations c ON c.id = n.conversation_id WHERE ch.model_id = ? AND {where}",
        [model.id, *params],
    ).fetchall()
    best: dict[int, float] = {}
    for rowid, blob in rows:
        score = float(np.frombuffer(blob, dtype="<f4") @ query)
        best[rowid] = max(best.get(rowid, -2.0), score)
    return sorted(best, key=lambda r: best[r], reverse=True)[:limit]


@pytest.mark.parametrize("dims", [64, 48])
def test_numpy_bit_scan_is_used_and_equals_exact_search_under_filters(
    library: Library, dims: int
) -> None:
    fake = FakeEmbedder(dims=dims)
    run_embedding(library.conn, fake, show_progress=False)
    conn = library.conn
    model = vectors.active_model(conn)
    assert model is not None
    scan = vectors.bit_scan(conn, vectors.vec_table(model.id))
    assert scan is not None and len(scan.ids) == scalar(conn, "SELECT count(*) FROM chunks")
    times = sorted(
        float(t) for (t,) in conn.execute("SELECT create_time FROM nodes WHERE create_time")
    )
    middle = times[len(times) // 2]
    project = scalar(conn, "SELECT gizmo_id FROM conversations WHERE gizmo_id != '' LIMIT 1")
    query = fake.encode(["packing for lisbon"])[0]
    for filters in (
        Filters(),
        Filters(role="user"),
        Filters(role="assistant", since=middle),
        Filters(until=middle),
        Filters(project=str(project) if project else "none", role="user"),
    ):
        assert vectors.BitScan.handles(filters)
        # A candidate list longer than the archive: every match is rescored exactly, so
        # the scan's filtering is what is compared (its recall is measured in tests/perf).
        chunks = int(scalar(conn, "SELECT count(*) FROM chunks"))
        got = vectors.vector_candidates(conn, model, query, filters, 7, oversample=chunks)
        assert [rowid for rowid, _ in got] == _exact(conn, model, query, filters, 7)
        every = vectors.vector_candidates(conn, model, query, filters, 10_000)
        assert len(every) == len(_exact(conn, model, query, filters, 10_000))


def test_bit_scan_follows_forgetting_and_new_vectors(library: Library) -> None:
    fake = FakeEmbedder()
    run_embedding(library.conn, fake, show_progress=False)
    conn = library.conn
    model = vectors.active_model(conn)
    assert model is not None
    query = fake.encode(["lisbon"])[0]
    before = vectors.vector_candidates(conn, model, query, Filters(), 10_000)
    conv = str(scalar(conn, "SELECT conversation_id FROM chunks LIMIT 1"))
    library.forget(conv)
    after = vectors.vector_candidates(conn, model, query, Filters(), 10_000)
    gone = {
        int(r)
        for (r,) in conn.execute("SELECT rowid FROM nodes WHERE conversation_id = ?", (conv,))
    }
    assert after and len(after) < len(before) and not gone & {r for r, _ in after}
    assert vectors.bit_scan(conn, vectors.vec_table(model.id)) is not None


def test_bit_scan_nearest_keeps_ties_and_applies_filters() -> None:
    scan = object.__new__(vectors.BitScan)
    rng = np.random.default_rng(3)
    dims, n = 64, 5000
    matrix = rng.standard_normal((n, dims)).astype(np.float32)
    codes = np.packbits(matrix > 0, axis=1, bitorder="little")
    scan.width = codes.shape[1]
    scan.codes = np.ascontiguousarray(codes.view("<u8").T)
    scan.ids = np.arange(1, n + 1, dtype=np.int64)
    scan.projects = {"": 0, "g-p-x": 1}
    scan.part = (np.arange(n) % 3 == 0).astype(np.int32)
    scan.roles = ["assistant", "user"]
    scan.role = (np.arange(n) % 2 == 0).astype(np.int32)  # even chunks are the user's
    scan.t = np.arange(n, dtype=np.float64)
    query = matrix[17]
    filters = Filters(project="g-p-x", role="user", since=100.0, until=4000.0)
    keep = (scan.part == 1) & (scan.role == 1) & (scan.t >= 100) & (scan.t < 4000)
    got = scan.nearest(query, filters, 50)
    assert len(got) == 50 and keep[got - 1].all()
    assert len(scan.nearest(query, filters, 10_000)) == int(keep.sum())  # never short
    assert len(scan.nearest(query, Filters(project="g-p-none"), 10)) == 0
    assert len(scan.nearest(query, Filters(role="tool"), 10)) == 0  # a role no chunk has
    assert not vectors.BitScan.handles(Filters(role="a-role-past-twelve-bytes"))


def test_an_unrecognised_vec0_layout_falls_back_to_sqlite_vec(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan reads sqlite-vec's shadow tables; if a sqlite-vec release changes them, the
    sample check fails and search uses vec0's own KNN, with the same filtered results."""
    fake = FakeEmbedder(dims=64)
    run_embedding(library.conn, fake, show_progress=False)
    conn = library.conn
    model = vectors.active_model(conn)
    assert model is not None
    query = fake.encode(["packing for lisbon"])[0]
    filters = Filters(role="user")
    with_scan = vectors.vector_candidates(conn, model, query, filters, 7)

    def layout_changed(self: vectors.BitScan, conn: object, table: str) -> None:
        raise ValueError("vec0 layout not understood")

    monkeypatch.setattr(vectors.BitScan, "_check", layout_changed)
    conn.execute("DELETE FROM chunks WHERE 0")  # a write, so the cached scan is re-checked
    fresh = Library.open(str(library.paths.db), create=False)
    try:
        assert vectors.bit_scan(fresh.conn, vectors.vec_table(model.id)) is None
        without = vectors.vector_candidates(fresh.conn, model, query, filters, 7)
    finally:
        fresh.close()
    # vec0's binary coarse pass is approximate: the same filter, a full list, nearly the
    # same neighbours as exact search (the scan above is exact at this size).
    exact = _exact(conn, model, query, filters, 7)
    assert [r for r, _ in with_scan] == exact
    got = [r for r, _ in without]
    assert len(got) == 7 and len(set(got) & set(exact)) >= 5
    roles = {
        str(r)
        for (r,) in conn.execute(
            f"SELECT DISTINCT role FROM nodes WHERE rowid IN ({', '.join('?' * len(got))})", got
        )
    }
    assert roles == {"user"}


def test_searching_maps_the_database_and_importing_does_not(library: Library) -> None:
    """Searches read rows through a memory map (fast random reads); the import's
    connection never maps the file, so its peak memory stays what the import bar allows."""
    from keeper.store.connection import SEARCH_MMAP_BYTES

    def mapped(lib: Library) -> int:
        return int(scalar(lib.conn, "PRAGMA mmap_size") or 0)

    assert mapped(library) == 0  # it has only imported
    fake = FakeEmbedder()
    run_embedding(library.conn, fake, show_progress=False)
    assert mapped(library) == 0
    keyword = Library.open(str(library.paths.db), create=False)
    semantic = Library.open(str(library.paths.db), create=False)
    try:
        assert keyword.search("lisbon", mode="keyword")
        assert mapped(keyword) == SEARCH_MMAP_BYTES
        assert semantic_search(semantic.conn, "lisbon", fake, limit=3)
        assert mapped(semantic) == SEARCH_MMAP_BYTES
    finally:
        keyword.close()
        semantic.close()


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(role="user"), Filters(role="assistant"), Filters(include_hidden=True)],
)
def test_rank_first_keyword_plan_returns_what_filtering_first_does(
    library: Library, filters: Filters, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broad filters rank every match and read rows best first; narrow ones filter first.
    Both plans must return the same hits in the same order, and never come back short."""
    from keeper.store import reader
    from keeper.store.fts_text import parse_query

    assert reader._keeps_most_messages(filters)
    longest = 0
    for query in ("lisbon", "packing trip", "the", "fair use", "猫"):
        match = parse_query(query).match
        for limit in (1, 3, 50):
            ranked_first = reader.keyword_candidates(library.conn, match, filters, limit)
            with monkeypatch.context() as patch:
                patch.setattr(reader, "_keeps_most_messages", lambda _: False)
                filtered_first = reader.keyword_candidates(library.conn, match, filters, limit)
            assert [(r.rowid, round(r.score, 9)) for r in ranked_first] == [
                (r.rowid, round(r.score, 9)) for r in filtered_first
            ]
            longest = max(longest, len(ranked_first))
    assert longest >= 5  # the sample has queries with many hits
    assert not reader._keeps_most_messages(Filters(project="g-p-x"))
    assert not reader._keeps_most_messages(Filters(since=1.0))


def test_the_installed_sqlite_vec_keeps_the_layout_the_fast_path_reads(library: Library) -> None:
    """pyproject pins sqlite-vec to the range this was tested with; a release inside it
    that changed the shadow tables would make every search fall back to vec0's slower KNN
    silently. This fails instead, and says which version did it."""
    import tomllib
    from importlib.metadata import version

    fake = FakeEmbedder(dims=64)
    run_embedding(library.conn, fake, show_progress=False)
    model = vectors.active_model(library.conn)
    assert model is not None
    installed = version("sqlite-vec")
    scan = vectors.bit_scan(library.conn, vectors.vec_table(model.id))
    assert scan is not None, f"sqlite-vec {installed}: the bit-scan fast path fell back"
    assert len(scan.ids) == int(scalar(library.conn, "SELECT count(*) FROM chunks") or 0)
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith("sqlite-vec")]
    assert pins and "<" in pins[0], "sqlite-vec must stay pinned to the tested range"
    query = fake.encode(["packing for lisbon"])[0]
    assert [r for r, _ in vectors.vector_candidates(library.conn, model, query, Filters(), 5)] == (
        _exact(library.conn, model, query, Filters(), 5)
    )
