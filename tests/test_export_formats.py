"""Markdown, OpenAI chat JSONL and ShareGPT exports of the real sample: round trips."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from keeper.cli import main
from keeper.export.chat_jsonl import merged_turns
from keeper.export.markdown import note_name, parse_front_matter
from keeper.library import Library
from keeper.store.filters import Filters
from keeper.summarize.engine import visible_turns


def test_markdown_round_trip(sample_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "vault"
    count = sample_library.export_markdown(out)
    conversations = sample_library.conversations()
    assert count == len(conversations)
    notes = sorted(out.glob("*.md"))
    assert len(notes) == count
    for conv in conversations:
        note = out / note_name(conv)
        text = note.read_text(encoding="utf-8")
        meta = parse_front_matter(text)
        assert meta["conversation_id"] == conv.id
        assert meta["title"] == (conv.title or "(untitled)")
        assert meta["archived"] == conv.is_archived
        assert meta.get("project") == conv.project
        _, rows = sample_library.conversation(conv.id)
        turns = visible_turns(rows)
        assert meta["messages"] >= len(turns)
        for turn in turns:
            assert turn.text.strip() in text, "every visible message is in the note"
        for link in [line for line in text.splitlines() if "](assets/" in line]:
            target = link.split("](", 1)[1].split(")", 1)[0]
            assert (out / target).is_file()


def test_markdown_images_and_branches(sample_library: Library, index: dict, tmp_path: Path) -> None:
    out = tmp_path / "vault"
    sample_library.export_markdown(out)
    conv, _ = sample_library.conversation(index["logo-design"]["id"])
    logo = (out / note_name(conv)).read_text(encoding="utf-8")
    assert "## Files" in logo and "![" in logo and "](assets/" in logo
    conv, _ = sample_library.conversation(index["novel-branches"]["id"])
    branches = (out / note_name(conv)).read_text(encoding="utf-8")
    assert ("## Branch" in branches and "‹ 1/2 ›" in branches) or "‹ 2/2 ›" in branches


def test_markdown_export_filters_and_errors(sample_library: Library, tmp_path: Path) -> None:
    count = sample_library.export_markdown(tmp_path / "m", Filters(model="gpt-5"))
    assert 0 < count < len(sample_library.conversations())
    clash = tmp_path / "file.md"
    clash.write_text("x")
    from keeper.errors import UsageError

    with pytest.raises(UsageError, match="is a file"):
        sample_library.export_markdown(clash)


def _jsonl(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def test_jsonl_chat_round_trip(sample_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "train.jsonl"
    with open(out, "wb") as handle:
        count = sample_library.export_chat_jsonl(handle)
    records = _jsonl(out)
    assert len(records) == count > 10
    expected = []
    for conv in sample_library.conversations(sort="created"):
        _, rows = sample_library.conversation(conv.id)
        turns = [t for t in visible_turns(rows) if t.role in ("user", "assistant")]
        merged = merged_turns(turns)
        if merged:
            expected.append([{"role": r, "content": t} for r, t, _ in merged])
    assert [r["messages"] for r in records] == expected
    for record in records:
        assert set(record) == {"messages"}
        assert record["messages"][-1]["role"] == "assistant"


def test_jsonl_chat_only_one_model(sample_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "4o.jsonl"
    with open(out, "wb") as handle:
        sample_library.export_chat_jsonl(handle, only_model="gpt-4o")
    records = _jsonl(out)
    assert records
    trainable = 0
    for record in records:
        for message in record["messages"]:
            if message["role"] == "assistant" and "weight" not in message:
                trainable += 1
    assert trainable >= 60
    # The exported gpt-4o turns are exactly the archive's visible gpt-4o replies.
    texts = {
        m["content"]
        for r in records
        for m in r["messages"]
        if m["role"] == "assistant" and "weight" not in m
    }
    persona = sample_library.persona("gpt-4o")
    for _, reply in persona.exchanges:
        assert any(reply.text in text for text in texts)


def test_sharegpt_round_trip(sample_library: Library, tmp_path: Path, index: dict) -> None:
    out = tmp_path / "sharegpt.jsonl"
    with open(out, "wb") as handle:
        sample_library.export_chat_jsonl(handle, style="sharegpt")
    records = {r["id"]: r["conversations"] for r in _jsonl(out)}
    companion = records[index["companion-long"]["id"]]
    assert [t["from"] for t in companion[:4]] == ["human", "gpt", "human", "gpt"]
    _, rows = sample_library.conversation(index["companion-long"]["id"])
    turns = visible_turns(rows)
    assert [t["value"] for t in companion] == [t.text.strip() for t in turns]
    with open(out, "wb") as handle:
        sample_library.export_chat_jsonl(handle, style="sharegpt", only_model="gpt-5")
    only = _jsonl(out)
    assert only and all(len(r["conversations"]) % 2 == 0 for r in only)


def test_cli_export_formats(
    sample_library: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(sample_library.paths.db)
    assert main(["export", "--db", db, "--format", "markdown", "-o", str(tmp_path / "md")]) == 0
    assert len(list((tmp_path / "md").glob("*.md"))) == len(sample_library.conversations())
    target = tmp_path / "a.jsonl"
    assert (
        main(
            [
                "export",
                "--db",
                db,
                "--format",
                "jsonl-chat",
                "--only-model",
                "gpt-4o",
                "--since",
                "2025-01-01",
                "-o",
                str(target),
            ]
        )
        == 0
    )
    assert _jsonl(target)
    assert main(["export", "--db", db, "--format", "sharegpt", "-o", str(target)]) == 0
    assert all("conversations" in r for r in _jsonl(target))
    assert main(["export", "--db", db, "--format", "chatgpt", "-o", str(target)]) == 0
    assert len(orjson.loads(target.read_bytes())) == len(sample_library.conversations())
    assert "Wrote" in capsys.readouterr().err
