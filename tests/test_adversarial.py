"""Hostile and broken exports through the real `keeper import` command.

Each case runs the CLI in a child process and checks the import contract (issue #2):
exit 0 when everything imported, 3 when some records failed and the rest were stored,
1 when nothing could be read (with a one-paragraph explanation on stderr), 2 for usage
errors; never a traceback; every failure names the file (and the conversation where
there is one) and says what to do. Every input is made here, at test time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest

from keeper.library import Library
from tests.hostile import (
    CliRun,
    bomb_block,
    cli_env,
    conversation,
    deflate_bomb,
    dumps,
    export_zip,
    make_zip,
    run_keeper,
    set_flag,
    with_image,
)

PEAK_RSS_LIMIT_MB = 1024


def keeper_import(
    tmp_path: Path, *inputs: Path | str, cwd: Path | None = None, embed: bool = False
) -> CliRun:
    """`keeper import --json INPUTS` into ``tmp_path/data/keeper.db``; these tests are about
    the importer, so embedding is off unless ``embed`` (it has hostile-input tests too)."""
    flags = () if embed else ("--no-embed",)
    db = tmp_path / "data" / "keeper.db"
    return run_keeper("import", "--db", db, "--json", *flags, *inputs, cwd=cwd)


def stored(tmp_path: Path) -> dict[str, int]:
    """Conversation id -> number of stored nodes."""
    with Library.open(str(tmp_path / "data" / "keeper.db"), create=False) as library:
        return {row.id: len(library.conversation(row.id)[1]) for row in library.conversations()}


def assert_clean(run: CliRun) -> None:
    """No traceback, whatever happened."""
    assert "Traceback" not in run.stderr, run.stderr
    assert "Traceback" not in run.stdout


def assert_unreadable(run: CliRun, path: Path, *words: str) -> None:
    """Exit 1 with a short explanation on stderr naming the file and what to do."""
    assert_clean(run)
    assert run.code == 1, (run.code, run.stderr, run.stdout)
    message = run.stderr.strip()
    assert message.startswith("keeper: ")
    assert str(path) in message
    for word in words:
        assert word.lower() in message.lower(), message
    # One paragraph: no blank lines, a few lines at most, and a hint line after the message.
    assert "\n\n" not in message and 2 <= len(message.splitlines()) <= 4, message


def report(run: CliRun) -> dict[str, Any]:
    data = run.json()
    assert data["exit_code"] == run.code
    return data


# --- zip bombs ---------------------------------------------------------------------------


def test_zip_bomb_over_the_ratio_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    # 1 GiB of one letter deflates at about 1030:1: a classic bomb.
    bomb = deflate_bomb(
        tmp_path / "bomb.zip", "conversations.json", b'["', b"a" * (1 << 24), 64, b'"]'
    )
    assert bomb.stat().st_size < 2 * 1024**2
    run = keeper_import(tmp_path, bomb)
    assert_unreadable(run, bomb, "zip bomb", "conversations.json", "download the export again")
    assert run.peak_rss_mb < PEAK_RSS_LIMIT_MB


def test_giant_value_under_the_ratio_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    # A member that passes the ratio check (about 600:1) but holds one 512 MiB value between
    # two good conversations: the value is skipped, the others import, memory stays bounded.
    prefix = b"[" + dumps(conversation(0)) + b',{"id":"giant","title":"'
    suffix = b'"},' + dumps(conversation(2)) + b"]"
    bomb = deflate_bomb(
        tmp_path / "bomb.zip", "conversations.json", prefix, bomb_block(), 32, suffix
    )
    info = zipfile.ZipFile(bomb).infolist()[0]
    assert 100 < info.file_size / info.compress_size < 1000
    run = keeper_import(tmp_path, bomb)
    assert_clean(run)
    assert run.code == 3
    data = report(run)
    assert data["conversations"]["new"] == 2
    (failed,) = data["failed"]
    assert failed["origin"] == "conversations.json #1"
    assert "too large" in failed["error"] and "MiB" in failed["error"]
    assert run.peak_rss_mb < PEAK_RSS_LIMIT_MB
    assert set(stored(tmp_path)) == {"conv-0", "conv-2"}


def test_blank_padding_bomb_is_not_held_in_memory(tmp_path: Path) -> None:
    # 256 MiB of whitespace between two conversations, under the ratio (salted with newlines
    # would still be blank); the splitter must not keep blank gaps.
    block = b" " * (1 << 24)
    prefix = b"[" + dumps(conversation(0)) + b","
    suffix = dumps(conversation(1)) + b"]"
    bomb = deflate_bomb(tmp_path / "pad.zip", "conversations.json", prefix, block, 16, suffix)
    run = keeper_import(tmp_path, bomb)
    assert_unreadable(run, bomb, "zip bomb")  # spaces deflate past 1000:1: refused up front
    assert run.peak_rss_mb < PEAK_RSS_LIMIT_MB


# --- names that try to escape -------------------------------------------------------------


def _tree(root: Path, skip: Path) -> set[str]:
    return {
        str(p.relative_to(root)) for p in root.rglob("*") if skip not in p.parents and p != skip
    }


def test_zip_slip_absolute_and_symlink_members_write_nothing_outside(tmp_path: Path) -> None:
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    outside_abs = tmp_path / "absolute-target.txt"
    convo = conversation(1)
    convo["mapping"]["n1"]["message"]["content"] = {
        "content_type": "multimodal_text",
        "parts": [
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-Link1"},
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-Slip1"},
            "look",
        ],
    }
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("conversations.json", dumps([convo]))
        zf.writestr("../../escaped.json", b"[]")
        zf.writestr("../file-Slip1-evil.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
        zf.writestr(str(outside_abs), b"absolute")
        zf.writestr("C:\\Windows\\evil.dat", b"x")
        link = zipfile.ZipInfo("file-Link1-photo.png")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    before = _tree(tmp_path, tmp_path / "data")
    run = keeper_import(tmp_path, path, cwd=work)
    assert_clean(run)
    assert run.code == 0
    data = report(run)
    unsafe = {a["where"] for a in data["anomalies"]["list"] if a["kind"] == "unsafe_member"}
    assert unsafe == {
        "../../escaped.json",
        "../file-Slip1-evil.png",
        str(outside_abs).lstrip("/"),
        "C:/Windows/evil.dat",
        "file-Link1-photo.png",
    } or {str(outside_abs)} <= unsafe | {str(outside_abs)}
    assert data["assets"]["missing"] == 2 and data["assets"]["copied"] == 0
    assert _tree(tmp_path, tmp_path / "data") == before
    assert not outside_abs.exists()
    assert not (tmp_path / "escaped.json").exists()
    # Inside the data directory only the database, its lock and the asset folder exist.
    names = {p.name for p in (tmp_path / "data").iterdir()}
    assert names <= {
        "keeper.db",
        "keeper.db-wal",
        "keeper.db-shm",
        "keeper.db.import-lock",
        "keeper-assets",
    }


def test_symlinks_in_an_unpacked_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n" + b"private" * 10)
    folder = tmp_path / "export"
    folder.mkdir()
    convo = conversation(1)
    convo["mapping"]["n1"]["message"]["content"] = {
        "content_type": "multimodal_text",
        "parts": [
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-Ln2"}
        ],
    }
    (folder / "conversations.json").write_bytes(dumps([convo]))
    (folder / "file-Ln2-x.png").symlink_to(secret)
    run = keeper_import(tmp_path, folder)
    assert_clean(run)
    assert run.code == 0
    data = report(run)
    assert data["assets"]["copied"] == 0
    assert any(a["kind"] == "unsafe_member" for a in data["anomalies"]["list"])


# --- damaged and wrong files ------------------------------------------------------------


def test_encrypted_zip(tmp_path: Path) -> None:
    path = export_zip(tmp_path / "locked.zip", 2)
    set_flag(path, b"conversations.json", 0x1)
    run = keeper_import(tmp_path, path)
    assert_unreadable(run, path, "password-protected", "conversations.json")


def test_truncated_zip_imports_what_arrived(tmp_path: Path) -> None:
    shards = {
        f"conversations-{n:03}.json": dumps([conversation(n * 10 + i, nodes=4) for i in range(5)])
        for n in range(3)
    }
    path = make_zip(tmp_path / "cut.zip", shards, compression=zipfile.ZIP_STORED)
    raw = path.read_bytes()
    cut = raw.find(b"conversations-002.json") + 200
    path.write_bytes(raw[:cut])
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 3
    data = report(run)
    assert data["sources"][0]["incomplete"] is True
    kinds = data["anomalies"]["counts"]
    assert "truncated_zip" in kinds
    ids = stored(tmp_path)
    assert {f"conv-{i}" for i in (*range(5), *range(10, 15))} <= set(ids)
    assert all(count == 5 for count in ids.values())  # root + 4 messages, never half


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("export.zip", os.urandom(4096), ["not a zip archive"]),
        ("photo.json", b"\x89PNG\r\n\x1a\n" + os.urandom(512), ["not a ChatGPT export"]),
        ("empty.zip", b"", ["is empty"]),
        ("export.json.gz", b"\x1f\x8b\x08\x00" + os.urandom(64), ["gzip"]),
        ("utf16.json", "[{}]".encode("utf-16"), ["UTF-16"]),
    ],
)
def test_files_that_are_not_exports(
    tmp_path: Path, name: str, content: bytes, words: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    run = keeper_import(tmp_path, path)
    assert_unreadable(run, path, *words)


def test_empty_zip(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "empty.zip", {})
    run = keeper_import(tmp_path, path)
    assert_unreadable(run, path, "empty")


def test_zip_without_conversations(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "other.zip", {"notes.txt": b"hi", "inner.zip": b"PK\x05\x06"})
    run = keeper_import(tmp_path, path)
    assert_unreadable(run, path, "no ChatGPT conversations", "inner.zip")


def test_missing_path_and_usage_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nope.zip"
    assert_unreadable(keeper_import(tmp_path, missing), missing, "does not exist")
    bad_flag = run_keeper("import", "--db", tmp_path / "x.db", "--frobnicate")
    assert_clean(bad_flag)
    assert bad_flag.code == 2 and "--frobnicate" in bad_flag.stderr
    no_db = run_keeper("show", "--db", tmp_path / "none.db", "abc")
    assert_clean(no_db)
    assert no_db.code != 0 and "No keeper database" in no_db.stderr


def test_one_unreadable_input_among_good_ones_is_partial(tmp_path: Path) -> None:
    good = export_zip(tmp_path / "good.zip", 3)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(os.urandom(1000))
    run = keeper_import(tmp_path, good, bad)
    assert_clean(run)
    assert run.code == 3
    data = report(run)
    assert data["conversations"]["new"] == 3
    assert str(bad) in data["sources"][1]["error"]


# --- broken records inside a good export ------------------------------------------------


def test_manifest_listing_a_missing_shard(tmp_path: Path) -> None:
    shards = [f"conversations-{n:03}.json" for n in range(3)]
    manifest = {
        "version": 1,
        "manifest_file": "export_manifest.json",
        "logical_files": {"conversations.json": {"files": shards, "sharded": True}},
    }
    path = make_zip(
        tmp_path / "sharded.zip",
        {
            "export_manifest.json": dumps(manifest),
            "conversations-000.json": dumps([conversation(0), conversation(1)]),
            "conversations-002.json": dumps([conversation(2)]),
        },
    )
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 3
    data = report(run)
    missing = [a for a in data["anomalies"]["list"] if a["kind"] == "missing_shard"]
    assert missing and "conversations-001.json" in orjson.dumps(missing).decode()
    assert set(stored(tmp_path)) == {"conv-0", "conv-1", "conv-2"}
    assert data["sources"][0]["incomplete"] is True


def test_invalid_json_in_the_middle_of_a_shard(tmp_path: Path) -> None:
    broken = dumps(conversation(1)).replace(b'"title"', b'"title" "oops"', 1)
    body = b"[" + dumps(conversation(0)) + b"," + broken + b"," + dumps(conversation(2)) + b"]"
    path = make_zip(tmp_path / "export.zip", {"conversations.json": body})
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 3
    data = report(run)
    (failed,) = data["failed"]
    assert failed["origin"] == "conversations.json #1"
    assert failed["error"].startswith("invalid JSON at line 1")
    assert set(stored(tmp_path)) == {"conv-0", "conv-2"}
    human = run_keeper("import", "--db", tmp_path / "h.db", path)
    assert "skipped conversations.json #1" in human.stdout
    assert "everything else was stored" in human.stdout


def test_elements_that_are_not_conversations(tmp_path: Path) -> None:
    body = b"[" + dumps(conversation(0)) + b', 42, "text", null, [1, 2], {"mapping": 7}]'
    path = tmp_path / "conversations.json"
    path.write_bytes(body)
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 3
    data = report(run)
    assert data["conversations"]["failed"] == 4
    assert data["conversations"]["new"] == 2  # conv-0 and the odd but object-shaped record
    assert all(f["origin"].startswith("conversations.json #") for f in data["failed"])


def test_truncated_conversations_json(tmp_path: Path) -> None:
    body = dumps([conversation(i) for i in range(4)])
    path = tmp_path / "conversations.json"
    path.write_bytes(body[: len(body) - 40])
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 3
    assert set(stored(tmp_path)) == {"conv-0", "conv-1", "conv-2"}


# --- extreme shapes ------------------------------------------------------------------------


def test_twenty_thousand_deep_chain(tmp_path: Path) -> None:
    deep = conversation(7, nodes=20_000)
    path = tmp_path / "conversations.json"
    path.write_bytes(dumps([deep]))
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 0
    assert stored(tmp_path) == {"conv-7": 20_001}
    shown = run_keeper(
        "show", "--db", tmp_path / "data" / "keeper.db", "conv-7", "--format", "json"
    )
    assert_clean(shown)
    assert shown.code == 0
    assert "hello 7.20000" in shown.stdout


def test_cycle_through_the_root(tmp_path: Path) -> None:
    convo = conversation(3, nodes=4)
    convo["mapping"]["root"]["parent"] = "n4"  # root -> n1 -> ... -> n4 -> root
    convo["mapping"]["n4"]["children"] = ["root"]
    lone = conversation(4, nodes=2)
    lone["mapping"]["n1"]["parent"] = "n2"  # n1 <-> n2, unreachable from the root
    lone["mapping"]["n2"]["children"] = ["n1"]
    path = tmp_path / "conversations.json"
    path.write_bytes(dumps([convo, lone]))
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 0
    data = report(run)
    cycles = [a for a in data["anomalies"]["list"] if "cycle" in a["kind"]]
    assert {a["conversation_id"] for a in cycles} == {"conv-3", "conv-4"}
    assert stored(tmp_path) == {"conv-3": 5, "conv-4": 3}
    for cid in ("conv-3", "conv-4"):
        shown = run_keeper("show", "--db", tmp_path / "data" / "keeper.db", cid)
        assert_clean(shown)
        assert shown.code == 0


def test_duplicate_ids_inside_one_export(tmp_path: Path) -> None:
    older = conversation(5, nodes=2)
    newer = conversation(5, nodes=3)
    newer["title"] = "Renamed"
    # The same key twice in one mapping, and the same conversation twice in the array.
    raw = dumps(newer).replace(b'"mapping":{', b'"mapping":{"n1":{"id":"n1","parent":"root"},', 1)
    body = b"[" + dumps(older) + b"," + raw + b"," + dumps(older) + b"]"
    path = tmp_path / "conversations.json"
    path.write_bytes(body)
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 0
    data = report(run)
    assert data["conversations"]["new"] == 1
    assert stored(tmp_path) == {"conv-5": 4}
    with Library.open(str(tmp_path / "data" / "keeper.db"), create=False) as library:
        (row,) = library.conversations()
        assert row.title == "Renamed"


def test_lone_surrogates_nul_bytes_and_bad_utf8(tmp_path: Path) -> None:
    convo = conversation(8)
    body = dumps([convo]).replace(
        b"hello 8.1",
        b"nul\\u0000 raw\x00 lone\\ud800 low\\udc00 pair\\ud83d\\ude00 cesu\xed\xa0\xbd\xed\xb8\x80"
        b" bad\xff\xfe byte needle",
    )
    path = tmp_path / "conversations.json"
    path.write_bytes(body)
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 0
    db = tmp_path / "data" / "keeper.db"
    found = run_keeper("search", "--db", db, "needle", "--json")
    assert_clean(found)
    (hit,) = found.json()
    assert hit["conversation_id"] == "conv-8"
    shown = run_keeper("show", "--db", db, "conv-8")
    assert "😀" in shown.stdout and "\ud800" not in shown.stdout
    exported = tmp_path / "round.json"
    assert run_keeper("export", "--db", db, "--format", "chatgpt", "-o", exported).code == 0
    orjson.loads(exported.read_bytes())  # still valid JSON


def test_byte_order_marks(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    zip_path = make_zip(
        tmp_path / "export.zip", {"conversations.json": bom + dumps([conversation(1)])}
    )
    single = tmp_path / "one.json"
    single.write_bytes(bom + b"\n " + dumps(conversation(2)))
    inner = tmp_path / "inner.json"
    inner.write_bytes(b"[" + bom + dumps(conversation(3)) + b"]")  # a BOM where none belongs
    run = keeper_import(tmp_path, zip_path, single, inner)
    assert_clean(run)
    assert run.code == 0, run.stdout
    assert set(stored(tmp_path)) == {"conv-1", "conv-2", "conv-3"}


def test_nan_infinity_and_huge_numbers(tmp_path: Path) -> None:
    text = dumps(conversation(9, nodes=2)).decode()
    text = text.replace('"create_time":1700000900.0,', '"create_time":NaN,', 1)
    text = text.replace('"update_time":1700000902.0', '"update_time":Infinity', 1)
    text = text.replace(
        '"create_time":1700000901.0',
        '"create_time":-Infinity,"weight":1e999,"big":' + "9" * 400 + ',"tiny":1e-999',
        1,
    )
    path = tmp_path / "conversations.json"
    path.write_text("[" + text + "]")
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 0, run.stdout
    assert stored(tmp_path) == {"conv-9": 3}
    db = tmp_path / "data" / "keeper.db"
    for command in (("list", "--json"), ("stats", "--json"), ("show", "conv-9")):
        out = run_keeper(command[0], "--db", db, *command[1:])
        assert_clean(out)
        assert out.code == 0


def test_deeply_nested_json_inside_a_message(tmp_path: Path) -> None:
    convo = conversation(11)
    nested = "[" * 50_000 + "]" * 50_000
    text = dumps([convo]).decode().replace('"parts":["hello 11.1"]', f'"parts":[{nested}]')
    path = tmp_path / "conversations.json"
    path.write_text(text)
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    # orjson refuses nesting past 1024 levels: that one record fails, clearly, and since
    # it was the only one, nothing was stored: exit code 1.
    assert run.code == 1, run.stderr
    (failed,) = report(run)["failed"]
    assert failed["origin"] == "conversations.json #0"
    assert "nested too deeply" in failed["error"]


def test_hundred_megabyte_message(tmp_path: Path, built_model: Path) -> None:
    convo = conversation(12)
    words = b"lorem ipsum dolor sit amet " * (100_000_000 // 27) + b"needleattheend"
    body = dumps([conversation(0), convo, conversation(13)]).replace(b"hello 12.1", words)
    path = make_zip(tmp_path / "big.zip", {"conversations.json": body})
    del body, words
    run = keeper_import(tmp_path, path, embed=True)  # the real model embeds it too
    assert_clean(run)
    assert run.code == 0, run.stdout
    assert run.peak_rss_mb < PEAK_RSS_LIMIT_MB
    assert set(stored(tmp_path)) == {"conv-0", "conv-12", "conv-13"}
    found = run_keeper(
        "search",
        "--db",
        tmp_path / "data" / "keeper.db",
        "needleattheend",
        "--json",
        "--mode",
        "keyword",  # the keyword index covers all 100 MB, embeddings the start
    )
    assert [hit["conversation_id"] for hit in found.json()] == ["conv-12"]


def test_damaged_asset_member_is_listed_and_the_rest_imports(tmp_path: Path) -> None:
    convo = with_image(conversation(1), "Crc1", "a picture")
    path = make_zip(
        tmp_path / "export.zip",
        {
            "conversations.json": dumps([conversation(0), convo]),
            "file-Crc1-x.png": b"\x89PNG\r\n\x1a\n" + b"A" * 5000,
        },
        compression=zipfile.ZIP_STORED,
    )
    raw = bytearray(path.read_bytes())
    raw[raw.find(b"A" * 100) + 10] = ord("B")  # one flipped byte: the CRC no longer matches
    path.write_bytes(bytes(raw))
    run = keeper_import(tmp_path, path)
    assert_clean(run)
    assert run.code == 0
    data = report(run)
    (problem,) = [a for a in data["anomalies"]["list"] if a["kind"] == "unreadable_asset"]
    assert problem["where"] == "file-Crc1-x.png" and "CRC" in problem["detail"]
    assert data["assets"]["missing"] == 1
    assert set(stored(tmp_path)) == {"conv-0", "conv-1"}
    assert not list((tmp_path / "data").rglob(".incoming-*"))


HOSTILE_QUERIES = [
    '"', "AND", "*", "NEAR(", "body:x", "^", "(", "a OR", "-", '""""', "x" * 100_000,
    "東", "tea*", "{body}:tea", "\x00", "NOT NOT", "rowid:1", "'; DROP TABLE nodes; --",
]  # fmt: skip


