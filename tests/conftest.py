"""Shared fixtures: a throwaway database location per test, never the user's real one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from keeper.paths import DataPaths, resolve_paths

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
PEER_FIXTURES = SHARED / "fixtures" / "peers"
SAMPLE_EXPORT = REPO / "exports" / "sample-export.zip"

# No per-example deadline: on a shared 2-core machine a slow example is load, not a bug,
# and a property test must fail on its property only.
settings.register_profile("keeper", deadline=None)
settings.load_profile("keeper")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the ONNX copy of the packaged model, built once per test session
    (``$KEEPER_MODEL_CACHE`` for this process and every keeper process the tests start)."""
    cache = tmp_path_factory.mktemp("model-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEEPER_MODEL_CACHE", str(cache))
        yield cache


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> None:
    """Keep every test away from the real data and config folders and from $KEEPER_*."""
    from keeper.config import CONFIG_ENV, SETTINGS

    for name in [CONFIG_ENV, *(s.env for s in SETTINGS)]:
        if name != "KEEPER_MODEL_CACHE":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def db_paths(tmp_path: Path) -> DataPaths:
    """Paths for a fresh database under the test's temporary folder."""
    return resolve_paths(str(tmp_path / "data" / "keeper.db"))


@pytest.fixture
def conn(db_paths: DataPaths) -> Iterator[object]:
    """An open connection to a fresh, migrated database."""
    from keeper.store import open_connection

    connection = open_connection(db_paths)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def sample_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The sample export, imported once per test module into a throwaway database."""
    from tests.continuity_support import open_sample

    library = open_sample(tmp_path_factory.mktemp("sample"))
    yield library
    library.close()


@pytest.fixture(scope="module")
def index() -> dict:
    """Sample conversations by key (ids, titles, named node ids)."""
    from tests.synth.generator import sample_index

    return sample_index()


@pytest.fixture(scope="session")
def built_model(model_cache: Path) -> Path:
    """The model cache with the ONNX copy already built, for tests that measure keeper
    processes in their steady state (the one-time build is tested in test_embed_model)."""
    from keeper.embed.model import load_embedder

    load_embedder(cache_dir=model_cache)
    return model_cache
