"""Run a command as a child process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Measured:
    """Wall time, peak RSS and output of one child process."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: bytes
    stderr: bytes


def run_measured(args: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``args``; peak RSS comes from ``wait4``, so it is this child's alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(seconds, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read())


def keeper_cmd(*args: str) -> list[str]:
    """A `keeper` command line using this interpreter."""
    return [sys.executable, "-m", "keeper", *args]


def env_without_network() -> dict[str, str]:
    """The environment for benchmark children: offline model hub."""
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    return env
