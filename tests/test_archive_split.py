"""Property and edge-case tests for the streaming JSON splitter."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keeper.archive.split import error_kind, iter_json_values

# Characters that stress the scanner: quotes, backslashes, brackets and commas inside strings,
# multibyte UTF-8, and control characters that JSON must escape.
_TRICKY = st.text(
    alphabet=st.sampled_from(
        ['"', "\\", "{", "}", "[", "]", ",", ":", " ", "a", "é", "中", "😀", "\n", "\t", "\x00"]
    ),
    max_size=12,
)
_TEXT = st.one_of(_TRICKY, st.text(max_size=8))
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    _TEXT,
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=12,
)
_CHUNKS = st.one_of(st.integers(1, 7), st.sampled_from([8, 13, 64, 257, 4096]))
_GARBAGE = b'[]{}",:\\ \nab1'
_SPACES = [" ", "", "\n", "\t", "  ", "\r\n", "\n    "]


def _dump(value: Any, rng: random.Random, ensure_ascii: bool) -> str:
    """Serialize with random whitespace around every token."""

    def ws() -> str:
        return rng.choice(_SPACES)

    if isinstance(value, dict):
        items = [
            f"{ws()}{json.dumps(k, ensure_ascii=ensure_ascii)}{ws()}:{ws()}"
            f"{_dump(v, rng, ensure_ascii)}{ws()}"
            for k, v in value.items()
        ]
        return "{" + ",".join(items) + ws() + "}"
    if isinstance(value, list):
        return "[" + ",".join(ws() + _dump(v, rng, ensure_ascii) + ws() for v in value) + ws() + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


def _split(data: bytes, chunk_size: int) -> list[tuple[bytes | None, str | None, int]]:
    return list(iter_json_values(io.BytesIO(data), chunk_size))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    elements=st.lists(_VALUES, max_size=8),
    chunk_size=_CHUNKS,
    seed=st.integers(0, 2**32),
    ensure_ascii=st.booleans(),
    bom=st.booleans(),
)
def test_array_elements_round_trip(
    elements: list[Any], chunk_size: int, seed: int, ensure_ascii: bool, bom: bool
) -> None:
    rng = random.Random(seed)
    text = _dump(elements, rng, ensure_ascii)
    data = (b"\xef\xbb\xbf" if bom else b"") + rng.choice(_SPACES).encode() + text.encode()
    data += rng.choice(_SPACES).encode()
    out = _split(data, chunk_size)
    assert [error for _, error, _ in out] == [None] * len(out)
    assert [orjson.loads(payload or b"!") for payload, _, _ in out] == [
        orjson.loads(orjson.dumps(e)) for e in elements
    ]
    positions = [pos for _, _, pos in out]
    assert positions == sorted(positions)
    assert all(0 < pos <= len(data) for pos in positions)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    elements=st.lists(st.dictionaries(_TEXT, _VALUES, max_size=3), max_size=5),
    chunk_size=_CHUNKS,
    seed=st.integers(0, 2**32),
)
def test_wrapper_object_yields_its_conversations(
    elements: list[Any], chunk_size: int, seed: int
) -> None:
    rng = random.Random(seed)
    wrapper = {"version": [1, {"conversations": [0]}], "conversations": elements, "after": "]}"}
    data = _dump(wrapper, rng, ensure_ascii=False).encode()
    out = _split(data, chunk_size)
    assert [orjson.loads(p) for p, _, _ in out if p is not None] == elements
    assert all(error is None for _, error, _ in out)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=st.dictionaries(_TEXT, _VALUES, max_size=5).filter(lambda d: "conversations" not in d),
    chunk_size=_CHUNKS,
    seed=st.integers(0, 2**32),
)
def test_single_object_is_yielded_whole(value: dict[str, Any], chunk_size: int, seed: int) -> None:
    data = _dump(value, random.Random(seed), ensure_ascii=False).encode()
    out = _split(data, chunk_size)
    assert len(out) == 1
    payload, error, _ = out[0]
    assert error is None and payload is not None
    assert orjson.loads(payload) == orjson.loads(orjson.dumps(value))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    elements=st.lists(st.dictionaries(_TEXT, _VALUES, max_size=3), min_size=1, max_size=6),
    chunk_size=_CHUNKS,
    seed=st.integers(0, 2**32),
    cut=st.floats(0.0, 1.0, exclude_max=True),
)
def test_truncation_keeps_complete_elements_and_reports_the_rest(
    elements: list[Any], chunk_size: int, seed: int, cut: float
) -> None:
    data = _dump(elements, random.Random(seed), ensure_ascii=False).encode()
    end = data.rindex(b"]")
    truncated = data[: 1 + int(cut * end)]
    out = _split(truncated, chunk_size)
    good = [orjson.loads(p) for p, _, _ in out if p is not None]
    assert good == elements[: len(good)]
    errors = [error for _, error, _ in out if error is not None]
    assert len(errors) == 1
    assert out[-1][0] is None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    head=st.sampled_from([b"[", b"{", b'{"conversations": [', b"\xef\xbb\xbf["]),
    body=st.binary(max_size=60).map(lambda raw: bytes(_GARBAGE[x % len(_GARBAGE)] for x in raw)),
    chunk_size=_CHUNKS,
)
def test_any_bytes_split_the_same_at_every_chunk_size(
    head: bytes, body: bytes, chunk_size: int
) -> None:
    data = head + body
    expected = [(p, e is None) for p, e, _ in _split(data, 1 << 20)]
    got = _split(data, chunk_size)
    assert [(p, e is None) for p, e, _ in got] == expected
    for payload, _, position in got:
        assert payload is None or payload in data
        assert 0 <= position <= len(data)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 1024])
def test_backslash_runs_across_chunk_boundaries(chunk_size: int) -> None:
    elements = [{"k": "\\" * n + '"' + "\\" * m} for n in range(6) for m in range(4)]
    data = json.dumps(elements).encode()
    out = _split(data, chunk_size)
    assert [orjson.loads(p) for p, _, _ in out if p is not None] == elements


def test_bom_split_over_first_reads() -> None:
    data = b"\xef\xbb\xbf[1, 2]"
    assert [p for p, _, _ in _split(data, 1)] == [b"1", b"2"]


@pytest.mark.parametrize(
    ("data", "message", "kind"),
    [
        (b"<html>", "does not start with a JSON array or object", "not_json"),
        (b"\xff\xfe[\x00", "UTF-16", "not_json"),
        (b"[1] [2]", "unexpected bytes after the end", "trailing_data"),
        (b'{"a": 1', "ends inside the JSON object", "truncated_json"),
        (b'[{"a": 1},', "before the closing ']'", "truncated_json"),
    ],
)
def test_problems_are_reported_as_errors(data: bytes, message: str, kind: str) -> None:
    out = _split(data, 3)
    errors = [error for _, error, _ in out if error]
    assert len(errors) == 1 and message in errors[0]
    assert error_kind(errors[0]) == kind


def test_blank_input_yields_nothing() -> None:
    assert _split(b"", 4) == []
    assert _split(b" \n\t ", 1) == []
    assert _split(b"[ ]", 1) == []


def test_trailing_ok_ignores_script_tail() -> None:
    stream = io.BytesIO(b'[{"a": 1}];\nvar assetsJson = {"x": 1};</script>')
    out = list(iter_json_values(stream, 4, trailing_ok=True))
    assert [p for p, _, _ in out] == [b'{"a": 1}']


def test_large_element_spanning_many_chunks() -> None:
    big = {"text": 'x\\"y' * 50_000, "nested": [[{"a": "}"}]] * 1000}
    data = orjson.dumps([big, {"b": 2}, big])
    out = _split(data, 4096)
    assert [orjson.loads(p) for p, _, _ in out if p is not None] == [big, {"b": 2}, big]


# --- micro-benchmark, run by hand: python tests/test_archive_split.py [MB] ---------------


def _synthetic_export(megabytes: int) -> bytes:
    """A conversations.json-like array: compact JSON, long texts with escapes, CJK, code."""
    rng = random.Random(7)
    words = [
        *["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while"],
        "你好世界",
        "こんにちは",
        'print("hi")',
        "{key: [1, 2]}",
        "C:\\path\\file",
        "émoji 😀",
        '\n\n```python\nx = "y"\n```',
    ]
    parts: list[bytes] = []
    size = 0
    i = 0
    while size < megabytes * 1_000_000:
        mapping: dict[str, Any] = {}
        parent = None
        for j in range(rng.randint(4, 80)):
            node = f"{i:08x}-{j:04x}-4000-8000-{rng.getrandbits(48):012x}"
            text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 400)))
            mapping[node] = {
                "id": node,
                "message": {
                    "id": node,
                    "author": {"role": rng.choice(["user", "assistant"]), "name": None},
                    "create_time": 1.7e9 + j,
                    "content": {"content_type": "text", "parts": [text]},
                    "status": "finished_successfully",
                    "metadata": {"model_slug": "gpt-4o", "citations": [], "parent_id": parent},
                    "recipient": "all",
                },
                "parent": parent,
                "children": [],
            }
            parent = node
        part = orjson.dumps({"id": str(i), "title": f"t{i}", "mapping": mapping})
        parts.append(part)
        size += len(part) + 2
        i += 1
    return b"[" + b", ".join(parts) + b"]"


def _benchmark(megabytes: int) -> None:
    import time

    data = _synthetic_export(megabytes)
    for _ in range(3):
        start = time.perf_counter()
        count = sum(1 for _ in iter_json_values(io.BytesIO(data)))
        seconds = time.perf_counter() - start
        print(
            f"{count} conversations, {len(data) / 1e6:.0f} MB: {len(data) / seconds / 1e6:.0f} MB/s"
        )


if __name__ == "__main__":
    import sys

    _benchmark(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
