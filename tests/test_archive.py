"""Tests for keeper.archive: every export shape, damaged and hostile archives, asset lookup.

Every input is built here, in tmp_path; nothing is read from the network or a real export.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pytest

import keeper.archive.safety as safety
from keeper.archive import Anomaly, ExportSource, RawRecord, open_export, pointer_id
from keeper.archive.mime import mime_from_name, sniff_mime
from keeper.archive.zipcontainer import ZipContainer
from keeper.errors import ArchiveError, InputError
from tests.conftest import PEER_FIXTURES
from tests.hostile import set_flag

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16
PDF = b"%PDF-1.7\n" + b"\x00" * 16


def conv(i: int, text: str = "hello") -> dict[str, Any]:
    """A small conversation object with the usual shape."""
    cid = f"conv-{i}"
    return {
        "id": cid,
        "conversation_id": cid,
        "title": f'Chat {i} {{ [ " \\ ] }}',
        "create_time": 1700000000.0 + i,
        "current_node": "n1",
        "mapping": {
            "root": {"id": "root", "message": None, "parent": None, "children": ["n1"]},
            "n1": {
                "id": "n1",
                "parent": "root",
                "children": [],
                "message": {
                    "id": "n1",
                    "author": {"role": "user"},
                    "content": {"content_type": "text", "parts": [f"{text} #{i} 你好 😀"]},
                },
            },
        },
    }


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def make_zip(path: Path, files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def ids(records: Iterable[RawRecord]) -> list[str]:
    out = []
    for record in records:
        assert record.error is None, record.error
        assert record.payload is not None
        out.append(orjson.loads(record.payload)["id"])
    return out


def kinds(anomalies: list[Anomaly]) -> list[str]:
    return [a.kind for a in anomalies]


def read_all(source: ExportSource) -> list[RawRecord]:
    with source:
        return list(source.records())


# --- shapes ----------------------------------------------------------------------------


def test_zip_with_single_conversations_json(tmp_path: Path) -> None:
    data = dumps([conv(1), conv(2), conv(3)])
    path = make_zip(
        tmp_path / "export.zip",
        {
            "conversations.json": data,
            "user.json": b'{"id": "user-1"}',
            "message_feedback.json": b"[]",
            "chat.html": b"<html></html>",
        },
    )
    with open_export(path) as source:
        assert source.kind == "zip"
        assert source.label == str(path)
        records = list(source.records())
        assert ids(records) == ["conv-1", "conv-2", "conv-3"]
        assert [r.origin for r in records] == [f"conversations.json #{i}" for i in range(3)]
        assert source.total_bytes() == len(data)
        positions = [r.position for r in records]
        assert positions == sorted(positions) and positions[-1] <= len(data)
        assert dict(source.aux_files()) == {
            "message_feedback.json": b"[]",
            "user.json": b'{"id": "user-1"}',
        }
        assert source.anomalies == []
        assert list(source.records()) == records  # records() can be iterated again


def test_sharded_zip_follows_manifest_and_reports_missing_shard(tmp_path: Path) -> None:
    manifest = {
        "version": 1,
        "manifest_file": "export_manifest.json",
        "logical_files": {
            "conversations.json": {
                "files": [
                    "conversations-2.json",
                    {"path": "conversations-10.json", "size": 1},
                    "conversations-100.json",
                    "conversations-101.json",
                ],
                "sharded": True,
            }
        },
    }
    path = make_zip(
        tmp_path / "export.zip",
        {
            "export_manifest.json": dumps(manifest),
            "conversations-100.json": dumps([conv(100)]),
            "conversations-10.json": dumps([conv(10), conv(11)]),
            "conversations-2.json": dumps([conv(2)]),
            "conversations-7.json": dumps([conv(7)]),
        },
    )
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-2", "conv-10", "conv-11", "conv-100", "conv-7"]
        missing = [a for a in source.anomalies if a.kind == "missing_shard"]
        assert [a.where for a in missing] == ["conversations-101.json"]
        assert "unlisted_shard" in kinds(source.anomalies)
        assert "export_manifest.json" in dict(source.aux_files())


def test_shards_without_manifest_sort_numerically(tmp_path: Path) -> None:
    files = {f"conversations-{n}.json": dumps([conv(int(n))]) for n in ("100", "10", "2", "01")}
    path = make_zip(tmp_path / "export.zip", files)
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-2", "conv-10", "conv-100"]
        assert source.total_bytes() == sum(len(v) for v in files.values())


def test_export_nested_one_folder_deep(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "export.zip",
        {
            "MyExport/conversations.json": dumps([conv(1)]),
            "MyExport/user.json": b"{}",
            "MyExport/file-AbC123-photo.png": PNG,
            "__MACOSX/MyExport/._conversations.json": b"junk",
        },
    )
    with open_export(path) as source:
        records = list(source.records())
        assert ids(records) == ["conv-1"]
        assert records[0].origin == "MyExport/conversations.json #0"
        assert dict(source.aux_files()) == {"user.json": b"{}"}
        found = source.assets().resolve("file-service://file-AbC123")
        assert found is not None and found.member == "MyExport/file-AbC123-photo.png"


def test_unpacked_folder(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "dalle-generations").mkdir(parents=True)
    (folder / "conversations.json").write_bytes(dumps([conv(1), conv(2)]))
    (folder / "user.json").write_bytes(b"{}")
    (folder / "dalle-generations" / "file-Xyz9-1b2c.webp").write_bytes(WEBP)
    with open_export(folder) as source:
        assert source.kind == "directory"
        assert ids(source.records()) == ["conv-1", "conv-2"]
        assert dict(source.aux_files()) == {"user.json": b"{}"}
        found = source.assets().resolve("file-service://file-Xyz9")
        assert found is not None
        assert found.member == "dalle-generations/file-Xyz9-1b2c.webp"
        assert found.mime == "image/webp"
        with source.assets().open(found) as f:
            assert f.read() == WEBP


def test_bare_conversations_json_and_shard(tmp_path: Path) -> None:
    path = tmp_path / "conversations-003.json"
    path.write_bytes(dumps([conv(1), conv(2)]))
    with open_export(path) as source:
        assert source.kind == "json"
        records = list(source.records())
        assert ids(records) == ["conv-1", "conv-2"]
        assert records[1].origin == "conversations-003.json #1"
        assert list(source.aux_files()) == []
        assert len(source.assets()) == 0


def test_bare_json_inside_unpacked_export_finds_sibling_assets(tmp_path: Path) -> None:
    (tmp_path / "conversations.json").write_bytes(dumps([conv(1)]))
    (tmp_path / "user.json").write_bytes(b"{}")
    (tmp_path / "file-Q1w2-scan.pdf").write_bytes(PDF)
    with open_export(tmp_path / "conversations.json") as source:
        assert ids(source.records()) == ["conv-1"]
        found = source.assets().resolve("file-Q1w2")
        assert found is not None and found.display_name == "scan.pdf"
        assert found.mime == "application/pdf"


def test_single_conversation_object_file(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_bytes(dumps(conv(5)))
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-5"]


def test_wrapper_dict(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(dumps({"exported": "x", "conversations": [conv(1), conv(2)]}))
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-2"]


def test_bom_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    path.write_bytes(b"\xef\xbb\xbf" + dumps([conv(1)]))
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]


def test_content_wins_over_extension(tmp_path: Path) -> None:
    as_txt = make_zip(tmp_path / "export.txt", {"conversations.json": dumps([conv(1)])})
    with open_export(as_txt) as source:
        assert source.kind == "zip"
    json_named_zip = tmp_path / "export.zip.json"
    json_named_zip.write_bytes(dumps([conv(2)]))
    with open_export(json_named_zip) as source:
        assert source.kind == "json"


# --- chat.html ---------------------------------------------------------------------------


def chat_html(conversations: list[Any], assets: dict[str, str]) -> bytes:
    decoy = conv(99, text='var assetsJson = {"file-Decoy": "nope.png"}; </script>')
    return (
        b"<!DOCTYPE html><html><head><title>ChatGPT Data Export</title><style>body{}</style>"
        b"</head><body><div id='root'></div><script>\n"
        b"var jsonData = "
        + orjson.dumps([*conversations, decoy])
        + b";\nvar assetsJson = "
        + orjson.dumps(assets)
        + b";\nfunction render() { return jsonData.length; }\n</script></body></html>"
    )


def test_chat_html_file(tmp_path: Path) -> None:
    (tmp_path / "chat.html").write_bytes(
        chat_html([conv(1), conv(2)], {"file-service://file-Img1": "file-Img1-cat.jpg"})
    )
    (tmp_path / "user.json").write_bytes(b"{}")
    (tmp_path / "file-Img1-cat.jpg").write_bytes(JPEG)
    with open_export(tmp_path / "chat.html") as source:
        assert source.kind == "html"
        records = list(source.records())
        assert ids(records) == ["conv-1", "conv-2", "conv-99"]
        assert records[0].origin == "chat.html jsonData #0"
        assert source.total_bytes() == (tmp_path / "chat.html").stat().st_size
        found = source.assets().resolve("file-service://file-Img1")
        assert found is not None and found.mime == "image/jpeg"
        assert source.assets().resolve("file-Decoy") is None


def test_zip_with_only_chat_html_falls_back_to_json_data(tmp_path: Path) -> None:
    html = chat_html([conv(1)], {"sediment://file_00aa": "audio/file_00aa-rec.wav"})
    path = make_zip(
        tmp_path / "export.zip",
        {"chat.html": html, "user.json": b"{}", "audio/file_00aa-rec.wav": WAV},
    )
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-99"]
        found = source.assets().resolve("sediment://file_00aa")
        assert found is not None and found.member == "audio/file_00aa-rec.wav"


def test_assets_json_maps_pointer_to_an_unrelated_name(tmp_path: Path) -> None:
    html = chat_html([conv(1)], {"file-service://file-Odd1": "media/picture-17.png"})
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations.json": dumps([conv(1)]), "chat.html": html, "media/picture-17.png": PNG},
    )
    with open_export(path) as source:
        found = source.assets().resolve("file-service://file-Odd1")
        assert found is not None and found.member == "media/picture-17.png"
        assert found.mime == "image/png"


def test_html_without_json_data_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(b"<html><body>hello</body></html>")
    with pytest.raises(InputError, match="no `var jsonData"):
        open_export(path)
    archive = make_zip(tmp_path / "export.zip", {"chat.html": b"<html>no data</html>"})
    with pytest.raises(InputError, match="no ChatGPT conversations"):
        open_export(archive)


def test_bare_chat_html_without_export_folder_has_no_assets(tmp_path: Path) -> None:
    path = tmp_path / "saved.html"
    path.write_bytes(chat_html([conv(1)], {"file-service://file-Img1": "file-Img1-cat.jpg"}))
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-99"]
        assert len(source.assets()) == 0
        assert source.assets().resolve("file-service://file-Img1") is None


# --- damaged input -----------------------------------------------------------------------


def test_truncated_json_in_the_middle_of_a_shard(tmp_path: Path) -> None:
    shard0 = dumps([conv(1), conv(2), conv(3)])
    cut = shard0[: shard0.index(b'"conv-3"') + 20]
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations-000.json": cut, "conversations-001.json": dumps([conv(4)])},
    )
    with open_export(path) as source:
        records = list(source.records())
        good = [r for r in records if r.error is None]
        bad = [r for r in records if r.error is not None]
        assert ids(good) == ["conv-1", "conv-2", "conv-4"]
        assert len(bad) == 1 and bad[0].payload is None and "truncated" in (bad[0].error or "")
        assert bad[0].origin == "conversations-000.json #2"
        assert kinds(source.anomalies) == ["truncated_json"]


class _Unseekable(io.RawIOBase):
    """A write target zipfile cannot seek in, so it writes data descriptors (flag bit 3)."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.buf += bytes(b)
        return len(b)


