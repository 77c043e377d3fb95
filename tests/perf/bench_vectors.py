"""Vector search at scale: `python -m tests.perf vectors [--chunks 100000 1000000]`.

Builds a synthetic archive (messages with keyword-indexable text in 20 projects, one
384-dim chunk per message, clustered unit vectors), then for each coarse format of the
sqlite-vec index (float, int8, binary) measures filtered KNN + exact rescoring: latency
p50/p95 and recall@10 against exact search over the same filter. Then the full hybrid
query (BM25 + vectors + fusion + hits, filters on, query vector precomputed) p50/p95 on
the default format. Prints one JSON object per size.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DIMS = 384
PROJECTS = 20
DEPTH = 100  # vector candidates per query, as hybrid search asks (Fusion.depth)
VOCABULARY = 20_000
_SYLLABLES = ["ka", "lo", "mi", "ren", "su", "ta", "vel", "zo", "pri", "dan", "gor", "hu"]
# Zipf-distributed made-up words: like real text, a few words are everywhere and most
# are rare, so BM25 candidate lists have realistic lengths.
WORDS = ["".join(_SYLLABLES[(i // 12**j) % 12] for j in range(4)) for i in range(VOCABULARY)]


def _zipf_words(rng: np.random.Generator, count: int) -> np.ndarray:
    ranks = rng.zipf(1.2, count)
    return np.minimum(ranks, VOCABULARY) - 1


class _Fixed:
    """A stand-in encoder whose query vector is supplied directly."""

    name = "bench-model"

    def encode(self, texts, batch_size: int = 64):  # pragma: no cover - never called
        raise AssertionError("the bench passes query vectors")


def synthetic_vectors(chunks: int, seed: int = 0) -> tuple[np.ndarray, np.random.Generator]:
    """The archive's clustered unit vectors, and the generator that then draws its words."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((512, DIMS)).astype(np.float32)
    assign = rng.integers(0, len(centers), chunks)
    matrix = centers[assign] + 0.9 * rng.standard_normal((chunks, DIMS)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix, rng


def build(db: Path, chunks: int, formats: list[str], seed: int = 0) -> np.ndarray:
    """Create the synthetic archive at ``db``; returns the float32 vectors."""
    from keeper.paths import resolve_paths
    from keeper.store import open_connection, vectors

    matrix, rng = synthetic_vectors(chunks, seed)
    conn = open_connection(resolve_paths(str(db)))
    model = vectors.ensure_model(conn, "bench-model", DIMS)
    vectors.activate(conn, model)
    per_conv = 50
    words = np.array(WORDS)
    drawn = _zipf_words(rng, chunks * 12).reshape(chunks, 12)
    conn.execute("BEGIN")
    for start in range(0, chunks, per_conv):
        conv = f"conv-{start // per_conv}"
        project = f"g-p-{(start // per_conv) % PROJECTS}"
        conn.execute(
            "INSERT INTO conversations (id, title, create_time, gizmo_id, meta_json, "
            "content_hash) VALUES (?, ?, ?, ?, x'', x'')",
            (conv, f"conversation {start}", 1.6e9 + start * 60.0, project),
        )
        rows, fts, chunk_rows, vec_rows = [], [], [], []
        for i in range(start, min(start + per_conv, chunks)):
            text = " ".join(words[drawn[i]])
            role = "user" if i % 2 else "assistant"
            when = 1.6e9 + i * 60.0
            rows.append((i + 1, conv, f"n{i}", f"n{i}", role, when, text))
            fts.append((i + 1, text))
            blob = matrix[i].astype("<f4").tobytes()
            chunk_rows.append((i + 1, i + 1, conv, model.id, blob))
            vec_rows.append((i + 1, blob, project, conv, role, "", when))
        conn.executemany(
            "INSERT INTO nodes (rowid, conversation_id, node_id, position, message_id, role, "
            "kind, hidden, on_path, create_time, text, raw) "
            "VALUES (?, ?, ?, 0, ?, ?, 'message', 0, 1, ?, ?, x'')",
            rows,
        )
        conn.executemany("INSERT INTO message_fts (rowid, body) VALUES (?, ?)", fts)
        conn.executemany(
            "INSERT INTO chunks (id, node_rowid, conversation_id, model_id, seq, embedding) "
            "VALUES (?, ?, ?, ?, 0, ?)",
            chunk_rows,
        )
        conn.executemany(
            "INSERT INTO embedded_nodes VALUES (?, ?, ?, 1)",
            [(r[1], r[2], model.id) for r in chunk_rows],
        )
        for fmt in formats:
            table = vectors.vec_table(model.id) if fmt == "bit" else f"vec_bench_{fmt}"
            vectors.create_vec_index(conn, table, DIMS, fmt)
            _, quantize = vectors.COARSE_FORMATS[fmt]
            conn.executemany(
                f"INSERT INTO {table} (chunk_id, embedding, project, conv, role, model, t) "
                f"VALUES (?, {quantize}, ?, ?, ?, ?, ?)",
                vec_rows,
            )
        if start % 20_000 == 0:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
    conn.execute("COMMIT")
    conn.close()
    return matrix


def _percentiles(samples: list[float]) -> dict[str, float]:
    arr = np.array(samples) * 1000
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p95_ms": round(float(np.percentile(arr, 95)), 2),
    }


