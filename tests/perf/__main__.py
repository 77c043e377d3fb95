"""Benchmarks and long runs, outside the default test run: `python -m tests.perf [NAME] [ARGS]`.

With no NAME it runs ``import``. Every benchmark prints its numbers (JSON or one line each).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

# name -> (module under tests.perf, what it measures)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "import": ("bench_import", "import speed (nodes/s) and peak RSS, zip to committed database"),
    "hardening": ("bench_hardening", "peak memory and time on zip bombs and a 100 MB message"),
    "fuzz": ("fuzz", "long property fuzzing with fresh seeds, then kill -9 points"),
    "pack": ("bench_pack", "context pack time for a 5,000-message conversation"),
    "pack-coverage": ("pack_coverage", "locomo-dev evidence coverage of --project packs"),
    "tui": ("bench_tui", "TUI startup to an interactive screen on ~100k messages; keystrokes"),
    "eval": ("locomo_eval", "locomo-dev recall@5/10/25/50: keyword, semantic, hybrid"),
    "embed": ("bench_embed", "embedding throughput: ours vs plain SentenceTransformer.encode"),
    "vectors": ("bench_vectors", "hybrid query latency p95 at 100k/1M chunks by quantization"),
    "mcp": ("bench_mcp", "MCP tool latency p50/p95 through a stdio client on ~100k messages"),
}


def main(argv: list[str]) -> int:
    """Run the named benchmark (default ``import``) with the remaining arguments."""
    name = argv[0] if argv and not argv[0].startswith("-") else "import"
    rest = argv[1:] if argv and argv[0] == name else argv
    if name in ("-h", "--help", "help") or name not in BENCHMARKS:
        print(__doc__)
        for key, (_, what) in BENCHMARKS.items():
            print(f"  {key:14} {what}")
        return 0 if name in ("-h", "--help", "help") else 2
    if name == "import" and "--quick" in rest:
        rest = ["--nodes", "50000"]
    module = importlib.import_module(f"tests.perf.{BENCHMARKS[name][0]}")
    entry: Callable[[list[str]], int | None] = module.main
    return entry(rest) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
