"""Token estimates for packs (the rule lives in keeper.text; see estimate_tokens)."""

from keeper.text import TOKENIZER, estimate_tokens

__all__ = ["TOKENIZER", "estimate_tokens"]
