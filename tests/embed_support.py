"""A deterministic fake embedder for unit tests: hashed bag of words, unit length."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORDS = re.compile(r"\w+")


class FakeEmbedder:
    """Texts sharing words get similar vectors (a random projection of their bag of
    words); no model, no torch."""

    backend = "fake"
    note = ""

    def __init__(self, name: str = "fake-bow", dims: int = 64, max_tokens: int = 32) -> None:
        self.name = name
        self.dims = dims
        self.max_tokens = max_tokens
        self.encoded = 0
        self.fail_after: int | None = None
        self._cache: dict[str, np.ndarray] = {}

    def _word_vector(self, word: str) -> np.ndarray:
        """A dense random direction per word (like real embeddings, so binary codes of
        sums keep their angles)."""
        vector = self._cache.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(self.dims).astype(np.float32)
            self._cache[word] = vector
        return vector

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Word spans stand in for tokens."""
        return [m.span() for m in _WORDS.finditer(text)]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Hashed bag-of-words vectors; raises KeyboardInterrupt after ``fail_after`` calls."""
        if self.fail_after is not None:
            if self.fail_after == 0:
                raise KeyboardInterrupt
            self.fail_after -= 1
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORDS.findall(text.lower()):
                out[row] += self._word_vector(word)
            out[row, 0] += 1e-3
        self.encoded += len(texts)
        return out / np.linalg.norm(out, axis=1, keepdims=True)
