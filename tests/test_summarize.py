"""Offline summaries on the real sample export: abstract, keywords, timeline, chapters, cache."""

from __future__ import annotations

import orjson
import pytest

from keeper.library import Library
from keeper.model import Summary
from keeper.store import continuity
from keeper.summarize.engine import visible_turns
from keeper.summarize.terms import terms
from tests.continuity_support import open_sample
from tests.synth import companion


def test_every_sample_conversation_summarizes(sample_library: Library) -> None:
    for conv in sample_library.conversations():
        summary = sample_library.summarize(conv.id)
        _, rows = sample_library.conversation(conv.id)
        turns = {t.node_id: t for t in visible_turns(rows)}
        assert summary.message_count == len(turns)
        assert len(summary.abstract) == min(5, len(turns))
        for quote in summary.abstract + summary.decisions + summary.open_questions:
            assert quote.node_id in turns, "every quoted turn is a visible turn of the thread"
            assert quote.text == turns[quote.node_id].text.strip()
        if len(turns) >= 2:
            assert summary.keywords, conv.title
        assert sum(entry.messages for entry in summary.timeline) == len(turns)
        again = Summary.from_dict(orjson.loads(orjson.dumps(summary.as_dict())))
        assert again == summary
        markdown = summary.to_markdown()
        for quote in summary.abstract:
            assert f"[{quote.message_id}]" in markdown


def test_abstract_has_no_duplicates_and_prefers_central_turns(
    sample_library: Library, index: dict
) -> None:
    summary = sample_library.summarize(index["companion-long"]["id"])
    texts = [q.text for q in summary.abstract]
    assert len(set(texts)) == len(texts)
    # A central turn shares vocabulary with the rest of the thread: the chosen turns are
    # on average more similar to the thread than the average turn is.
    _, rows = sample_library.conversation(index["companion-long"]["id"])
    bags = [set(terms(t.text)) for t in visible_turns(rows)]
    vocabulary: dict[str, int] = {}
    for bag in bags:
        for term in bag:
            vocabulary[term] = vocabulary.get(term, 0) + 1

    def spread(bag: set[str]) -> float:
        return sum(vocabulary[t] - 1 for t in bag) / max(1, len(bag))

    chosen = [spread(set(terms(q.text))) for q in summary.abstract]
    overall = [spread(b) for b in bags if b]
    assert sum(chosen) / len(chosen) > sum(overall) / len(overall)


def test_keywords_are_distinctive_against_the_archive(sample_library: Library, index: dict) -> None:
    assert {"starter", "sourdough"} & set(
        sample_library.summarize(index["custom-gpt"]["id"]).keywords
    )
    assert "pasta" in sample_library.summarize(index["pasta"]["id"]).keywords
    fair_use = sample_library.summarize(index["legal-fair-use"]["id"]).keywords
    assert "warhol" in fair_use or "transformative" in fair_use


def test_keywords_in_chinese_and_japanese(sample_library: Library, index: dict) -> None:
    zh = sample_library.summarize(index["zh-cat"]["id"]).keywords
    assert "麻糬" in zh
    ja = sample_library.summarize(index["ja-study"]["id"]).keywords
    assert "東京" in ja
    hiragana_only = [k for k in ja if all("\u3040" <= ch <= "\u309f" for ch in k)]
    assert not hiragana_only


def test_timeline_dates_and_models(sample_library: Library, index: dict) -> None:
    summary = sample_library.summarize(index["companion-long"]["id"])
    dates = [entry.date for entry in summary.timeline]
    assert dates == sorted(dates)
    assert len(dates) == len(companion.SESSIONS)
    assert all(entry.models == ["gpt-4o"] for entry in summary.timeline)
    assert summary.models == ["gpt-4o"]


