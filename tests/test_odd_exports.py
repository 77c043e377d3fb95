"""Odd exports read well, not only round-trip: unlinked nodes, flat message lists, images
among words, generated images, quotes as ``parts``, string times, nothing storable."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest

from keeper.cli import main
from keeper.library import Library
from keeper.parse.conversation import parse_conversation
from keeper.store.filters import Filters

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def message(i: int, role: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    author = {"role": role, **extra.pop("author", {})}
    return {"id": f"m{i}", "author": author, "create_time": 1700000000.0 + i,
            "content": content, **extra}  # fmt: skip


def text(body: str) -> dict[str, Any]:
    return {"content_type": "text", "parts": [body]}


IMAGE = {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-Pic1",
         "size_bytes": len(PNG), "width": 4, "height": 4}  # fmt: skip


def unlinked() -> dict[str, Any]:
    # Mapping order 2, 0, 3, 1: the thread must follow the times, not the keys.
    mapping = {
        f"m{i}": {
            "id": f"m{i}",
            "message": message(i, "user" if i % 2 == 0 else "assistant", text(f"turn {i}")),
        }
        for i in (2, 0, 3, 1)
    }
    return {"id": "c-unlinked", "title": "Unlinked", "create_time": 1700000000.0,
            "update_time": 1700000100.0, "mapping": mapping}  # fmt: skip


def flat() -> dict[str, Any]:
    return {
        "id": "c-flat",
        "title": "Flat",
        "create_time": 1700000000.0,
        "messages": [
            message(0, "user", text("which kettle descales best")),
            {"id": "m1", "role": "assistant", "content": "vinegar works", "create_time": 1.7e9 + 1},
            message(2, "user", text("thanks")),
        ],
    }


def pictures() -> dict[str, Any]:
    generated = dict(IMAGE, asset_pointer="sediment://file_gen1",
                     metadata={"generation": {"gen_id": "g1"}})  # fmt: skip
    nodes = [
        message(0, "user", {"content_type": "multimodal_text",
                            "parts": [IMAGE, "what bird is this"]}),
        message(1, "tool", {"content_type": "multimodal_text", "parts": [generated]},
                author={"name": "t2uay3k.sj1i4kz"}, channel="final", recipient="all"),
        message(2, "tool", {"content_type": "tether_quote", "parts": ["a quoted passage"],
                            "title": "Birds", "url": "https://example.org"},
                author={"name": "browser"}),
        message(3, "tool", {"content_type": "tether_browsing_display",
                            "parts": ["a listing of results"]}, author={"name": "browser"}),
    ]  # fmt: skip
    mapping = {}
    for i, node in enumerate(nodes):
        mapping[f"n{i}"] = {"id": f"n{i}", "message": node,
                            "parent": f"n{i - 1}" if i else None,
                            "children": [f"n{i + 1}"] if i + 1 < len(nodes) else []}  # fmt: skip
    return {"id": "c-pics", "title": "Pictures", "create_time": "2024-05-06T10:00:00Z",
            "update_time": "2024-05-06T11:00:00+00:00", "current_node": "n3",
            "mapping": mapping}  # fmt: skip


def write_zip(path: Path, conversations: list[dict[str, Any]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("conversations.json", orjson.dumps(conversations))
        zf.writestr("file-Pic1-bird.png", PNG)
        zf.writestr("user-u1/file_gen1-made.png", PNG)
    return path


@pytest.fixture
def library(tmp_path: Path) -> Any:
    export = write_zip(tmp_path / "odd.zip", [unlinked(), flat(), pictures()])
    with Library.open(str(tmp_path / "k.db")) as opened:
        report = opened.import_exports([export], show_progress=False).as_dict()
        opened.report = report  # type: ignore[attr-defined]
        yield opened


def thread(library: Library, conversation_id: str) -> list[str]:
    from keeper.tree import ConversationTree

    _, rows = library.conversation(conversation_id)
    return [n.text for n in ConversationTree.of_stored(rows).thread() if n.kind == "message"]


def test_unlinked_nodes_read_as_one_thread_by_time_and_the_report_says_so(library: Any) -> None:
    assert thread(library, "c-unlinked") == ["turn 0", "turn 1", "turn 2", "turn 3"]
    kinds = library.report["anomalies"]["counts"]
    assert kinds.get("unlinked_nodes") == 1


def test_a_flat_list_of_messages_is_imported_and_searchable(library: Any) -> None:
    assert thread(library, "c-flat") == ["which kettle descales best", "vinegar works", "thanks"]
    hits = library.search("kettle", mode="keyword")
    assert [h.conversation_id for h in hits] == ["c-flat"]
    assert library.report["anomalies"]["counts"].get("flat_messages") == 1
    # Still lossless: the export gives the record back as it came.
    out = io.BytesIO()
    library.export_chatgpt(out, Filters(conversation="c-flat"))
    assert orjson.loads(out.getvalue()) == [flat()]


def test_images_quotes_and_string_times_read_well(
    library: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    conv, _ = library.conversation("c-pics")
    assert conv.create_time == 1714989600.0  # "2024-05-06T10:00:00Z"
    visible = thread(library, "c-pics")
    assert visible[0] == "[image]\nwhat bird is this"
    assert visible[1].startswith("[image")  # the generated picture is in the thread
    assert main(["show", "--db", str(library.paths.db), "c-pics", "--hidden"]) == 0
    shown = capsys.readouterr().out
    assert "what bird is this" in shown and "a quoted passage" in shown
    assert "a listing of results" in shown
    files = [line for line in shown.splitlines() if line.startswith("![image")]
    assert len(files) == 2 and all(Path(line.split("](")[1][:-1]).is_file() for line in files)
    notes = tmp_path / "notes"
    assert main(["export", "--db", str(library.paths.db), "--format", "markdown", "-o",
                 str(notes), "--conversation", "c-pics"]) == 0  # fmt: skip
    (note,) = notes.glob("*.md")
    body = note.read_text()
    assert "[image]\nwhat bird is this\n\n![image: " in body
    link = body.split("![image: ", 1)[1].split("](", 1)[1].split(")", 1)[0]
    assert (notes / link).is_file()


def test_an_unreadable_time_is_reported() -> None:
    record = {"id": "c", "create_time": "yesterday", "update_time": "1700000000",
              "mapping": {"a": {"id": "a", "message": message(0, "user", text("hi"))}}}  # fmt: skip
    parsed = parse_conversation(record)
    assert parsed.create_time is None and parsed.update_time == 1700000000.0
    assert [i.kind for i in parsed.issues] == ["unreadable_time"]


def test_an_input_where_nothing_could_be_stored_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "conversations.json"
    junk.write_bytes(orjson.dumps([42, "not a conversation", None]))
    assert main(["import", "--db", str(tmp_path / "k.db"), "--no-embed", str(junk)]) == 1
    assert "nothing was imported" in capsys.readouterr().err
