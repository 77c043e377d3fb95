"""The optional LLM polish of state cards, against a small server on 127.0.0.1: a checked
answer is used, an answer with an invented quote or id falls back to the extractive card."""

from __future__ import annotations

import orjson

from keeper.library import Library
from keeper.pack import PackOptions
from keeper.pack.polish import evidence, verified
from keeper.pack.tokens import count_tokens
from tests.test_llm_endpoint import _Server, library, server  # noqa: F401  (fixtures)


def _answer(state: _Server, text: str) -> None:
    state.body = orjson.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]})


def test_checked_polish_is_used(server: tuple[_Server, str], library: Library, index: dict) -> None:  # noqa: F811
    state, url = server
    _answer(state, "Mika asked what to cook with “half a lemon, spinach, parmesan” #1.")
    options = PackOptions(conversations=(index["pasta"]["id"],), budget=2000, llm_url=url)
    pack = library.pack(options)
    assert "- In short (LLM, checked): Mika asked what to cook" in pack.text
    assert pack.llm == {"polished": 1, "fell_back": 0}
    assert pack.tokens == count_tokens(pack.text) <= 2000
    prompt = state.requests[0][1]["messages"][-1]["content"]
    assert "#1: “" in prompt and index["pasta"]["title"] in prompt


def test_unchecked_polish_falls_back(
    server: tuple[_Server, str],  # noqa: F811
    library: Library,  # noqa: F811
    index: dict,
) -> None:
    state, url = server
    options = PackOptions(conversations=(index["pasta"]["id"],), budget=2000, llm_url=url)
    for bad in (
        "Mika said “I moved to Mars last spring” #1.",  # a quotation not in the evidence
        "Mika cooked pasta #99.",  # an id the card never gave
        "Mika cooked pasta.",  # nothing cited
    ):
        _answer(state, bad)
        pack = library.pack(options)
        assert "In short" not in pack.text and pack.llm == {"polished": 0, "fell_back": 1}
    down = library.pack(
        PackOptions(
            conversations=(index["pasta"]["id"],), budget=2000, llm_url="http://127.0.0.1:9/v1"
        )
    )
    assert "In short" not in down.text and down.llm["fell_back"] == 1


def test_verification_rules() -> None:
    card = "### T [1]\n- What it is: “I have half a lemon” #1\n- Where we left off: “Dinner?” #2"
    quotes = evidence(card)
    assert quotes == {"1": "I have half a lemon", "2": "Dinner?"}
    assert verified("She has “half a lemon” #1 and asked #2.", quotes)
    assert not verified("She has “a whole lemon” #1.", quotes)
    assert not verified("She has lemons #3.", quotes)
