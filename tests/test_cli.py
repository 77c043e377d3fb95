"""The command-line package: batch lines become typed filters, the command list is public."""

from __future__ import annotations

import argparse
from pathlib import Path

import orjson
import pytest

from keeper.cli import COMMANDS, build_parser, main
from keeper.cli.common import filters_from, filters_from_mapping, parse_date
from keeper.errors import UsageError
from keeper.store.filters import Filters


def test_batch_line_and_flags_give_the_same_filters() -> None:
    flags = build_parser().parse_args(
        ["search", "tea", "--since", "2024-01-02", "--until", "2024-02-01", "--role", "user",
         "--model", "gpt-4o", "--project", "g-p-1", "--conversation", "c1", "--include-hidden"]
    )  # fmt: skip
    line = {
        "query": "tea",
        "since": "2024-01-02",
        "until": "2024-02-01",
        "role": "user",
        "model": "gpt-4o",
        "project": "g-p-1",
        "conversation": "c1",
        "include_hidden": True,
    }
    typed = filters_from_mapping(line, "q.jsonl line 1")
    assert typed == filters_from(flags)
    assert typed.until == parse_date("2024-02-01", end=True)
    # --until is inclusive: it ends at the start of the next day.
    assert typed.since is not None and typed.until - typed.since == pytest.approx(
        31 * 86400, abs=7200
    )


def test_batch_line_without_filters_is_unfiltered() -> None:
    assert filters_from_mapping({"query": "x"}, "here") == Filters()
    assert filters_from_mapping({"query": "x", "since": 1700000000}, "here").since == 1700000000.0


def test_batch_line_with_a_wrong_type_names_the_line() -> None:
    with pytest.raises(UsageError, match=r"q.jsonl line 3: 'model' must be a string"):
        filters_from_mapping({"query": "x", "model": 4}, "q.jsonl line 3")


def test_batch_file_errors_exit_2_with_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.continuity_support import open_sample

    library = open_sample(tmp_path / "sample")
    db = str(library.paths.db)
    library.close()
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"query": "tea", "limit": 2}\n\n{"query": "tea", "limit": "many"}\n')
    assert main(["search", "--db", db, "--batch", str(batch)]) == 2
    out, err = capsys.readouterr()
    assert len(orjson.loads(out.splitlines()[0])) <= 2
    assert f"{batch} line 3: limit must be a number." in err
    batch.write_text('{"query": "tea", "mode": "fuzzy"}\n')
    assert main(["search", "--db", db, "--batch", str(batch)]) == 2
    assert "mode must be one of hybrid, keyword, semantic" in capsys.readouterr().err


def test_every_command_is_registered_in_order() -> None:
    parser = build_parser()
    for name in COMMANDS:
        args = parser.parse_args([name, *_required(name)])
        assert callable(args.handler), name
    assert list(COMMANDS) == [
        "demo", "import", "search", "embed", "list", "show", "stats", "doctor", "export",
        "summarize", "profile", "persona", "pack", "forget", "mcp",
    ]  # fmt: skip


def _required(name: str) -> list[str]:
    return {
        "show": ["x"],
        "summarize": ["x"],
        "export": ["--format", "chatgpt", "-o", "out.json"],
    }.get(name, [])


def test_the_command_modules_share_only_the_common_module() -> None:
    import ast

    folder = Path(__file__).resolve().parent.parent / "keeper" / "cli"
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("keeper.cli."):
                assert node.module == "keeper.cli.common" or path.name == "__init__.py", (
                    f"{path.name} imports {node.module}"
                )
                names = [a.name for a in node.names]
                assert not any(n.startswith("_") for n in names), f"{path.name}: {names}"


def test_namespace_filters_need_no_attributes() -> None:
    assert filters_from(argparse.Namespace()) == Filters()
