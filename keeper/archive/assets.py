"""Find the file behind an asset pointer such as ``file-service://file-AbC`` in O(1)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import BinaryIO

from keeper.archive.container import READ_ERRORS, Container, Member
from keeper.archive.mime import SNIFF_BYTES, mime_from_name, sniff_mime
from keeper.archive.model import AssetMember

_ID = re.compile(r"^(file[-_][A-Za-z0-9]+)")
_MEDIA_DIRS = frozenset({"audio", "images", "videos"})
# Lower rank wins when an id matches several members (export-format.md §0 rule 6, §8.6).
_RANK_DAT, _RANK_ROOT, _RANK_DALLE, _RANK_USER, _RANK_CONV, _RANK_MEDIA, _RANK_OTHER = range(7)
_NOT_FOUND = -1

HtmlAssets = Callable[[], Mapping[str, str]]


def pointer_id(pointer: str) -> str:
    """The file id inside an asset pointer: ``sediment://file_00ab`` → ``file_00ab``."""
    rest = pointer.strip()
    if "://" in rest:
        rest = rest.split("://", 1)[1]
    for sep in "/?#":
        rest = rest.split(sep, 1)[0]
    return rest


def _keys(basename: str) -> set[str]:
    """The lookup keys of a member: its id prefix and its name without extension."""
    keys = {basename.split(".", 1)[0]}
    match = _ID.match(basename)
    if match:
        keys.add(match.group(1))
    keys.discard("")
    return keys


class AssetIndex:
    """Every asset-like member, indexed once by id so each lookup is a dict hit.

    Names come from ``conversation_asset_file_names.json`` (``name_map``, keyed by id),
    ``library_files.json`` (``library``: id → record) and chat.html's ``assetsJson``
    (loaded on the first miss, since finding it means reading all of chat.html).
    """

    def __init__(
        self,
        container: Container | None,
        members: Iterable[Member],
        prefix: str = "",
        name_map: Mapping[str, str] | None = None,
        library: Mapping[str, Mapping[str, object]] | None = None,
        html_assets: HtmlAssets | None = None,
    ) -> None:
        self._container = container
        self._prefix = prefix
        self._members: list[Member] = list(members)
        self._by_key: dict[str, list[int]] = {}
        self._by_path: dict[str, int] = {}
        for i, member in enumerate(self._members):
            self._by_path[member.name] = i
            for key in _keys(member.name.rsplit("/", 1)[-1]):
                self._by_key.setdefault(key, []).append(i)
        self._name_map = dict(name_map or {})
        self._library = dict(library or {})
        self._library_by_name = {
            str(rec.get("file_name")): file_id
            for file_id, rec in self._library.items()
            if isinstance(rec.get("file_name"), str)
        }
        self._html_assets = html_assets
        self._html_map: dict[str, str] | None = None
        self._resolved: dict[tuple[int, str], AssetMember] = {}

    def __len__(self) -> int:
        return len(self._members)

    def resolve(self, pointer: str, conversation_id: str | None = None) -> AssetMember | None:
        """The member a pointer refers to, or None when the export does not contain it.

        Accepts ``file-service://file-…``, ``sediment://file_…``, a bare id, or a
        ``sandbox:/mnt/data/<name>`` link named in ``library_files.json``.
        """
        if pointer.startswith("sandbox:"):
            file_id = self._library_by_name.get(pointer.rsplit("/", 1)[-1])
            if file_id is None:
                return None
            pointer = file_id
        file_id = pointer_id(pointer)
        if not file_id:
            return None
        index = self._best(self._by_key.get(file_id, ()), file_id, conversation_id)
        if index == _NOT_FOUND:
            index = self._from_html(pointer, file_id, conversation_id)
        if index == _NOT_FOUND:
            return None
        return self._describe(index, file_id)

    def open(self, member: AssetMember) -> BinaryIO:
        """Open an asset for streaming reads; the caller closes it."""
        if self._container is None:
            raise KeyError(member.member)
        return self._container.open(member.member)

    def _best(self, candidates: Iterable[int], file_id: str, conversation_id: str | None) -> int:
        best, best_rank = _NOT_FOUND, _RANK_OTHER + 1
        for i in candidates:
            rank = self._rank(self._members[i].name, file_id, conversation_id)
            if rank < best_rank:
                best, best_rank = i, rank
        return best

    def _rank(self, name: str, file_id: str, conversation_id: str | None) -> int:
        if name.startswith(self._prefix):
            name = name[len(self._prefix) :]
        parts = name.split("/")
        if len(parts) == 1:
            return _RANK_DAT if parts[0] == file_id + ".dat" else _RANK_ROOT
        head = parts[0]
        if head == "dalle-generations":
            return _RANK_DALLE
        if head.startswith("user-"):
            return _RANK_USER
        if conversation_id and head == conversation_id:
            return _RANK_CONV
        if head in _MEDIA_DIRS:
            return _RANK_MEDIA
        return _RANK_OTHER

    def _from_html(self, pointer: str, file_id: str, conversation_id: str | None) -> int:
        """Look the pointer up in chat.html's ``assetsJson`` (pointer → file name)."""
        if self._html_assets is None:
            return _NOT_FOUND
        if self._html_map is None:
            self._html_map = {}
            for key, value in self._html_assets().items():
                self._html_map.setdefault(key, value)
                self._html_map.setdefault(pointer_id(key), value)
        target = self._html_map.get(pointer) or self._html_map.get(file_id)
        if not target:
            return _NOT_FOUND
        target = target.replace("\\", "/").lstrip("./")
        for path in (self._prefix + target, target):
            if path in self._by_path:
                return self._by_path[path]
        basename = target.rsplit("/", 1)[-1]
        keys = _keys(basename)
        found = [i for key in keys for i in self._by_key.get(key, ())]
        exact = [
            i
            for i in found
            if self._members[i].name.endswith("/" + basename) or self._members[i].name == basename
        ]
        return self._best(exact or found, file_id, conversation_id)

    def _describe(self, index: int, file_id: str) -> AssetMember:
        cached = self._resolved.get((index, file_id))
        if cached is not None:
            return cached
        member = self._members[index]
        basename = member.name.rsplit("/", 1)[-1]
        record = self._library.get(file_id, {})
        display = (
            self._name_map.get(file_id)
            or _str(record.get("file_name"))
            or _strip_id(basename, file_id)
        )
        mime = mime_from_name(basename)
        if mime is None:
            mime = self._sniff(member) or _str(record.get("mime_type")) or mime_from_name(display)
        described = AssetMember(member.name, member.size, display, mime)
        self._resolved[(index, file_id)] = described
        return described

    def _sniff(self, member: Member) -> str | None:
        if self._container is None or member.size == 0:
            return None
        try:
            with self._container.open(member.name) as f:
                return sniff_mime(f.read(SNIFF_BYTES))
        except READ_ERRORS:
            return None  # an unreadable asset simply has no sniffed type


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _strip_id(basename: str, file_id: str) -> str:
    """``file-AbC-photo.png`` → ``photo.png``; a name that is only the id stays whole."""
    if basename.startswith(file_id):
        rest = basename[len(file_id) :].lstrip("-_ ")
        if rest and not rest.startswith("."):
            return rest
    return basename
