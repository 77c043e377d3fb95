"""ExportSource: one opened export, whatever its shape, read as a stream of conversations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import TracebackType

import orjson

from keeper.archive.assets import AssetIndex
from keeper.archive.container import READ_ERRORS, Container, Refusal
from keeper.archive.html import has_conversations, iter_html_conversations, load_assets_json
from keeper.archive.layout import CHAT_HTML, Plan
from keeper.archive.model import Anomaly, RawRecord
from keeper.archive.safety import MAX_AUX_BYTES, MAX_CONVERSATION_BYTES
from keeper.archive.split import Split, error_kind, iter_json_values
from keeper.errors import ArchiveError, InputError
from keeper.model import AnomalyKind

# Returns the unpacked export folder around a bare file, with its plan, or None.
AssetFolder = Callable[[], "tuple[Container, Plan] | None"]

_ASSET_NAMES = "conversation_asset_file_names.json"
_LIBRARY = "library_files.json"
# Never asset-like: the export's own top-level files.
_NOT_ASSETS = (".json", ".html", ".json.index")


class ExportSource:
    """An opened export. Iterate :meth:`records` for conversations; close when done.

    ``kind`` is "zip", "directory", "json" or "html"; ``anomalies`` collects what was odd
    (missing shards, skipped members, truncated data) while opening and reading.
    """

    def __init__(
        self,
        label: str,
        kind: str,
        container: Container,
        plan: Plan,
        asset_folder: AssetFolder | None = None,
    ) -> None:
        """Wrap an opened container and its plan. ``asset_folder`` supplies the folder that
        holds the assets when the input is a bare file (called once, on first use)."""
        self.label = label
        self.kind = kind
        self.anomalies: list[Anomaly] = []
        self._seen: set[tuple[str, str, str]] = set()
        for anomaly in (*container.anomalies, *plan.anomalies):
            self._note(anomaly)
        self._container = container
        self._plan = plan
        self._asset_folder = asset_folder
        self._asset_container: Container | None = None
        self._assets: AssetIndex | None = None
        self._inputs: list[tuple[str, bool]] = []
        self._check_plan()

    def _note(self, anomaly: Anomaly) -> None:
        """Record an anomaly once, however often the part that caused it is re-read."""
        key = (anomaly.kind, anomaly.where, anomaly.detail)
        if key not in self._seen:
            self._seen.add(key)
            self.anomalies.append(anomaly)

    def _check_plan(self) -> None:
        """Choose the files to read; refuse an export that has none or is hostile."""
        plan, container = self._plan, self._container
        listing = container.listing
        for name in [*plan.conversation_files, *([plan.html] if plan.html else [])]:
            refusal = listing.refused.get(name)
            if refusal is not None and refusal.kind in (
                AnomalyKind.ENCRYPTED_MEMBER,
                AnomalyKind.ZIP_BOMB,
            ):
                raise _refusal_error(self.label, name, refusal)
        for name, refusal in listing.refused.items():
            self._note(Anomaly(refusal.kind, name, refusal.detail))
        json_files = [n for n in plan.conversation_files if n in listing.members]
        self._inputs = [(n, False) for n in json_files]
        if plan.html is not None:
            if plan.html in listing.members and self._html_has_conversations(plan.html):
                self._inputs = [(plan.html, True)]
        else:
            html = plan.prefix + CHAT_HTML
            damaged = (
                len(json_files) < len(plan.conversation_files)
                or any(n in container.truncated for n in json_files)
                or any(a.kind == AnomalyKind.MISSING_SHARD for a in plan.anomalies)
            )
            usable = html in listing.members and html not in container.truncated
            if damaged and usable and self._html_has_conversations(html):
                self._inputs.append((html, True))
                self._note(
                    Anomaly(
                        AnomalyKind.HTML_FALLBACK,
                        html,
                        "conversation files are missing or damaged, so chat.html's copy of "
                        "the conversations is read too (duplicates merge by conversation id)",
                    )
                )
        if not self._inputs:
            raise _no_conversations(self.label, container, plan)
        total = self.total_bytes()
        if total > MAX_CONVERSATION_BYTES:
            raise ArchiveError(
                f"{self.label} claims {total:,} bytes of conversations, more than keeper "
                f"accepts ({MAX_CONVERSATION_BYTES:,}); the archive is damaged or hostile.",
                hint="Download the export again from ChatGPT Settings → Data controls.",
            )

    def _html_has_conversations(self, name: str) -> bool:
        try:
            with self._container.open(name) as stream:
                return has_conversations(stream)
        except READ_ERRORS as exc:
            self._note(Anomaly(AnomalyKind.UNREADABLE_MEMBER, name, str(exc)))
            return False

    def total_bytes(self) -> int:
        """Total size of the conversation files: the denominator of ``RawRecord.position``."""
        members = self._container.listing.members
        return sum(members[name].size for name, _ in self._inputs)

    def records(self) -> Iterator[RawRecord]:
        """Every conversation element, file by file in order, as undecoded bytes."""
        done = 0
        members = self._container.listing.members
        for name, html in self._inputs:
            yield from self._file_records(name, done, html)
            done += members[name].size

    def _file_records(self, name: str, done: int, html: bool) -> Iterator[RawRecord]:
        index = 0
        tag = f"{name} jsonData" if html else name
        try:
            with self._container.open(name) as stream:
                values: Iterator[Split] = (
                    iter_html_conversations(stream) if html else iter_json_values(stream)
                )
                for payload, error, position in values:
                    if error is not None:
                        self._note(Anomaly(error_kind(error), name, error))
                    yield RawRecord(f"{tag} #{index}", payload, error, done + position)
                    index += 1
        except READ_ERRORS as exc:
            kind = AnomalyKind.CRC_ERROR if "CRC" in str(exc) else AnomalyKind.UNREADABLE_MEMBER
            self._note(Anomaly(kind, name, f"reading stopped after {index} conversation(s): {exc}"))

    def aux_files(self) -> Iterator[tuple[str, bytes]]:
        """The top-level auxiliary JSON files (name relative to the export, raw bytes)."""
        prefix = self._plan.prefix
        for name in self._plan.aux:
            data = read_member(self._container, name, self._note)
            if data is not None:
                yield name[len(prefix) :], data

    def assets(self) -> AssetIndex:
        """The asset index (built once, on first use)."""
        if self._assets is None:
            self._assets = self._build_assets()
        return self._assets

    def _build_assets(self) -> AssetIndex:
        container: Container | None = self._container
        plan = self._plan
        if self._asset_folder is not None:
            folder = self._asset_folder()
            container, plan = folder if folder is not None else (None, Plan())
            self._asset_container = container
        prefix = plan.prefix
        excluded = {*plan.conversation_files, *plan.aux, *([plan.html] if plan.html else [])}
        members = []
        name_map: dict[str, str] = {}
        library: dict[str, dict[str, object]] = {}
        if container is not None:
            members = [
                m
                for name, m in container.listing.members.items()
                if name not in excluded and not _is_top_level_meta(name, prefix)
            ]
            name_map = _name_map(read_member(container, prefix + _ASSET_NAMES, self._note))
            library = _library(read_member(container, prefix + _LIBRARY, self._note))
        holder: Container | None = None
        if self._plan.html and self._plan.html in self._container.listing.members:
            holder, html_name = self._container, self._plan.html
        elif container is not None and prefix + CHAT_HTML in container.listing.members:
            holder, html_name = container, prefix + CHAT_HTML
        if holder is not None:
            found_in = holder

            def html_assets() -> dict[str, str]:
                try:
                    return load_assets_json(lambda: found_in.open(html_name))
                except READ_ERRORS as exc:
                    self._note(
                        Anomaly(AnomalyKind.UNREADABLE_MEMBER, html_name, f"assetsJson: {exc}")
                    )
                    return {}

            return AssetIndex(container, members, prefix, name_map, library, html_assets)
        return AssetIndex(container, members, prefix, name_map, library)

    def close(self) -> None:
        """Release the archive's file handles."""
        self._container.close()
        if self._asset_container is not None:
            self._asset_container.close()

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_member(
    container: Container,
    name: str,
    note: Callable[[Anomaly], None],
    limit: int | None = None,
) -> bytes | None:
    """A whole member if it exists and is at most ``limit`` bytes (default: the auxiliary
    file cap), else None; why not is passed to ``note``."""
    if limit is None:
        limit = MAX_AUX_BYTES
    member = container.listing.members.get(name)
    if member is None:
        return None
    if member.size > limit:
        note(
            Anomaly(
                AnomalyKind.AUX_TOO_LARGE,
                name,
                f"{member.size:,} bytes is over the {limit:,}-byte "
                "limit for auxiliary files; skipped",
            )
        )
        return None
    try:
        with container.open(name) as f:
            data = f.read(limit + 1)
            # Damage (a bad CRC) is reported by the read after the last byte.
            if len(data) <= limit:
                f.read(1)
    except READ_ERRORS as exc:
        note(Anomaly(AnomalyKind.UNREADABLE_MEMBER, name, str(exc)))
        return None
    if len(data) > limit:
        note(Anomaly(AnomalyKind.AUX_TOO_LARGE, name, "grew past the size limit; skipped"))
        return None
    return data


