"""A locally built int8 ONNX copy of a sentence-transformers model, run with onnxruntime.

Built once from the model's own weights (torch export, then dynamic int8 quantization),
cached under keeper's data folder, and run without torch: queries start in well under a
second and bulk embedding runs about twice as fast as ``SentenceTransformer.encode``.
Supports the common shape (Transformer -> mean or CLS pooling -> optional Normalize);
anything else uses the torch backend.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from keeper.embed.source import ModelSource

BUILD_VERSION = 2
_SUPPORTED_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}


# onnxruntime 1.29 and later (checked up to 1.32, Linux wheels) carry a native telemetry
# uploader (1DS) that resolves mobile.events.data.microsoft.com from its own thread a few
# seconds after the library loads; neither disable_telemetry_events() nor the
# ORT_DISABLE_TELEMETRY variable stops it. keeper never loads such a build: pyproject pins
# below it, and a newer one installed by hand sends keeper to the torch backend instead.
TELEMETRY_FREE_BELOW = (1, 29)


class OnnxBuildError(Exception):
    """The ONNX copy could not be built; the caller falls back to torch."""


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _layout(model_dir: Path) -> dict[str, Any]:
    """Pooling, normalisation and window of a model folder (raises ValueError if unusual)."""
    modules = _read_json(model_dir / "modules.json")
    kinds = {m.get("type", "") for m in modules}
    unknown = {k.rsplit(".", 1)[-1] for k in kinds - _SUPPORTED_MODULES}
    if unknown:
        raise ValueError(f"modules {', '.join(sorted(unknown))} are not supported")
    pooling_dir = next(
        (model_dir / m["path"] for m in modules if m["type"].endswith(".Pooling")), None
    )
    if pooling_dir is None:
        raise ValueError("the model has no pooling module")
    pooling = _read_json(pooling_dir / "config.json")
    if pooling.get("pooling_mode_mean_tokens"):
        mode = "mean"
    elif pooling.get("pooling_mode_cls_token"):
        mode = "cls"
    else:
        raise ValueError("only mean and CLS pooling are supported")
    window = 512
    bert_config = model_dir / "sentence_bert_config.json"
    if bert_config.exists():
        window = int(_read_json(bert_config).get("max_seq_length") or window)
    return {
        "pooling": mode,
        "normalize": any(m["type"].endswith(".Normalize") for m in modules),
        "max_tokens": window,
        "dims": int(pooling.get("word_embedding_dimension") or 0),
    }


def _installed_version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def telemetry_reason(version: str) -> str | None:
    """Why onnxruntime ``version`` must not be loaded (its network telemetry), or None."""
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    if tuple(parts) < TELEMETRY_FREE_BELOW:
        return None
    floor = ".".join(map(str, TELEMETRY_FREE_BELOW))
    return (
        f"onnxruntime {version} sends telemetry over the network; "
        f"install onnxruntime<{floor} to use the faster ONNX backend"
    )


def unsupported_reason(model_dir: Path) -> str | None:
    """Why ``model_dir`` cannot use the ONNX backend, or None when it can."""
    if importlib.util.find_spec("onnxruntime") is None:
        return "onnxruntime is not installed"
    telemetry = telemetry_reason(_installed_version("onnxruntime"))
    if telemetry:
        return telemetry
    if not (model_dir / "tokenizer.json").exists():
        return "the model has no tokenizer.json"
    try:
        _layout(model_dir)
    except (OSError, ValueError, KeyError, TypeError) as error:
        return str(error)
    return None


def _fingerprint(model_dir: Path) -> str:
    """A short digest of the files that define the model, so a changed model rebuilds."""
    digest = hashlib.sha256(f"v{BUILD_VERSION}".encode())
    for name in ("config.json", "modules.json", "tokenizer.json", "sentence_bert_config.json"):
        path = model_dir / name
        if path.exists():
            digest.update(path.read_bytes())
    weights = model_dir / "model.safetensors"
    if weights.exists():
        stat = weights.stat()
        digest.update(f"{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def _private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents 0700, like the rest of keeper's data."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)


def build(model_dir: Path, target: Path) -> None:
    """Export ``model_dir``'s transformer to ONNX and quantize it to int8 into ``target``."""
    import logging
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(
        str(model_dir), attn_implementation="eager", local_files_only=True
    )
    model.eval()
    names = ["input_ids", "attention_mask"]
    if getattr(model.config, "type_vocab_size", 0):
        names.append("token_type_ids")

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state

    sample = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "hidden"]}
    _private_dirs(target.parent)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        fp32 = Path(scratch) / "model.onnx"
        # The exporter and quantizer warn about tracing details that do not apply to
        # these encoder graphs; a person running `keeper embed` cannot act on them.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Hidden(model),
                sample,
                str(fp32),
                input_names=names,
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        partial = Path(scratch) / "model_int8.onnx"
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            # Per-channel scales keep cosine to the float model above 0.99 (per-tensor:
            # about 0.95) at the same speed.
            quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.setLevel(level)
        os.chmod(partial, 0o600)
        os.replace(partial, target)


