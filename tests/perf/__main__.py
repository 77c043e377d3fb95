"""Run every benchmark and print its numbers: `python -m tests.perf [--quick]`."""

from __future__ import annotations

import sys

from tests.perf import bench_import


def main() -> None:
    """Run the benchmarks in turn."""
    if sys.argv[1:2] in (["fuzz"], ["hardening"]):
        # `python -m tests.perf fuzz --minutes N`: long fuzzing + kill -9 runs;
        # `python -m tests.perf hardening`: peak memory on zip bombs and a 100 MB message.
        from tests.perf import bench_hardening, fuzz

        sys.exit((fuzz.main if sys.argv[1] == "fuzz" else bench_hardening.main)(sys.argv[2:]))
    quick = "--quick" in sys.argv
    bench_import.main(["--nodes", "50000"] if quick else [])


main()
