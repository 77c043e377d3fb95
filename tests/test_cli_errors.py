"""No tracebacks: every command of the public CLI, given bad arguments, paths or ids,
answers with one paragraph on stderr and a non-zero exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from keeper.cli import COMMANDS, main


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.continuity_support import open_sample

    library = open_sample(tmp_path_factory.mktemp("errors"))
    path = str(library.paths.db)
    library.close()
    return path


def bad_inputs(db: str, tmp: Path) -> dict[str, list[list[str]]]:
    """For each command, argument lists a newcomer could type that must fail cleanly."""
    text_file = tmp / "notes.txt"
    text_file.write_text("not an export\n")
    folder = tmp / "a-folder"
    folder.mkdir(exist_ok=True)
    missing = str(tmp / "missing" / "dir" / "x.json")
    return {
        "demo": [
            [str(tmp / "nope.zip"), "--no-tui"],
            [str(text_file), "--no-tui", "--db", str(tmp / "demo-bad.db")],
        ],
        "import": [[str(tmp / "nope.zip")], [str(text_file)], [str(folder)]],
        "search": [
            [],
            ["tea", "--since", "someday"],
            ["tea", "--until", "2024-13"],
            ["--batch", str(tmp / "none.jsonl")],
            ["tea", "--model", "gpt4o"],
            ["tea", "--limit", "0"],
            ["tea", "--mode", "fuzzy"],
        ],
        "embed": [
            ["--device", "tpu"],
            ["--model", "no-such-org/no-such-model"],
            ["--backend", "tensorflow"],
            ["--model", str(folder)],
        ],
        "list": [
            ["--since", "next week"],
            ["--sort", "size"],
            ["--limit", "many"],
            ["--project", "g-p-nothing"],
        ],
        "show": [[], ["zzz999"]],
        "stats": [["--bogus"]],
        "doctor": [["--bogus"]],
        "export": [
            ["--format", "chatgpt", "-o", missing],
            ["--format", "markdown", "-o", str(text_file / "sub")],
            ["--format", "jsonl-chat", "-o", str(folder)],
            ["--format", "pdf", "-o", "x"],
            ["--format", "chatgpt", "-o", str(tmp / "y.json"), "--conversation", "zz9"],
        ],
        "summarize": [["zzz999"], []],
        "profile": [["--include", "999999"], ["--edit", "abc", "text"], ["--exclude", "x"]],
        "persona": [["--model", "gpt-4.o"]],
        "pack": [
            ["--budget", "5"],
            ["-o", missing],
            ["--target", "word"],
            ["--conversation", "zzz999"],
            ["--since", "soon"],
        ],
        "forget": [[], ["zzz999", "--yes"], ["--import", "never.zip", "--yes"]],
        # A server with a good archive waits for a client; these fail before serving.
        "mcp": [["--db", str(tmp / "nowhere" / "keeper.db")], ["--db", str(folder)]],
    }


def test_every_command_fails_cleanly_on_bad_input(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = bad_inputs(db, tmp_path)
    assert set(cases) == set(COMMANDS), "every public command needs bad-input cases"
    for name in COMMANDS:
        # The database options a newcomer gets wrong, for every command too.
        argvs = [*cases[name], ["--bogus-flag"]]
        if name not in ("import", "doctor", "demo"):
            argvs.append(["--db", str(tmp_path / "no-such-archive.db")])
        argvs.append(["--db", str(tmp_path / "notes.txt")])
        for argv in argvs:
            full = [name, *argv] if "--db" in argv else [name, "--db", db, *argv]
            try:
                code = main(full)
            except SystemExit as stop:  # argparse's own usage errors
                code = int(stop.code or 0)
            out, err = capsys.readouterr()
            assert code != 0, (full, out, err)
            assert "Traceback" not in err + out, (full, err)
            message = err.strip()
            assert message, full
            assert "\n\n" not in message, (full, message)
            assert len(message.splitlines()) <= 6, (full, message)
            assert not (tmp_path / "missing").exists()
