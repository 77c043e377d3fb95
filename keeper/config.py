"""keeper's settings: one object, resolved once, from four places in a fixed order.

Precedence, lowest first: the defaults below < the config file < ``KEEPER_*`` environment
variables < command-line flags. The config file is TOML at
``<user config dir>/keeper/config.toml`` (``~/.config/keeper/config.toml`` on Linux; see
``keeper doctor``), or the file ``$KEEPER_CONFIG`` names; its keys are the setting names
below (``embed_model = "intfloat/multilingual-e5-small"``).

This is the only module that reads ``KEEPER_*`` variables. Every one is listed in
:data:`SETTINGS` with what it does; the README's settings table and the docs test are
checked against that list.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from keeper.errors import UsageError

CONFIG_ENV = "KEEPER_CONFIG"
DEFAULT_LLM_MODEL = "llama3.2"
DEFAULT_IMPORT_BATCH_NODES = 20_000


@dataclass(frozen=True, slots=True)
class LlmEndpoint:
    """An OpenAI-compatible chat endpoint the user runs (e.g. a local Ollama)."""

    url: str
    model: str = DEFAULT_LLM_MODEL
    key: str | None = None  # sent as a bearer token when set


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting keeper has. ``None`` means "not set: use the built-in behaviour"."""

    db: str | None = None
    model_cache: str | None = None
    embed_model: str | None = None
    embed_device: str | None = None
    embed_backend: str | None = None
    llm_url: str | None = None
    llm_model: str = DEFAULT_LLM_MODEL
    llm_key: str | None = None
    import_batch_nodes: int = DEFAULT_IMPORT_BATCH_NODES
    config_file: str | None = None  # the file that was read, if any (for keeper doctor)

    def llm_endpoint(self, url: str | None) -> LlmEndpoint | None:
        """The endpoint at ``url`` with the configured model and key; None without a URL.

        The configured ``llm_url`` is the command line's default for ``--llm`` only (the
        TUI and library callers name the URL they want)."""
        return LlmEndpoint(url, self.llm_model, self.llm_key) if url else None

    def with_flags(self, **flags: object) -> Settings:
        """These settings with the flags that were given (None = not given) on top."""
        given = {k: v for k, v in flags.items() if v is not None}
        unknown = set(given) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"not settings: {sorted(unknown)}")
        return replace(self, **given)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name (the config-file key), its variable and what it does."""

    name: str
    env: str
    help: str
    flag: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "KEEPER_DB", "the database file (default: the user data folder)", "--db"),
    Setting(
        "model_cache",
        "KEEPER_MODEL_CACHE",
        "where built model copies (ONNX) are cached (default: models/ beside the database)",
    ),
    Setting(
        "embed_model",
        "KEEPER_EMBED_MODEL",
        "the embedding model for an archive with none yet (default: all-MiniLM-L6-v2)",
        "embed --model",
    ),
    Setting(
        "embed_device",
        "KEEPER_EMBED_DEVICE",
        "cpu, cuda or mps (default: the best found)",
        "--device",
    ),
    Setting(
        "embed_backend",
        "KEEPER_EMBED_BACKEND",
        "auto, onnx or torch (default: auto)",
        "embed --backend",
    ),
    Setting(
        "llm_url",
        "KEEPER_LLM_URL",
        "an OpenAI-compatible endpoint for optional LLM abstracts (default: none)",
        "summarize/pack --llm",
    ),
    Setting("llm_model", "KEEPER_LLM_MODEL", "the model the LLM endpoint runs (default: llama3.2)"),
    Setting("llm_key", "KEEPER_LLM_KEY", "a bearer token for the LLM endpoint (default: none)"),
    Setting(
        "import_batch_nodes",
        "KEEPER_IMPORT_BATCH_NODES",
        "nodes per import transaction; a crash loses at most one batch (default: 20000)",
    ),
)
"""Every setting, in the order the README documents them. ``KEEPER_CONFIG`` (the config
file's path) is the one variable that is not itself a setting."""

_INTEGERS = {"import_batch_nodes"}


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file keeper reads: ``$KEEPER_CONFIG`` or the user config dir's."""
    env = os.environ if environ is None else environ
    chosen = env.get(CONFIG_ENV)
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("keeper", appauthor=False)) / "config.toml"


def _coerce(name: str, value: object, where: str) -> object:
    if name in _INTEGERS:
        try:
            number = int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError) as error:
            raise UsageError(f"{where}: {name} must be a whole number, not {value!r}.") from error
        if number < 1:
            raise UsageError(f"{where}: {name} must be at least 1, not {number}.")
        return number
    if not isinstance(value, str):
        raise UsageError(f"{where}: {name} must be a string, not {value!r}.")
    return value


def _read_file(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"Could not read the config file {path}: {error}") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(
            f"The config file {path} is not valid TOML: {error}.",
            'Write one setting per line, e.g. embed_model = "intfloat/multilingual-e5-small".',
        ) from error
    known = {s.name for s in SETTINGS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(
            f"The config file {path} has unknown settings: {', '.join(unknown)}.",
            f"Known settings: {', '.join(sorted(known))}.",
        )
    return {k: _coerce(k, v, str(path)) for k, v in data.items()}


def load_settings(
    flags: Mapping[str, object] | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolve the settings once: defaults < config file < ``KEEPER_*`` < ``flags``.

    ``flags`` maps setting names to what the command line gave (None = not given).
    Raises UsageError for a config file or variable keeper cannot read."""
    env = os.environ if environ is None else environ
    path = config_path(env)
    values: dict[str, object] = dict(_read_file(path))
    for setting in SETTINGS:
        raw = env.get(setting.env)
        if raw:
            values[setting.name] = _coerce(setting.name, raw, f"${setting.env}")
    settings = Settings(**values, config_file=str(path) if path.exists() else None)  # type: ignore[arg-type]
    return settings.with_flags(**(flags or {}))
