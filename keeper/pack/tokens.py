"""Token estimates without a tokenizer download.

``TOKENIZER`` names the rule so every pack can say how it was measured: one token per
CJK character (BPE vocabularies such as cl100k/o200k spend about 1–1.5 tokens per Han
character, Claude's slightly more), and one token per 4 characters of everything else
(OpenAI's documented rule of thumb for English), rounded up per text. On the sample
archive's English text this over-counts against o200k by a few percent, which is the safe
side for a budget.
"""

from __future__ import annotations

import math

from keeper.store.fts_text import CJK_RUN

TOKENIZER = "keeper-estimate (4 chars/token; 1 token per CJK character)"


def estimate_tokens(text: str) -> int:
    """Estimated tokens in ``text`` (see module docstring)."""
    if text.isascii():
        return math.ceil(len(text) / 4)
    cjk = sum(len(run) for run in CJK_RUN.findall(text))
    return cjk + math.ceil((len(text) - cjk) / 4)
