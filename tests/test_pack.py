"""Context packs from the real sample export: sections, traceability, budget, targets,
redaction, profile choices, scope."""

from __future__ import annotations

import re

import orjson
import pytest

from keeper.cli import main
from keeper.errors import UsageError
from keeper.library import Library
from keeper.pack import PackOptions
from keeper.pack.redact import Redactor
from keeper.pack.targets import CHATGPT_FIELD_CHARS
from keeper.pack.tokens import TOKENIZER, estimate_tokens
from keeper.store import reader
from tests.continuity_support import MSG_REF, open_sample

SECTIONS = (
    "## About me",
    "## How you spoke with me",
    "## Threads that matter",
    "## Key facts",
    "## Sources",
)


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = [text.find("\n## ", start + 1)]
    end = min(i for i in following if i > 0) if following[0] > 0 else len(text)
    return text[start:end]


def _message_ids(text: str) -> set[str]:
    return {a or b for a, b in MSG_REF.findall(text)}


def test_whole_archive_pack_has_every_section(sample_library: Library, index: dict) -> None:
    pack = sample_library.pack(PackOptions(budget=8000))
    for heading in SECTIONS:
        assert heading in pack.text
    about = _section(pack.text, "## About me")
    assert "Preferred name: Mika" in about, "latest custom instructions"
    assert "Be warm but honest" in about
    assert "Has a cat named Mochi." in about and "2024-10-22" in about, "memory with its date"
    assert "hates her carrier" in about, "the bio write made during a chat"
    persona = _section(pack.text, "## How you spoke with me")
    assert "gpt-4o" in persona and "“Mika”" in persona and "little comet" in persona
    threads = _section(pack.text, "## Threads that matter")
    assert index["companion-long"]["title"] in threads, "the longest thread leads"
    assert threads.index(index["companion-long"]["title"]) < 200
    assert "Decided:" in threads and "Open:" in threads and "Last:" in threads
    assert _section(pack.text, "## Key facts").count("\n- ") >= 3
    assert TOKENIZER in pack.text


def test_every_statement_is_traceable(sample_library: Library) -> None:
    pack = sample_library.pack(PackOptions(budget=6000))
    sources = _section(pack.text, "## Sources")
    listed = set(re.findall(r"`([0-9a-f-]{36})`$", sources, re.M))
    assert listed == {s.conversation_id for s in pack.sources}
    ids = _message_ids(pack.text)
    assert len(ids) >= 10
    for source in pack.sources:
        conv, rows = sample_library.conversation(source.conversation_id)
        assert f"{conv.title} — " in sources
        message_ids = {r.message_id for r in rows}
        assert set(source.message_ids) <= message_ids
    cited = {m for s in pack.sources for m in s.message_ids}
    assert ids <= cited, "every message id in the text belongs to a listed source"
    # Each fact line names its conversation title and date.
    for line in _section(pack.text, "## Key facts").splitlines()[2:]:
        if line.startswith("- "):
            assert re.search(r"— “.+”, \d{4}-\d{2}-\d{2}, msg `", line), line


@pytest.mark.parametrize("budget", [400, 1000, 2500, 8000])
def test_budget_is_respected(sample_library: Library, budget: int) -> None:
    pack = sample_library.pack(PackOptions(budget=budget))
    assert pack.tokens == estimate_tokens(pack.text) <= budget
    assert f"~{pack.tokens} tokens of a {budget:,} budget" in pack.text
    if budget >= 2500:
        assert pack.tokens > budget * 0.8, "the budget is used, not wasted"


def test_bigger_budgets_cite_more(sample_library: Library) -> None:
    small = sample_library.pack(PackOptions(budget=1500))
    large = sample_library.pack(PackOptions(budget=8000))
    assert len(_message_ids(large.text)) > len(_message_ids(small.text))


def test_targets(sample_library: Library) -> None:
    chatgpt = sample_library.pack(PackOptions(budget=4000, target="chatgpt"))
    fields = chatgpt.fields
    assert set(fields) == {"what_should_chatgpt_know_about_you", "how_should_chatgpt_respond"}
    for value in fields.values():
        assert 200 < len(value) <= CHATGPT_FIELD_CHARS
        assert f"```text\n{value}\n```" in chatgpt.text
    assert "Mika" in fields["what_should_chatgpt_know_about_you"]
    assert "Be warm but honest" in fields["how_should_chatgpt_respond"]
    assert "gpt-4o" in fields["how_should_chatgpt_respond"]
    claude = sample_library.pack(PackOptions(budget=4000, target="claude"))
    for tag in ("context_pack", "about_me", "how_you_spoke_with_me", "threads", "sources"):
        assert f"<{tag}>" in claude.text and f"</{tag}>" in claude.text
    system = sample_library.pack(PackOptions(budget=4000, target="system-prompt"))
    assert system.text.startswith("You are my long-term assistant.")
    gemini = sample_library.pack(PackOptions(budget=4000, target="gemini"))
    assert "## About me" in gemini.text
    for pack in (chatgpt, claude, system, gemini):
        assert pack.tokens <= 4000