def write_zip(path: Path, files: dict[str, bytes], compression: int, layout: str) -> None:
    """``layout``: "plain", "streamed" (data descriptors) or "zip64" (streamed + ZIP64)."""
    if layout == "plain":
        make_zip(path, files, compression)
        return
    target = _Unseekable()
    with zipfile.ZipFile(target, "w", compression=compression) as zf:
        for name, data in files.items():
            with zf.open(name, "w", force_zip64=layout == "zip64") as member:
                member.write(data)
    path.write_bytes(bytes(target.buf))


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("layout", ["plain", "streamed", "zip64"])
def test_truncated_zip_recovers_earlier_members(
    tmp_path: Path, compression: int, layout: str
) -> None:
    files = {
        "conversations-000.json": dumps([conv(1), conv(2)]),
        "user.json": b'{"id": "user-1"}',
        "file-Big1-video.mp4": b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 800,
        "conversations-001.json": dumps([conv(3)]),
    }
    path = tmp_path / "export.zip"
    write_zip(path, files, compression, layout)
    with open_export(path) as intact:
        assert ids(intact.records()) == ["conv-1", "conv-2", "conv-3"]
        assert intact.anomalies == []
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-2"]
        assert kinds(source.anomalies)[0] == "truncated_zip"
        assert dict(source.aux_files()) == {"user.json": b'{"id": "user-1"}'}
        assert "truncated_member" in kinds(source.anomalies)
        video = source.assets().resolve("file-Big1")
        assert video is not None and video.mime == "video/mp4"


