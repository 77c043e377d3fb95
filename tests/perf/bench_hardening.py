"""Peak memory and time on hostile inputs: `python -m tests.perf hardening`.

Each input is built in a temporary folder and imported by a real `keeper import` child
process; its own peak RSS comes from ``os.wait4``. The bar: under 1 GB on every input.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from tests.hostile import bomb_block, conversation, deflate_bomb, dumps, make_zip, run_keeper


def _inputs(folder: Path) -> dict[str, Path]:
    block = b"a" * (1 << 24)
    ratio_bomb = deflate_bomb(folder / "ratio.zip", "conversations.json", b'["', block, 128, b'"]')
    prefix = b"[" + dumps(conversation(0)) + b',{"id":"giant","title":"'
    suffix = b'"},' + dumps(conversation(2)) + b"]"
    giant = deflate_bomb(
        folder / "giant.zip", "conversations.json", prefix, bomb_block(), 64, suffix
    )
    words = b"lorem ipsum dolor sit amet " * (100_000_000 // 27)
    body = dumps([conversation(0), conversation(1), conversation(2)]).replace(b"hello 1.1", words)
    big = make_zip(folder / "message.zip", {"conversations.json": body})
    return {
        "zip bomb, 2 GiB at 1030:1 (refused)": ratio_bomb,
        "one 1 GiB value at 600:1 (skipped)": giant,
        "one 100 MB message (imported)": big,
    }


def main(argv: list[str] | None = None) -> int:
    """Import each hostile input and print exit code, peak RSS and time."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, path in _inputs(folder).items():
            started = time.monotonic()
            run = run_keeper("import", "--db", folder / path.stem / "k.db", path, timeout=600)
            elapsed = time.monotonic() - started
            print(
                f"{label:40} exit {run.code}  peak RSS {run.peak_rss_mb:7.1f} MiB  "
                f"{elapsed:6.1f} s  (input {path.stat().st_size / 1024**2:.1f} MiB)"
            )
    return 0