def test_scope_by_conversation_search_project_since(sample_library: Library, index: dict) -> None:
    pasta = index["pasta"]["id"]
    pack = sample_library.pack(PackOptions(conversations=(pasta[:8],), budget=3000))
    threads = _section(pack.text, "## Threads that matter")
    assert threads.count("### ") == 1 and pasta in threads
    facts = _section(pack.text, "## Key facts") if "## Key facts" in pack.text else ""
    assert all(index["pasta"]["title"] in line for line in facts.splitlines()[2:] if line)

    found = sample_library.pack(PackOptions(search="sourdough starter", budget=3000))
    first = _section(found.text, "## Threads that matter").split("### ")[1]
    assert first.startswith(index["custom-gpt"]["title"])

    project = sample_library.conversations()[0].project
    projects = {c.project for c in sample_library.conversations() if c.project}
    project = sorted(projects)[0]
    in_project = {c.id for c in sample_library.conversations() if c.project == project}
    scoped = sample_library.pack(PackOptions(project=project, budget=3000))
    heads = re.findall(r"· `([0-9a-f-]{36})`", _section(scoped.text, "## Threads that matter"))
    assert heads and set(heads) <= in_project

    since = sample_library.pack(PackOptions(since=1767225600.0, budget=3000))  # 2026-01-01
    heads = re.findall(r"· `([0-9a-f-]{36})`", _section(since.text, "## Threads that matter"))
    dates = {c.id: c.update_time or 0 for c in sample_library.conversations()}
    assert heads and all(dates[h] >= 1767225600.0 for h in heads)


def test_pack_errors(sample_library: Library) -> None:
    with pytest.raises(UsageError, match="target"):
        sample_library.pack(PackOptions(target="myspace"))
    with pytest.raises(UsageError, match="too small"):
        sample_library.pack(PackOptions(budget=50))
    with pytest.raises(UsageError, match="No messages match"):
        sample_library.pack(PackOptions(search="zzqxv nonexistentword"))
    with pytest.raises(UsageError, match="No conversations match"):
        sample_library.pack(PackOptions(project="g-p-doesnotexist"))


def test_profile_choices_and_redaction(tmp_path, index: dict) -> None:  # type: ignore[no-untyped-def]
    library = open_sample(tmp_path)
    items = {i["text"]: i for i in library.profile()}
    name = items["User's name is Mika."]
    cat = items["Has a cat named Mochi."]
    library.set_profile_item(name["id"], included=False)
    secret = (
        "Has a cat named Mochi. Vet: mochi.vet@example.com, +1 (503) 555-0142, "
        "1234 NW Everett Street, Apt 5."
    )
    library.set_profile_item(cat["id"], edited_text=secret)
    stored = {i["id"]: i for i in library.profile()}
    assert stored[name["id"]]["included"] == 0
    assert stored[cat["id"]]["edited_text"] == secret
    assert stored[cat["id"]]["text"] == "Has a cat named Mochi.", "the original is kept"

    plain = library.pack(PackOptions(budget=3000))
    about = _section(plain.text, "## About me")
    assert "User's name is Mika." not in about
    assert "mochi.vet@example.com" in about and not plain.redactions

    masked = library.pack(PackOptions(budget=3000, redact=True))
    for value in ("mochi.vet@example.com", "555-0142", "Everett Street"):
        assert value not in masked.text
    kinds = {r["kind"]: r for r in masked.redactions}
    assert kinds["EMAIL"]["value"] == "mochi.vet@example.com"
    assert kinds["PHONE"]["value"] == "+1 (503) 555-0142"
    assert kinds["ADDRESS"]["value"].startswith("1234 NW Everett Street")
    for item in masked.redactions:
        assert item["placeholder"] in masked.text
    note = masked.text.split("Redacted before packing: ", 1)[1].split("\n", 1)[0]
    assert {"1 e-mail address", "1 phone number", "1 street address"} <= set(
        note.rstrip(".").split(", ")
    )
    # Message ids and dates survive redaction.
    assert _message_ids(masked.text) and re.search(r"\d{4}-\d{2}-\d{2}", masked.text)

    library.set_profile_item(name["id"], included=True)
    library.set_profile_item(cat["id"], edited_text="")
    assert "User's name is Mika." in library.pack(PackOptions(budget=3000)).text
    with pytest.raises(UsageError):
        library.set_profile_item(999_999, included=False)
    library.close()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to anna.b+news@mail.example.org today", "EMAIL"),
        ("call 030 1234567 or", "PHONE"),
        ("call +44 20 7946 0958 now", "PHONE"),
        ("card 4111 1111 1111 1111 expires", "CARD"),
        ("SSN 123-45-6789", "SSN"),
        ("IBAN DE89 3704 0044 0532 0130 00", "IBAN"),
        ("from 10.0.0.12 at", "IP"),
        ("we live at 742 Evergreen Terrace", "ADDRESS"),
        ("地址是北京市朝阳路12号", "ADDRESS"),
    ],
)
def test_redactor_masks(text: str, kind: str) -> None:
    redactor = Redactor()
    out = redactor(text)
    assert f"[{kind}-1]" in out
    assert redactor.report()[0]["kind"] == kind