def test_damaged_central_directory_is_recovered(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "export.zip", {"conversations.json": dumps([conv(1)])})
    raw = bytearray(path.read_bytes())
    at = raw.rindex(b"PK\x01\x02")
    raw[at : at + 4] = b"XXXX"
    path.write_bytes(bytes(raw))
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]
        assert kinds(source.anomalies) == ["truncated_zip"]


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_large_shard_streams_in_many_reads(tmp_path: Path, compression: int) -> None:
    many = [conv(i, text="long text " * 500) for i in range(600)]
    path = make_zip(tmp_path / "export.zip", {"conversations.json": dumps(many)}, compression)
    with open_export(path) as source:
        assert source.total_bytes() > 3_000_000
        records = list(source.records())
        assert ids(records) == [f"conv-{i}" for i in range(600)]
        assert records[-1].position <= source.total_bytes()


def test_truncated_zip_cut_inside_the_conversations(tmp_path: Path) -> None:
    data = dumps([conv(i, text="x" * 200) for i in range(40)])
    path = make_zip(tmp_path / "export.zip", {"conversations.json": data}, zipfile.ZIP_STORED)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with open_export(path) as source:
        records = list(source.records())
        good = [r for r in records if r.error is None]
        assert 5 < len(good) < 40
        assert ids(good) == [f"conv-{i}" for i in range(len(good))]
        assert records[-1].error is not None
        assert {"truncated_zip", "truncated_member", "truncated_json"} <= set(
            kinds(source.anomalies)
        )