def test_chapters_follow_the_topic_shifts(sample_library: Library, index: dict) -> None:
    """The companion thread's sessions change topic; chapter starts should land on them
    far more often than evenly spaced cuts do."""
    conv_id = index["companion-long"]["id"]
    summary = sample_library.summarize(conv_id)
    assert len(summary.chapters) >= 3
    _, rows = sample_library.conversation(conv_id)
    order = [t.node_id for t in visible_turns(rows)]
    assert sum(c.turns for c in summary.chapters) == len(order)
    starts = [order.index(c.start_node) for c in summary.chapters]
    assert starts == sorted(starts) and starts[0] == 0
    session_starts, position = [], 0
    for session in companion.SESSIONS:
        session_starts.append(position)
        position += 2 * len(session[5])

    def hits(cuts: list[int]) -> int:
        return sum(1 for cut in cuts if any(abs(cut - s) <= 2 for s in session_starts))

    cuts = starts[1:]
    even = [round(i * len(order) / len(starts)) for i in range(1, len(starts))]
    assert hits(cuts) >= max(hits(even), len(cuts) // 2)
    for chapter in summary.chapters:
        assert chapter.title and chapter.summary
        first, last = order.index(chapter.start_node), order.index(chapter.end_node)
        assert all(first <= order.index(q.node_id) <= last for q in chapter.summary)


def test_decisions_open_questions_last_state(sample_library: Library, index: dict) -> None:
    summary = sample_library.summarize(index["companion-long"]["id"])
    assert any("let's do one anchor per day" in q.text.lower() for q in summary.decisions)
    assert summary.last_state[-1].node_id == index["companion-long"]["current_node"]
    assert all(q.role == "user" for q in summary.open_questions)


def test_summary_is_cached_and_recomputed_when_the_conversation_changes(
    tmp_path, index: dict
) -> None:
    library = open_sample(tmp_path)
    conv_id = index["pasta"]["id"]
    first = library.summarize(conv_id)
    digest = continuity.content_hash(library.conn, conv_id)
    assert digest is not None
    assert continuity.cached_summary(library.conn, conv_id, digest) == first.as_dict()
    # A newer export of the same conversation with one more exchange.
    exported = tmp_path / "conversations.json"
    with open(exported, "wb") as out:
        library.export_chatgpt(out)
    conversations = orjson.loads(exported.read_bytes())
    conv = next(c for c in conversations if c["id"] == conv_id)
    leaf = conv["current_node"]
    base = conv["mapping"][leaf]["message"]
    for key, role, body in (
        ("n1", "user", "Could I swap the spinach for kale next time?"),
        ("n2", "assistant", "Yes, kale works; massage it with lemon first."),
    ):
        node_id = f"{conv_id[:8]}-{key}"
        message = dict(
            base,
            id=node_id,
            author={"role": role, "name": None, "metadata": {}},
            content={"content_type": "text", "parts": [body]},
            create_time=(base["create_time"] or 0) + 60,
        )
        conv["mapping"][node_id] = {
            "id": node_id,
            "message": message,
            "parent": leaf,
            "children": [],
        }
        conv["mapping"][leaf]["children"].append(node_id)
        leaf = node_id
    conv["current_node"] = leaf
    conv["update_time"] = (conv["update_time"] or 0) + 120
    exported.write_bytes(orjson.dumps([conv]))
    library.import_exports([exported], show_progress=False)
    assert continuity.content_hash(library.conn, conv_id) != digest
    second = library.summarize(conv_id)
    assert second.message_count == first.message_count + 2
    assert second.last_state[-1].text.startswith("Yes, kale works")
    library.close()


def test_unknown_conversation_is_a_usage_error(sample_library: Library) -> None:
    from keeper.errors import UsageError

    with pytest.raises(UsageError):
        sample_library.summarize("no-such-conversation")


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "We made it!! Teeth are fine, she's 4.6 kilos. Yay.",
            ["We made it!!", "Teeth are fine, she's 4.6 kilos.", "Yay."],
        ),
        ("Dr. Lee saw J. Smith, e.g. on Monday. Then we left.", None),
        ("1. Buy milk\n2. Call mom. Tonight.", ["Buy milk", "Call mom.", "Tonight."]),
        ("我很喜欢猫。她叫麻糬！你呢？", ["我很喜欢猫。", "她叫麻糬！", "你呢？"]),
        ("今日は京都に行きました。楽しかった！", ["今日は京都に行きました。", "楽しかった！"]),
        ('On 12.03.2025 I paid $4.50 for v2.1. He said "Go." Then left.', None),
    ],
)
def test_sentences_keep_decimals_abbreviations_lists_and_cjk(
    text: str, sentences: list[str] | None
) -> None:
    from keeper.summarize.sentences import split_sentences

    out = split_sentences(text)
    if sentences is not None:
        assert out == sentences
    joined = " ".join(out)
    for whole in ("4.6 kilos", "Dr. Lee", "J. Smith", "e.g. on", "12.03.2025", "$4.50", "v2.1"):
        if whole in text:
            assert whole in joined and any(whole in s for s in out), whole
    assert not any(s in {"6 kilos", "Lee saw J.", "1."} for s in out)


def test_state_card_open_and_decided(sample_library: Library, index: dict) -> None:
    from keeper.summarize.engine import visible_turns
    from keeper.summarize.state import thread_state

    conv_id = index["companion-long"]["id"]
    summary = sample_library.summarize(conv_id)
    _, rows = sample_library.conversation(conv_id)
    state = thread_state(summary, visible_turns(rows))
    assert state.sessions == 12 and state.start < state.end
    assert len(state.chapters) >= 4 and all(c.lines[0].role == "user" for c in state.chapters)
    still_open = " ".join(q.text for q in state.still_open)
    assert "second book" in still_open
    for answered in ("What should the cat be called?", "Can we write a little poem"):
        assert answered not in still_open
    decided = [choice.text for choice, _ in state.decided]
    assert "I'm using that. Exactly as it is." in decided
    assert any("Kinako" in text for text in decided)
    assert all(choice.role == "user" for choice, _ in state.decided)
    assert state.left_off and state.left_off[-1].role == "assistant"
