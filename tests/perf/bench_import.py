"""Import benchmark: a realistic synthetic export, zip to committed database, no embeddings.

Bars (issue 2): >= 50,000 nodes/s end to end, peak RSS <= 300 MB whatever the size.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import orjson

from tests.perf.measure import env_without_network, keeper_cmd, run_measured
from tests.synth.generator import make_large_export

CACHE = Path(__file__).resolve().parents[2] / ".bench"


def ensure_export(nodes: int, seed: int = 0) -> Path:
    """Generate (once, cached in .bench/) a large export of about ``nodes`` nodes."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"large-{nodes}-{seed}.zip"
    if not path.exists():
        make_large_export(path, target_nodes=nodes, seed=seed)
    return path


def bench_import(nodes: int) -> dict:
    """Import a fresh copy of the large export and report throughput and memory."""
    export = ensure_export(nodes)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        first = run_measured(
            keeper_cmd("import", "--no-embed", "--json", "--db", str(db), str(export)),
            env_without_network(),
        )
        if first.returncode not in (0, 3):
            raise SystemExit(first.stderr.decode())
        report = orjson.loads(first.stdout)
        again = run_measured(
            keeper_cmd("import", "--no-embed", "--json", "--db", str(db), str(export)),
            env_without_network(),
        )
        again_report = orjson.loads(again.stdout)
        db_mb = db.stat().st_size / 2**20
    seen = report["nodes"]["seen"]
    return {
        "export": export.name,
        "export_mb": round(export.stat().st_size / 2**20, 1),
        "conversations": report["conversations"]["new"],
        "nodes": seen,
        "seconds": round(first.seconds, 2),
        "nodes_per_s": round(seen / first.seconds),
        "peak_rss_mb": round(first.peak_rss_mb, 1),
        "db_mb": round(db_mb, 1),
        "reimport_seconds": round(again.seconds, 2),
        "reimport_unchanged": again_report["conversations"]["unchanged"],
    }


def main(argv: list[str] | None = None) -> None:
    """Print the import benchmark's numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--nodes",
        type=int,
        action="append",
        help="archive size in nodes (repeatable; default 250000)",
    )
    args = parser.parse_args(argv)
    for nodes in args.nodes or [250_000]:
        result = bench_import(nodes)
        print("import:", orjson.dumps(result).decode())
        ok_speed = result["nodes_per_s"] >= 50_000
        ok_memory = result["peak_rss_mb"] <= 300
        print(
            f"  bar >= 50,000 nodes/s: {'PASS' if ok_speed else 'FAIL'}; "
            f"bar peak RSS <= 300 MB: {'PASS' if ok_memory else 'FAIL'}"
        )


if __name__ == "__main__":
    main()
