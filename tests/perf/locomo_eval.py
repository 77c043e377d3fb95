"""locomo-dev retrieval eval: `python -m tests.perf eval [--backend torch] [--context title]`.

Imports ../shared/evals/locomo-dev/export.zip into a throwaway database, embeds it, runs
every question restricted to its ``project`` and prints recall@5/10/25/50 (the LoCoMo
metric, see the eval's README) overall and per category for keyword, semantic and
hybrid search. ``--sweep`` also tries fusion weights; ``--json`` prints the numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO.parent / "shared" / "evals" / "locomo-dev"
KS = (5, 10, 25, 50)
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}


def recall(gold: set[str], ranked: list[str], k: int) -> float:
    """|gold ∩ top-k| / |gold|, 1.0 when there is no gold."""
    if not gold:
        return 1.0
    return len(gold & set(ranked[:k])) / len(gold)


def load_questions(path: Path) -> list[dict]:
    """The eval questions, one JSON object per line."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def table(rankings: dict[str, list[list[str]]], questions: list[dict]) -> dict:
    """Mean recall per mode, overall and per category, in percent."""
    out: dict = {}
    for mode, ranked in rankings.items():
        rows: dict[str, dict[int, list[float]]] = {}
        for question, ids in zip(questions, ranked, strict=True):
            gold = set(question.get("evidence_message_ids") or [])
            for key in ("all", CATEGORIES.get(question["category"], str(question["category"]))):
                for k in KS:
                    rows.setdefault(key, {}).setdefault(k, []).append(recall(gold, ids, k))
        out[mode] = {
            key: {f"R@{k}": round(100 * float(np.mean(v)), 1) for k, v in ks.items()}
            | {"n": len(ks[KS[0]])}
            for key, ks in rows.items()
        }
    return out


def print_table(results: dict) -> None:
    """Human-readable recall table."""
    for mode, rows in results.items():
        print(f"\n{mode}")
        print(f"  {'category':12} {'n':>4} " + " ".join(f"{'R@' + str(k):>6}" for k in KS))
        for key in ["all", *sorted(k for k in rows if k != "all")]:
            row = rows[key]
            print(f"  {key:12} {row['n']:>4} " + " ".join(f"{row[f'R@{k}']:>6.1f}" for k in KS))


def run(args: argparse.Namespace) -> dict:
    """Import, embed, search every question; returns the result tables."""
    from keeper.embed.job import run_embedding
    from keeper.library import Library
    from keeper.search import (
        Fusion,
        fuse,
        keyword_search,
        message_keyword_search,
        semantic_search,
    )
    from keeper.store.filters import Filters

    questions = load_questions(EVAL_DIR / "questions.jsonl")
    if args.limit_questions:
        questions = questions[: args.limit_questions]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="keeper-eval-"))
    db = workdir / f"eval-{args.context}-{args.backend}.db"
    library = Library.open(str(db))
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        if not library.embedding_status().embeddable:
            library.import_exports([EVAL_DIR / "export.zip"], show_progress=False)
        timings["import_s"] = round(time.perf_counter() - started, 2)
        embedder = library.embedder(backend=args.backend)
        started = time.perf_counter()
        report = run_embedding(library.conn, embedder, show_progress=False, context=args.context)
        timings["embed_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        qvecs = embedder.encode([q["question"] for q in questions])
        timings["encode_questions_s"] = round(time.perf_counter() - started, 2)
        depth = max(KS)
        keyword, messages, semantic = [], [], []
        for question, vec in zip(questions, qvecs, strict=True):
            filters = Filters(project=question["project"])
            keyword.append(keyword_search(library.conn, question["question"], filters, 100))
            messages.append(
                message_keyword_search(library.conn, question["question"], filters, 100)
            )
            semantic.append(
                semantic_search(
                    library.conn, question["question"], embedder, filters, 100, vector=vec
                )
            )
        fusions = {"hybrid": Fusion()}
        if args.sweep:
            for kw in (1.0,):
                for vw in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
                    for k in (5, 10, 20):
                        fusions[f"hybrid kw={kw} vw={vw} k={k}"] = Fusion(kw, vw, k)
                    fusions[f"hybrid score kw={kw} vw={vw}"] = Fusion(kw, vw, method="score")
        rankings = {
            "keyword": [[h.message_id for h in hits[:depth]] for hits in keyword],
            "semantic": [[h.message_id for h in hits[:depth]] for hits in semantic],
        }
        if args.sweep:
            rankings["bm25 messages only"] = [[h.message_id for h in hits] for hits in messages]
        for name, fusion in fusions.items():
            rankings[name] = [
                [h.message_id for h in fuse(list(kh), list(sh), fusion, depth)]
                for kh, sh in zip(messages, semantic, strict=True)
            ]
        results = table(rankings, questions)
    finally:
        library.close()
    return {
        "model": report.model,
        "backend": report.backend,
        "context": args.context,
        "chunks": report.chunks_now,
        "timings": timings,
        "results": results,
    }


def main(argv: list[str]) -> int:
    """Entry point for ``python -m tests.perf eval``."""
    parser = argparse.ArgumentParser(prog="python -m tests.perf eval")
    parser.add_argument("--backend", choices=("auto", "onnx", "torch"), default="auto")
    parser.add_argument("--context", choices=("none", "title", "previous"), default="previous")
    parser.add_argument("--workdir", help="keep the databases here (reused when present)")
    parser.add_argument("--sweep", action="store_true", help="also try other fusion weights")
    parser.add_argument("--limit-questions", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = run(args)
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(
        f"locomo-dev: {out['model']} [{out['backend']}], context={out['context']}, "
        f"{out['chunks']} chunks, {out['timings']}"
    )
    if args.sweep:
        for mode, rows in out["results"].items():
            row = rows["all"]
            print(f"  {mode:32} " + " ".join(f"{row[f'R@{k}']:>6.1f}" for k in KS))
    else:
        print_table(out["results"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
