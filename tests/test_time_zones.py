"""Every date a person reads agrees in every zone: the reader, summary timelines, packs and
monthly stats put a message on the same local day (keeper.timefmt's policy)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_EXPORT

PROBE = r'''
import re, sys, time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from keeper import timefmt
from keeper.library import Library
from keeper.pack import PackOptions
from keeper.render import format_time

assert time.localtime().tm_gmtoff != 0, "the probe must run in a non-UTC zone"
db, export = sys.argv[1], Path(sys.argv[2])
library = Library.open(db)
assert library.import_exports([export], show_progress=False).as_dict()["exit_code"] == 0

nodes = {}
shifted = 0
for conv in library.conversations():
    _, rows = library.conversation(conv.id)
    for row in rows:
        if row.create_time is None:
            continue
        nodes[row.message_id or row.node_id] = row
        nodes[row.node_id] = row
        utc_day = datetime.fromtimestamp(row.create_time, tz=UTC).strftime("%Y-%m-%d")
        shifted += timefmt.day(row.create_time) != utc_day

# The zone moves some messages to another day than UTC's, so agreement means something.
assert shifted > 0, "no message changes day in this zone"

def shown_day(node_id):
    """The date `keeper show` and the TUI print for a message."""
    return format_time(nodes[node_id].create_time)[:10]

checked = 0
for conv in library.conversations():
    summary = library.summarize(conv.id)
    for entry in summary.timeline:
        if len(entry.date) == 10:
            assert entry.date == shown_day(entry.first_node), (conv.id, entry)
            checked += 1
assert checked >= 5, checked

ids = tuple(c.id for c in library.conversations()[:6])
pack = library.pack(PackOptions(conversations=ids, budget=6000))
cites = re.findall(r"(\d{4}-\d{2}-\d{2})(?:, |\]\s*)?,? msg `([^`]+)`", pack.text)
cites += re.findall(r"\[(\d{4}-\d{2}-\d{2}), msg `([^`]+)`\]", pack.text)
cites = [(d, ref) for d, ref in cites if ref in nodes]
assert len(cites) >= 3, pack.text[:2000]
for date, ref in cites:
    assert date == shown_day(ref), (date, ref)

stats = dict(library.stats()["messages_by_month"])
expected = Counter(
    timefmt.month(r.create_time) for r in {id(r): r for r in nodes.values()}.values()
    if r.kind == "message"
)
for month, count in expected.items():
    assert stats.get(month) == count, (month, stats.get(month), count)
print("ok", checked, len(cites))
'''


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_summaries_packs_and_stats_agree_on_dates(zone: str, tmp_path: Path) -> None:
    if not Path("/usr/share/zoneinfo", zone).exists():
        pytest.fail(f"the tz database lacks {zone}; install tzdata")
    env = {**os.environ, "TZ": zone}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "keeper.db"), str(SAMPLE_EXPORT)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    assert out.stdout.startswith("ok")
