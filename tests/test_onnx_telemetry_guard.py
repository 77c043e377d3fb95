"""keeper never loads an onnxruntime build that carries the native telemetry uploader."""

from __future__ import annotations

from pathlib import Path

import pytest

from keeper.embed import onnx
from keeper.embed.model import load_embedder, resolve_model


@pytest.mark.parametrize("version", ["1.18.0", "1.22.1", "1.28.0", "1.28.99", ""])
def test_builds_before_the_uploader_are_allowed(version: str) -> None:
    assert onnx.telemetry_reason(version) is None


@pytest.mark.parametrize("version", ["1.29.0", "1.32.0", "1.33.0rc1", "2.0.0"])
def test_builds_with_the_uploader_are_refused_with_a_way_out(version: str) -> None:
    reason = onnx.telemetry_reason(version)
    assert reason is not None
    assert version in reason and "onnxruntime<1.29" in reason


def test_the_installed_onnxruntime_is_telemetry_free() -> None:
    """The pin in pyproject.toml holds in this environment (CI installs from it)."""
    from importlib import metadata

    assert onnx.telemetry_reason(metadata.version("onnxruntime")) is None


@pytest.mark.slow
def test_a_telemetry_build_sends_keeper_to_torch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = resolve_model(None)
    assert source.path is not None
    monkeypatch.setattr(onnx, "_installed_version", lambda package: "1.32.0")
    assert "telemetry" in (onnx.unsupported_reason(source.path) or "")
    embedder = load_embedder(cache_dir=tmp_path, device="cpu")
    assert embedder.backend != "onnx-int8"
    assert "telemetry" in embedder.note
    assert not list(tmp_path.rglob("*.onnx")), "no ONNX copy was built"
