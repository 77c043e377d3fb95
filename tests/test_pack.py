"""Context packs from the real sample export: real token budgets, short references that
resolve, state cards, the voice, about me, targets, redaction, scope, CLI."""

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
from keeper.pack.tokens import TOKENIZER, count_tokens, trim_to_tokens
from keeper.store import reader
from tests.continuity_support import open_sample

HEADINGS = (
    "## About me",
    "## How you spoke with me",
    "## Threads in progress",
    "## Key facts",
    "## Sources",
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CARD = re.compile(r"^### (.+) \[(\d+)\]$", re.M)


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _card(text: str, title: str) -> str:
    start = text.index(f"### {title} [")
    end = text.find("\n### ", start + 1)
    stop = text.find("\n## ", start + 1)
    ends = [e for e in (end, stop) if e > 0]
    return text[start : min(ends) if ends else len(text)]


def test_whole_archive_pack_has_every_section(sample_library: Library, index: dict) -> None:
    pack = sample_library.pack(PackOptions(budget=8000))
    for heading in HEADINGS:
        assert heading in pack.text
    about = _section(pack.text, "## About me")
    # Custom instructions keep their line breaks.
    assert "> Preferred name: Mika\n> Role: Freelance illustrator" in about
    assert "Be warm but honest" in about
    assert "[2024-10-22] Has a cat named Mochi." in about, "memory with its date"
    assert "hates her carrier" in about, "the bio write made during a chat"
    assert "**Mochi** (pet, cat;" in about, "the life sheet names the cat"
    threads = _section(pack.text, "## Threads in progress")
    first = CARD.search(threads)
    assert first is not None and first.group(1) == index["companion-long"]["title"]
    assert TOKENIZER in pack.text and f"{pack.tokens} of 8,000 tokens" in pack.text


def test_sample_checklist(sample_library: Library, index: dict) -> None:
    """What a person handing Sol over would look for, each in its place."""
    pack = sample_library.pack(PackOptions(budget=8000))
    persona = _section(pack.text, "## How you spoke with me")
    assert "You are continuing as **Sol**" in persona, "the name the user gave the assistant"
    assert re.search(r"“little comet” \(\d+×\)", persona), "nickname with its count"
    assert re.search(r"sign off “Sol” \(\d+×\)", persona), "the sign-off"
    assert "“sturdy girl”" in persona and "“hug in a bowl”" in persona, "private phrases"
    assert "vent or to problem-solve" in persona, "a characteristic behaviour"
    card = _card(pack.text, index["companion-long"]["title"])
    assert "5 months · 12 sessions" in card
    open_line = next(line for line in card.splitlines() if line.startswith("- Still open:"))
    assert "second book" in open_line, "the new idea is still open"
    assert "What should the cat be called?" not in open_line, "answered in the next turn"
    assert "Can we write a little poem" not in open_line, "answered and accepted"
    decided = next(line for line in card.splitlines() if line.startswith("- Decided:"))
    assert "I'm using that. Exactly as it is." in decided and "Kinako" in decided
    assert "Yep, will do" not in decided
    about = _section(pack.text, "## About me")
    kyoto = next(line for line in about.splitlines() if "wants to visit Kyoto" in line)
    assert kyoto.startswith("- ~~") and "superseded" in kyoto and "back from Kyoto" in kyoto
    assert "4.6 kilos" in pack.text and "6 kilos" not in pack.text.replace("4.6 kilos", "")


@pytest.mark.parametrize("budget", [300, 400, 1000, 2500, 8000])
@pytest.mark.parametrize("target", ["generic", "chatgpt", "claude", "gemini", "system-prompt"])
def test_budget_is_a_ceiling_in_real_tokens(
    sample_library: Library, budget: int, target: str
) -> None:
    pack = sample_library.pack(PackOptions(budget=budget, target=target))
    assert pack.tokens == count_tokens(pack.text) <= budget
    assert f"{pack.tokens} of {budget:,} tokens, counted with {TOKENIZER}" in pack.text
    if budget >= 2500 and target == "generic":
        assert pack.tokens > budget * 0.6, "the budget is used, not wasted"


def test_small_budgets_keep_the_thread_that_matters(sample_library: Library, index: dict) -> None:
    pack = sample_library.pack(PackOptions(budget=1000))
    titles = [m.group(1) for m in CARD.finditer(pack.text)]
    assert titles and titles[0] == index["companion-long"]["title"]
    assert "Packing list for Lisbon" not in titles
    big = sample_library.pack(PackOptions(budget=8000))
    small_card = _card(pack.text, titles[0])
    assert len(small_card) < len(_card(big.text, titles[0])), "detail shrinks with the budget"


def test_one_off_questions_are_not_threads(sample_library: Library) -> None:
    pack = sample_library.pack(PackOptions(budget=8000))
    titles = [m.group(1) for m in CARD.finditer(pack.text)]
    assert "(untitled)" not in titles, "the egg-boiling question"
    assert "Packing list for Lisbon" not in titles
    ranked = sample_library.pack(PackOptions(budget=8000, project=None))
    assert ranked.text.index("### Sol & Mika") < ranked.text.index("### Chapter 7")


def test_references_resolve(sample_library: Library) -> None:
    pack = sample_library.pack(PackOptions(budget=6000))
    body, sources = pack.text.split("## Sources", 1)
    numbers = {int(n) for n in re.findall(r"^\[(\d+)\] ", sources, re.M)}
    assert numbers == set(range(1, len(pack.sources) + 1))
    by_number = {i + 1: s for i, s in enumerate(pack.sources)}
    for n, k in re.findall(r"\[(\d+)\.(\d+)\]", body):
        assert int(k) <= len(by_number[int(n)].message_ids)
    # Under a card headed [n], #k is the k-th message quoted from source n.
    for block in body.split("\n### ")[1:]:
        head = re.match(r".+ \[(\d+)\]\n", block)
        assert head is not None
        source = by_number[int(head.group(1))]
        for k in re.findall(r"(?<=\s)#(\d+)\b", block.split("\n## ")[0]):
            assert int(k) <= len(source.message_ids)
        assert f"{source.date} {source.conversation_id[:8]}" in sources
    for source in pack.sources:
        _, rows = sample_library.conversation(source.conversation_id)
        assert set(source.message_ids) <= {r.message_id for r in rows}
    assert not UUID.search(body), "no inline UUIDs"
    assert pack.citation_tokens <= 0.15 * pack.tokens, "citations cost at most 15%"


def test_conversation_pack_always_holds_its_card(sample_library: Library, index: dict) -> None:
    for key in ("pasta", "companion-long"):
        conv = index[key]
        for budget in (300, 1200):
            pack = sample_library.pack(PackOptions(conversations=(conv["id"][:8],), budget=budget))
            assert f"### {conv['title']} [" in pack.text, (key, budget)
            assert pack.tokens <= budget


def test_scoped_voice_and_search_facts(sample_library: Library, index: dict) -> None:
    pasta = sample_library.pack(PackOptions(conversations=(index["pasta"]["id"],), budget=3000))
    assert "little comet" not in pasta.text, "a conversation pack describes that conversation"
    found = sample_library.pack(PackOptions(search="sourdough starter", budget=3000))
    first = CARD.search(found.text)
    assert first is not None and first.group(1) == index["custom-gpt"]["title"]
    facts = _section(found.text, "## Key facts") if "## Key facts" in found.text else found.text
    assert re.search(r"starter|sourdough|loaf", facts, re.I)


def test_scope_by_project_and_since(sample_library: Library) -> None:
    projects = sorted({c.project for c in sample_library.conversations() if c.project})
    in_project = {c.id for c in sample_library.conversations() if c.project == projects[0]}
    scoped = sample_library.pack(PackOptions(project=projects[0], budget=3000))
    number = {str(i + 1): s.conversation_id for i, s in enumerate(scoped.sources)}
    carded = {number[n] for _, n in CARD.findall(scoped.text)}
    assert carded and carded <= in_project, "threads come from the project; about me is global"
    since = sample_library.pack(PackOptions(since=1767225600.0, budget=3000))  # 2026-01-01
    dates = {c.id: c.update_time or 0 for c in sample_library.conversations()}
    number = {str(i + 1): s.conversation_id for i, s in enumerate(since.sources)}
    carded = {number[n] for _, n in CARD.findall(since.text)}
    assert carded and all(dates[c] >= 1767225600.0 for c in carded)


def test_targets_differ(sample_library: Library) -> None:
    chatgpt = sample_library.pack(PackOptions(budget=4000, target="chatgpt"))
    fields = chatgpt.fields
    assert set(fields) == {"what_should_chatgpt_know_about_you", "how_should_chatgpt_respond"}
    for value in fields.values():
        assert 200 < len(value) <= CHATGPT_FIELD_CHARS
        assert f"```text\n{value}\n```" in chatgpt.text
        assert not re.search(r"\*\*|~~|^>|\[\d+(?:\.\d+)?\]|#\d|msg|`", value, re.M), value
        assert not UUID.search(value)
    assert "Preferred name: Mika" in fields["what_should_chatgpt_know_about_you"]
    assert "wants to visit Kyoto" not in fields["what_should_chatgpt_know_about_you"]
    assert "Be warm but honest" in fields["how_should_chatgpt_respond"]
    assert "Sol" in fields["how_should_chatgpt_respond"]
    claude = sample_library.pack(PackOptions(budget=4000, target="claude"))
    lines = re.findall(r"^\[(\d{4}-\d{2}-\d{2})\] - (.+)$", claude.text, re.M)
    assert ("2024-10-22", "Has a cat named Mochi.") in lines
    assert all("wants to visit Kyoto" not in text for _, text in lines)
    for tag in ("context_pack", "about_me", "how_you_spoke_with_me", "threads"):
        assert f"<{tag}>" in claude.text and f"</{tag}>" in claude.text
    system = sample_library.pack(PackOptions(budget=4000, target="system-prompt"))
    assert system.text.startswith("You are Mika's long-term assistant.")
    assert "# How you speak with Mika" in system.text
    for first_person in ("What I told", "How I asked", "You called me", " from me", "my life"):
        assert first_person not in system.text
    gemini = sample_library.pack(PackOptions(budget=4000, target="gemini"))
    assert gemini.text.startswith("# Context pack for a Gem") and "## About me" in gemini.text
    generic = sample_library.pack(PackOptions(budget=4000))
    assert len({p.text.split("\n", 1)[0] for p in (chatgpt, claude, system, gemini, generic)}) == 5


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
        "Has a cat named Mochi. Vet: mochi.vet@example.com, +1 (415) 555-0134. "
        "Clinic at 1234 NW Everett Street, Apt 5. Next visit 12.03.2025; the court date is "
        "2025-04-01."
    )
    library.set_profile_item(cat["id"], edited_text=secret)
    stored = {i["id"]: i for i in library.profile()}
    assert stored[cat["id"]]["text"] == "Has a cat named Mochi.", "the original is kept"

    plain = library.pack(PackOptions(budget=3000))
    assert "User's name is Mika." not in _section(plain.text, "## About me")
    assert "mochi.vet@example.com" in plain.text and not plain.redactions

    masked = library.pack(PackOptions(budget=3000, redact=True))
    # Everything but the report of what was masked (which maps placeholders back).
    data = orjson.dumps({k: v for k, v in masked.as_dict().items() if k != "redactions"}).decode()
    for value in ("mochi.vet@example.com", "555-0134", "Everett Street"):
        assert value not in masked.text and value not in data
    kinds = {r["kind"]: r for r in masked.redactions}
    assert kinds["EMAIL"]["value"] == "mochi.vet@example.com"
    assert kinds["PHONE"]["value"] == "+1 (415) 555-0134"
    assert kinds["ADDRESS"]["value"].startswith("1234 NW Everett Street")
    assert "12.03.2025" in masked.text and "the court date is" in masked.text
    for item in masked.redactions:
        assert item["placeholder"] in masked.text
    assert re.search(r"\d{4}-\d{2}-\d{2}", masked.text), "dates survive"

    names = library.pack(PackOptions(budget=3000, redact=True, redact_names=True))
    assert "Mochi" not in names.text and any(r["kind"] == "NAME" for r in names.redactions)

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
        ("call +1 (415) 555-0134.", "PHONE"),
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
        "We met on 12.03.2025 and again on 2025-03-12 10:30.",
        "The court said no; it was a long way home.",
        "3 Supreme Court cases were cited.",
        "msg 0675064b-0494-5d6d-a770-c67df54026cb",
        "In 1999 we had 12 cats and 4111 books.",
        "Chapter 7, page 120.",
    ],
)
def test_redactor_leaves_ordinary_text(text: str) -> None:
    assert Redactor()(text) == text


def test_real_token_counts() -> None:
    assert count_tokens("") == 0
    uuid = "0675064b-0494-5d6d-a770-c67df54026cb"
    assert count_tokens(uuid) > len(uuid) / 4, "ids cost more than 4 characters a token"
    assert 0 < count_tokens("我很喜欢猫") <= 5
    trimmed = trim_to_tokens("one two three four five six seven eight nine ten", 5)
    assert trimmed.endswith("…") and count_tokens(trimmed) <= 6


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
    assert data["tokens"] <= 2000 and data["tokenizer"] == TOKENIZER and data["fields"]
    assert sum(len(s["message_ids"]) for s in data["sources"]) >= 5
    assert 0 < data["citation_tokens"] < data["tokens"]
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


def test_token_counts_match_the_wrapper() -> None:
    import bpe_openai

    wrapper = bpe_openai.get_encoding("o200k_base")
    for text in (
        "Sleep soft, Mika. 🌙 — Sol",
        "晚安，小太阳。——阿澈 今日は京都に行きました。",
        "0675064b-0494-5d6d-a770-c67df54026cb [3.2] #12 ~~struck~~\n> quoted",
    ):
        assert count_tokens(text) == len(wrapper.encode(text))
