"""Retrieval eval on locomo-dev and memorybank-cn-dev: `python -m tests.perf eval`.

``python -m tests.perf eval [--set locomo-dev|memorybank-cn-dev|all] [--model NAME]
[--backend auto|onnx|torch] [--context none|title|previous] [--sweep] [--json]``

Imports each set's export.zip into a throwaway database, embeds it, runs every question
restricted to its ``project`` and prints recall@5/10/25/50 (the LoCoMo metric, see the
sets' READMEs) overall and per category (locomo-dev) or per kind (memorybank-cn-dev:
fact, list, yesno, summary, and dated questions) for keyword, semantic and hybrid
search, beside each set's plain BM25 reference computed here on the same data (OR of the
question's non-stopword terms over porter unicode61; for the Chinese set OR of the
question's CJK bigrams over a bigram index). ``--sweep weights floor reply date`` also
tries other fusion settings.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
EVALS = REPO.parent / "shared" / "evals"
SETS = ("locomo-dev", "memorybank-cn-dev")
EVAL_DIR = EVALS / "locomo-dev"
KS = (5, 10, 25, 50)
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
# The stopwords of the published BM25 reference (keeper 0.1.0's list).
REFERENCE_STOPWORDS = frozenset(
    " ".join(
        (
            "a an and are as at be but by did do does for from had has have he her his how i",
            "if in into is it its me my of on or our she so that the their them they this to",
            "was we were what when where which who whom why will with would you your",
        )
    ).split(" ")
)


def recall(gold: set[str], ranked: list[str], k: int) -> float:
    """|gold ∩ top-k| / |gold|, 1.0 when there is no gold."""
    if not gold:
        return 1.0
    return len(gold & set(ranked[:k])) / len(gold)


def load_questions(path: Path) -> list[dict]:
    """The eval questions, one JSON object per line."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def groups(question: dict) -> list[str]:
    """The rows a question counts in: overall, its category or kind, dated."""
    out = ["all"]
    if "kind" in question:
        out.append(question["kind"])
        if question.get("dated"):
            out.append("dated")
    else:
        out.append(CATEGORIES.get(question["category"], str(question["category"])))
    return out


def table(rankings: dict[str, list[list[str]]], questions: list[dict]) -> dict:
    """Mean recall per mode, overall and per group, in percent."""
    out: dict = {}
    for mode, ranked in rankings.items():
        rows: dict[str, dict[int, list[float]]] = {}
        for question, ids in zip(questions, ranked, strict=True):
            gold = set(question.get("evidence_message_ids") or [])
            for key in groups(question):
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
        print(f"  {'group':12} {'n':>4} " + " ".join(f"{'R@' + str(k):>6}" for k in KS))
        for key in ["all", *sorted(k for k in rows if k != "all")]:
            row = rows[key]
            print(f"  {key:12} {row['n']:>4} " + " ".join(f"{row[f'R@{k}']:>6.1f}" for k in KS))


