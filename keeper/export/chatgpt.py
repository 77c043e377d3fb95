"""The ChatGPT round trip: a ``conversations.json`` equal to what was imported."""

from __future__ import annotations

from typing import IO

import orjson

from keeper.export.source import ExportSource
from keeper.store.filters import Filters


def export_chatgpt(source: ExportSource, out: IO[bytes], filters: Filters = Filters()) -> int:
    """Write the conversations matching ``filters`` as one JSON array; returns the count."""
    count = 0
    out.write(b"[")
    for conversation in source.raw_conversations(filters):
        if count:
            out.write(b",\n")
        out.write(orjson.dumps(conversation))
        count += 1
    out.write(b"]\n")
    return count