def measure(db: Path, matrix: np.ndarray, formats: list[str], queries: int) -> dict:
    """Latency and recall per coarse format, then hybrid latency."""
    from keeper.paths import resolve_paths
    from keeper.search import hybrid_search
    from keeper.store import open_connection, reader, vectors
    from keeper.store.filters import Filters
    from keeper.store.fts_text import parse_query

    conn = open_connection(resolve_paths(str(db)), create=False)
    model = vectors.active_model(conn)
    assert model is not None
    rng = np.random.default_rng(1)
    chunks = len(matrix)
    picks = rng.integers(0, chunks, queries)
    qvecs = matrix[picks] + 0.5 * rng.standard_normal((queries, DIMS)).astype(np.float32)
    qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
    ids = np.arange(chunks)
    roles = np.where(ids % 2 == 1, "user", "assistant")
    projects = (ids // 50) % PROJECTS
    since = 1.6e9 + chunks * 60.0 * 0.25
    out: dict = {"chunks": chunks, "queries": queries, "formats": {}}
    started = time.perf_counter()
    scan = vectors.bit_scan(conn, vectors.vec_table(model.id))
    out["bit-scan load_s"] = round(time.perf_counter() - started, 3) if scan else None
    variants = [(fmt, fmt, False) for fmt in formats]
    if "bit" in formats:
        variants.append(("bit-scan", "bit", True))
    for label, fmt, use_scan in variants:
        table = vectors.vec_table(model.id) if fmt == "bit" else f"vec_bench_{fmt}"
        for scope in ("project+role+since", "role+since (whole archive)"):
            if scope.startswith("role") and not use_scan and chunks > 200_000:
                continue  # vec0's unpartitioned scan takes seconds a query at 1M
            times, recalls = [], []
            for q, pick in zip(qvecs, picks, strict=True):
                project = int(projects[pick]) if scope.startswith("project") else None
                filters = Filters(
                    project=None if project is None else f"g-p-{project}",
                    role="user",
                    since=since,
                )
                started = time.perf_counter()
                got = vectors.vector_candidates(
                    conn, model, q, filters, DEPTH, table=table, use_scan=use_scan
                )
                times.append(time.perf_counter() - started)
                mask = (roles == "user") & (1.6e9 + ids * 60.0 >= since)
                if project is not None:
                    mask &= projects == project
                exact = ids[mask][np.argsort(-(matrix[mask] @ q))[:10]] + 1
                recalls.append(len({r for r, _ in got[:10]} & set(exact.tolist())) / 10)
                assert len(got) == min(DEPTH, int(mask.sum()))
            out["formats"][f"{label} {scope}"] = _percentiles(times) | {
                "recall@10": round(float(np.mean(recalls)), 3)
            }
    encoder = _Fixed()
    words = WORDS
    for label, make in (
        ("project+role+since", lambda p: Filters(project=f"g-p-{p}", role="user", since=since)),
        ("role+since (whole archive)", lambda p: Filters(role="user", since=since)),
    ):
        times, keyword_times = [], []
        for n, (q, pick) in enumerate(zip(qvecs, picks, strict=True)):
            query = f"{words[50 + n * 13 % 2000]} {words[20 + n * 7 % 500]}"
            filters = make(int(projects[pick]))
            started = time.perf_counter()
            hits = hybrid_search(conn, query, encoder, filters, 20, vector=q)
            times.append(time.perf_counter() - started)
            assert len(hits) == 20
            parsed = parse_query(query)
            assert parsed is not None
            started = time.perf_counter()
            reader.keyword_candidates(conn, parsed.match, filters, DEPTH)
            keyword_times.append(time.perf_counter() - started)
        out[f"hybrid {label}"] = _percentiles(times) | {"keyword side": _percentiles(keyword_times)}
    conn.close()
    return out


def main(argv: list[str]) -> int:
    """Entry point for ``python -m tests.perf vectors``."""
    parser = argparse.ArgumentParser(prog="python -m tests.perf vectors")
    parser.add_argument("--chunks", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["float", "int8", "bit"])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--workdir")
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases in --workdir and reuse them"
    )
    args = parser.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="keeper-bench-vectors-"))
    for size in args.chunks:
        db = workdir / f"vectors-{size}.db"
        started = time.perf_counter()
        if args.keep and db.exists():
            matrix, _ = synthetic_vectors(size)
        else:
            matrix = build(db, size, args.formats)
        built = round(time.perf_counter() - started, 1)
        result = measure(db, matrix, args.formats, args.queries)
        result["build_s"] = built
        print(json.dumps(result), flush=True)
        if not args.keep:
            db.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
