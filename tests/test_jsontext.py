"""Lenient JSON decoding: every repair of export-format.md §5 #17/#27, and the invariant
that the result can always be written back with orjson."""

from __future__ import annotations

import math

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keeper.errors import RecordError
from keeper.parse.jsontext import dumps, loads_conversation, repair_text

EMOJI = "\U0001f602"  # 😂, U+D83D U+DE02 as a surrogate pair
CESU_EMOJI = b"\xed\xa0\xbd\xed\xb8\x82"  # the same emoji written as CESU-8


def roundtrip(value: object) -> object:
    return orjson.loads(orjson.dumps(value))


# --------------------------------------------------------------------------- fast path


def test_plain_json_is_decoded_by_orjson() -> None:
    data = b'{"title": "Chat", "mapping": {"a": {"parent": null, "children": []}}, "n": 1.5}'
    assert loads_conversation(data) == {
        "title": "Chat",
        "mapping": {"a": {"parent": None, "children": []}},
        "n": 1.5,
    }


def test_str_input_is_accepted() -> None:
    assert loads_conversation('{"a": [1, 2]}') == {"a": [1, 2]}


def test_escaped_nul_is_kept() -> None:
    value = loads_conversation(b'{"text": "a\\u0000b"}')
    assert value == {"text": "a\x00b"}
    assert orjson.dumps(value) == b'{"text":"a\\u0000b"}'


def test_escaped_surrogate_pair_is_one_character() -> None:
    assert loads_conversation(b'"\\ud83d\\ude02"') == EMOJI


# --------------------------------------------------------------------------- repairs


def test_utf8_bom_is_dropped() -> None:
    assert loads_conversation(b'\xef\xbb\xbf{"id": "x"}') == {"id": "x"}


def test_utf16_file_with_bom_is_read() -> None:
    data = '{"title": "Ünïcode"}'.encode("utf-16")
    assert loads_conversation(data) == {"title": "Ünïcode"}


def test_cesu8_surrogate_bytes_become_the_emoji() -> None:
    data = b'{"parts": ["ok ' + CESU_EMOJI + b' done"]}'
    value = loads_conversation(data)
    assert value == {"parts": [f"ok {EMOJI} done"]}
    orjson.dumps(value)


def test_lone_cesu8_surrogate_becomes_replacement_character() -> None:
    value = loads_conversation(b'["x\xed\xa0\xbdy"]')
    assert value == ["x\ufffdy"]


def test_invalid_utf8_bytes_become_replacement_character() -> None:
    value = loads_conversation(b'{"name": "caf\xe9 \xff"}')
    assert value == {"name": "caf\ufffd \ufffd"}


def test_lone_surrogate_escapes_are_replaced_in_values_and_keys() -> None:
    data = b'{"\\ud83d key": ["lone \\ude02 low", {"deep": "\\ud83d"}], "ok": "\\ud83d\\ude02"}'
    value = loads_conversation(data)
    assert value == {
        "\ufffd key": ["lone \ufffd low", {"deep": "\ufffd"}],
        "ok": EMOJI,
    }
    orjson.dumps(value)


def test_nan_and_infinity_literals_become_null() -> None:
    value = loads_conversation(b'{"a": NaN, "b": Infinity, "c": [-Infinity, 1]}')
    assert value == {"a": None, "b": None, "c": [None, 1]}
    assert orjson.dumps(value) == b'{"a":null,"b":null,"c":[null,1]}'


def test_raw_nul_and_control_characters_are_kept() -> None:
    value = loads_conversation(b'{"text": "a\x00b\tc\x01"}')
    assert value == {"text": "a\x00b\tc\x01"}
    assert roundtrip(value) == value


def test_huge_integer_matches_orjson_fast_path_as_float() -> None:
    big = "123456789012345678901234567890"
    fast = loads_conversation(big.encode())
    # Force the fallback with a NaN next to the same number.
    slow = loads_conversation(f'{{"n": {big}, "x": NaN}}'.encode())
    assert isinstance(fast, float)
    assert slow == {"n": fast, "x": None}
    orjson.dumps(slow)


def test_integers_at_the_edges_of_orjson_range_stay_ints() -> None:
    data = b'{"hi": 18446744073709551615, "lo": -9223372036854775808, "x": NaN}'
    value = loads_conversation(data)
    assert value == {"hi": 2**64 - 1, "lo": -(2**63), "x": None}
    assert isinstance(value["hi"], int)
    orjson.dumps(value)


