"""Decide which members of an export hold conversations, and in which order."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import orjson

from keeper.archive.container import Member
from keeper.archive.model import Anomaly
from keeper.model import AnomalyKind

MANIFEST = "export_manifest.json"
CONVERSATIONS = "conversations.json"
CHAT_HTML = "chat.html"
_SHARD = re.compile(r"^conversations-(\d+)\.json$")
# Top-level JSON files that are never the conversation list, even when nothing else is.
KNOWN_AUX = frozenset(
    {
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
        MANIFEST,
        "ads.json",
        "sectioned_conversations.json",
        "tool_messages.json",
    }
)
# Names that mark the folder an export was packed from.
_MARKERS = frozenset({CONVERSATIONS, MANIFEST, CHAT_HTML, "user.json"})
_KNOWN_EXTRA = frozenset({"conversations.json.index"})
_ASSET_NAME = re.compile(r"^file[-_][A-Za-z0-9]")
_MEDIA_EXT = re.compile(
    r"\.(dat|png|jpe?g|gif|webp|heic|wav|mp3|m4a|ogg|webm|mp4|mov|pdf)$", re.IGNORECASE
)


@dataclass(slots=True)
class Plan:
    """Where the export's parts are. Member names are full container names."""

    prefix: str = ""
    conversation_files: list[str] = field(default_factory=list)
    html: str | None = None
    aux: list[str] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)


def shard_number(name: str) -> int | None:
    """The number of a ``conversations-NNN.json`` shard, or None for other names."""
    match = _SHARD.match(name)
    return int(match.group(1)) if match else None


def find_prefix(names: list[str]) -> str:
    """The folder the export sits in: "" at the root, or "Folder/" when nested one deep."""
    deep: Counter[str] = Counter()
    for name in names:
        parts = name.split("/")
        if len(parts) == 1 and (parts[0] in _MARKERS or shard_number(parts[0]) is not None):
            return ""
        if len(parts) == 2 and (parts[1] in _MARKERS or shard_number(parts[1]) is not None):
            deep[parts[0]] += 1
    if deep:
        best = max(deep.values())
        return min(folder for folder, count in deep.items() if count == best) + "/"
    firsts = {name.split("/", 1)[0] for name in names}
    if len(firsts) == 1 and all("/" in name for name in names):
        return firsts.pop() + "/"
    return ""


def plan_layout(
    members: Mapping[str, Member],
    refused: Mapping[str, object],
    read_json: Callable[[str], bytes | None],
) -> Plan:
    """Find the conversation files: the manifest's list, else ``conversations.json`` and
    numbered shards, else a lone JSON file, else ``chat.html``; everything else top-level
    that is JSON is auxiliary. ``read_json`` returns a member's bytes (None if unreadable).
    """
    names = sorted({*members, *refused})
    plan = Plan(prefix=find_prefix(names))
    prefix = plan.prefix
    top = {n[len(prefix) :] for n in names if n.startswith(prefix) and "/" not in n[len(prefix) :]}

    chosen = _from_manifest(plan, top, read_json)
    listed = set(chosen)
    extra = [CONVERSATIONS] if CONVERSATIONS in top and CONVERSATIONS not in listed else []
    extra += sorted(
        (n for n in top if shard_number(n) is not None and n not in listed),
        key=lambda n: (shard_number(n), n),
    )
    if listed:
        for name in extra:
            plan.anomalies.append(
                Anomaly(
                    AnomalyKind.UNLISTED_SHARD,
                    prefix + name,
                    "present but not in the manifest; imported anyway",
                )
            )
    chosen.extend(extra)
    if not chosen:
        lone = _lone_json(top, prefix, members)
        if lone is not None:
            chosen.append(lone)
    if not chosen and CHAT_HTML in top:
        plan.html = prefix + CHAT_HTML
    plan.conversation_files = [prefix + n for n in chosen]
    used = set(chosen)
    plan.aux = sorted(prefix + n for n in top if n.lower().endswith(".json") and n not in used)
    for n in sorted(top):
        if not _is_expected(n):
            plan.anomalies.append(
                Anomaly(
                    AnomalyKind.UNKNOWN_FILE,
                    prefix + n,
                    "not part of any known export layout; ignored",
                )
            )
    return plan


def _from_manifest(
    plan: Plan, top: set[str], read_json: Callable[[str], bytes | None]
) -> list[str]:
    """The shards ``export_manifest.json`` lists that are present; report the missing ones."""
    if MANIFEST not in top:
        return []
    where = plan.prefix + MANIFEST
    raw = read_json(where)
    if raw is None:
        return []
    try:
        manifest = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        plan.anomalies.append(
            Anomaly(AnomalyKind.BAD_MANIFEST, where, f"not valid JSON ({exc}); ignored")
        )
        return []
    files = _manifest_files(manifest)
    if files is None:
        plan.anomalies.append(
            Anomaly(
                AnomalyKind.BAD_MANIFEST,
                where,
                "no logical_files → conversations.json → files list",
            )
        )
        return []
    chosen: list[str] = []
    for listed in files:
        name = _strip_prefix(listed, plan.prefix)
        if name in top:
            if name not in chosen:
                chosen.append(name)
        else:
            plan.anomalies.append(
                Anomaly(
                    AnomalyKind.MISSING_SHARD,
                    plan.prefix + name,
                    "the manifest lists this file but the export does not contain it; the "
                    "export is incomplete (download it again to get these conversations)",
                )
            )
    return chosen


def _manifest_files(manifest: object) -> list[str] | None:
    """The file names under ``logical_files["conversations.json"].files``."""
    if not isinstance(manifest, dict):
        return None
    logical = manifest.get("logical_files")
    entry = logical.get(CONVERSATIONS) if isinstance(logical, dict) else None
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, list):
        return None
    out: list[str] = []
    for item in files:
        if isinstance(item, dict):
            item = next(
                (
                    item[k]
                    for k in ("path", "name", "file", "filename")
                    if isinstance(item.get(k), str)
                ),
                None,
            )
        if isinstance(item, str) and item:
            out.append(item)
    return out


def _strip_prefix(listed: str, prefix: str) -> str:
    name = listed.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    return name


def _lone_json(top: set[str], prefix: str, members: Mapping[str, Member]) -> str | None:
    """The one top-level JSON file that is not a known auxiliary file (the largest if many)."""
    candidates = [
        n
        for n in top
        if n.lower().endswith(".json") and n not in KNOWN_AUX and prefix + n in members
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda n: (members[prefix + n].size, n))


def _is_expected(name: str) -> bool:
    """True for top-level files a ChatGPT export is known or likely to contain."""
    return (
        name.lower().endswith((".json", ".html"))
        or name in _KNOWN_EXTRA
        or _ASSET_NAME.match(name) is not None
        or _MEDIA_EXT.search(name) is not None
    )
