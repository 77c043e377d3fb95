"""Property-based fuzzing of the archive reader and the parser.

Properties: whatever bytes or JSON come in, opening and reading an export raises nothing
but :class:`KeeperError`; parsing a conversation raises nothing but ``RecordError``; what
the parser returns can be stored. The budget is small by default (CI); raise it with
``KEEPER_FUZZ_EXAMPLES=N`` or run ``python -m tests.perf fuzz --minutes N``, which also
varies the seed. Every crash found becomes a regression test at the bottom of this file.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import apsw
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keeper.archive import open_export
from keeper.errors import KeeperError, RecordError
from keeper.parse.conversation import ParsedConversation, parse_conversation
from keeper.parse.jsontext import loads_conversation
from keeper.paths import resolve_paths
from keeper.store import open_connection
from keeper.store.writer import ArchiveWriter, start_import
from tests.hostile import conversation, dumps

EXAMPLES = int(os.environ.get("KEEPER_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

CONTENT_TYPES = [
    "text", "multimodal_text", "code", "execution_output", "tether_browsing_display",
    "tether_quote", "thoughts", "reasoning_recap", "user_editable_context",
    "model_editable_context", "system_error", "computer_output", "sonic_webpage",
    "app_pairing_content", "citable_code_output", "tether_browsing_code",
    "image_asset_pointer", "audio_transcription", "audio_asset_pointer",
    "real_time_user_audio_video_asset_pointer", "video_container_asset_pointer",
    "something_new",
]  # fmt: skip
KEYS = [
    "id", "conversation_id", "title", "create_time", "update_time", "mapping", "current_node",
    "message", "parent", "children", "author", "role", "name", "content", "content_type",
    "parts", "text", "metadata", "recipient", "channel", "status", "model_slug",
    "default_model_slug", "asset_pointer", "gizmo_id", "is_archived", "user_profile",
    "user_instructions", "model_set_context", "thoughts", "summary", "result", "language",
    "user_context_message_data", "attachments", "citations", "content_references",
]  # fmt: skip

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\ud800", "\udfff", "\ufeff", "【", "†", "\ue200", "\n"]),
    ),
    max_size=20,
)
_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
_SCALARS = st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT, st.sampled_from(CONTENT_TYPES))
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), _TEXT), inner, max_size=5),
    ),
    max_leaves=10,
)


@st.composite
def conversations(draw: st.DrawFn) -> dict[str, Any]:
    """Conversation-shaped dicts whose every field may have the wrong type or value."""
    ids = draw(st.lists(st.text(max_size=4), min_size=1, max_size=8, unique=True))
    refs = st.one_of(st.sampled_from(ids), st.none(), st.text(max_size=3), _JSON)
    mapping: dict[str, Any] = {}
    for node_id in ids:
        node: dict[str, Any] = {"id": draw(st.one_of(st.just(node_id), _JSON))}
        node["parent"] = draw(refs)
        if draw(st.booleans()):
            node["children"] = draw(st.one_of(st.lists(refs, max_size=3), _JSON))
        node["message"] = draw(st.one_of(_message(), _JSON))
        mapping[node_id] = node if draw(st.integers(0, 9)) else draw(_JSON)
    record: dict[str, Any] = {
        "id": draw(st.one_of(st.text(max_size=6), _JSON)),
        "title": draw(st.one_of(_TEXT, _JSON)),
        "create_time": draw(st.one_of(_NUMBERS, _JSON)),
        "update_time": draw(st.one_of(_NUMBERS, _JSON)),
        "current_node": draw(refs),
        "mapping": mapping if draw(st.integers(0, 9)) else draw(_JSON),
    }
    record.update(draw(st.dictionaries(st.sampled_from(KEYS), _JSON, max_size=3)))
    return record


@st.composite
def _message(draw: st.DrawFn) -> dict[str, Any]:
    content: dict[str, Any] = {"content_type": draw(st.sampled_from(CONTENT_TYPES))}
    content.update(draw(st.dictionaries(st.sampled_from(KEYS), _JSON, max_size=4)))
    if draw(st.booleans()):
        content["parts"] = draw(st.lists(st.one_of(_TEXT, _JSON), max_size=4))
    return {
        "id": draw(st.text(max_size=4)),
        "author": draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"role": st.sampled_from(["user", "assistant", "system", "tool", "x"])}
                ),
                _JSON,
            )
        ),
        "content": content if draw(st.integers(0, 5)) else draw(_JSON),
        "create_time": draw(st.one_of(_NUMBERS, _JSON)),
        "recipient": draw(st.one_of(st.sampled_from(["all", "bio", "python", "web"]), _JSON)),
        "metadata": draw(st.one_of(st.dictionaries(st.sampled_from(KEYS), _JSON), _JSON)),
    }


class _Store:
    """One database for every example of a test run (a fresh one per example is slow)."""

    conn: apsw.Connection | None = None
    writer: ArchiveWriter | None = None

    @classmethod
    def write(cls, tmp: Path, conv: ParsedConversation) -> None:
        if cls.conn is None:
            cls.conn = open_connection(resolve_paths(str(tmp / "fuzz.db")))
            cls.writer = ArchiveWriter(cls.conn, start_import(cls.conn, ["fuzz"]))
        assert cls.writer is not None and cls.conn is not None
        with cls.conn:
            cls.writer.write(conv)


def _parse_and_store(payload: bytes, tmp: Path) -> None:
    try:
        conv = parse_conversation(loads_conversation(payload))
    except RecordError:
        return
    for node in conv.nodes:
        orjson.loads(node.raw)  # the stored raw JSON is valid JSON
    assert len({node.node_id for node in conv.nodes}) == len(conv.nodes)
    _Store.write(tmp, conv)


def encode(value: Any, ascii_only: bool) -> bytes:
    """JSON bytes as an export (or a broken tool) might write them: NaN, huge integers and
    lone surrogates included (escaped, or as raw CESU-8 bytes)."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(record=conversations(), ascii_only=st.booleans())