def test_truncated_zip_with_nothing_recoverable(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 10)
    with pytest.raises(ArchiveError, match="damaged zip"):
        open_export(path)


def test_crc_error_is_an_anomaly_and_other_shards_continue(tmp_path: Path) -> None:
    first = dumps([conv(1)])
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations-000.json": first, "conversations-001.json": dumps([conv(2)])},
        zipfile.ZIP_STORED,
    )
    raw = bytearray(path.read_bytes())
    at = raw.index(b"hello #1")
    raw[at] = ord("j")  # same length, still valid JSON, wrong CRC
    path.write_bytes(bytes(raw))
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-2"]
        assert kinds(source.anomalies) == ["crc_error"]


# --- refusals ----------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        open_export(tmp_path / "nope.zip")


def test_empty_zip(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "export.zip", {})
    with pytest.raises(InputError, match="is empty"):
        open_export(path)


def test_zip_without_conversations(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "export.zip", {"user.json": b"{}", "inner.zip": b"PK"})
    with pytest.raises(InputError, match="no ChatGPT conversations") as info:
        open_export(path)
    assert "inner.zip" in str(info.value)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    path.write_bytes(b"<html>Access denied</html>")
    with pytest.raises(InputError, match="is not a zip archive") as info:
        open_export(path)
    assert "Data controls" in str(info.value)
    assert not isinstance(info.value, ArchiveError)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"hello world", "not a ChatGPT export"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"\xff\xfe[\x00]\x00", "UTF-16"),
    ],
)
def test_unreadable_single_files(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        open_export(path)


def test_folder_without_conversations(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(InputError, match="no ChatGPT conversations"):
        open_export(tmp_path)


def test_encrypted_zip_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "export.zip", {"conversations.json": dumps([conv(1)])})
    set_flag(path, b"conversations.json", 0x1)
    with pytest.raises(ArchiveError, match="password-protected"):
        open_export(path)


def test_encrypted_asset_is_only_an_anomaly(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations.json": dumps([conv(1)]), "file-Sec1-x.png": PNG},
    )
    set_flag(path, b"file-Sec1-x.png", 0x1)
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]
        assert "encrypted_member" in kinds(source.anomalies)
        assert source.assets().resolve("file-Sec1") is None


