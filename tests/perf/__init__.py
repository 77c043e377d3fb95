"""Benchmarks: run with `python -m tests.perf` (not part of the default test run)."""