def test_parser_survives_any_conversation_shape(
    record: dict[str, Any], ascii_only: bool, tmp_path: Path
) -> None:
    payload = encode(record, ascii_only)
    try:
        conv = parse_conversation(loads_conversation(payload))
    except RecordError:
        return
    mapping = record.get("mapping")
    if isinstance(mapping, dict):
        assert len(conv.nodes) == len(mapping)  # every node is kept, odd or not
    path_ids = [n.node_id for n in conv.nodes if n.on_path]
    assert len(path_ids) == len(set(path_ids))
    _Store.write(tmp_path, conv)


@FUZZ
@given(value=_JSON, ascii_only=st.booleans())
def test_parser_survives_any_json_value(value: Any, ascii_only: bool, tmp_path: Path) -> None:
    _parse_and_store(encode(value, ascii_only), tmp_path)


def _mutate(data: bytes, ops: list[tuple[int, int, int]]) -> bytes:
    buf = bytearray(data)
    for op, at, value in ops:
        if not buf:
            break
        at %= len(buf)
        if op == 0:
            buf[at] ^= value or 1  # flip bits
        elif op == 1:
            del buf[at:]  # truncate
        elif op == 2:
            buf[at:at] = bytes([value]) * (value % 7 + 1)  # insert
        elif op == 3:
            del buf[at : at + value % 64 + 1]  # cut out
        else:
            buf[at:at] = buf[at : at + value % 128]  # duplicate a run
    return bytes(buf)


_OPS = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 2**31), st.integers(0, 255)),
    min_size=1,
    max_size=6,
)


def _seed_zip(compression: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        zf.writestr("conversations-000.json", dumps([conversation(0, nodes=3)]))
        zf.writestr("conversations-001.json", dumps([conversation(1), conversation(2)]))
        zf.writestr(
            "export_manifest.json",
            dumps({"logical_files": {"conversations.json": {"files": [
                "conversations-000.json", "conversations-001.json"]}}}),
        )  # fmt: skip
        zf.writestr("user.json", b'{"id": "user-1"}')
        zf.writestr("file-Abc1-photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        zf.writestr("conversation_asset_file_names.json", b'{"file-Abc1.dat": "photo.png"}')
    return buf.getvalue()


SEEDS = {
    "deflated": _seed_zip(zipfile.ZIP_DEFLATED),
    "stored": _seed_zip(zipfile.ZIP_STORED),
    "json": dumps([conversation(i, nodes=2) for i in range(3)]),
    "object": dumps(conversation(9, nodes=2)),
    "html": b"<html><script>var jsonData = " + dumps([conversation(5)]) + b";</script></html>",
}


def read_everything(path: Path, tmp: Path) -> None:
    """Open an export and read all of it the way an import does."""
    try:
        source = open_export(path)
    except KeeperError:
        return
    with source:
        assets = source.assets()
        for record in source.records():
            assert (record.payload is None) != (record.error is None) or record.payload
            if record.payload is not None:
                _parse_and_store(record.payload, tmp)
        for _name, raw in source.aux_files():
            assert isinstance(raw, bytes)
        for pointer in ("file-service://file-Abc1", "file-Abc1", "sediment://file_x"):
            member = assets.resolve(pointer, "conv-1")
            if member is not None:
                try:
                    with assets.open(member) as stream:
                        while stream.read(1 << 16):
                            pass
                except (OSError, zipfile.BadZipFile, EOFError) as error:
                    assert str(error)  # a damaged asset is reported by the importer


@FUZZ
@given(seed=st.sampled_from(sorted(SEEDS)), ops=_OPS)
def test_archive_reader_survives_mutated_exports(
    seed: str, ops: list[tuple[int, int, int]], tmp_path: Path
) -> None:
    data = _mutate(SEEDS[seed], ops)
    path = tmp_path / ("export.zip" if seed in ("deflated", "stored") else "conversations.json")
    path.write_bytes(data)
    read_everything(path, tmp_path)


@FUZZ
@given(data=st.binary(max_size=2048), prefix=st.sampled_from([b"", b"PK\x03\x04", b"[", b"{"]))
def test_archive_reader_survives_random_bytes(data: bytes, prefix: bytes, tmp_path: Path) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(prefix + data)
    read_everything(path, tmp_path)


# --- regressions found by fuzzing ----------------------------------------------------------
