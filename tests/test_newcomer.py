"""What a first-time user hits on the command line: the demo, dates, id prefixes, typos,
taking an import back, and the small output defects of search and list."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from keeper.cli import main
from keeper.library import Library
from tests.conftest import SAMPLE_EXPORT


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests.continuity_support import open_sample

    library = open_sample(tmp_path_factory.mktemp("newcomer"))
    db = str(library.paths.db)
    library.close()
    return db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ids_of(db: str) -> list[str]:
    with Library.open(db, create=False) as library:
        return [c.id for c in library.conversations()]


# -- dates ------------------------------------------------------------------------------


def test_list_dates_mean_what_people_mean(
    sample_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    total = len(ids_of(sample_db))
    code, out, _ = run(capsys, "list", "--db", sample_db, "--since", "2030", "--json")
    assert code == 0 and orjson.loads(out) == []
    code, out, _ = run(capsys, "list", "--db", sample_db, "--until", "2099", "--json")
    assert len(orjson.loads(out)) == total
    code, out, _ = run(capsys, "list", "--db", sample_db, "--since", "2025-05", "--until", "2025",
                       "--json")  # fmt: skip
    rows = orjson.loads(out)
    assert rows and all(r["created"][:4] <= "2025" for r in rows)
    code, out, _ = run(capsys, "search", "--db", sample_db, "cat", "--since", "2030", "--json")
    assert code == 0 and orjson.loads(out) == []


def test_list_sorted_by_creation_shows_the_created_date(
    sample_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from keeper.render import format_time

    with Library.open(sample_db, create=False) as library:
        rows = library.conversations(sort="created")
    changed = [r for r in rows if format_time(r.create_time) != format_time(r.update_time)]
    assert changed, "the sample has conversations updated after they began"
    _, out, _ = run(capsys, "list", "--db", sample_db, "--sort", "created")
    lines = {line.split()[0]: line for line in out.splitlines()}
    for row in changed:
        assert format_time(row.create_time) in lines[row.id]


# -- id prefixes ----------------------------------------------------------------------


def test_a_unique_prefix_works_wherever_an_id_is_accepted(
    sample_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = ids_of(sample_db)
    full = ids[0]
    prefix = next(
        full[:n] for n in range(4, len(full)) if sum(i.startswith(full[:n]) for i in ids) == 1
    )
    code, out, _ = run(capsys, "show", "--db", sample_db, prefix, "--format", "json")
    assert code == 0 and orjson.loads(out)["conversation_id"] == full
    code, out, _ = run(capsys, "list", "--db", sample_db, "--conversation", prefix, "--json")
    assert [r["conversation_id"] for r in orjson.loads(out)] == [full]
    code, out, _ = run(capsys, "search", "--db", sample_db, "the", "--conversation", prefix,
                       "--mode", "keyword", "--json")  # fmt: skip
    hits = orjson.loads(out)
    assert code == 0 and hits and {h["conversation_id"] for h in hits} == {full}
    target = tmp_path / "one.json"
    code, _, err = run(capsys, "export", "--db", sample_db, "--format", "chatgpt", "-o",
                       str(target), "--conversation", prefix)  # fmt: skip
    assert code == 0 and "Wrote 1 conversations" in err
    assert [c.get("conversation_id", c.get("id")) for c in orjson.loads(target.read_bytes())] == [
        full
    ]
    code, out, _ = run(capsys, "summarize", "--db", sample_db, prefix, "--json")
    assert code == 0 and orjson.loads(out)["conversation_id"] == full
    code, out, _ = run(capsys, "pack", "--db", sample_db, "--conversation", prefix, "--json",
                       "--budget", "2000")  # fmt: skip
    assert code == 0
    assert full in [s["conversation_id"] for s in orjson.loads(out)["sources"]]


def test_unknown_and_ambiguous_ids_are_errors(
    sample_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = ids_of(sample_db)
    starts = Counter(i[0] for i in ids)
    shared, count = starts.most_common(1)[0]
    assert count >= 2
    target = tmp_path / "x.json"
    for argv in (
        ["export", "--format", "chatgpt", "-o", str(target), "--conversation", "zzz999"],
        ["list", "--conversation", "zzz999"],
        ["search", "tea", "--conversation", "zzz999"],
        ["show", "zzz999"],
        ["summarize", "zzz999"],
        ["pack", "--conversation", "zzz999"],
        ["forget", "zzz999", "--yes"],
    ):
        code, _, err = run(capsys, argv[0], "--db", sample_db, *argv[1:])
        assert code == 2, argv
        assert "No conversation with id 'zzz999', or with an id starting" in err, argv
    assert not target.exists()
    code, _, err = run(capsys, "show", "--db", sample_db, shared)
    assert code == 2 and "several conversation ids" in err
    listed = [i for i in ids if i.startswith(shared)][:8]
    assert all(i in err for i in listed)


# -- typos --------------------------------------------------------------------------------


def test_an_unknown_model_or_project_suggests_the_near_ones(
    sample_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "list", "--db", sample_db, "--model", "gpt4o")
    assert code == 2 and "Did you mean gpt-4o" in err and not out
    code, _, err = run(capsys, "search", "--db", sample_db, "tea", "--model", "GPT-4o")
    assert code == 2 and "Did you mean gpt-4o" in err
    code, _, err = run(capsys, "pack", "--db", sample_db, "--model", "gpt-4.o")
    assert code == 2 and "Did you mean" in err
    with Library.open(sample_db, create=False) as library:
        project = next(c.project for c in library.conversations() if c.project)
    code, _, err = run(capsys, "list", "--db", sample_db, "--project", project[:-2] + "zz")
    assert code == 2 and f"Did you mean {project}" in err
    code, out, _ = run(capsys, "list", "--db", sample_db, "--project", project[:12], "--json")
    assert code == 0 and {r["project"] for r in orjson.loads(out)} == {project}


# -- search output ----------------------------------------------------------------------


def test_grouped_search_names_each_conversation_once(
    sample_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "search", "--db", sample_db, "the", "--group", "--mode", "keyword",
                       "--limit", "40")  # fmt: skip
    assert code == 0
    ids = ids_of(sample_db)
    mentions = Counter(i for i in ids for _ in range(out.count(i)))
    assert mentions and max(mentions.values()) == 1


def test_a_bad_batch_line_is_named_and_the_others_still_run(
    sample_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"query": "cat", "limit": 2}\n{"query": "tea", "since": "someday"}\nnot json\n'
        '{"query": "cat", "limit": 3, "mode": "keyword"}\n'
    )
    code, out, err = run(capsys, "search", "--db", sample_db, "--batch", str(batch))
    assert code == 2
    lines = [orjson.loads(line) for line in out.splitlines()]
    assert len(lines) == 4
    assert isinstance(lines[0], list) and 0 < len(lines[0]) <= 2
    assert lines[1]["line"] == 2 and "someday" in lines[1]["error"]
    assert lines[2]["line"] == 3
    assert isinstance(lines[3], list) and 0 < len(lines[3]) <= 3
    assert f"{batch} line 2" in err and f"{batch} line 3" in err


# -- the demo and taking an import back ----------------------------------------------


def test_the_demo_keeps_the_sample_out_of_the_default_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from keeper.paths import resolve_paths

    monkeypatch.chdir(tmp_path)  # no ./exports here: the checkout's sample is found
    code, out, _ = run(capsys, "demo", "--no-tui", "--no-embed")
    assert code == 0
    default = resolve_paths(None)
    demo = default.data_dir / "demo.db"
    assert f"The demo archive {demo} holds the" in out
    assert "keeper search --db" in out
    assert len(ids_of(str(demo))) > 0
    assert not default.db.exists()
    # Running it again changes nothing and still leaves the default archive alone.
    assert run(capsys, "demo", "--no-tui", "--no-embed")[0] == 0
    assert not default.db.exists()
    code, out, _ = run(capsys, "demo", "--no-tui", "--no-embed", "--db", str(tmp_path / "d.db"))
    assert code == 0 and len(ids_of(str(tmp_path / "d.db"))) == len(ids_of(str(demo)))


def test_forget_import_takes_back_only_what_came_from_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_import_order import conversation, write_zip

    db = str(tmp_path / "k.db")
    mine = write_zip(tmp_path / "mine.zip", [conversation("c-mine", "Mine", 1.7e9, ["a", "b"])], {})
    with Library.open(db) as library:
        library.import_exports([SAMPLE_EXPORT], show_progress=False)
        library.import_exports([mine], show_progress=False)
    sample_ids = set(ids_of(db)) - {"c-mine"}
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("no\n"))
    code, _, err = run(capsys, "forget", "--db", db, "--import", str(SAMPLE_EXPORT))
    assert code == 1 and "nothing was deleted" in err
    assert f"These {len(sample_ids)} conversations came only from" in err
    assert len(ids_of(db)) == len(sample_ids) + 1
    code, _, err = run(capsys, "forget", "--db", db, "--import", "other.zip", "--yes")
    assert code == 2 and "mine.zip" in err
    code, out, _ = run(capsys, "forget", "--db", db, "--import", SAMPLE_EXPORT.name, "--yes")
    assert code == 0 and f"Forgot {len(sample_ids)} conversations" in out
    assert ids_of(db) == ["c-mine"]
    code, out, _ = run(capsys, "profile", "--db", db, "--json")
    assert orjson.loads(out) == []


# -- one smallest pack budget ---------------------------------------------------------


def test_the_cli_and_the_tui_share_the_smallest_pack_budget(
    sample_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from keeper.pack.options import MIN_BUDGET
    from keeper.tui.screens import export as tui_export

    assert tui_export.MIN_BUDGET is MIN_BUDGET
    code, _, err = run(capsys, "pack", "--db", sample_db, "--budget", str(MIN_BUDGET - 1))
    assert code == 2 and f"--budget {MIN_BUDGET} or more" in err
    code, _, err = run(capsys, "pack", "--db", sample_db, "--budget", str(MIN_BUDGET), "--json")
    assert code == 0


# -- the README tells the truth ---------------------------------------------------------


README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_starts_with_the_demo_and_documents_what_exists() -> None:
    from keeper.cli import COMMANDS

    text = README.read_text()
    quick = text.split("## Quick start", 1)[1]
    first_block = quick.split("```sh\n", 1)[1].split("```", 1)[0]
    first, second = first_block.strip().splitlines()[:2]
    assert first.endswith("keeper demo") and "pytest" in second
    assert "keeper import\n" not in first_block  # the sample never goes to the default archive
    for heading in ("## Summaries, profile, persona and packs", "### Keys", "### Install notes"):
        assert heading in text
    assert "--index-url https://download.pytorch.org/whl/cpu" in text
    assert "int8 ONNX copy" in text
    mentioned = {
        line.split()[1]
        for block in text.split("```sh\n")[1:]
        for line in block.split("```", 1)[0].splitlines()
        if line.startswith("keeper ") and not line.split()[1].startswith("-")
    }
    assert mentioned <= set(COMMANDS), mentioned - set(COMMANDS)
    assert {"summarize", "profile", "persona", "pack"} <= mentioned
