"""Evidence coverage of context packs on locomo-dev (issue 5).

For each LoCoMo sample (one ChatGPT Project), build ``keeper pack --project GIZMO_ID
--budget 8000``; a single-hop question (category 4) counts as covered when one of its gold
evidence message ids is cited in that project's pack. Prints the share overall and per
project, plus the share of all questions for context.

Run: ``python -m tests.perf pack-coverage [--budget 8000]``. Needs ../shared/evals/locomo-dev.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import orjson

from keeper.library import Library
from keeper.pack import PackOptions

EVAL = Path(__file__).resolve().parents[3] / "shared" / "evals" / "locomo-dev"
SINGLE_HOP = 4


def coverage(budget: int, eval_dir: Path = EVAL, target: str = "generic") -> dict:
    """Build one pack per project and score the questions against its citations."""
    questions = [
        orjson.loads(line)
        for line in (eval_dir / "questions.jsonl").read_bytes().splitlines()
        if line.strip()
    ]
    with (
        tempfile.TemporaryDirectory() as tmp,
        Library.open(str(Path(tmp) / "locomo.db")) as library,
    ):
        library.import_exports([eval_dir / "export.zip"], show_progress=False)
        packs: dict[str, dict] = {}
        started = time.perf_counter()
        for project in sorted({q["project"] for q in questions}):
            pack = library.pack(PackOptions(project=project, budget=budget, target=target))
            cited = {m for s in pack.sources for m in s.message_ids}
            packs[project] = {"cited": cited, "tokens": pack.tokens, "text": pack.text}
        seconds = time.perf_counter() - started
    per_project: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    all_hits = all_total = 0
    for question in questions:
        gold = set(question["evidence_message_ids"])
        if not gold:
            continue
        pack = packs[question["project"]]
        hit = bool(gold & pack["cited"])
        assert all(m in pack["text"] for m in pack["cited"]), "cited ids are in the text"
        all_hits += hit
        all_total += 1
        if question["category"] == SINGLE_HOP:
            per_project[question["project"]][0] += hit
            per_project[question["project"]][1] += 1
    hits = sum(h for h, _ in per_project.values())
    total = sum(t for _, t in per_project.values())
    return {
        "bench": "pack-coverage",
        "budget": budget,
        "target": target,
        "single_hop_questions": total,
        "single_hop_covered": hits,
        "single_hop_coverage": round(hits / total, 4) if total else None,
        "all_questions_coverage": round(all_hits / all_total, 4) if all_total else None,
        "per_project": {
            p: {
                "coverage": round(h / t, 4),
                "questions": t,
                "tokens": packs[p]["tokens"],
                "cited_messages": len(packs[p]["cited"]),
            }
            for p, (h, t) in sorted(per_project.items())
        },
        "pack_seconds_total": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the coverage report as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=int, default=8000)
    parser.add_argument("--target", default="generic")
    parser.add_argument("--eval-dir", type=Path, default=EVAL)
    args = parser.parse_args(argv)
    if not (args.eval_dir / "questions.jsonl").exists():
        print(f"locomo-dev not found at {args.eval_dir}")
        return 1
    report = coverage(args.budget, args.eval_dir, args.target)
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
