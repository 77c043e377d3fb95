"""Import order never loses files, and an older export never rolls back a newer one."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import orjson

from keeper.library import Library

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def conversation(
    cid: str, title: str, updated: float, texts: list[str], *, image: bool = False
) -> dict[str, Any]:
    """A linear conversation; with ``image`` its first message carries a picture."""
    mapping: dict[str, Any] = {
        "root": {"id": "root", "message": None, "parent": None, "children": ["m0"]}
    }
    parent = "root"
    for i, body in enumerate(texts):
        node = f"m{i}"
        parts: list[Any] = [body]
        content: dict[str, Any] = {"content_type": "text", "parts": parts}
        if image and i == 0:
            content = {
                "content_type": "multimodal_text",
                "parts": [
                    {
                        "content_type": "image_asset_pointer",
                        "asset_pointer": "file-service://file-Pic123",
                        "size_bytes": len(PNG),
                        "width": 4,
                        "height": 4,
                    },
                    body,
                ],
            }
        mapping[node] = {
            "id": node,
            "parent": parent,
            "children": [f"m{i + 1}"] if i + 1 < len(texts) else [],
            "message": {
                "id": node,
                "author": {"role": "user" if i % 2 == 0 else "assistant"},
                "create_time": 1700000000.0 + i,
                "content": content,
            },
        }
        parent = node
    return {
        "id": cid,
        "conversation_id": cid,
        "title": title,
        "create_time": 1700000000.0,
        "update_time": updated,
        "current_node": parent,
        "mapping": mapping,
    }


def write_zip(path: Path, conversations: list[dict[str, Any]], files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("conversations.json", orjson.dumps(conversations))
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_the_zip_after_its_conversations_json_still_copies_the_files(tmp_path: Path) -> None:
    convs = [conversation("c-pic", "A picture", 1700000100.0, ["look", "nice"], image=True)]
    bare = tmp_path / "conversations.json"
    bare.write_bytes(orjson.dumps(convs))
    full = write_zip(tmp_path / "export.zip", convs, {"file-Pic123-cat.png": PNG})
    with Library.open(str(tmp_path / "k.db")) as library:
        first = library.import_exports([bare], show_progress=False).as_dict()
        assert first["assets"]["missing"] == 1
        assert [a["path"] for a in library.assets("c-pic")] == [None]
        second = library.import_exports([full], show_progress=False).as_dict()
        assert second["conversations"]["unchanged"] == 1
        assert second["assets"]["filled"] == 1
        (ref,) = library.assets("c-pic")
        assert ref["path"] and Path(ref["path"]).read_bytes() == PNG


def test_an_older_export_after_a_newer_one_rolls_nothing_back(tmp_path: Path) -> None:
    old_a = conversation("c-a", "Draft title", 1700000100.0, ["hi", "hello"])
    new_a = conversation("c-a", "Final title", 1700009000.0, ["hi", "hello", "more", "sure"])
    # Born after the old export was taken, so only the newer export has it.
    new_b = conversation("c-b", "Newer chat", 1700008000.0, ["tea?", "green"])
    new_b["create_time"] = 1700007000.0
    newer = write_zip(tmp_path / "newer.zip", [new_a, new_b], {})
    older = write_zip(tmp_path / "older.zip", [old_a], {})
    with Library.open(str(tmp_path / "k.db")) as library:
        library.import_exports([newer], show_progress=False)
        report = library.import_exports([older], show_progress=False).as_dict()
        assert report["conversations"]["marked_absent"] == 0
        rows = {r.id: r for r in library.conversations()}
        assert rows["c-a"].title == "Final title"
        assert not rows["c-b"].absent and not rows["c-a"].absent
        _, nodes = library.conversation("c-a")
        visible = [n.text for n in nodes if n.on_path and n.kind == "message"]
        assert visible == ["hi", "hello", "more", "sure"]


def test_an_older_export_lacking_a_conversation_does_not_mark_it_missing(tmp_path: Path) -> None:
    # Older exports left some conversations out (Projects, for one): one the newer export
    # holds, last updated before the older export was taken, is not "gone".
    new_a = conversation("c-a", "Final title", 1700009000.0, ["hi", "hello", "more", "sure"])
    project = conversation("c-p", "In a project", 1700000050.0, ["plan", "ok"])
    old_a = conversation("c-a", "Draft title", 1700000100.0, ["hi", "hello"])
    newer = write_zip(tmp_path / "newer.zip", [new_a, project], {})
    older = write_zip(tmp_path / "older.zip", [old_a], {})
    with Library.open(str(tmp_path / "k.db")) as library:
        library.import_exports([newer], show_progress=False)
        report = library.import_exports([older], show_progress=False).as_dict()
        assert report["conversations"]["marked_absent"] == 0
        assert not any(r.absent for r in library.conversations())
        # A genuinely newer export still marks what it no longer holds.
        newest = conversation("c-a", "Final title", 1700009500.0, ["hi", "hello", "more"])
        latest = write_zip(tmp_path / "latest.zip", [newest], {})
        assert (
            library.import_exports([latest], show_progress=False).as_dict()["conversations"][
                "marked_absent"
            ]
            == 1
        )


def test_a_snapshot_without_times_never_replaces_a_dated_one(tmp_path: Path) -> None:
    dated = conversation("c-a", "Final title", 1700009000.0, ["hi", "hello", "more", "sure"])
    undated = conversation("c-a", "Draft title", 0, ["hi", "hello"])
    del undated["update_time"]
    newer = write_zip(tmp_path / "newer.zip", [dated], {})
    older = write_zip(tmp_path / "undated.zip", [undated], {})
    with Library.open(str(tmp_path / "k.db")) as library:
        library.import_exports([newer], show_progress=False)
        library.import_exports([older], show_progress=False)
        conv, nodes = library.conversation("c-a")
        assert conv.title == "Final title"
        assert [n.text for n in nodes if n.on_path and n.kind == "message"][-1] == "sure"
