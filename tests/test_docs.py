"""Everything a user can type or set is documented: each command and option in the README
or in its generated --help, each setting in the README's settings table."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from keeper.cli import COMMANDS, main
from keeper.config import CONFIG_ENV, SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
ENTRY = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")


def help_of(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        main([*args, "--help"])
    assert done.value.code == 0
    return out.getvalue()


def entries(help_text: str) -> dict[str, str]:
    """Each argument or option of a --help page and its description ("" when none)."""
    found: dict[str, str] = {}
    current = None
    in_section = False
    for line in help_text.splitlines():
        if line and not line.startswith(" "):
            in_section = line.endswith(":") and not line.startswith("usage:")
            current = None
            continue
        if not in_section or not line.strip():
            continue
        match = ENTRY.match(line)
        if match and not line.startswith("   "):
            current = match.group(1)
            found[current] = match.group(2) or ""
        elif current is not None:
            found[current] = (found[current] + " " + line.strip()).strip()
    return found


def undocumented(help_text: str) -> list[str]:
    missing = []
    for entry, description in entries(help_text).items():
        flags = [w.rstrip(",") for w in entry.split() if w.startswith("-")] or [entry]
        if description or any(f"`{f}" in README or f" {f} " in README for f in flags):
            continue
        missing.append(entry)
    return missing


def test_the_help_parser_reads_descriptions() -> None:
    found = entries(help_of("export"))
    assert "a file (a folder for --format markdown)" in found["-o PATH, --output PATH"]
    assert found["--since DATE"] == "from this date on: 2024, 2024-05, 2024-05-06 (or with a time)"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_is_in_the_readme_and_its_options_are_documented(command: str) -> None:
    assert f"keeper {command}" in README, f"`keeper {command}` is not in the README"
    assert undocumented(help_of(command)) == []


def test_the_top_level_help_documents_every_command() -> None:
    text = help_of()
    for command in COMMANDS:
        assert re.search(rf"^    {command}\s+\S", text, re.MULTILINE), f"{command}: no help"


def test_every_setting_and_variable_is_in_the_readme() -> None:
    for setting in SETTINGS:
        row = next((line for line in README.splitlines() if f"`{setting.env}`" in line), "")
        assert f"`{setting.name}`" in row, f"{setting.env} is not in the README's table"
    assert CONFIG_ENV in README