def reference_rankings(conn, questions: list[dict], cjk: bool) -> list[list[str]]:
    """The plain BM25 reference: a fresh FTS5 index of every message (CJK runs as
    overlapping bigrams when ``cjk``), queried with an OR of the question's non-stopword
    words or its bigrams, inside the question's project."""
    import apsw

    ref = apsw.Connection(":memory:")
    ref.execute(
        "CREATE VIRTUAL TABLE f USING fts5(body, mid UNINDEXED, project UNINDEXED, "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    run = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")

    def bigrams(text: str) -> str:
        return run.sub(
            lambda m: (
                " "
                + " ".join(m.group()[i : i + 2] for i in range(len(m.group()) - 1))
                + (" " + m.group() if len(m.group()) == 1 else "")
                + " "
            ),
            text,
        )

    rows = conn.execute(
        "SELECT n.text, coalesce(n.message_id, n.node_id), c.gizmo_id FROM nodes n "
        "JOIN conversations c ON c.id = n.conversation_id WHERE n.kind = 'message'"
    ).fetchall()
    with ref:
        ref.executemany(
            "INSERT INTO f VALUES (?, ?, ?)",
            [(bigrams(t) if cjk else t, m, p) for t, m, p in rows],
        )
    out = []
    for question in questions:
        text = question["question"]
        if cjk:
            terms = sorted({g for g in bigrams(text).split() if run.fullmatch(g)})
        else:
            words = [w.lower() for w in re.findall(r"\w+", text)]
            terms = sorted({w for w in words if w not in REFERENCE_STOPWORDS})
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        ids = (
            [
                r[0]
                for r in ref.execute(
                    "SELECT mid FROM f WHERE f MATCH ? AND project = ? ORDER BY rank LIMIT ?",
                    (match, question["project"], max(KS)),
                )
            ]
            if match
            else []
        )
        out.append(ids)
    ref.close()
    return out


def run_set(name: str, args: argparse.Namespace) -> dict:
    """Import, embed, search every question of one set; returns its result tables."""
    from keeper.embed.job import run_embedding
    from keeper.embed.model import encode_queries
    from keeper.library import Library
    from keeper.search import (
        Fusion,
        hybrid_search,
        keyword_search,
        semantic_search,
        semantic_text,
    )
    from keeper.store.filters import Filters

    folder = EVALS / name
    questions = load_questions(folder / "questions.jsonl")
    if args.limit_questions:
        questions = questions[: args.limit_questions]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="keeper-eval-"))
    model_tag = re.sub(r"[^A-Za-z0-9]+", "-", args.model or "default")
    db = workdir / f"{name}-{model_tag}-{args.context}-{args.backend}.db"
    library = Library.open(str(db))
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        if not library.embedding_status().embeddable:
            library.import_exports([folder / "export.zip"], show_progress=False)
        timings["import_s"] = round(time.perf_counter() - started, 2)
        embedder = library.embedder(args.model, backend=args.backend)
        started = time.perf_counter()
        report = run_embedding(library.conn, embedder, show_progress=False, context=args.context)
        timings["embed_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        qvecs = encode_queries(embedder, [semantic_text(q["question"]) for q in questions])
        timings["encode_questions_s"] = round(time.perf_counter() - started, 2)
        depth = max(KS)
        fusions = {"hybrid": Fusion()}
        sweep = set(args.sweep or ())
        if "weights" in sweep:
            for vw in (0.5, 0.8, 1.0, 1.5):
                for k in (5, 20):
                    fusions[f"hybrid vw={vw} k={k}"] = Fusion(vector_weight=vw, k=k)
        if "floor" in sweep:
            for floor in (None, 1.0, 2.0, 3.0, 4.0):
                fusions[f"hybrid floor={floor}"] = Fusion(floor=floor)
        if "reply" in sweep:
            for reply in (0.0, 0.15, 0.3, 0.5):
                fusions[f"hybrid reply={reply}"] = Fusion(reply_weight=reply)
        if "date" in sweep:
            for dated in (0.0, 0.5, 1.0, 2.0, 4.0):
                fusions[f"hybrid date={dated}"] = Fusion(date_weight=dated)
        rankings: dict[str, list[list[str]]] = {
            "bm25 reference": reference_rankings(library.conn, questions, name != "locomo-dev"),
            "keyword": [],
            "semantic": [],
        }
        rankings.update({label: [] for label in fusions})
        started = time.perf_counter()
        for question, vec in zip(questions, qvecs, strict=True):
            filters = Filters(project=question["project"])
            text = question["question"]
            rankings["keyword"].append(
                [h.message_id for h in keyword_search(library.conn, text, filters, depth)]
            )
            rankings["semantic"].append(
                [
                    h.message_id
                    for h in semantic_search(
                        library.conn, text, embedder, filters, depth, vector=vec
                    )
                ]
            )
            for label, fusion in fusions.items():
                hits = hybrid_search(
                    library.conn, text, embedder, filters, depth, fusion=fusion, vector=vec
                )
                rankings[label].append([h.message_id for h in hits])
        timings["search_s"] = round(time.perf_counter() - started, 2)
        results = table(rankings, questions)
    finally:
        library.close()
    return {
        "set": name,
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
    parser.add_argument("--set", choices=(*SETS, "all"), default="all")
    parser.add_argument("--model", help="embedding model (default: keeper's default)")
    parser.add_argument("--backend", choices=("auto", "onnx", "torch"), default="auto")
    parser.add_argument("--context", choices=("none", "title", "previous"), default="previous")
    parser.add_argument("--workdir", help="keep the databases here (reused when present)")
    parser.add_argument(
        "--sweep",
        nargs="+",
        choices=("weights", "floor", "reply", "date"),
        help="also try other fusion settings",
    )
    parser.add_argument("--limit-questions", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    outs = [run_set(name, args) for name in (SETS if args.set == "all" else (args.set,))]
    if args.json:
        print(json.dumps(outs, indent=1))
        return 0
    for out in outs:
        print(
            f"\n== {out['set']}: {out['model']} [{out['backend']}], context={out['context']}, "
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
