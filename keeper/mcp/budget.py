"""Token caps for MCP responses, so one tool call never floods a client's context.

No real tokenizer ships with keeper today, so responses are measured with a deliberately
conservative estimate (:data:`TOKENIZER`): it counts more tokens than the BPE vocabularies
of current models (o200k, cl100k, Claude's) spend on the same text, so a response within
its cap is within it for the client too. Rules, per piece of text:

- a run of ASCII letters: one token per 4 letters, rounded up (English words are mostly
  one token; ids and rare words are the reason for rounding up);
- a run of digits: one token per 3 digits (BPE vocabularies group numbers in threes);
- a run mixing letters and digits (ids, hashes): 0.7 tokens per character;
- each CJK character: 1.5 tokens; any other non-ASCII character: one token per 2 bytes
  of UTF-8 (an emoji is 2);
- each punctuation mark or symbol: one token; each line break: one token.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable

from keeper.text import CJK_RUN

TOKENIZER = "keeper conservative estimate (over-counts o200k/cl100k; no tokenizer shipped)"
MIN_TOKENS = 200
MAX_TOKENS = 25_000  # Claude Desktop warns about tool results larger than this

_ALNUM = re.compile(r"[A-Za-z0-9]+")
_MARKS = re.compile(r"[!-/:-@\[-`{-~]")
_LINES = re.compile(r"\n+")
_NON_ASCII = re.compile("[^\x00-\x7f]+")
_TWO_BYTE = re.compile("[\u0080-\u07ff]")
_WIDE = re.compile("[\u0800-\U0010ffff]")


def count_tokens(text: str) -> int:
    """A conservative token count of ``text`` (see the module docstring)."""
    total = 0.0
    for run in _ALNUM.findall(text):
        if run.isalpha():
            total += (len(run) + 3) // 4
        elif run.isdigit():
            total += (len(run) + 2) // 3
        else:
            total += math.ceil(len(run) * 0.7)
    total += len(_MARKS.findall(text)) + len(_LINES.findall(text))
    if not text.isascii():
        wide = "".join(_NON_ASCII.findall(text))
        cjk = sum(len(run) for run in CJK_RUN.findall(wide))
        # Two-byte characters cost 1; CJK 1.5; every other wider character 2.
        total += len(_TWO_BYTE.findall(wide)) + 1.5 * cjk + 2 * (len(_WIDE.findall(wide)) - cjk)
    return math.ceil(total)


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
