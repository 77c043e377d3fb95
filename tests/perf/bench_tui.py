"""TUI startup benchmark: a fresh `keeper` process on a ~100k-message archive.

Bars (issue 4): interactive (the library list filled, keys taken) <= 1 s after the
process starts, torch not imported; keyword results <= 100 ms after a keystroke.

Two measurements: headless (Textual's test driver, in a fresh interpreter, time from
spawning the process to the first filled screen; this also times the keystrokes) and, when
tmux is installed, the real `keeper` binary in a terminal (time until the list is on the
screen, polled every 20 ms). The startup bar is judged on the real terminal, what a person
sees; the headless number, which adds the test harness, is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

KEEPER = Path(sys.executable).with_name("keeper")
WORDS = "recipe"


def ensure_db(nodes: int) -> Path:
    """A database imported from the cached large export (built once into .bench/)."""
    from tests.perf.bench_import import CACHE, ensure_export

    db = CACHE / f"tui-{nodes}.db"
    if not db.exists():
        from keeper.library import Library

        export = ensure_export(nodes)
        partial = db.with_suffix(".partial.db")
        with Library.open(str(partial)) as library:
            library.import_exports([export], show_progress=False)
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{partial}{suffix}")
            if source.exists():
                source.rename(f"{db}{suffix}")
        assets = partial.parent / f"{partial.stem}-assets"
        if assets.exists():
            assets.rename(db.parent / f"{db.stem}-assets")
    return db


async def _child(db: str, word: str) -> dict:
    """Run inside the fresh process: start the app, wait for the list, time keystrokes."""
    from keeper.config import Settings
    from keeper.tui import build_app

    app = build_app(Settings(db=db), semantic=False)
    result: dict = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.ready:
            await asyncio.sleep(0.002)
        result["ready_wall"] = time.time()
        result["torch_imported"] = "torch" in sys.modules
        result["sentence_transformers_imported"] = "sentence_transformers" in sys.modules
        screen = app.screen
        result["conversations_listed"] = len(getattr(screen, "rows", []))
        # Imported once the app is ready: the real `keeper` does not import them to start.
        from textual.widgets import Input

        from keeper.tui.screens.search import SearchScreen

        await pilot.press("slash")
        search = app.screen
        assert isinstance(search, SearchScreen)
        box = search.query_one("#query", Input)
        await pilot.pause(0.2)
        latencies, database = [], []
        for char in word:
            # What a typed key does (Input inserts the character), without Pilot's own
            # settling pauses; the clock stops once the hits are painted.
            painted = asyncio.Event()
            before = search.generation
            started = time.perf_counter()
            box.insert_text_at_cursor(char)
            while search.generation == before or search.shown_generation != search.generation:
                await asyncio.sleep(0.001)
            search.call_after_refresh(painted.set)
            await painted.wait()
            latencies.append((time.perf_counter() - started) * 1000)
            database.append(search.keyword_ms or 0.0)
            await pilot.pause(0.05)
        result["keystroke_ms"] = [round(x, 1) for x in latencies]
        result["search_ms"] = [round(x, 1) for x in database]
        result["hits"] = len(search.hits)
        result["torch_after_search"] = "torch" in sys.modules
    return result


def headless(db: Path, word: str) -> dict:
    """Spawn a fresh interpreter running :func:`_child`; time from spawn to ready."""
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench_tui", "--child", str(db), "--word", word],
        capture_output=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    child = orjson.loads(proc.stdout.splitlines()[-1])
    child["startup_s"] = round(child.pop("ready_wall") - started, 3)
    return child


def in_tmux(db: Path) -> float | None:
    """Seconds from starting `keeper --db` in tmux to the filled list on screen."""
    if shutil.which("tmux") is None or not KEEPER.exists():
        return None
    socket = f"keeper-bench-{os.getpid()}"

    def tmux(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True)

    try:
        started = time.perf_counter()
        tmux("new-session", "-d", "-s", "b", "-x", "120", "-y", "40", f"{KEEPER} --db {db}")
        while time.perf_counter() - started < 30:
            if " conversations · sorted by" in tmux("capture-pane", "-p", "-t", "b").stdout:
                return round(time.perf_counter() - started, 3)
            time.sleep(0.02)
        return None
    finally:
        tmux("kill-server")


def main(argv: list[str] | None = None) -> None:
    """Print the TUI startup numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=130_000, help="synthetic export size")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--word", default=WORDS)
    parser.add_argument("--child", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(orjson.dumps(asyncio.run(_child(args.child, args.word))).decode())
        return
    db = ensure_db(args.nodes)
    # A launch reads keeper's cached bytecode, as Python writes it on the first run; an
    # environment with PYTHONDONTWRITEBYTECODE (like CI) would otherwise compile every
    # module at every start (~0.14 s here), which no user's second launch does.
    compileall.compile_dir(str(Path(__file__).resolve().parents[2] / "keeper"), quiet=1)
    from keeper.library import Library

    with Library.open(str(db)) as library:
        stats = library.stats()
    runs = [headless(db, args.word) for _ in range(args.runs)]
    with tempfile.TemporaryDirectory():
        terminal = [t for t in (in_tmux(db) for _ in range(args.runs)) if t is not None]
    startup = [r["startup_s"] for r in runs]
    keys = [ms for r in runs for ms in r["keystroke_ms"]]
    result = {
        "conversations": stats["conversations"],
        "messages": stats["messages"],
        "startup_headless_s": {"median": round(statistics.median(startup), 3), "max": max(startup)},
        "startup_tmux_s": (
            {"median": round(statistics.median(terminal), 3), "max": max(terminal)}
            if terminal
            else None
        ),
        "keystroke_ms": {"median": round(statistics.median(keys), 1), "max": round(max(keys), 1)},
        "search_ms_max": max(ms for r in runs for ms in r["search_ms"]),
        "torch_imported": any(r["torch_imported"] or r["torch_after_search"] for r in runs),
        "hits": runs[-1]["hits"],
    }
    print("tui:", orjson.dumps(result).decode())
    # The bar is what a person sees: the real binary in a real terminal. The headless
    # number adds Textual's test harness (Pilot, its driver) and is reported beside it.
    judged = terminal or startup
    worst = max(judged)
    where = "real terminal" if terminal else "headless"
    print(
        f"  bar startup <= 1 s ({where}): {'PASS' if worst <= 1.0 else 'FAIL'} "
        f"(worst {worst:.2f} s); "
        f"bar keystroke <= 100 ms: {'PASS' if max(keys) <= 100 else 'FAIL'}; "
        f"torch not imported: {'PASS' if not result['torch_imported'] else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
