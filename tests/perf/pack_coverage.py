"""Evidence coverage of context packs on locomo-dev, beside a blind baseline.

For each LoCoMo sample (one ChatGPT Project), build ``keeper pack --project GIZMO_ID
--budget 8000`` (real o200k tokens). A question counts as covered when one of its gold
evidence messages is quoted in that project's pack (``sources[].message_ids``) or its
answer string appears in the pack's text (case-insensitive). The baseline is blind: the
project's messages evenly spaced, whole, in time order, up to the same number of real
tokens as the pack. Prints coverage per category for both, the real token count of every
pack against its budget, and the share of each pack's tokens spent on citations.

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
from keeper.pack.tokens import count_tokens
from keeper.store.filters import Filters
from keeper.summarize.engine import visible_turns

EVAL = Path(__file__).resolve().parents[3] / "shared" / "evals" / "locomo-dev"
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
SINGLE_HOP = 4


def _covered(question: dict, quoted: set[str], text: str) -> bool:
    gold = set(question["evidence_message_ids"])
    answer = str(question.get("answer", "")).strip().lower()
    return bool(gold & quoted) or (len(answer) >= 3 and answer in text)


def _baseline(library: Library, project: str, tokens: int) -> tuple[set[str], str]:
    """Evenly spaced whole messages of the project, in time order, within ``tokens``."""
    turns = []
    for conv in library.conversations(Filters(project=project), sort="created"):
        _, rows = library.conversation(conv.id)
        turns.extend(visible_turns(rows))
    if not turns:
        return set(), ""
    average = max(1, sum(count_tokens(t.text) + 2 for t in turns) // len(turns))
    count = min(len(turns), max(1, tokens // average))
    while True:
        step = len(turns) / count
        chosen = [turns[int(i * step)] for i in range(count)]
        text = "\n\n".join(t.text for t in chosen)
        if count_tokens(text) <= tokens or count == 1:
            return {t.message_id for t in chosen if t.message_id}, text.lower()
        count -= 1


def coverage(budget: int, eval_dir: Path = EVAL, target: str = "generic") -> dict:
    """Build one pack per project and score the questions against it and the baseline."""
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
            quoted = {m for s in pack.sources for m in s.message_ids}
            real = count_tokens(pack.text)
            assert real == pack.tokens <= budget, "the pack's real tokens are within budget"
            base_ids, base_text = _baseline(library, project, real)
            packs[project] = {
                "quoted": quoted,
                "tokens": real,
                "text": pack.text.lower(),
                "citation_share": round(pack.citation_tokens / max(1, real), 3),
                "baseline": (base_ids, base_text),
            }
        seconds = time.perf_counter() - started
    per_cat: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # pack, baseline, total
    per_project: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for question in questions:
        if not question["evidence_message_ids"]:
            continue
        pack = packs[question["project"]]
        hit = _covered(question, pack["quoted"], pack["text"])
        base = _covered(question, *pack["baseline"])
        row = per_cat[question["category"]]
        row[0] += hit
        row[1] += base
        row[2] += 1
        if question["category"] == SINGLE_HOP:
            per_project[question["project"]][0] += hit
            per_project[question["project"]][1] += 1
    single = per_cat[SINGLE_HOP]
    return {
        "bench": "pack-coverage",
        "budget": budget,
        "target": target,
        "single_hop_coverage": round(single[0] / single[2], 4) if single[2] else None,
        "single_hop_baseline": round(single[1] / single[2], 4) if single[2] else None,
        "per_category": {
            CATEGORIES.get(c, str(c)): {
                "questions": t,
                "pack": round(h / t, 4),
                "baseline": round(b / t, 4),
            }
            for c, (h, b, t) in sorted(per_cat.items())
        },
        "per_project": {
            p: {
                "single_hop": round(h / t, 4),
                "tokens": packs[p]["tokens"],
                "quoted_messages": len(packs[p]["quoted"]),
                "citation_share": packs[p]["citation_share"],
            }
            for p, (h, t) in sorted(per_project.items())
        },
        "every_pack_within_budget": all(p["tokens"] <= budget for p in packs.values()),
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