def test_unsupported_compression_method(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations-000.json": dumps([conv(1)]), "conversations-001.json": dumps([conv(2)])},
    )
    set_flag(path, b"conversations-001.json", method=9)
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]
        problem = next(a for a in source.anomalies if a.kind == "unreadable_member")
        assert "Deflate64" in problem.detail


def test_unsafe_members_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("conversations.json", dumps([conv(1)]))
        zf.writestr("../evil.json", b"[]")
        zf.writestr("/etc/passwd", b"root")
        zf.writestr("C:/Windows/x.dat", b"x")
        link = zipfile.ZipInfo("file-Link1-x.png")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/shadow")
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]
        unsafe = sorted(a.where for a in source.anomalies if a.kind == "unsafe_member")
        assert unsafe == ["../evil.json", "/etc/passwd", "C:/Windows/x.dat", "file-Link1-x.png"]
        assert source.assets().resolve("file-Link1") is None
        assert len(source.assets()) == 0


def test_symlink_in_folder_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "conversations.json").write_bytes(dumps([conv(1)]))
    outside = tmp_path / "outside-secret.png"
    outside.write_bytes(PNG)
    (folder / "file-Link2-x.png").symlink_to(outside)
    (folder / "user-1").symlink_to(tmp_path, target_is_directory=True)
    with open_export(folder) as source:
        assert ids(source.records()) == ["conv-1"]
        assert "unsafe_member" in kinds(source.anomalies)
        assert source.assets().resolve("file-Link2") is None


def test_zip_bomb_ratio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "RATIO_CHECK_MIN_BYTES", 1000)
    monkeypatch.setattr(safety, "MAX_RATIO", 20)
    padded = b"[" + b" " * 200_000 + dumps(conv(1)) + b"]"
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations.json": dumps([conv(1)]), "file-Bomb1.dat": b"\x00" * 200_000},
    )
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]
        assert "zip_bomb" in kinds(source.anomalies)
        assert source.assets().resolve("file-Bomb1") is None
    bomb = make_zip(tmp_path / "bomb.zip", {"conversations.json": padded})
    with pytest.raises(ArchiveError, match="zip bomb"):
        open_export(bomb)


def test_aux_file_over_the_cap_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keeper.archive.source as source_module

    monkeypatch.setattr(source_module, "MAX_AUX_BYTES", 10)
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations.json": dumps([conv(1)]), "user.json": b"{}", "sora.json": b"{" * 50},
    )
    with open_export(path) as source:
        assert dict(source.aux_files()) == {"user.json": b"{}"}
        assert [a.where for a in source.anomalies if a.kind == "aux_too_large"] == ["sora.json"]


def test_all_known_aux_files_are_listed(tmp_path: Path) -> None:
    aux = {
        name: b"{}"
        for name in (
            "user.json",
            "user_settings.json",
            "message_feedback.json",
            "model_comparisons.json",
            "shared_conversations.json",
            "group_chats.json",
            "sora.json",
            "shopping.json",
            "library_files.json",
            "conversation_asset_file_names.json",
            "ads.json",
            "something_new.json",
        )
    }
    path = make_zip(tmp_path / "export.zip", {"conversations.json": dumps([conv(1)]), **aux})
    with open_export(path) as source:
        assert sorted(name for name, _ in source.aux_files()) == sorted(aux)


