"""Export visible threads as chat fine-tuning JSONL: OpenAI ``messages`` or ShareGPT.

OpenAI format: one ``{"messages": [{"role", "content"}, …]}`` per line. With
``only_model``, assistant turns another model wrote stay as context but get
``"weight": 0`` (OpenAI's switch for "do not learn from this turn"), and conversations
without a turn by that model are skipped. ShareGPT has no weights, so there
``only_model`` keeps only the exchanges that model answered. Consecutive turns of one
role are merged (tool calls in between are not part of the visible thread), and a
trailing user turn without an answer is dropped.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

import orjson

from keeper.errors import UsageError
from keeper.export.source import ExportSource
from keeper.store.filters import Filters
from keeper.tree import visible_turns

if TYPE_CHECKING:
    from keeper.model import Node

STYLES = ("openai", "sharegpt")


def merged_turns(turns: list[Node]) -> list[tuple[str, str, set[str]]]:
    """(role, text, models) with consecutive same-role turns merged; ends on an answer."""
    out: list[tuple[str, str, set[str]]] = []
    for turn in turns:
        role = turn.role or "user"
        models = {turn.model} if turn.model and role == "assistant" else set()
        if out and out[-1][0] == role:
            prev_role, prev_text, prev_models = out[-1]
            out[-1] = (prev_role, prev_text + "\n\n" + turn.text.strip(), prev_models | models)
        else:
            out.append((role, turn.text.strip(), models))
    while out and out[-1][0] != "assistant":
        out.pop()
    return out


def openai_record(turns: list[Node], only_model: str | None) -> dict[str, object] | None:
    """One fine-tuning example, or None when nothing in it is trainable."""
    messages = []
    trainable = False
    for role, text, models in merged_turns(turns):
        message: dict[str, object] = {"role": role, "content": text}
        if role == "assistant" and only_model is not None:
            if models == {only_model}:
                trainable = True
            else:
                message["weight"] = 0
        elif role == "assistant":
            trainable = True
        messages.append(message)
    return {"messages": messages} if trainable else None


def sharegpt_record(
    conversation_id: str, turns: list[Node], only_model: str | None
) -> dict[str, object] | None:
    """One ShareGPT example (``human``/``gpt`` turns), or None when empty."""
    merged = merged_turns(turns)
    pairs: list[dict[str, str]] = []
    for index, (role, text, models) in enumerate(merged):
        if role != "assistant":
            continue
        if only_model is not None and models != {only_model}:
            continue
        if index and merged[index - 1][0] == "user":
            pairs.append({"from": "human", "value": merged[index - 1][1]})
            pairs.append({"from": "gpt", "value": text})
    return {"id": conversation_id, "conversations": pairs} if pairs else None


def export_chat_jsonl(
    source: ExportSource,
    out: IO[bytes],
    filters: Filters = Filters(),
    *,
    style: str = "openai",
    only_model: str | None = None,
) -> int:
    """Write one JSON line per conversation; returns how many were written."""
    if style not in STYLES:
        raise UsageError(f"Unknown chat export style {style!r}.", f"Use one of {STYLES}.")
    count = 0
    for conv in source.conversations(filters, sort="created"):
        _, rows = source.conversation(conv.id)
        turns = [t for t in visible_turns(rows) if t.role in ("user", "assistant")]
        record = (
            openai_record(turns, only_model)
            if style == "openai"
            else sharegpt_record(conv.id, turns, only_model)
        )
        if record is None:
            continue
        out.write(orjson.dumps(record) + b"\n")
        count += 1
    return count
