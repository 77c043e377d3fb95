"""Node kinds, hidden flags, model and time of messages (export-format.md §2.2, §3, §4.2)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keeper.parse.classify import classify, message_model, message_time
from keeper.parse.content_types import (
    CONTEXT,
    MEMORY,
    MESSAGE,
    NODE_KINDS,
    REASONING,
    STRUCTURAL,
    SYSTEM,
    TOOL_CALL,
    TOOL_RESULT,
)


def msg(
    role: str | None = "assistant",
    content_type: str = "text",
    *,
    recipient: Any = "all",
    metadata: Any = None,
    **fields: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "author": {"role": role, "name": None, "metadata": {}},
        "content": {"content_type": content_type, "parts": ["x"]},
        "recipient": recipient,
        "weight": 1.0,
        "channel": None,
        **fields,
    }
    if metadata is not None:
        message["metadata"] = metadata
    return message


@pytest.mark.parametrize("message", [None, 42, "text", [], ["a"]])
def test_non_dict_message_is_structural(message: object) -> None:
    assert classify(message) == (STRUCTURAL, True)


def test_user_and_assistant_turns_are_visible_messages() -> None:
    assert classify(msg("user")) == (MESSAGE, False)
    assert classify(msg("assistant")) == (MESSAGE, False)
    assert classify(msg("assistant", recipient=None)) == (MESSAGE, False)


@pytest.mark.parametrize("role", ["user", "system"])
def test_user_editable_context_is_context_whatever_the_role(role: str) -> None:
    assert classify(msg(role, "user_editable_context")) == (CONTEXT, True)


def test_legacy_custom_instructions_are_context() -> None:
    assert classify(msg("system", metadata={"is_user_system_message": True})) == (CONTEXT, True)
    data = {"user_context_message_data": {"about_user_message": "I am a nurse"}}
    assert classify(msg("user", metadata=data)) == (CONTEXT, True)


def test_memory_reasoning_system_tool() -> None:
    assert classify(msg("assistant", "model_editable_context")) == (MEMORY, True)
    assert classify(msg("system", "model_editable_context")) == (MEMORY, True)
    assert classify(msg("assistant", "thoughts")) == (REASONING, True)
    assert classify(msg("assistant", "reasoning_recap")) == (REASONING, True)
    assert classify(msg("system")) == (SYSTEM, True)
    assert classify(msg("developer")) == (SYSTEM, True)
    assert classify(msg("tool", "execution_output", recipient="assistant")) == (TOOL_RESULT, True)
    assert classify(msg("function")) == (TOOL_RESULT, True)


@pytest.mark.parametrize(
    "recipient",
    ["browser", "python", "dalle.text2im", "canmore.create_textdoc", "web.run", "bio", "x.y"],
)
def test_assistant_addressing_a_tool_is_a_tool_call(recipient: str) -> None:
    assert classify(msg("assistant", "code", recipient=recipient)) == (TOOL_CALL, True)


def test_user_with_odd_recipient_is_still_a_message() -> None:
    assert classify(msg("user", recipient="browser")) == (MESSAGE, False)


def test_visually_hidden_message_is_hidden() -> None:
    metadata = {"is_visually_hidden_from_conversation": True}
    assert classify(msg("user", metadata=metadata)) == (MESSAGE, True)
    assert classify(msg("user", metadata={"is_visually_hidden_from_conversation": False})) == (
        MESSAGE,
        False,
    )


@pytest.mark.parametrize(
    ("weight", "hidden"),
    [(0, True), (0.0, True), (1, False), (None, False), (False, False), ("0", False)],
)
def test_weight_zero_hides(weight: object, hidden: bool) -> None:
    assert classify(msg("assistant", weight=weight)) == (MESSAGE, hidden)


def test_commentary_channel_is_a_hidden_message() -> None:
    assert classify(msg("assistant", channel="commentary")) == (MESSAGE, True)
    assert classify(msg("assistant", channel="final")) == (MESSAGE, False)


def test_missing_fields_default_to_visible_message() -> None:
    assert classify({}) == (MESSAGE, False)
    assert classify({"author": None, "content": None, "metadata": None}) == (MESSAGE, False)
    assert classify({"author": {"role": ["x"]}, "content": {"content_type": ["y"]}}) == (
        MESSAGE,
        False,
    )


@given(
    st.dictionaries(
        st.sampled_from(["author", "content", "metadata", "recipient", "weight", "channel"]),
        st.none() | st.text() | st.integers() | st.dictionaries(st.text(), st.text()),
    )
)
def test_classify_always_returns_a_known_kind(message: dict[str, Any]) -> None:
    kind, hidden = classify(message)
    assert kind in NODE_KINDS
    assert isinstance(hidden, bool)
    assert hidden or kind == MESSAGE


# --------------------------------------------------------------------------- model


def test_model_from_message_metadata() -> None:
    assert message_model(msg(metadata={"model_slug": "gpt-4o"}), "auto") == "gpt-4o"


def test_model_from_default_model_slug_then_conversation() -> None:
    assert message_model(msg(metadata={"default_model_slug": "gpt-5"}), "auto") == "gpt-5"
    assert message_model(msg(metadata={"model_slug": "", "default_model_slug": None}), "auto") == (
        "auto"
    )
    assert message_model(msg(), "gpt-5-thinking") == "gpt-5-thinking"
    assert message_model(msg(metadata="bad"), None) is None
    assert message_model(None, "auto") == "auto"
    assert message_model(msg(metadata={"model_slug": 4}), None) is None


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_700_000_000.123456, 1_700_000_000.123456),
        (1_700_000_000, 1_700_000_000.0),
        ("1700000000.5", 1_700_000_000.5),
        (" 1700000000 ", 1_700_000_000.0),
        ("2023-11-14T22:13:20Z", 1_700_000_000.0),
        ("2023-11-14T22:13:20.500000+00:00", 1_700_000_000.5),
        ("2023-11-14T22:13:20", 1_700_000_000.0),
        (None, None),
        ("", None),
        ("yesterday", None),
        ("nan", None),
        ("inf", None),
        (float("nan"), None),
        (float("inf"), None),
        (True, None),
        ([1], None),
        (10**400, None),
    ],
)
def test_message_time(value: object, expected: float | None) -> None:
    result = message_time({"create_time": value})
    if expected is None:
        assert result is None
    else:
        assert result is not None and math.isclose(result, expected)


def test_message_time_of_non_messages() -> None:
    assert message_time(None) is None
    assert message_time({}) is None
