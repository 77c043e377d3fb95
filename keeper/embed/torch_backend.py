"""sentence-transformers (torch) embedder: any model, any device."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from keeper.embed.source import ModelSource
from keeper.errors import ModelError


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
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ModelError(
                f"sentence-transformers is not installed ({error}).",
                "pip install 'keeper[embed]', or search with --mode keyword.",
            ) from error
        if device == "cuda" and not torch.cuda.is_available():
            device = "cpu"
        if device == "mps" and not torch.backends.mps.is_available():
            device = "cpu"
        where = str(source.path) if source.path is not None else str(source.hub_id)
        try:
            model = SentenceTransformer(where, device=device, local_files_only=not allow_download)
        except (OSError, ValueError) as error:
            hint = (
                "Allow the download once with --allow-download, or pass a local model folder."
                if not allow_download
                else "Check the model name and the network."
            )
            raise ModelError(
                f"Could not load the embedding model {where}: {error}", hint
            ) from error
        return cls(source.name, model, device)

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