class OnnxEmbedder:
    """An int8 ONNX model with its tokenizer; see the module docstring."""

    backend = "onnx-int8"

    def __init__(self, source: ModelSource, onnx_path: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        assert source.path is not None
        layout = _layout(source.path)
        self.name = source.name
        self.note = ""
        self.max_tokens = int(layout["max_tokens"])
        self._pooling = layout["pooling"]
        self._normalize = bool(layout["normalize"])
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        tokenizer_file = str(source.path / "tokenizer.json")
        self._tokenizer = Tokenizer.from_file(tokenizer_file)
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()
        self._spans = Tokenizer.from_file(tokenizer_file)
        self._spans.no_truncation()
        self._spans.no_padding()
        self.dims = int(layout["dims"]) or int(self.encode(["probe"]).shape[1])

    @classmethod
    def build_or_load(
        cls,
        source: ModelSource,
        cache_dir: Path,
        notify: Callable[[str], None] | None = None,
    ) -> OnnxEmbedder:
        """The cached ONNX copy of ``source`` (built first if missing; ``notify`` is told
        before the build starts, since it takes a while once)."""
        assert source.path is not None
        slug = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in source.name[-60:])
        target = cache_dir / "onnx" / f"{slug}-{_fingerprint(source.path)}" / "model_int8.onnx"
        if not target.exists():
            if notify:
                notify(
                    f"First run: building the int8 ONNX copy of {source.name} in "
                    f"{target.parent} for fast CPU embedding (only this once)…"
                )
            try:
                build(source.path, target)
            except Exception as error:  # any failure means: use torch
                shutil.rmtree(target.parent, ignore_errors=True)
                raise OnnxBuildError(f"{type(error).__name__}: {error}") from error
        return cls(source, target)

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character ``(start, end)`` of each token of ``text``."""
        offsets = self._spans.encode(text, add_special_tokens=False).offsets
        return [(int(a), int(b)) for a, b in offsets]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length (when the model normalises) float32 vectors, one row per text.

        Texts are sorted by length so each batch pads only to its own longest text."""
        if not texts:
            return np.zeros((0, getattr(self, "dims", 0)), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * len(texts)
        for start in range(0, len(order), batch_size):
            batch = [encodings[i] for i in order[start : start + batch_size]]
            width = max(len(e.ids) for e in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, encoding in enumerate(batch):
                ids[row, : len(encoding.ids)] = encoding.ids
                mask[row, : len(encoding.ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            if self._pooling == "cls":
                pooled = hidden[:, 0]
            else:
                weights = mask[:, :, None].astype(np.float32)
                pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            if self._normalize:
                pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, index in enumerate(order[start : start + batch_size]):
                out[index] = pooled[row].astype(np.float32)
        return np.vstack(out)
