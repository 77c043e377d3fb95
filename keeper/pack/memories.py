"""The saved memories as a pack shows them: each once, current or superseded.

A memory is superseded by a later memory that changed it, or by a later user turn that
reports its plan done or its state changed; finding those turns takes a keyword search
per memory key (half a minute for 550 memories at 100k messages). The result depends only
on the archive and the memories' texts (edits and exclusions included), so it is kept
(``continuity.cached_value``, one entry) with a hash of those texts, until the archive or
the memories change.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import orjson

from keeper.errors import UsageError
from keeper.model import Quote
from keeper.store import continuity, reader
from keeper.store.filters import Filters
from keeper.summarize.profile import (
    MemoryState,
    dedupe_memories,
    memory_keys,
    supersede_by_memories,
    supersede_by_turn,
)

if TYPE_CHECKING:
    from keeper.pack.source import PackSource

CACHE_KEY = "pack-memories"


def memory_states(
    source: PackSource,
    items: list[dict[str, Any]] | None = None,
    times: dict[int, tuple[float | None, float | None]] | None = None,
) -> list[MemoryState]:
    """The saved memories packs include (as edited), deduplicated, oldest first, each
    marked with what superseded it, if anything. ``items`` and ``times``: the profile
    items and their dates, when the caller has read them already."""
    if times is None:
        times = continuity.profile_item_times(source.conn)
    if items is None:
        items = reader.profile_items(source.conn)
    memories = [
        MemoryState(
            item["edited_text"] or item["text"],
            times.get(item["id"], (None, None))[0] or item["time"],
            item["conversation_id"],
        )
        for item in items
        if item["included"] and item["kind"] == "memory"
    ]
    inputs = hashlib.sha1(
        orjson.dumps([[m.text, m.first_seen, m.conversation_id] for m in memories])
    ).hexdigest()
    cached = continuity.cached_value(source.conn, CACHE_KEY)
    if cached is not None and cached.get("inputs") == inputs:
        return [_from_dict(item) for item in cached["states"]]
    states = dedupe_memories(memories)
    supersede_by_memories(states)
    for memory in states:
        if memory.superseded_by is None:
            supersede_by_turn(memory, _later_user_quotes(source, memory))
    continuity.store_value(
        source.conn, CACHE_KEY, {"inputs": inputs, "states": [asdict(m) for m in states]}
    )
    return states


def _from_dict(data: dict[str, Any]) -> MemoryState:
    source = data.get("superseded_source")
    return MemoryState(
        data["text"],
        data["first_seen"],
        data["conversation_id"],
        data["superseded_by"],
        data["superseded_when"],
        None if source is None else Quote(**source),
    )


def _later_user_quotes(source: PackSource, memory: MemoryState) -> list[Quote]:
    """The user's own turns after ``memory`` was first seen that name its keys."""
    out: list[Quote] = []
    for key in memory_keys(memory)[:3]:
        try:
            hits = source.search(
                key,
                Filters(role="user", since=memory.first_seen),
                mode="keyword",
                limit=10,
                context=False,
            )
        except UsageError:
            continue
        texts = continuity.node_texts(source.conn, [h.rowid for h in hits if h.rowid])
        for hit in hits:
            out.append(
                Quote(
                    hit.node_id,
                    hit.message_id,
                    "user",
                    hit.create_time,
                    texts.get(hit.rowid, hit.snippet),
                    hit.conversation_id,
                    hit.title,
                )
            )
    return out