def test_integer_just_outside_range_becomes_float() -> None:
    value = loads_conversation(b'{"lo": -9223372036854775809, "x": NaN}')
    assert value["lo"] == pytest.approx(-9.223372036854776e18)
    assert isinstance(value["lo"], float)


def test_integer_too_large_for_a_float_is_kept_as_its_digits() -> None:
    digits = "9" * 5000  # also beyond Python's int-string conversion limit
    value = loads_conversation(f'{{"n": {digits}}}'.encode())
    assert value == {"n": digits}
    orjson.dumps(value)


def test_overflowing_float_literal_is_kept_as_text() -> None:
    value = loads_conversation(b"[1e400, -1e400, 2.5]")
    assert value == ["1e400", "-1e400", 2.5]


def test_several_problems_at_once() -> None:
    data = b'\xef\xbb\xbf{"a": "' + CESU_EMOJI + b'", "b": "\\udc00", "c": NaN, "d": "\x00"}'
    value = loads_conversation(data)
    assert value == {"a": EMOJI, "b": "\ufffd", "c": None, "d": "\x00"}
    orjson.dumps(value)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b'{"a": 1,}', b"[1, 2", b"not json", b'{"a" 1}'],
)
def test_invalid_json_raises_record_error_with_position(data: bytes) -> None:
    with pytest.raises(RecordError) as info:
        loads_conversation(data)
    message = str(info.value)
    assert "line 1" in message
    assert "column" in message
    assert len(message) < 200


def test_error_message_does_not_quote_the_input() -> None:
    secret = "my private diary " * 1000
    with pytest.raises(RecordError) as info:
        loads_conversation(f'{{"text": "{secret}", }}'.encode())
    assert "diary" not in str(info.value)


def test_absurd_nesting_raises_record_error() -> None:
    with pytest.raises(RecordError):
        loads_conversation(b"[" * 200_000 + b"]" * 200_000)


# --------------------------------------------------------------------------- repair_text


def test_repair_text_leaves_clean_text_alone() -> None:
    clean = "héllo 世界 " + EMOJI
    assert repair_text(clean) is clean
    assert repair_text("ascii") == "ascii"


def test_repair_text_pairs_and_replaces_surrogates() -> None:
    assert repair_text("\ud83d\ude02") == EMOJI
    assert repair_text("a\ud83db") == "a\ufffdb"
    assert repair_text("a\ude02b") == "a\ufffdb"
    assert repair_text("end\ud83d") == "end\ufffd"
    assert repair_text("\ude02\ud83d") == "\ufffd\ufffd"


# --------------------------------------------------------------------------- dumps


def test_dumps_is_orjson_for_clean_values() -> None:
    assert dumps({"a": [1, "x", None]}) == orjson.dumps({"a": [1, "x", None]})


def test_dumps_repairs_what_orjson_refuses() -> None:
    value = {"\ud83d": ["\ud83d\ude02", 2**70, float("nan"), -(10**400)]}
    out = orjson.loads(dumps(value))
    assert out == {"\ufffd": [EMOJI, float(2**70), None, str(-(10**400))]}
    # the caller's object is not modified
    assert value["\ud83d"][0] == "\ud83d\ude02"


def test_dumps_refuses_non_json_values_with_record_error() -> None:
    with pytest.raises(RecordError):
        dumps({"a": object()})


# --------------------------------------------------------------------------- properties

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_any_accepted_bytes_give_a_storable_value(data: bytes) -> None:
    try:
        value = loads_conversation(data)
    except RecordError:
        return
    orjson.dumps(value)


@settings(max_examples=300)
@given(json_values)
def test_python_json_output_round_trips(value: object) -> None:
    import json

    data = json.dumps(value).encode("utf-8", "surrogatepass")
    decoded = loads_conversation(data)
    assert orjson.loads(orjson.dumps(decoded)) == decoded


@settings(max_examples=300)
@given(json_values)
def test_dumps_never_fails_on_json_shaped_values(value: object) -> None:
    out = orjson.loads(dumps(value))
    assert not _has_non_finite(out)


def _has_non_finite(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


@settings(max_examples=200)
@given(st.text())
def test_repair_text_output_always_encodes(text: str) -> None:
    repaired = repair_text(text)
    repaired.encode("utf-8")
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        assert repaired == text
