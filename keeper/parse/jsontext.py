"""Lenient JSON decoding and text hygiene for export data.

The invariant the store relies on: whatever :func:`loads_conversation` returns can be
serialized by ``orjson.dumps`` (so the raw JSON of every node is kept losslessly, give or
take the repairs below). The fast path is a bare ``orjson.loads``; only input orjson
rejects pays for the repairs (export-format.md §5 #17 and #27).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

import orjson

from keeper.errors import RecordError

__all__ = ["dumps", "loads_conversation", "repair_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_BOM = "\ufeff"
_ERRORS = "keeper-lenient"
# orjson serializes integers in [-2**63, 2**64 - 1]; anything outside raises.
_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1
# Up to 18 digits always fits; more than 20 never does, and int() is never called on
# those (int() of a 5,000-digit literal raises ValueError under Python's digit limit).
_INT_SAFE_DIGITS = 18
_INT_MAX_DIGITS = 20
_MAX_DEPTH = 10_000

_surrogatepass = codecs.lookup_error("surrogatepass")


def _lenient_decode_error(exc: UnicodeError) -> tuple[str, int]:
    """Decode CESU-8 surrogate bytes as surrogates; replace any other bad byte run."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    try:
        replacement, end = _surrogatepass(exc)
    except UnicodeDecodeError:
        return "\ufffd", exc.end
    if isinstance(replacement, str):
        return replacement, end
    return "\ufffd", exc.end


codecs.register_error(_ERRORS, _lenient_decode_error)


def loads_conversation(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode one JSON value, repairing what real exports get wrong.

    The fast path is ``orjson.loads``. When it fails, the input is repaired: a BOM is
    dropped, UTF-16/32 is detected, CESU-8 surrogate bytes are re-paired into real
    characters, other invalid UTF-8 becomes U+FFFD, lone ``\\udXXX`` escapes become
    U+FFFD, raw control characters (NUL included) are kept, ``NaN``/``Infinity``
    become ``None``, and numbers outside what orjson can write are converted (see
    :func:`_parse_int`). The result is always ``orjson.dumps``-able.

    Raises :class:`keeper.errors.RecordError` when the input is not JSON even after
    those repairs; the message names the position of the error.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _loads_lenient(data)


def _loads_lenient(data: bytes | bytearray | memoryview | str) -> Any:
    text = _decode_lenient(data)
    try:
        # After the encoding repairs orjson may accept it, giving the same numbers as the fast path.
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        value = json.loads(
            text,
            strict=False,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno} (char {exc.pos}): {exc.msg}"
        ) from None
    except RecursionError:
        raise RecordError("invalid JSON: nested too deeply") from None
    return _sanitize(value)


def _decode_lenient(data: bytes | bytearray | memoryview | str) -> str:
    """Bytes to text with every encoding problem repaired; a leading BOM is dropped."""
    if isinstance(data, str):
        text = data
    else:
        raw = bytes(data)
        encoding = json.detect_encoding(raw)
        if encoding in ("utf-8", "utf-8-sig"):
            text = raw.decode("utf-8", _ERRORS)
        else:
            text = raw.decode(encoding, "replace")
    if text.startswith(_BOM):
        text = text[1:]
    return repair_text(text)


def repair_text(s: str) -> str:
    """Re-pair surrogate pairs into real characters and replace lone surrogates by U+FFFD.

    Text without surrogates is returned unchanged (the same object).
    """
    if s.isascii() or _SURROGATE.search(s) is None:
        return s
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _parse_int(literal: str) -> int | float | str:
    """An integer literal orjson cannot write becomes a float, like orjson's own reader.

    orjson.loads turns integers outside 64 bits into floats, so the fallback does the
    same and a document stores the same value whichever path read it. A literal too
    large even for a float is kept as its decimal string: the digits survive, where
    ``None`` or infinity would lose them.
    """
    digits = len(literal) - (literal[0] == "-")
    if digits <= _INT_SAFE_DIGITS:
        return int(literal)
    if digits <= _INT_MAX_DIGITS:
        value = int(literal)
        if _INT_MIN <= value <= _INT_MAX:
            return value
    as_float = float(literal)
    return as_float if math.isfinite(as_float) else literal


def _parse_float(literal: str) -> float | str:
    """A float literal that overflows (``1e400``) is kept as its text, like huge integers."""
    value = float(literal)
    return value if math.isfinite(value) else literal


def _parse_constant(_literal: str) -> None:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON; store them as null."""
    return None


def dumps(obj: Any) -> bytes:
    """Serialize with orjson; repair strings and out-of-range numbers when orjson refuses.

    Anything :func:`loads_conversation` returned takes the fast path. Raises
    :class:`keeper.errors.RecordError` for values that are not JSON-shaped at all.
    """
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError:
        pass
    try:
        return orjson.dumps(_sanitize(obj))
    except orjson.JSONEncodeError as exc:
        raise RecordError(f"value cannot be stored as JSON: {exc}") from None


def _fit_int(value: int) -> int | float | str:
    if _INT_MIN <= value <= _INT_MAX:
        return value
    return _parse_int(str(value))


def _clean_scalar(value: Any) -> Any:
    """A JSON scalar orjson can write; containers are handled by :func:`_sanitize`."""
    if isinstance(value, str):
        return repair_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _fit_int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def _clean_key(key: Any) -> Any:
    return repair_text(key) if isinstance(key, str) else key


def _sanitize(root: Any) -> Any:
    """A repaired copy of ``root``, built iteratively (no recursion on deep input).

    Two keys of one object that differ only in their lone surrogates become equal after
    repair; the first one keeps its value.
    """
    if not isinstance(root, (dict, list, tuple)):
        return _clean_scalar(root)
    holder: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(root, holder, 0, 0)]
    while stack:
        source, target, slot, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise RecordError("value nested too deeply to store")
        if isinstance(source, dict):
            new_dict: dict[Any, Any] = {}
            target[slot] = new_dict
            for key, value in source.items():
                clean_key = _clean_key(key)
                if clean_key in new_dict:
                    continue
                new_dict[clean_key] = None
                if isinstance(value, (dict, list, tuple)):
                    stack.append((value, new_dict, clean_key, depth + 1))
                else:
                    new_dict[clean_key] = _clean_scalar(value)
        else:
            new_list: list[Any] = [None] * len(source)
            target[slot] = new_list
            for index, value in enumerate(source):
                if isinstance(value, (dict, list, tuple)):
                    stack.append((value, new_list, index, depth + 1))
                else:
                    new_list[index] = _clean_scalar(value)
    return holder[0]
