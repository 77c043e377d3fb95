"""Settings: defaults < config file < KEEPER_* < flags, each read in keeper.config only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from keeper.cli import main
from keeper.config import SETTINGS, Settings, config_path, load_settings
from keeper.errors import UsageError

REPO = Path(__file__).resolve().parent.parent


def _write_config(tmp_path: Path, text: str) -> Path:
    path = config_path()
    assert str(path).startswith(str(tmp_path)), "the tests must not read the user's config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_file_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEEPER_MODEL_CACHE")
    assert load_settings() == Settings()


def test_each_layer_beats_the_one_below(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write_config(
        tmp_path, 'llm_model = "from-file"\nembed_backend = "torch"\nimport_batch_nodes = 50\n'
    )
    settings = load_settings()
    assert (settings.llm_model, settings.embed_backend, settings.import_batch_nodes) == (
        "from-file",
        "torch",
        50,
    )
    assert settings.config_file == str(path)
    monkeypatch.setenv("KEEPER_EMBED_BACKEND", "onnx")
    monkeypatch.setenv("KEEPER_IMPORT_BATCH_NODES", "7")
    settings = load_settings()
    assert (settings.llm_model, settings.embed_backend, settings.import_batch_nodes) == (
        "from-file",
        "onnx",
        7,
    )
    settings = load_settings({"embed_backend": "auto", "db": None})
    assert settings.embed_backend == "auto" and settings.db is None


def test_keeper_config_names_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text(f'db = "{tmp_path / "x.db"}"\n')
    monkeypatch.setenv("KEEPER_CONFIG", str(other))
    assert load_settings().db == str(tmp_path / "x.db")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("db = ", "is not valid TOML"),
        ('colour = "blue"\n', "unknown settings: colour"),
        ("import_batch_nodes = 0\n", "must be at least 1"),
        ("llm_model = 3\n", "llm_model must be a string"),
    ],
)
def test_a_bad_config_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = _write_config(tmp_path, text)
    with pytest.raises(UsageError, match=message):
        load_settings()
    assert main(["stats", "--db", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err and "Traceback" not in err


def test_a_bad_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEEPER_IMPORT_BATCH_NODES", "lots")
    with pytest.raises(UsageError, match=r"\$KEEPER_IMPORT_BATCH_NODES: import_batch_nodes"):
        load_settings()


def test_the_configured_database_is_opened(tmp_path: Path) -> None:
    from keeper.library import Library

    _write_config(tmp_path, f'db = "{tmp_path / "configured.db"}"\n')
    with Library.open() as library:
        assert library.paths.db == tmp_path / "configured.db"
    with Library.open(str(tmp_path / "flag.db")) as library:
        assert library.paths.db == tmp_path / "flag.db"


def test_only_keeper_config_reads_keeper_variables_or_changes_the_environment() -> None:
    offenders = []
    for path in sorted((REPO / "keeper").rglob("*.py")):
        if path.name == "config.py" and path.parent.name == "keeper":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("KEEPER_")
                and node.value.isupper()
            ):
                offenders.append(f"{path.name}: {node.value}")
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "putenv", "getenv"):
                parent_ok = path.name == "clipboard.py"  # reads $DISPLAY / $WAYLAND_DISPLAY
                if not parent_ok:
                    offenders.append(f"{path.relative_to(REPO)}: os.{node.attr}")
    assert offenders == []


def test_every_setting_has_a_variable_and_help() -> None:
    names = [s.name for s in SETTINGS]
    assert len(set(names)) == len(names)
    assert set(names) | {"config_file"} == set(Settings.__dataclass_fields__)
    for setting in SETTINGS:
        assert setting.env == "KEEPER_" + setting.name.upper()
        assert setting.help