def test_lone_json_with_another_name(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "export.zip",
        {"my chats (1).json": dumps([conv(1)]), "user.json": b"{}", "notes.txt": b"x"},
    )
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]
        assert [a.where for a in source.anomalies if a.kind == "unknown_file"] == ["notes.txt"]


# --- assets ------------------------------------------------------------------------------


def asset_export(tmp_path: Path) -> Path:
    name_map = {"file-Dat1.dat": "holiday.png", "file_00000000abcdef": "voice-note.wav"}
    library = [
        {
            "file_id": "file_1234567890abcdef1234567890abcdef",
            "file_name": "report.pdf",
            "mime_type": "application/pdf",
            "file_size_bytes": len(PDF),
        }
    ]
    return make_zip(
        tmp_path / "export.zip",
        {
            "conversations.json": dumps([conv(1)]),
            "conversation_asset_file_names.json": dumps(name_map),
            "library_files.json": dumps(library),
            "file-Root1-My Photo.jpeg": JPEG,
            "dalle-generations/file-Dal1-3f2a9c1e-aaaa-bbbb-cccc-123456789012.webp": WEBP,
            "user-u123/file_00ff11-3f2a9c1e-aaaa.png": PNG,
            "user-u123/g-p-abc/mnt/data/file_deep1-notes.pdf": PDF,
            "conv-1/image/file_conv1-pic.png": PNG,
            "conv-2/image/file_conv1-other.png": JPEG,
            "audio/file_aud1-rec.wav": WAV,
            "file-Dat1.dat": PNG,
            "file_00000000abcdef.dat": WAV,
            "file_1234567890abcdef1234567890abcdef.dat": PDF,
            "file-Same1.dat": WAV,
            "images/file-Same1-copy.png": PNG,
        },
    )


@pytest.mark.parametrize(
    ("pointer", "conversation", "member", "display", "mime"),
    [
        (
            "file-service://file-Root1",
            None,
            "file-Root1-My Photo.jpeg",
            "My Photo.jpeg",
            "image/jpeg",
        ),
        (
            "file-service://file-Dal1",
            None,
            "dalle-generations/file-Dal1-3f2a9c1e-aaaa-bbbb-cccc-123456789012.webp",
            "3f2a9c1e-aaaa-bbbb-cccc-123456789012.webp",
            "image/webp",
        ),
        (
            "sediment://file_00ff11",
            None,
            "user-u123/file_00ff11-3f2a9c1e-aaaa.png",
            "3f2a9c1e-aaaa.png",
            "image/png",
        ),
        (
            "file_deep1",
            None,
            "user-u123/g-p-abc/mnt/data/file_deep1-notes.pdf",
            "notes.pdf",
            "application/pdf",
        ),
        (
            "sediment://file_conv1",
            "conv-1",
            "conv-1/image/file_conv1-pic.png",
            "pic.png",
            "image/png",
        ),
        # A real extension wins over the bytes; only opaque names (.dat, none) are sniffed.
        (
            "sediment://file_conv1",
            "conv-2",
            "conv-2/image/file_conv1-other.png",
            "other.png",
            "image/png",
        ),
        ("sediment://file_aud1", None, "audio/file_aud1-rec.wav", "rec.wav", "audio/wav"),
        ("file-service://file-Dat1", None, "file-Dat1.dat", "holiday.png", "image/png"),
        (
            "sediment://file_00000000abcdef",
            None,
            "file_00000000abcdef.dat",
            "voice-note.wav",
            "audio/wav",
        ),
        (
            "file_1234567890abcdef1234567890abcdef",
            None,
            "file_1234567890abcdef1234567890abcdef.dat",
            "report.pdf",
            "application/pdf",
        ),
        (
            "sandbox:/mnt/data/report.pdf",
            None,
            "file_1234567890abcdef1234567890abcdef.dat",
            "report.pdf",
            "application/pdf",
        ),
        ("file-service://file-Same1", None, "file-Same1.dat", "file-Same1.dat", "audio/wav"),
    ],
)
def test_asset_layouts(
    tmp_path: Path,
    pointer: str,
    conversation: str | None,
    member: str,
    display: str,
    mime: str,
) -> None:
    with open_export(asset_export(tmp_path)) as source:
        index = source.assets()
        found = index.resolve(pointer, conversation)
        assert found is not None, pointer
        assert (found.member, found.display_name, found.mime) == (member, display, mime)
        with index.open(found) as f:
            data = f.read()
        assert len(data) == found.size