@pytest.mark.parametrize(
    "text",
    [
        "On 2024-05-01 I baked 3 loaves at 230 degrees.",
        "msg 0675064b-0494-5d6d-a770-c67df54026cb",
        "In 1999 we had 12 cats and 4111 books.",
        "Chapter 7, page 120.",
    ],
)
def test_redactor_leaves_ordinary_text(text: str) -> None:
    assert Redactor()(text) == text


def test_token_estimate_counts_cjk_per_character() -> None:
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("我很喜欢猫") == 5
    assert estimate_tokens("猫 cat") == 1 + 1


def test_cli_pack_output_copy_json(
    sample_library: Library,
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(sample_library.paths.db)
    out = tmp_path / "pack.md"
    assert main(["pack", "--db", db, "--budget", "2000", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("# Context pack")
    assert "of 2,000 tokens" in err and TOKENIZER in err
    assert main(["pack", "--db", db, "--budget", "2000", "--json", "--target", "chatgpt"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["tokens"] <= 2000 and data["fields"] and data["sources"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["pack", "--db", db, "--budget", "2000", "--copy"]) == 1
    assert "No clipboard tool found" in capsys.readouterr().err
    fake = tmp_path / "bin"
    fake.mkdir()
    tool = fake / "pbcopy"
    tool.write_text(f"#!/bin/sh\nexec /bin/cat > {tmp_path / 'clip.txt'}\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    assert main(["pack", "--db", db, "--budget", "2000", "--copy"]) == 0
    assert "Copied to the clipboard (pbcopy)" in capsys.readouterr().err
    assert (tmp_path / "clip.txt").read_text(encoding="utf-8").startswith("# Context pack")


def test_cli_profile_and_persona(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    library = open_sample(tmp_path)
    db = str(library.paths.db)
    library.close()
    assert main(["profile", "--db", db, "--json"]) == 0
    items = orjson.loads(capsys.readouterr().out)
    kinds = {i["kind"] for i in items}
    assert {"about_user", "about_model", "memory"} <= kinds
    assert all(i["conversation_id"] and "first_seen" in i for i in items)
    memory = next(i for i in items if i["kind"] == "memory")
    assert main(["profile", "--db", db, "--exclude", str(memory["id"])]) == 0
    listing = capsys.readouterr().out
    assert f"[ ] #{memory['id']}" in listing and "Memories" in listing
    assert main(["profile", "--db", db, "--edit", str(memory["id"]), "Edited!"]) == 0
    assert "Edited! (edited)" in capsys.readouterr().out
    assert main(["profile", "--db", db, "--exclude", "99999"]) == 2
    capsys.readouterr()
    assert main(["persona", "--db", db]) == 0
    card = capsys.readouterr().out
    assert card.startswith("# How gpt-4o spoke with me") and "Mika" in card
    assert main(["persona", "--db", db, "--model", "gpt-5", "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["model"] == "gpt-5" and data["messages"] >= 3
    with Library.open(db) as reopened:
        by_model = dict(reopened.stats()["messages_by_model"])
        assert reader.list_conversations(reopened.conn)
    assert data["messages"] <= by_model["gpt-5"]
