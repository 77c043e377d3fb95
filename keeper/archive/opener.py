"""open_export: recognise an export by its content and open it as an ExportSource."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from keeper.archive.container import READ_ERRORS, Container, DirContainer, FileContainer
from keeper.archive.html import has_conversations
from keeper.archive.layout import KNOWN_AUX, Plan, plan_layout
from keeper.archive.source import ExportSource, read_member
from keeper.archive.zipcontainer import ZipContainer
from keeper.archive.zipscan import RecoveredZipContainer
from keeper.errors import ArchiveError, InputError

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SNIFF = 64 * 1024
_DOWNLOAD_AGAIN = (
    "If the download was interrupted, download the export again from ChatGPT "
    "Settings → Data controls → Export data."
)
# Files beside a bare conversations.json that show its folder is an unpacked export.
_EXPORT_SIBLINGS = (*sorted(KNOWN_AUX), "chat.html")


def open_export(path: str | os.PathLike[str]) -> ExportSource:
    """Open an export: a .zip, an unpacked folder, conversations.json or a shard, a
    single-conversation JSON file, a ``{"conversations": [...]}`` file, or chat.html.

    The shape is recognised from the content, not the extension. Raises :class:`InputError`
    (or :class:`ArchiveError` for damaged or unsafe archives) when nothing can be read.
    """
    label = os.fspath(path)
    p = Path(label).expanduser()
    if not p.exists():
        raise InputError(
            f"{label} does not exist.",
            hint="Check the path. keeper opens the .zip ChatGPT sent you, the folder it "
            "unpacks to, or its conversations.json.",
        )
    if p.is_dir():
        container = DirContainer(p, label)
        return _from_container(label, "directory", container)
    if not p.is_file():
        raise InputError(
            f"{label} is not a regular file or folder.", hint="Give the export itself."
        )
    head = _head(p, label)
    if head[:4] in _ZIP_MAGIC:
        return _open_zip(p, label)
    return _open_single(p, label, head)


def _head(p: Path, label: str) -> bytes:
    try:
        with open(p, "rb") as f:
            return f.read(_SNIFF)
    except OSError as exc:
        raise InputError(
            f"{label} cannot be read: {exc.strerror or exc}.", hint="Check the file's permissions."
        ) from exc


def _open_zip(p: Path, label: str) -> ExportSource:
    container: Container
    try:
        container = ZipContainer(p, label)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        # The central directory is missing or damaged; the local headers may still be fine.
        container = RecoveredZipContainer(p, label)
        if not container.listing.members and not container.listing.refused:
            raise ArchiveError(
                f"{label} is a damaged zip archive: its table of contents is missing and no "
                "file inside it could be recovered.",
                hint=_DOWNLOAD_AGAIN,
            ) from None
    except OSError as exc:
        raise InputError(f"{label} cannot be read: {exc}.", hint=_DOWNLOAD_AGAIN) from exc
    try:
        return _from_container(label, "zip", container)
    except InputError:
        container.close()
        raise


def _from_container(label: str, kind: str, container: Container) -> ExportSource:
    plan = _plan(container)
    return ExportSource(label, kind, container, plan)


def _plan(container: Container) -> Plan:
    return plan_layout(
        container.listing.members,
        container.listing.refused,
        lambda name: read_member(container, name, container.anomalies.append),
    )


def _open_single(p: Path, label: str, head: bytes) -> ExportSource:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    first = text[:1]
    if first in (b"[", b"{"):
        kind = "json"
    elif first == b"<" and _looks_like_html(p):
        kind = "html"
    else:
        raise _not_an_export(p, label, head)
    container = FileContainer(p, label)
    plan = Plan()
    if kind == "json":
        plan.conversation_files = [p.name]
    else:
        plan.html = p.name
    return ExportSource(label, kind, container, plan, lambda: _export_folder(p))


def _looks_like_html(p: Path) -> bool:
    try:
        with open(p, "rb") as f:
            return has_conversations(f)
    except READ_ERRORS:
        return False


def _export_folder(p: Path) -> tuple[Container, Plan] | None:
    """The folder around a bare file, with its plan, when it is an unpacked export."""
    folder = p.parent
    if not any((folder / name).is_file() for name in _EXPORT_SIBLINGS if name != p.name):
        return None
    try:
        container = DirContainer(folder, os.fspath(folder))
    except ArchiveError:
        return None
    return container, _plan(container)


def _not_an_export(p: Path, label: str, head: bytes) -> InputError:
    if not head:
        return InputError(f"{label} is empty.", hint=_DOWNLOAD_AGAIN)
    if p.suffix.lower() == ".zip":
        return InputError(f"{label} is not a zip archive.", hint=_DOWNLOAD_AGAIN)
    if head[:2] == b"\x1f\x8b":
        return InputError(
            f"{label} is gzip-compressed.", hint="Decompress it first, then open the file inside."
        )
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return InputError(f"{label} is UTF-16 text.", hint="Save it as UTF-8 and try again.")
    if head.lstrip()[:1] == b"<":
        return InputError(
            f"{label} is an HTML file without ChatGPT conversations (no `var jsonData = [...]`).",
            hint="Open the chat.html from the export, or better the export .zip itself.",
        )
    return InputError(
        f"{label} is not a ChatGPT export: it is neither a zip archive, a folder, JSON nor "
        "chat.html.",
        hint="Open the .zip ChatGPT sent you (Settings → Data controls → Export data), the "
        "folder it unpacks to, or its conversations.json.",
    )
