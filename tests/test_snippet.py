"""Snippets: an excerpt around the first match, whitespace collapsed, matches highlighted.

make_snippet normalises only a window around the match; these tests hold it to the plain
definition (collapse the whole text, then cut) on random texts, whitespace-heavy ones
included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from keeper.snippet import _pattern, make_snippet


def reference(text: str, terms: tuple[str, ...], width: int) -> tuple[str, list[list[int]]]:
    """The definition: collapse all whitespace, find the first match, cut around it."""
    flat = " ".join(text.split())
    pattern = _pattern(terms)
    first = pattern.search(flat) if pattern else None
    if pattern is None or first is None:
        return (flat[:width] + "…" if len(flat) > width else flat[:width]), []
    start = max(0, first.start() - width // 3)
    if start:
        space = flat.rfind(" ", max(0, start - 20), start)
        start = space + 1 if space > 0 else start
    end = min(len(flat), start + width)
    excerpt = flat[start:end]
    prefix = "…" if start else ""
    suffix = "…" if end < len(flat) else ""
    spans = [[m.start() + len(prefix), m.end() + len(prefix)] for m in pattern.finditer(excerpt)]
    return prefix + excerpt + suffix, spans


PIECES = st.sampled_from(
    [
        *("recipe", "recipes", "bread", "sourdough", "starter", "xxrecipe", "面包", "食谱"),
        *("a", "-", ".", "lorem", "ipsum", "dolor"),
        *(" ", "  ", "\n", "\n\n\n", "\t", " " * 60, "\u3000", "\xa0"),
    ]
)
TERMS = st.sampled_from(
    [
        *(("recipe",), ("bread", "starter"), ("sourdough starter",), ("面包",), ("missing",)),
        *(("sourdough  starter",), ("sourdough\tstarter",), ("面包\u3000食谱",), ()),
    ]
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(PIECES, max_size=300),
    st.sampled_from(["", "recipe", "sourdough \n starter", "面包", "面包\u3000食谱", "bread"]),
    st.lists(PIECES, max_size=300),
    TERMS,
    st.sampled_from([12, 30, 80, 200]),
)
def test_windowed_snippet_equals_the_definition(
    before: list[str], middle: str, after: list[str], terms: tuple[str, ...], width: int
) -> None:
    text = "".join(before) + " " + middle + " " + "".join(after)
    assert make_snippet(text, terms, width) == reference(text, terms, width)


def test_snippet_of_a_long_message_finds_a_late_match_and_phrases_across_lines() -> None:
    text = "filler words here. " * 20_000 + "my sourdough\n\n  starter died " + "tail " * 5000
    snippet, spans = make_snippet(text, ("sourdough starter",))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert [snippet[a:b] for a, b in spans] == ["sourdough starter"]
    assert make_snippet(text, ("sourdough starter",)) == reference(
        text, ("sourdough starter",), 200
    )
    assert make_snippet("   \n ", ("x",)) == ("", [])


def test_phrases_typed_with_odd_whitespace_match_and_never_crash() -> None:
    """A quoted phrase keeps what the user typed (two spaces, a tab, an ideographic
    space); it matches the text however its whitespace runs."""
    from keeper.store.fts_text import parse_query

    for typed, text in (
        ('"sourdough  starter"', "my sourdough\n\nstarter died"),
        ('"sourdough\tstarter"', "my sourdough starter died"),
        ('"面包\u3000食谱"', "今天的面包 食谱很好"),
        ('"café\xa0au lait"', "un café au lait"),
    ):
        terms = parse_query(typed).highlight
        snippet, spans = make_snippet(text, terms)
        assert len(spans) == 1, (typed, snippet)
        assert make_snippet(text, terms) == reference(text, terms, 200)
