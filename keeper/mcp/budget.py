"""Token caps for MCP responses, so one tool call never floods a client's context.

Responses are measured with the real tokenizer keeper's packs use (o200k_base, offline,
:mod:`keeper.pack.tokens`); :data:`TOKENIZER` names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from keeper.pack.tokens import TOKENIZER as TOKENIZER
from keeper.pack.tokens import count_tokens as count_tokens

MIN_TOKENS = 200
MAX_TOKENS = 25_000  # Claude Desktop warns about tool results larger than this


def clip(text: str, max_tokens: int, marker: str = "…") -> str:
    """``text`` cut at a word or line boundary so that it (with ``marker``) fits
    ``max_tokens``; unchanged when it already fits."""
    if count_tokens(text) <= max_tokens:
        return text
    low, high = 0, len(text)
    budget = max_tokens - count_tokens(marker)
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens(text[:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    if boundary > len(cut) * 0.8:
        cut = cut[:boundary]
    return cut.rstrip() + marker


def fit(
    head: str,
    blocks: Iterable[str],
    max_tokens: int,
    more: str | Callable[[int], str] = "",
    sep: str = "\n\n",
) -> tuple[str, int]:
    """``head`` then as many whole ``blocks`` as fit in ``max_tokens``; when some are left
    out, ``more`` ends the text: a string formatted with ``{left}`` (how many were left
    out), or a function of that number.

    Returns the text and how many blocks were left out. The head is clipped if it alone
    would break the cap."""
    items = list(blocks)
    template = more if isinstance(more, str) else ""
    note: Callable[[int], str] = (
        more if callable(more) else (lambda left: template.format(left=left) if template else "")
    )
    reserve = max((count_tokens(note(n)) for n in (1, len(items))), default=0) + 2
    head = clip(head, max(1, max_tokens - reserve))
    used = count_tokens(head)
    kept: list[str] = []
    sep_cost = count_tokens(sep)
    for index, block in enumerate(items):
        cost = count_tokens(block) + sep_cost
        left_after = len(items) - index - 1
        room = max_tokens - used - (reserve if left_after else 0)
        if cost > room:
            break
        kept.append(block)
        used += cost
    left = len(items) - len(kept)
    text = sep.join(p for p in [head, *kept, note(left) if left else ""] if p)
    while count_tokens(text) > max_tokens and kept:
        kept.pop()
        left += 1
        text = sep.join(p for p in [head, *kept, note(left)] if p)
    return (text if count_tokens(text) <= max_tokens else clip(text, max_tokens)), left
