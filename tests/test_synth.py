"""Tests for the synthetic export generator (tests/synth) and the committed sample export."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.synth.generator import (
    default_aux,
    main,
    make_conversations,
    make_large_export,
    make_sample_export,
    sample_index,
    write_export,
)
from tests.synth.writer import ExportWriter

ROOT = Path(__file__).resolve().parents[1]
COMMITTED_SAMPLE = ROOT / "exports" / "sample-export.zip"
CITE0 = "\ue200cite\ue202turn0search0\ue201"

Conv = dict[str, Any]


# --------------------------------------------------------------------------- helpers


def load_zip(path: Path) -> tuple[zipfile.ZipFile, list[Conv]]:
    zf = zipfile.ZipFile(path)
    manifest = json.loads(zf.read("export_manifest.json"))
    convs: list[Conv] = []
    for shard in manifest["logical_files"]["conversations.json"]["files"]:
        convs += json.loads(zf.read(shard))
    return zf, convs


def messages(conv: Conv) -> Iterator[dict[str, Any]]:
    for node in (conv.get("mapping") or {}).values():
        if isinstance(node.get("message"), dict):
            yield node["message"]


def all_messages(convs: list[Conv]) -> Iterator[tuple[Conv, dict[str, Any]]]:
    for conv in convs:
        for msg in messages(conv):
            yield conv, msg


def text_of(msg: dict[str, Any]) -> str:
    content = msg["content"]
    out = [p if isinstance(p, str) else p.get("text", "") for p in content.get("parts", [])]
    for key in (
        "text",
        "result",
        "content",
        "user_profile",
        "user_instructions",
        "model_set_context",
    ):
        if isinstance(content.get(key), str):
            out.append(content[key])
    return "\n".join(out)


def ctype(msg: dict[str, Any]) -> str:
    return msg["content"]["content_type"]


def meta(msg: dict[str, Any]) -> dict[str, Any]:
    return msg.get("metadata") or {}


def active_path(conv: Conv) -> list[str]:
    mapping, node, path = conv["mapping"], conv["current_node"], []
    while node is not None:
        path.append(node)
        node = mapping[node]["parent"]
    return path[::-1]


def parts(msg: dict[str, Any]) -> list[Any]:
    return msg["content"].get("parts") or []


def pointers(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if isinstance(value.get("asset_pointer"), str):
            yield value
        for v in value.values():
            yield from pointers(v)
    elif isinstance(value, list):
        for v in value:
            yield from pointers(v)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_export(tmp_path_factory.mktemp("sample") / "sample-export.zip")


@pytest.fixture(scope="module")
def sample(sample_path: Path) -> tuple[zipfile.ZipFile, list[Conv]]:
    return load_zip(sample_path)


@pytest.fixture(scope="module")
def convs(sample: tuple[zipfile.ZipFile, list[Conv]]) -> list[Conv]:
    return sample[1]


@pytest.fixture(scope="module")
def index() -> dict[str, dict[str, Any]]:
    return sample_index()


@pytest.fixture(scope="module")
def by_key(convs: list[Conv], index: dict[str, dict[str, Any]]) -> dict[str, Conv]:
    by_id = {c["id"]: c for c in convs}
    return {key: by_id[entry["id"]] for key, entry in index.items()}


# --------------------------------------------------------------------------- determinism


def test_sample_is_byte_identical_across_runs(sample_path: Path, tmp_path: Path) -> None:
    again = make_sample_export(tmp_path / "again.zip")
    assert again.read_bytes() == sample_path.read_bytes()


def test_cli_sample_matches_library(sample_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.zip"
    assert main(["--out", str(out)]) == 0
    assert out.read_bytes() == sample_path.read_bytes()


def test_large_export_is_deterministic(tmp_path: Path) -> None:
    a = make_large_export(tmp_path / "a.zip", 3000, seed=7)
    b = make_large_export(tmp_path / "b.zip", 3000, seed=7)
    c = make_large_export(tmp_path / "c.zip", 3000, seed=8)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_make_conversations_is_deterministic() -> None:
    assert make_conversations(5, seed=3) == make_conversations(5, seed=3)
    assert make_conversations(5, seed=3) != make_conversations(5, seed=4)


# --------------------------------------------------------------------------- committed sample


def test_committed_sample_matches_generator(sample_path: Path) -> None:
    """Member names, order and contents must match; regenerate with
    ``python -m tests.synth.generator --preset sample --out exports/sample-export.zip``."""
    assert COMMITTED_SAMPLE.exists(), "exports/sample-export.zip is missing: regenerate it"
    committed, fresh = zipfile.ZipFile(COMMITTED_SAMPLE), zipfile.ZipFile(sample_path)
    assert committed.namelist() == fresh.namelist(), "stale sample: regenerate it"
    for name in fresh.namelist():
        assert committed.read(name) == fresh.read(name), f"stale sample member {name}"


def test_sample_is_small(sample_path: Path) -> None:
    assert sample_path.stat().st_size <= 200_000


# --------------------------------------------------------------------------- layout


def test_sample_layout(sample: tuple[zipfile.ZipFile, list[Conv]]) -> None:
    zf, convs = sample
    names = zf.namelist()
    for required in (
        "conversations-000.json",
        "conversations-001.json",
        "export_manifest.json",
        "user.json",
        "user_settings.json",
        "message_feedback.json",
        "conversation_asset_file_names.json",
    ):
        assert required in names
    assert "conversations.json" not in names
    assert any(n.startswith("dalle-generations/") and n.endswith(".webp") for n in names)
    assert any(re.fullmatch(r"file-[0-9A-Za-z]{22}-[\w.-]+\.png", n) for n in names)
    assert any(n.endswith(".dat") for n in names)
    manifest = json.loads(zf.read("export_manifest.json"))
    assert manifest["version"] == 1
    assert manifest["logical_files"]["conversations.json"] == {
        "files": ["conversations-000.json", "conversations-001.json"],
        "sharded": True,
    }
    for entry in manifest["inventory"]:
        assert zf.getinfo(entry["path"]).file_size == entry["size_bytes"]
    assert 20 <= len(convs) <= 30
    assert len({c["id"] for c in convs}) == len(convs)
    for info in zf.infolist():
        assert info.date_time == (2026, 3, 14, 12, 0, 0)


def test_sample_identity_is_fake(sample: tuple[zipfile.ZipFile, list[Conv]]) -> None:
    user = json.loads(sample[0].read("user.json"))
    assert user["email"].endswith("@example.com")
    assert user["id"].startswith("user-")


def test_sample_tree_is_clean(convs: list[Conv]) -> None:
    for conv in convs:
        mapping = conv.get("mapping")
        if mapping is None:
            continue
        roots = [k for k, n in mapping.items() if n["parent"] is None]
        assert len(roots) == 1, conv["title"]
        for key, node in mapping.items():
            assert node["id"] == key
            if node["parent"] is not None:
                assert node["parent"] in mapping, (conv["title"], key)
            for child in node.get("children", []):
                assert mapping[child]["parent"] == key
            if node["message"] is not None:
                assert node["message"]["id"] == key
        assert conv["current_node"] in mapping
        assert mapping[active_path(conv)[0]]["parent"] is None


def test_sample_assets_resolve(sample: tuple[zipfile.ZipFile, list[Conv]]) -> None:
    zf, convs = sample
    names = zf.namelist()
    name_map = json.loads(zf.read("conversation_asset_file_names.json"))
    assert all(key in names for key in name_map)
    seen = 0
    for conv in convs:
        for ptr in pointers(conv.get("mapping") or {}):
            file_id = ptr["asset_pointer"].split("://", 1)[1]
            hits = [n for n in names if n.rsplit("/", 1)[-1].startswith(file_id)]
            assert len(hits) == 1, ptr["asset_pointer"]
            data = zf.read(hits[0])
            assert ptr["size_bytes"] == len(data)
            assert data[:4] in (b"\x89PNG", b"RIFF")
            seen += 1
    assert seen >= 10
    for att_conv, msg in all_messages(convs):
        for att in meta(msg).get("attachments", []):
            assert any(n.rsplit("/", 1)[-1].startswith(att["id"]) for n in names), att_conv["title"]


def test_sample_feedback_points_at_messages(sample: tuple[zipfile.ZipFile, list[Conv]]) -> None:
    zf, convs = sample
    feedback = json.loads(zf.read("message_feedback.json"))
    by_id = {c["id"].replace("-", ""): c for c in convs}
    assert {f["rating"] for f in feedback} == {"thumbsUp", "thumbsDown"}
    assert any("-" not in f["conversation_id"] for f in feedback)
    for f in feedback:
        conv = by_id[f["conversation_id"].replace("-", "")]
        assert f["message_id"] in conv["mapping"]
        assert set(json.loads(f["content"])) == {"tags", "text"}


def test_sample_index_matches_archive(convs: list[Conv], index: dict[str, Any]) -> None:
    by_id = {c["id"]: c for c in convs}
    assert set(index) >= {"novel-branches", "companion-long", "zh-cat", "ja-study"}
    for entry in index.values():
        conv = by_id[entry["id"]]
        assert conv["title"] == entry["title"]
        for node_id in entry["nodes"].values():
            assert node_id in conv["mapping"]


# --------------------------------------------------------------------------- features


def _any(pred: Callable[[Conv, dict[str, Any]], bool]) -> Callable[[list[Conv]], bool]:
    return lambda convs: any(pred(c, m) for c, m in all_messages(convs))


def _pua_citations(convs: list[Conv]) -> bool:
    for _, msg in all_messages(convs):
        body = "".join(p for p in parts(msg) if isinstance(p, str))
        refs = [
            r for r in meta(msg).get("content_references", []) if r["type"] == "grouped_webpages"
        ]
        if CITE0 in body and refs:
            return all(body[r["start_idx"] : r["end_idx"]] == r["matched_text"] for r in refs)
    return False


def _tether_citations(convs: list[Conv]) -> bool:
    for _, msg in all_messages(convs):
        body = "".join(p for p in parts(msg) if isinstance(p, str))
        cites = meta(msg).get("citations", [])
        if "【3†source】" in body and cites:
            return all(
                re.fullmatch(r"【\d+†source】", body[c["start_ix"] : c["end_ix"]]) for c in cites
            )
    return False


def _nested_audio(c: Conv, m: dict[str, Any]) -> bool:
    return any(
        isinstance(p, dict)
        and p.get("content_type") == "real_time_user_audio_video_asset_pointer"
        and p["audio_asset_pointer"]["content_type"] == "audio_asset_pointer"
        for p in parts(m)
    )


def _transcriptions(c: Conv, m: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        p
        for p in parts(m)
        if isinstance(p, dict) and p.get("content_type") == "audio_transcription"
    ]


def _slim(convs: list[Conv]) -> bool:
    return any(
        c.get("mapping")
        and all("children" not in n for n in c["mapping"].values())
        and all("status" not in m and "metadata" not in m for m in messages(c))
        for c in convs
    )


def _projects(convs: list[Conv]) -> bool:
    ids = {
        c["gizmo_id"]
        for c in convs
        if c.get("gizmo_type") == "snorlax"
        and re.fullmatch(r"g-p-[0-9a-f]{32}", c["gizmo_id"])
        and c["conversation_template_id"] == c["gizmo_id"]
    }
    return len(ids) == 2


def _memories(c: Conv, m: dict[str, Any]) -> bool:
    return (
        ctype(m) == "model_editable_context"
        and len(re.findall(r"\[\d{4}-\d{2}-\d{2}\]", m["content"]["model_set_context"])) >= 3
    )


FEATURES: dict[str, Callable[[list[Conv]], bool]] = {
    "sonic_webpage": _any(
        lambda c, m: ctype(m) == "sonic_webpage" and m["author"]["name"] == "web.run"
    ),
    "web.run call": _any(lambda c, m: m["recipient"] == "web.run" and ctype(m) == "code"),
    "pua citations + content_references": _pua_citations,
    "tether_og citations": _tether_citations,
    "browser search call": _any(
        lambda c, m: m["recipient"] == "browser" and m["content"]["text"].startswith("search(")
    ),
    "tether_browsing_display": _any(lambda c, m: ctype(m) == "tether_browsing_display"),
    "tether_quote": _any(lambda c, m: ctype(m) == "tether_quote"),
    "python call": _any(lambda c, m: m["recipient"] == "python" and ctype(m) == "code"),
    "execution_output": _any(
        lambda c, m: ctype(m) == "execution_output" and "aggregate_result" in meta(m)
    ),
    "dalle call": _any(lambda c, m: m["recipient"] == "dalle.text2im"),
    "dalle image": _any(
        lambda c, m: (
            m["author"]["name"] == "dalle.text2im"
            and any(isinstance(p, dict) and p["metadata"]["dalle"] for p in parts(m))
        )
    ),
    "bio write": _any(lambda c, m: m["recipient"] == "bio"),
    "bio result": _any(
        lambda c, m: m["author"]["name"] == "bio" and text_of(m) == "Model set context updated."
    ),
    "canvas create": _any(lambda c, m: m["recipient"] == "canmore.create_textdoc"),
    "canvas update": _any(
        lambda c, m: (
            m["recipient"] == "canmore.update_textdoc"
            and "updates" in json.loads(m["content"]["text"])
        )
    ),
    "thoughts": _any(lambda c, m: ctype(m) == "thoughts" and m["content"]["thoughts"]),
    "reasoning_recap": _any(lambda c, m: ctype(m) == "reasoning_recap"),
    "user_editable_context": _any(
        lambda c, m: (
            ctype(m) == "user_editable_context"
            and "Mika" in m["content"]["user_profile"]
            and m["content"]["user_instructions"]
        )
    ),
    "user_context_message_data": _any(
        lambda c, m: (
            m["author"]["role"] == "system"
            and "about_user_message" in meta(m).get("user_context_message_data", {})
        )
    ),
    "model_editable_context": _any(_memories),
    "system_error": _any(lambda c, m: ctype(m) == "system_error"),
    "computer_output": _any(
        lambda c, m: ctype(m) == "computer_output" and m["content"]["screenshot"]["asset_pointer"]
    ),
    "image upload": _any(
        lambda c, m: (
            m["author"]["role"] == "user"
            and any(
                isinstance(p, dict) and p["content_type"] == "image_asset_pointer" for p in parts(m)
            )
        )
    ),
    "attachments": _any(lambda c, m: bool(meta(m).get("attachments"))),
    "voice nested audio pointer": _any(_nested_audio),
    "voice transcription out": _any(
        lambda c, m: any(t["direction"] == "out" for t in _transcriptions(c, m))
    ),
    "voice empty transcription": _any(
        lambda c, m: any(t["direction"] == "in" and t["text"] == "" for t in _transcriptions(c, m))
    ),
    "chinese": _any(lambda c, m: "喜欢" in text_of(m) and "猫" in text_of(m)),
    "japanese": _any(lambda c, m: "東京" in text_of(m) and "日本語の勉強" in text_of(m)),
    "models": lambda cs: (
        {"gpt-4o", "gpt-4", "o1", "gpt-5-thinking"} <= {c.get("default_model_slug") for c in cs}
    ),
    "gpt-5-thinking without message model_slug": lambda cs: any(
        c.get("default_model_slug") == "gpt-5-thinking"
        and not any("model_slug" in meta(m) for m in messages(c))
        for c in cs
    ),
    "custom gpt": lambda cs: any(
        c.get("gizmo_type") == "gpt" and re.fullmatch(r"g-[0-9A-Za-z]{9}", c["gizmo_id"])
        for c in cs
    ),
    "two projects": _projects,
    "archived": lambda cs: any(c.get("is_archived") for c in cs),
    "null title": lambda cs: any(c["title"] is None for c in cs),
    "slim": _slim,
    "empty shell": lambda cs: any("mapping" not in c for c in cs),
    "hidden system root": _any(lambda c, m: m["author"]["role"] == "system" and m["weight"] == 0),
}


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_sample_has_feature(feature: str, convs: list[Conv]) -> None:
    assert FEATURES[feature](convs)


def test_sample_branches(by_key: dict[str, Conv], index: dict[str, Any]) -> None:
    conv = by_key["novel-branches"]
    nodes = index["novel-branches"]["nodes"]
    mapping = conv["mapping"]
    path = active_path(conv)
    assert conv["current_node"] == nodes["current"]
    regen_parent = mapping[nodes["regen_1"]]["parent"]
    assert mapping[regen_parent]["children"] == [nodes["regen_1"], nodes["regen_2"]]
    assert mapping[nodes["edit_1"]]["parent"] == mapping[nodes["edit_2"]]["parent"]
    assert nodes["regen_2"] in path and nodes["regen_1"] not in path
    assert nodes["edit_2"] in path and nodes["edit_1"] not in path
    assert mapping[nodes["edit_1"]]["children"], "the abandoned edit keeps its answer"


def test_sample_long_thread(by_key: dict[str, Conv]) -> None:
    conv = by_key["companion-long"]
    path = active_path(conv)
    user_turns = [
        n
        for n in path
        if (conv["mapping"][n]["message"] or {}).get("author", {}).get("role") == "user"
        and ctype(conv["mapping"][n]["message"]) == "text"
    ]
    assert len(user_turns) >= 60
    answers = [text_of(m) for m in messages(conv) if m["author"]["role"] == "assistant"]
    assert sum("little comet" in a for a in answers) >= 3
    assert sum("— Sol" in a for a in answers) >= 3


def test_sample_eras_differ(by_key: dict[str, Conv]) -> None:
    old = by_key["browse-2023"]
    assert all("channel" not in m for m in messages(old))
    assert all("model_slug" in meta(m) for m in messages(old) if m["author"]["role"] == "assistant")
    keys = list(old["mapping"])
    assert old["mapping"][keys[0]]["parent"] is not None, "mapping order is not topological"
    new = by_key["legal-fair-use"]
    assert any(m.get("channel") == "final" for m in messages(new))


# --------------------------------------------------------------------------- library API


@pytest.mark.parametrize("era", ["2023", "2024", "2025", "2026"])
def test_make_conversations_eras(era: str) -> None:
    convs = make_conversations(6, seed=1, era=era, min_messages=6, max_messages=12)
    assert len(convs) == 6
    for conv in convs:
        mapping = conv["mapping"]
        for node in mapping.values():
            assert node["parent"] is None or node["parent"] in mapping
        assert conv["current_node"] in mapping
        has_channel = any("channel" in m for m in messages(conv))
        assert has_channel == (era >= "2025")
        assert ("conversation_id" in conv) == (era != "2023")


def test_make_conversations_slim() -> None:
    assert _slim(make_conversations(3, seed=2, slim=True))


def test_write_export_layouts(tmp_path: Path) -> None:
    convs = make_conversations(7, seed=5)
    single = write_export(tmp_path / "single.zip", convs, layout="zip-single")
    with zipfile.ZipFile(single) as zf:
        assert "conversations.json" in zf.namelist()
        assert "export_manifest.json" not in zf.namelist()
        assert json.loads(zf.read("conversations.json")) == convs
    sharded = write_export(tmp_path / "sharded.zip", iter(convs), per_shard=3, aux={})
    with zipfile.ZipFile(sharded) as zf:
        assert sorted(zf.namelist()) == [
            "conversations-000.json",
            "conversations-001.json",
            "conversations-002.json",
            "export_manifest.json",
        ]
    _, loaded = load_zip(sharded)
    assert loaded == convs
    folder = write_export(tmp_path / "dir", convs, layout="dir", assets={"a/b.dat": b"x"})
    assert (folder / "conversations-000.json").is_file()
    assert (folder / "a" / "b.dat").read_bytes() == b"x"
    assert (folder / "user.json").is_file()
    empty = write_export(tmp_path / "empty.zip", [], aux={})
    with zipfile.ZipFile(empty) as zf:
        assert json.loads(zf.read("conversations-000.json")) == []


def test_background_writer_writes_the_same_bytes(tmp_path: Path) -> None:
    convs = make_conversations(12, seed=9)
    plain = write_export(tmp_path / "plain.zip", convs, per_shard=5)
    with ExportWriter(tmp_path / "bg.zip", per_shard=5, background=True) as writer:
        for conv in convs:
            writer.add_conversation(conv)
        for name, value in default_aux().items():
            writer.add_file(name, value)
    assert (tmp_path / "bg.zip").read_bytes() == plain.read_bytes()


# --------------------------------------------------------------------------- large export


@pytest.mark.parametrize("target", [500, 25_000])
def test_large_export_hits_target(tmp_path: Path, target: int) -> None:
    stats: dict[str, Any] = {}
    path = make_large_export(tmp_path / "large.zip", target, stats=stats)
    zf, convs = load_zip(path)
    nodes = sum(len(c["mapping"]) for c in convs)
    assert abs(nodes - target) <= target * 0.1
    assert stats["nodes"] == nodes and stats["conversations"] == len(convs)
    manifest = json.loads(zf.read("export_manifest.json"))
    shards = manifest["logical_files"]["conversations.json"]["files"]
    assert shards == [f"conversations-{i:03d}.json" for i in range(len(shards))]
    for conv in convs:
        mapping = conv["mapping"]
        assert all(n["parent"] is None or n["parent"] in mapping for n in mapping.values())
        assert conv["current_node"] in mapping
    if target < 10_000:
        return
    assert 1_200 <= stats["json_bytes"] / nodes <= 3_200
    assert all(len(json.loads(zf.read(s))) == 100 for s in shards[:-1])
    types = {ctype(m) for _, m in all_messages(convs)}
    assert {
        "text",
        "thoughts",
        "reasoning_recap",
        "code",
        "multimodal_text",
        "user_editable_context",
    } <= types
    cjk = sum(bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", c["title"] or "")) for c in convs)
    assert 0.05 <= cjk / len(convs) <= 0.3
    sizes = sorted(len(c["mapping"]) for c in convs)
    assert sizes[len(sizes) // 2] < 40 and sizes[-1] > 200
    assert any(len(n.get("children", [])) > 1 for c in convs for n in c["mapping"].values())
