"""Builders for hostile and broken exports, and a runner for the real `keeper` CLI.

Shared by the hardening tests (adversarial inputs, crash safety, concurrency, privacy,
fuzzing). Every file is made at test time under the test's temporary folder.
"""

from __future__ import annotations

import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent


def conversation(i: int, text: str = "hello", *, nodes: int = 1) -> dict[str, Any]:
    """A well-formed conversation ``conv-<i>`` with a root and a chain of ``nodes`` messages."""
    cid = f"conv-{i}"
    mapping: dict[str, Any] = {
        "root": {"id": "root", "message": None, "parent": None, "children": ["n1"]},
    }
    for n in range(1, nodes + 1):
        role = "user" if n % 2 else "assistant"
        mapping[f"n{n}"] = {
            "id": f"n{n}",
            "parent": "root" if n == 1 else f"n{n - 1}",
            "children": [f"n{n + 1}"] if n < nodes else [],
            "message": {
                "id": f"n{n}",
                "author": {"role": role},
                "create_time": 1_700_000_000.0 + i * 100 + n,
                "content": {"content_type": "text", "parts": [f"{text} {i}.{n}"]},
            },
        }
    return {
        "id": cid,
        "conversation_id": cid,
        "title": f"Chat {i}",
        "create_time": 1_700_000_000.0 + i * 100,
        "update_time": 1_700_000_000.0 + i * 100 + nodes,
        "current_node": f"n{nodes}",
        "mapping": mapping,
    }


def dumps(value: Any) -> bytes:
    """JSON bytes the way exports write them."""
    return orjson.dumps(value)


def make_zip(path: Path, files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip holding ``files`` (name -> bytes)."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def export_zip(path: Path, count: int, *, nodes: int = 3, text: str = "hello") -> Path:
    """A single-file export zip of ``count`` conversations."""
    convs = [conversation(i, text, nodes=nodes) for i in range(count)]
    return make_zip(path, {"conversations.json": dumps(convs)})


PNG = b"\x89PNG\r\n\x1a\n"


def with_image(convo: dict[str, Any], file_id: str, caption: str) -> dict[str, Any]:
    """``convo`` whose first message is an uploaded image ``file-<file_id>`` plus a caption."""
    convo["mapping"]["n1"]["message"]["content"] = {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "image_asset_pointer",
                "asset_pointer": f"file-service://file-{file_id}",
            },
            caption,
        ],
    }
    return convo


def build_export(path: Path, count: int = 1200, nodes: int = 20) -> dict[str, int]:
    """An export of ``count`` conversations (each with an image); returns id -> node count."""
    convs = []
    files: dict[str, bytes] = {}
    for i in range(count):
        convo = conversation(i, f"story {i} about lighthouses and tides", nodes=nodes)
        with_image(convo, f"Img{i}", f"picture {i}")
        files[f"file-Img{i}-photo.png"] = PNG + os.urandom(2048)
        convs.append(convo)
    files["conversations.json"] = dumps(convs)
    make_zip(path, files)
    return {c["id"]: nodes + 1 for c in convs}


def set_flag(path: Path, member: bytes, flag: int = 0, *, method: int | None = None) -> None:
    """OR ``flag`` into a member's general-purpose bits in its local and central headers,
    and set its compression method to ``method`` if given."""
    raw = bytearray(path.read_bytes())
    for signature, flag_at, name_len_at, fixed in (
        (b"PK\x03\x04", 6, 26, 30),
        (b"PK\x01\x02", 8, 28, 46),
    ):
        at = raw.find(signature)
        while at != -1:
            (name_len,) = struct.unpack_from("<H", raw, at + name_len_at)
            if bytes(raw[at + fixed : at + fixed + name_len]) == member:
                (flags,) = struct.unpack_from("<H", raw, at + flag_at)
                struct.pack_into("<H", raw, at + flag_at, flags | flag)
                if method is not None:
                    struct.pack_into("<H", raw, at + flag_at + 2, method)
            at = raw.find(signature, at + 1)
    path.write_bytes(bytes(raw))


def deflate_bomb(
    path: Path, name: str, prefix: bytes, block: bytes, repeats: int, suffix: bytes
) -> Path:
    """A zip whose member ``name`` inflates to ``prefix + block * repeats + suffix`` while
    the zip stays small: ``block`` is deflated once with a full flush (which makes the
    compressed bytes independent of what came before) and the result repeated."""
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    size = len(prefix) + len(block) * repeats + len(suffix)

    def flushed(data: bytes) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)

    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = flushed(block)
    head, end = flushed(prefix), tail.compress(suffix) + tail.flush()
    csize_total = len(head) + len(body) * repeats + len(end)
    encoded = name.encode()
    zip64 = size >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, size, csize_total) if zip64 else b""
    csize = 0xFFFFFFFF if zip64 else csize_total
    usize = 0xFFFFFFFF if zip64 else size
    version = 45 if zip64 else 20
    fixed = (version, 0, 8, 0, 0x21, crc, csize, usize, len(encoded), len(extra))
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fixed)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", version, *fixed, 0, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(local + encoded + extra + head)
        for _ in range(repeats):
            f.write(body)
        f.write(end)
        cd_offset = f.tell()
        f.write(central + encoded + extra)
        cd_size = f.tell() - cd_offset
        f.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, cd_size, cd_offset, 0))
    return path


def bomb_block(ratio_below: int = 1000, size: int = 1 << 24) -> bytes:
    """A block of JSON-string-safe letters that deflates at just under ``ratio_below``:1
    (mostly one letter, salted with pseudo-random ones so the ratio check alone passes)."""
    rng = random.Random(ratio_below)
    salt = bytes(rng.randrange(97, 123) for _ in range(size // ratio_below))
    return salt + b"a" * (size - len(salt))


@dataclass
class CliRun:
    """What one `keeper` process did."""

    code: int
    stdout: str
    stderr: str
    peak_rss_mb: float

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return orjson.loads(self.stdout)


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a keeper child process: offline, no user database."""
    env = {k: v for k, v in os.environ.items() if k != "KEEPER_DB"}
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


def run_keeper(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    stdin: str | None = None,
) -> CliRun:
    """Run ``python -m keeper ARGS``; report its exit code, output and its own peak RSS (MiB),
    read with ``os.wait4`` so other children never count."""
    command = [sys.executable, "-m", "keeper", *map(str, args)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            command,
            cwd=cwd or REPO,
            env=cli_env(env),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode == -signal.SIGKILL:
            raise TimeoutError(f"keeper {' '.join(map(str, args))} ran past {timeout} s")
        out.seek(0)
        err.seek(0)
        return CliRun(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            usage.ru_maxrss / 1024,
        )
