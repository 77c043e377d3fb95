"""Deterministic synthetic ChatGPT data-export generator.

Command line::

    python -m tests.synth.generator --out exports/sample-export.zip            # the sample
    python -m tests.synth.generator --preset large --nodes 250000 --out /tmp/x.zip

Library::

    make_conversations(n, seed=..., era=...)       # random conversation dicts
    write_export(path, conversations, layout=...)  # zip-sharded | zip-single | dir
    make_sample_export(path)                        # the small sample shipped in exports/
    make_large_export(path, target_nodes)           # streamed benchmark archive
    sample_index()                                  # sample conversation ids, features, nodes

The same arguments always give the same bytes: ids are uuid5/seeded, timestamps count from
``BASE_EPOCH`` and ZIP members carry a fixed date.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tests.synth.build import BASE_EPOCH, ERAS, Json, epoch
from tests.synth.large import RandomConversations
from tests.synth.sample import SAMPLE_PER_SHARD, build_sample
from tests.synth.writer import LAYOUTS, ExportWriter

__all__ = [
    "BASE_EPOCH",
    "default_aux",
    "make_conversations",
    "make_large_export",
    "make_sample_export",
    "sample_index",
    "write_export",
]

_FAKE_USER = {
    "id": "user-synthetic0000000000000000",
    "email": "synthetic.user@example.com",
    "chatgpt_plus_user": True,
    "phone_number": None,
    "birth_year": 1988,
}


def default_aux(
    *, feedback: list[Json] | None = None, asset_names: dict[str, str] | None = None
) -> dict[str, Any]:
    """Auxiliary top-level files of a 2026 export, with a fake identity."""
    aux: dict[str, Any] = {
        "user.json": _FAKE_USER,
        "user_settings.json": [
            {
                "user_id": _FAKE_USER["id"],
                "settings": {"training_allowed": False, "memory_enabled": True},
                "announcements": {},
            }
        ],
        "message_feedback.json": feedback or [],
        "group_chats.json": {"chats": []},
        "shopping.json": [],
        "sora.json": {},
    }
    if asset_names is not None:
        aux["conversation_asset_file_names.json"] = dict(sorted(asset_names.items()))
    return aux


def make_conversations(
    n_conversations: int,
    *,
    seed: int = 0,
    era: str = "2026",
    min_messages: int = 4,
    max_messages: int = 40,
    cjk_ratio: float = 0.15,
    slim: bool = False,
    assets: dict[str, bytes] | None = None,
    asset_names: dict[str, str] | None = None,
    **rates: float,
) -> list[Json]:
    """Random, realistic conversation dicts, all in one era's shape (messages and top level).

    ``era`` is one of ``2023``, ``2024``, ``2025``, ``2026``; ``slim`` drops ``children``,
    ``status`` and ``metadata`` (mid-2026 exports). Message counts are uniform in
    [``min_messages``, ``max_messages``]. ``rates`` may override ``branch_rate``, ``edit_rate``,
    ``tool_rate`` and ``multimodal_rate`` of :class:`RandomConversations`. Uploads point to
    ``.dat`` files that are only produced if ``assets`` (archive path -> bytes) and
    ``asset_names`` (the sidecar name map) are passed in to be filled.
    """
    if era not in ERAS:
        raise ValueError(f"unknown era {era!r}; expected one of {ERAS}")
    gen = RandomConversations(seed, cjk_ratio=cjk_ratio, slim=slim, shape=era, **rates)
    rng = gen.rng
    year_start = epoch(int(era), 1, 1)
    span = (BASE_EPOCH - year_start - 86400) if era == "2026" else 360 * 86400
    starts = sorted(
        (year_start + rng.random() * span for _ in range(n_conversations)), reverse=True
    )
    out = []
    for i, start in enumerate(starts):
        n_nodes = rng.randint(min_messages, max(min_messages, max_messages)) + 3
        out.append(gen.conversation(i, n_nodes, start, era=era))
    if assets is not None:
        assets.update(gen.assets)
    if asset_names is not None:
        asset_names.update(gen.asset_names)
    return out


def write_export(
    path: str | Path,
    conversations: Iterable[Json],
    *,
    layout: str = "zip-sharded",
    assets: dict[str, bytes] | None = None,
    aux: dict[str, Any] | None = None,
    per_shard: int = 100,
) -> Path:
    """Write an export archive and return its path.

    ``layout``: ``zip-sharded`` (2026: ``conversations-NNN.json`` with ``per_shard``
    conversations each, plus ``export_manifest.json``), ``zip-single`` (one
    ``conversations.json``) or ``dir`` (the sharded layout as a folder). ``assets`` maps
    archive paths to bytes. ``aux`` maps file names to JSON values or bytes; ``None`` writes
    :func:`default_aux`, ``{}`` writes none. ``conversations`` may be a generator.
    """
    files = default_aux() if aux is None else aux
    with ExportWriter(path, layout, per_shard) as writer:
        for conv in conversations:
            writer.add_conversation(conv)
        for name, value in files.items():
            writer.add_file(name, value)
        for name, data in (assets or {}).items():
            writer.add_file(name, data)
    return writer.path


def make_sample_export(path: str | Path, *, layout: str = "zip-sharded", seed: int = 0) -> Path:
    """Write the small sample export (see ``exports/README.md`` and :func:`sample_index`)."""
    sample = build_sample(seed)
    return write_export(
        path,
        sample.conversations,
        layout=layout,
        assets=sample.assets,
        aux=sample.aux,
        per_shard=SAMPLE_PER_SHARD,
    )


def sample_index(seed: int = 0) -> dict[str, Json]:
    """Sample conversations by key: ``id``, ``title``, ``features``, ``current_node`` and
    ``nodes`` (named node ids such as ``regen_2``, ``edit_2``, ``cited_answer``)."""
    return build_sample(seed).index


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def make_large_export(
    path: str | Path,
    target_nodes: int,
    seed: int = 0,
    *,
    layout: str = "zip-sharded",
    per_shard: int = 100,
    stats: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Stream a realistic 2026 export of about ``target_nodes`` nodes to ``path``.

    Conversations are generated and written one at a time, so memory stays bounded by the
    largest conversation (a few MB) whatever the target. ``stats``, if given, receives
    ``conversations``, ``nodes``, ``json_bytes``, ``file_bytes``, ``assets`` and
    ``seconds``; ``progress(nodes_done, target_nodes)`` is called after each conversation.
    """
    started = time.perf_counter()
    gen = RandomConversations(seed)
    rng = gen.rng
    expected = max(1.0, target_nodes / 100)
    mean_gap = 3.1 * 365 * 86400 / expected
    start = BASE_EPOCH - 7 * 86400
    nodes = 0
    index = 0
    with ExportWriter(path, layout, per_shard, background=True) as writer:
        while nodes < target_nodes:
            size = min(gen.message_count() + 3, max(5, target_nodes - nodes))
            conv = gen.conversation(index, size, start)
            writer.add_conversation(conv)
            nodes += len(conv["mapping"])
            index += 1
            start -= rng.expovariate(1 / mean_gap)
            if progress is not None:
                progress(nodes, target_nodes)
        for name, value in default_aux(feedback=gen.feedback, asset_names=gen.asset_names).items():
            writer.add_file(name, value)
        for name, data in gen.assets.items():
            writer.add_file(name, data)
    out = writer.path
    if stats is not None:
        stats.update(
            conversations=writer.conversations,
            nodes=writer.nodes,
            json_bytes=sum(writer.sizes[s] for s in writer.shards),
            file_bytes=_size(out),
            assets=len(gen.assets),
            seconds=time.perf_counter() - started,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.synth.generator", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", required=True, type=Path, help="archive (.zip) or folder")
    parser.add_argument(
        "--preset",
        choices=("sample", "large"),
        help="default: large if --nodes is given, else sample",
    )
    parser.add_argument("--nodes", type=int, help="target node count (large preset)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=LAYOUTS, default="zip-sharded", dest="layout")
    parser.add_argument(
        "--per-shard", type=int, default=100, help="conversations per shard (large preset)"
    )
    args = parser.parse_args(argv)
    preset = args.preset or ("large" if args.nodes else "sample")
    started = time.perf_counter()
    if preset == "sample":
        sample = build_sample(args.seed)
        out = write_export(
            args.out,
            sample.conversations,
            layout=args.layout,
            assets=sample.assets,
            aux=sample.aux,
            per_shard=SAMPLE_PER_SHARD,
        )
        n_conv = len(sample.conversations)
        n_nodes = sum(len(c.get("mapping") or {}) for c in sample.conversations)
    else:
        stats: dict[str, Any] = {}
        last = [0.0]

        def report(done: int, target: int) -> None:
            now = time.perf_counter()
            if now - last[0] > 2:
                last[0] = now
                print(f"  {done:,}/{target:,} nodes", file=sys.stderr)

        out = make_large_export(
            args.out,
            args.nodes or 250_000,
            args.seed,
            layout=args.layout,
            per_shard=args.per_shard,
            stats=stats,
            progress=report,
        )
        n_conv, n_nodes = stats["conversations"], stats["nodes"]
        print(
            f"json: {stats['json_bytes']:,} bytes ({stats['json_bytes'] / n_nodes:,.0f} "
            f"bytes/node), assets: {stats['assets']:,}"
        )
    size = _size(out)
    print(
        f"{out}: {n_conv:,} conversations, {n_nodes:,} nodes, {size:,} bytes, "
        f"{time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
