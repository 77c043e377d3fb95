"""Deterministic synthetic ChatGPT data-export archives for keeper's tests and benchmarks."""