def _is_top_level_meta(name: str, prefix: str) -> bool:
    rest = name[len(prefix) :] if name.startswith(prefix) else name
    return "/" not in rest and rest.lower().endswith(_NOT_ASSETS)


def _name_map(raw: bytes | None) -> dict[str, str]:
    """conversation_asset_file_names.json, keyed by bare id (keys come with and without .dat)."""
    value = _loads(raw)
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, name in value.items():
        if isinstance(key, str) and isinstance(name, str) and name:
            out.setdefault(key.removesuffix(".dat"), name)
    return out


def _library(raw: bytes | None) -> dict[str, dict[str, object]]:
    """library_files.json records keyed by ``file_id``."""
    value = _loads(raw)
    if isinstance(value, dict):
        value = next((v for v in value.values() if isinstance(v, list)), None)
    if not isinstance(value, list):
        return {}
    return {
        rec["file_id"]: rec
        for rec in value
        if isinstance(rec, dict) and isinstance(rec.get("file_id"), str)
    }


def _loads(raw: bytes | None) -> object:
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _refusal_error(label: str, name: str, refusal: Refusal) -> ArchiveError:
    if refusal.kind == AnomalyKind.ENCRYPTED_MEMBER:
        return ArchiveError(
            f"{label} is password-protected: {name} is encrypted, so keeper cannot read it.",
            hint="ChatGPT exports are never encrypted. Unzip it with its password and open the "
            "folder, or download the export again from ChatGPT Settings → Data controls.",
        )
    return ArchiveError(
        f"{label} looks like a zip bomb: {name} {refusal.detail.removeprefix('skipped: ')}.",
        hint="Download the export again from ChatGPT Settings → Data controls.",
    )


def _no_conversations(label: str, container: Container, plan: Plan) -> InputError:
    listing = container.listing
    names = list(listing.members)
    refused = [
        f"{n} ({r.detail})" for n, r in listing.refused.items() if n in plan.conversation_files
    ]
    if refused:
        return ArchiveError(
            f"{label}: none of its conversation files can be read: " + "; ".join(refused) + ".",
            hint="Unpack the export with your system's archive tool and open the folder instead.",
        )
    if not names:
        return InputError(
            f"{label} is empty: it contains no files.",
            hint="Download the export again from ChatGPT Settings → Data controls → Export data.",
        )
    nested = [n for n in names if n.lower().endswith(".zip")]
    hint = (
        f"It contains another archive ({nested[0]}); open that one instead."
        if nested
        else "Open the .zip ChatGPT sent you (Settings → Data controls → Export data), the "
        "folder it unpacks to, or its conversations.json."
    )
    return InputError(
        f"{label} holds no ChatGPT conversations: no conversations.json, "
        "conversations-NNN.json shards, or chat.html were found.",
        hint=hint,
    )
