"""Embedding tells the person what it does: a missing GPU falls back with a note, an
unknown device is refused, and the one-time ONNX build is announced as it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from keeper.embed import onnx
from keeper.embed.model import check_device, load_embedder, resolve_model
from keeper.errors import ModelError


def test_cuda_without_cuda_falls_back_to_the_cpu_and_says_so(
    model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    embedder = load_embedder(device="cuda", cache_dir=model_cache)
    assert "CUDA is not available on this machine" in embedder.note
    assert "falls back to the CPU" in embedder.note
    assert embedder.encode(["tea"]).shape == (1, embedder.dims)


@pytest.mark.parametrize("device", ["tpu", "gpu", "cuda:x", "mps:1", ""])
def test_devices_keeper_cannot_use_are_refused_with_the_choices(device: str) -> None:
    with pytest.raises(ModelError, match="Choose cpu, cuda"):
        check_device(device)
    for good in ("cpu", "cuda", "cuda:1", "mps"):
        assert check_device(good) == good


def test_the_onnx_build_is_announced_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[str] = []

    def build(model_dir: Path, target: Path) -> None:
        assert heard, "the person is told before the build starts"
        raise RuntimeError("stop here")

    monkeypatch.setattr(onnx, "build", build)
    with pytest.raises(onnx.OnnxBuildError):
        onnx.OnnxEmbedder.build_or_load(resolve_model(), tmp_path, notify=heard.append)
    assert len(heard) == 1 and "building the int8 ONNX copy of all-MiniLM-L6-v2" in heard[0]


def test_a_model_that_cannot_be_fetched_gets_keepers_words_only() -> None:
    with pytest.raises(ModelError) as caught:
        load_embedder("no-such-org/no-such-model-for-keeper", backend="torch", device="cpu")
    text = str(caught.value)
    assert text.startswith("Could not load the embedding model no-such-org/no-such-model")
    assert "--allow-download" in text
    assert "huggingface.co" not in text and "offline mode" not in text
    assert len(text.splitlines()) == 2
