"""sentence-transformers (torch) embedder: any model, any device."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from keeper.embed.source import ModelSource
from keeper.errors import ModelError


def fallback_reason(device: str) -> str | None:
    """Why ``device`` (cuda, cuda:N, mps) cannot be used on this machine, or None."""
    if device == "cpu":
        return None
    try:
        import torch
    except ImportError:
        return None  # TorchEmbedder.load says what to install
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            return "CUDA is not available on this machine"
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            return f"there is no GPU {device} (this machine has {torch.cuda.device_count()})"
    if device == "mps" and not torch.backends.mps.is_available():
        return "Apple MPS is not available on this machine"
    return None


class TorchEmbedder:
    """A ``SentenceTransformer`` on CPU, CUDA or Apple MPS."""

    backend = "torch"

    def __init__(self, name: str, model: Any, device: str) -> None:
        self.name = name
        self.note = ""
        self.device = device
        self._model = model
        self.max_tokens = int(model.max_seq_length or 256)
        dims = (
            model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else None
        )
        self.dims = int(dims or model.get_sentence_embedding_dimension())

    @classmethod
    def load(cls, source: ModelSource, *, device: str, allow_download: bool) -> TorchEmbedder:
        """Load ``source`` on ``device`` (falls back to the CPU when it is not there)."""
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ModelError(
                f"sentence-transformers is not installed ({error}).",
                "pip install 'keeper[embed]', or search with --mode keyword.",
            ) from error
        note = ""
        if fallback_reason(device):
            note = f"{fallback_reason(device)}, so embedding falls back to the CPU."
            device = "cpu"
        where = str(source.path) if source.path is not None else str(source.hub_id)
        try:
            with _quiet_hub():
                model = SentenceTransformer(
                    where, device=device, local_files_only=not allow_download
                )
        except (OSError, ValueError) as error:
            # The hub's own text (URLs, retries, offline-mode docs) is not what to do here.
            if source.path is not None:
                reason = f"its folder could not be read as a model ({type(error).__name__})"
                hint = "Check that the folder holds a sentence-transformers model."
            elif not allow_download:
                reason = "it is not on this machine, and keeper downloads nothing unasked"
                hint = "Allow the download once with --allow-download, or pass a model folder."
            else:
                reason = (
                    "it could not be downloaded: no network, or no model of that name on the "
                    "Hugging Face hub"
                )
                hint = "Check the name (e.g. intfloat/multilingual-e5-small) and the network."
            raise ModelError(
                f"Could not load the embedding model {where}: {reason}.", hint
            ) from None
        embedder = cls(source.name, model, device)
        embedder.note = note
        return embedder

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character ``(start, end)`` of each token of ``text``."""
        encoded = self._model.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, truncation=False
        )
        return [(int(a), int(b)) for a, b in encoded["offset_mapping"]]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dims)


@contextmanager
def _quiet_hub() -> Iterator[None]:
    """Keep huggingface_hub's and transformers' retry and warning lines off the terminal
    while a model loads; keeper reports the outcome itself."""
    loggers = [logging.getLogger(name) for name in ("huggingface_hub", "transformers")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