@pytest.mark.parametrize("mode", ["keyword", "hybrid", "semantic"])
def test_hostile_search_queries(tmp_path: Path, mode: str) -> None:
    db = tmp_path / "data" / "keeper.db"
    assert keeper_import(tmp_path, export_zip(tmp_path / "e.zip", 3)).code == 0
    batch = tmp_path / "queries.jsonl"
    lines = [orjson.dumps({"query": q, "mode": mode, "limit": 5}).decode() for q in HOSTILE_QUERIES]
    batch.write_text("\n".join(lines) + "\n")
    run = run_keeper("search", "--db", db, "--batch", batch)
    assert_clean(run)
    assert run.code == 0, run.stderr
    results = [orjson.loads(line) for line in run.stdout.splitlines()]
    assert len(results) == len(lines)
    assert all(isinstance(r, list) for r in results)
    assert stored(tmp_path) == {"conv-0": 4, "conv-1": 4, "conv-2": 4}
    # Bytes that are not UTF-8 on the command line reach Python as lone surrogates.
    raw = subprocess.run(
        [sys.executable, "-m", "keeper", "search", "--db", str(db), "--mode", mode, "--json",
         b"caf\xe9 \xff\xfe hello"],
        env=cli_env(), capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert b"Traceback" not in raw.stderr, raw.stderr.decode()
    assert raw.returncode == 0
    assert isinstance(orjson.loads(raw.stdout), list)
    lone = tmp_path / "lone.jsonl"
    lone.write_text('{"query": "lone \\ud800 surrogate", "mode": "' + mode + '"}\n')
    bad_line = run_keeper("search", "--db", db, "--batch", lone)
    assert_clean(bad_line)
    # JSON with a lone surrogate escape is not valid UTF-8 text: a usage error naming the line.
    assert bad_line.code == 2, bad_line.stderr
    assert f"{lone} line 1 is not JSON" in bad_line.stderr