def test_asset_index_misses_and_counts(tmp_path: Path) -> None:
    with open_export(asset_export(tmp_path)) as source:
        index = source.assets()
        assert len(index) == 12
        assert index.resolve("sediment://file_gone") is None
        assert index.resolve("file-service://file-Root") is None  # a prefix of an id is no match
        assert index.resolve("") is None
        assert index.resolve("sandbox:/mnt/data/unknown.txt") is None
        assert source.assets() is index


def test_pointer_id() -> None:
    assert pointer_id("file-service://file-AbC123") == "file-AbC123"
    assert pointer_id("sediment://file_00000000abc#frag") == "file_00000000abc"
    assert pointer_id("file-AbC") == "file-AbC"


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (WEBP, "image/webp"),
        (WAV, "audio/wav"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x00", "audio/mpeg"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00", "video/mp4"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00", "audio/mp4"),
        (PDF, "application/pdf"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"\x1a\x45\xdf\xa3\x01", "video/webm"),
        (b"\xff\xfe{\x00", None),
        (b"hello", None),
        (b"", None),
    ],
)
def test_sniff_mime(head: bytes, mime: str | None) -> None:
    assert sniff_mime(head) == mime


def test_mime_from_name() -> None:
    assert mime_from_name("a/b/photo.JPG") == "image/jpeg"
    assert mime_from_name("file-x.dat") is None
    assert mime_from_name("noext") is None
    assert mime_from_name(".hidden") is None


# --- peers' public fixtures (../shared beside the checkout, as every worktree has) -------


def test_peer_fixtures_split_into_parseable_conversations() -> None:
    assert PEER_FIXTURES.is_dir(), f"{PEER_FIXTURES} is missing: the shared fixtures are needed"
    paths = sorted(PEER_FIXTURES.glob("*.json"))
    assert paths, f"no fixtures in {PEER_FIXTURES}"
    for path in paths:
        with open_export(path) as source:
            records = list(source.records())
            assert records, path
            for record in records:
                assert record.error is None, (path, record.error)
                assert isinstance(orjson.loads(record.payload or b"null"), dict)


# --- member reader -----------------------------------------------------------------------


def test_big_incompressible_aux_file_is_read_whole(tmp_path: Path) -> None:
    noise = random_bytes(3_000_000)
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations.json": dumps([conv(1)]), "model_comparisons.json": noise},
    )
    with open_export(path) as source:
        assert dict(source.aux_files()) == {"model_comparisons.json": noise}


def test_bad_crc_is_raised_only_after_all_bytes(tmp_path: Path) -> None:
    data = random_bytes(2_500_000)
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations.json": dumps([conv(1)]), "user.json": data},
        zipfile.ZIP_STORED,
    )
    raw = bytearray(path.read_bytes())
    raw[raw.index(data[1000:1100]) + 50] ^= 0xFF
    path.write_bytes(bytes(raw))
    with open_export(path) as source:
        assert dict(source.aux_files()) == {}
        assert [a.where for a in source.anomalies] == ["user.json"]
        assert "CRC" in source.anomalies[0].detail
    with ZipContainer(path, "export.zip").open("user.json") as f:
        first = f.read(2_000_000)
        rest = f.read(2_000_000)
        assert len(first) + len(rest) == len(data)
        with pytest.raises(zipfile.BadZipFile, match="CRC"):
            f.read(10)


