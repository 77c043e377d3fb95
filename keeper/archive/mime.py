"""Guess a file's media type from its name or from its first bytes."""

from __future__ import annotations

import mimetypes

# Bytes needed by sniff_mime (MP4 brands sit at 8..12, WEBP/WAVE at 8..12).
SNIFF_BYTES = 16

# A fixed table so results do not depend on the platform's mime.types.
_BY_EXTENSION = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "avif": "image/avif",
    "bmp": "image/bmp",
    "svg": "image/svg+xml",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "flac": "audio/flac",
    "aac": "audio/aac",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "json": "application/json",
    "html": "text/html",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Extensions that say nothing about the content.
OPAQUE_EXTENSIONS = frozenset({"", "dat", "bin", "tmp"})

# MPEG-1/2/2.5 layer III frame headers without CRC or with it; other 0xFFxx prefixes are too
# loose (0xFFFE is a UTF-16 BOM).
_MP3_FRAME_SYNCS = frozenset(
    {b"\xff\xfb", b"\xff\xfa", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3", b"\xff\xe2"}
)

_MP4_BRANDS = {
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"qt  ": "video/quicktime",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heic",
    b"avif": "image/avif",
}


def extension(name: str) -> str:
    """The lower-case extension of a file name, without the dot ("" when there is none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.lstrip(".") else ""


def mime_from_name(name: str) -> str | None:
    """The media type implied by a file name's extension, or None if it is opaque/unknown."""
    ext = extension(name)
    if ext in OPAQUE_EXTENSIONS:
        return None
    known = _BY_EXTENSION.get(ext)
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type("x." + ext, strict=False)
    return guessed


def sniff_mime(head: bytes) -> str | None:
    """The media type recognised from a file's first bytes (see ``SNIFF_BYTES``), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return "image/webp"
        if form == b"WAVE":
            return "audio/wav"
        if form == b"AVI ":
            return "video/x-msvideo"
        return None
    if head[4:8] == b"ftyp":
        return _MP4_BRANDS.get(head[8:12], "video/mp4")
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or head[:2] in _MP3_FRAME_SYNCS:
        return "audio/mpeg"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return None
