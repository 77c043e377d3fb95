"""Run every benchmark and print its numbers: `python -m tests.perf [--quick]`."""

from __future__ import annotations

import sys

from tests.perf import bench_import


def main() -> None:
    """Run the benchmarks in turn."""
    quick = "--quick" in sys.argv
    bench_import.main(["--nodes", "50000"] if quick else [])


main()