def random_bytes(n: int) -> bytes:
    import random

    return random.Random(n).randbytes(n)


# --- chat.html as a fallback when the JSON is damaged ------------------------------------


def test_chat_html_is_read_too_when_conversations_json_is_cut(tmp_path: Path) -> None:
    conversations = [conv(i, text="y" * 300) for i in range(30)]
    files = {
        "chat.html": chat_html(conversations, {}),
        "conversations.json": dumps(conversations),
    }
    path = make_zip(tmp_path / "export.zip", files, zipfile.ZIP_STORED)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) * 3 // 4])
    with open_export(path) as source:
        records = list(source.records())
        from_html = [r for r in records if r.origin.startswith("chat.html jsonData")]
        assert ids(from_html) == [f"conv-{i}" for i in range(30)] + ["conv-99"]
        assert "html_fallback" in kinds(source.anomalies)
        positions = [r.position for r in records]
        assert positions == sorted(positions) and positions[-1] <= source.total_bytes()


def test_chat_html_is_read_too_when_a_shard_is_missing(tmp_path: Path) -> None:
    manifest = {
        "logical_files": {
            "conversations.json": {"files": ["conversations-000.json", "conversations-001.json"]}
        }
    }
    path = make_zip(
        tmp_path / "export.zip",
        {
            "export_manifest.json": dumps(manifest),
            "conversations-000.json": dumps([conv(1)]),
            "chat.html": chat_html([conv(1), conv(2)], {}),
        },
    )
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-1", "conv-2", "conv-99"]
        assert kinds(source.anomalies) == ["missing_shard", "html_fallback"]


def test_chat_html_replaces_unreadable_shards(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "export.zip",
        {"conversations.json": dumps([conv(1)]), "chat.html": chat_html([conv(1)], {})},
    )
    set_flag(path, b"conversations.json", method=9)
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1", "conv-99"]
        assert kinds(source.anomalies) == ["unreadable_member", "html_fallback"]


def test_unreadable_shards_without_html_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "export.zip", {"conversations.json": dumps([conv(1)])})
    set_flag(path, b"conversations.json", method=9)
    with pytest.raises(ArchiveError, match="Deflate64"):
        open_export(path)


def test_backslash_member_names(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "export.zip",
        {"Export\\conversations.json": dumps([conv(1)]), "Export\\file-Bs1-a.png": PNG},
    )
    with open_export(path) as source:
        assert ids(source.records()) == ["conv-1"]
        found = source.assets().resolve("file-Bs1")
        assert found is not None and found.member == "Export/file-Bs1-a.png"
        with source.assets().open(found) as f:
            assert f.read() == PNG


def test_corrupted_zips_fail_only_with_keeper_errors(tmp_path: Path) -> None:
    """Random damage must end in an InputError/ArchiveError or an anomaly, never a crash."""
    import random

    from keeper.errors import KeeperError

    files = {
        "export_manifest.json": dumps(
            {"logical_files": {"conversations.json": {"files": ["conversations-000.json"]}}}
        ),
        "conversations-000.json": dumps([conv(i) for i in range(4)]),
        "user.json": b"{}",
        "file-A1-x.png": PNG,
        "conversation_asset_file_names.json": b'{"file_00aa.dat": "a.wav"}',
        "file_00aa.dat": WAV,
        "chat.html": chat_html([conv(1)], {"file-service://file-B": "file-A1-x.png"}),
    }
    rng = random.Random(1234)
    path = tmp_path / "export.zip"
    for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        pristine = make_zip(tmp_path / "pristine.zip", files, compression).read_bytes()
        for _ in range(150):
            data = bytearray(pristine)
            if rng.random() < 0.3:
                data = data[: rng.randrange(len(data))]
            else:
                for _ in range(rng.randint(1, 4)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            path.write_bytes(bytes(data))
            try:
                with open_export(path) as source:
                    for record in source.records():
                        assert (record.payload is None) != (record.error is None)
                    list(source.aux_files())
                    for pointer in ("file-A1", "file_00aa", "file-B", "file-none"):
                        source.assets().resolve(pointer)
            except KeeperError:
                pass
