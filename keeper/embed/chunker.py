"""Turn one message into the texts that are embedded: context header plus a window-sized
slice of its text, slices overlapping so no sentence is only ever seen cut in half."""

from __future__ import annotations

from collections.abc import Callable

from keeper.store.vectors import PendingNode

# Tokens the model adds around every text ([CLS] ... [SEP]).
SPECIAL_TOKENS = 2
OVERLAP_FRACTION = 0.125
# How much of the previous turn goes into the header (characters).
PREVIOUS_CHARS = 200
CONTEXT_MODES = ("none", "title", "previous")
DEFAULT_CONTEXT = "previous"
# A message longer than this many chunks (a pasted book or log) is embedded from its
# beginning only; keyword search still covers every word. Without the cap one 100 MB
# paste would mean ~400k chunks (hours of encoding) and a tokenizer pass over all of it.
MAX_CHUNKS = 32
# No tokenizer makes a token out of more characters than this, so cutting the text at
# MAX_CHUNKS * budget * CHARS_PER_TOKEN characters before tokenizing never loses a chunk.
CHARS_PER_TOKEN = 16

Spans = Callable[[str], list[tuple[int, int]]]


def header(node: PendingNode, context: str = DEFAULT_CONTEXT) -> str:
    """The context line(s) put before each chunk so it can be found by what it was about."""
    if context == "none":
        return ""
    lines = [node.title.strip()] if node.title.strip() else []
    if context == "previous" and node.previous.strip():
        previous = " ".join(node.previous.split())[:PREVIOUS_CHARS]
        lines.append(f"(replying to: {previous})")
    lines.append(f"{node.role}: ")
    return "\n".join(lines)


def split_text(text: str, spans: Spans, budget: int, overlap: int) -> list[str]:
    """Slices of ``text`` of at most ``budget`` tokens, consecutive ones sharing ``overlap``.

    Texts shorter than ``budget`` characters cannot exceed it in tokens and skip the
    tokenizer."""
    text = text.strip()
    if len(text) <= budget:
        return [text] if text else []
    offsets = spans(text)
    if len(offsets) <= budget:
        return [text]
    step = max(budget - overlap, 1)
    pieces = []
    for first in range(0, len(offsets), step):
        last = min(first + budget, len(offsets)) - 1
        pieces.append(text[offsets[first][0] : offsets[last][1]])
        if last == len(offsets) - 1 or len(pieces) == MAX_CHUNKS:
            break
    return pieces


def chunk_texts(
    node: PendingNode, spans: Spans, max_tokens: int, context: str = DEFAULT_CONTEXT
) -> list[str]:
    """The texts to embed for ``node``: header + each slice of its text."""
    head = header(node, context)
    head_tokens = len(spans(head)) if head else 0
    budget = max(max_tokens - SPECIAL_TOKENS - head_tokens, 16)
    overlap = int(budget * OVERLAP_FRACTION)
    text = node.text[: MAX_CHUNKS * budget * CHARS_PER_TOKEN]
    return [head + piece for piece in split_text(text, spans, budget, overlap)]
