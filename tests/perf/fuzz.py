"""Long fuzzing and crash runs: `python -m tests.perf fuzz [--minutes N] [--kill-points K]`.

Runs the property tests of tests/test_fuzz.py round after round with a fresh random seed
and a large example budget until the time is up, then the kill -9 crash test with K
random kill points. Stops at the first failure and prints how to replay it; add the
failing input as a regression test at the bottom of tests/test_fuzz.py.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _pytest(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.call(command, cwd=REPO, env={**os.environ, **env})


def main(argv: list[str] | None = None) -> int:
    """Fuzz until the time budget is spent, then run the long crash test."""
    parser = argparse.ArgumentParser(prog="python -m tests.perf fuzz")
    parser.add_argument("--minutes", type=float, default=10.0, help="fuzzing time (default 10)")
    parser.add_argument("--examples", type=int, default=2000, help="examples per property/round")
    parser.add_argument("--kill-points", type=int, default=20, help="kill -9 points (0: skip)")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.minutes * 60
    rounds = 0
    while time.monotonic() < deadline:
        seed = random.randrange(2**32)
        rounds += 1
        print(
            f"fuzz round {rounds}: seed {seed}, {args.examples} examples per property", flush=True
        )
        env = {"KEEPER_FUZZ_EXAMPLES": str(args.examples)}
        code = _pytest(["tests/test_fuzz.py", f"--hypothesis-seed={seed}", "-x"], env)
        if code:
            print(
                f"FAILED in round {rounds}. Replay: KEEPER_FUZZ_EXAMPLES={args.examples} "
                f"python -m pytest tests/test_fuzz.py --hypothesis-seed={seed}"
            )
            return code
    print(f"fuzz: {rounds} round(s) without a failure")
    if args.kill_points:
        print(f"crash safety: {args.kill_points} random kill -9 points", flush=True)
        seed = str(random.randrange(2**32))
        env = {"KEEPER_KILL_POINTS": str(args.kill_points), "KEEPER_KILL_SEED": seed}
        code = _pytest(["tests/test_crash_safety.py", "-k", "kill"], env)
        if code:
            print(
                f"FAILED. Replay: KEEPER_KILL_POINTS={args.kill_points} KEEPER_KILL_SEED={seed} "
                "python -m pytest tests/test_crash_safety.py -k kill"
            )
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
