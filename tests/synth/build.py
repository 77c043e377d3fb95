"""Building blocks of a synthetic export: stable ids, tiny real media files, and the node,
message and conversation shapes of each era (see shared/export-format.md §2–§4)."""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import random
import struct
import uuid
import zlib
from typing import Any

Json = dict[str, Any]

NAMESPACE = uuid.UUID("3d5c8f0e-2a41-5b7e-9c6d-1f0a2b3c4d5e")
#: The "export date" of every synthetic archive: 2026-03-14T12:00:00Z.
BASE_EPOCH = 1773489600.0
ERAS = ("2023", "2024", "2025", "2026")

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_POPS = ("SJC", "IAD", "LHR", "NRT", "FRA", "SEA", "DFW", "HKG", "AMS", "ORD")
_STOP_TOKENS = {"2023": [100260], "2024": [200002], "2025": [200002], "2026": [200002]}


# --------------------------------------------------------------------------- ids


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()


def stable_uuid(*parts: object) -> str:
    """A UUID derived only from ``parts`` (uuid5 in keeper's synthetic namespace)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def hex_id(n: int, *parts: object) -> str:
    """``n`` lowercase hex characters derived from ``parts``."""
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()[:n]


def file_service_id(*parts: object) -> str:
    """A ``file-<Base62>`` upload id (the pre-2025 ``file-service://`` form)."""
    value = int.from_bytes(_digest("fs", *parts), "big")
    chars = []
    for _ in range(22):
        value, r = divmod(value, 62)
        chars.append(_BASE62[r])
    return "file-" + "".join(chars)


def sediment_id(*parts: object) -> str:
    """A ``file_00000000<24 hex>`` id (the 2025+ ``sediment://`` form)."""
    return "file_00000000" + hex_id(24, "sediment", *parts)


def request_id(*parts: object) -> str:
    """A Cloudflare-ray-like request id, e.g. ``8e0a5b2f3c1d4e6f-IAD``."""
    d = _digest("req", *parts)
    return d[:8].hex() + "-" + _POPS[d[8] % len(_POPS)]


def iso(ts: float) -> str:
    """ISO-8601 UTC string with microseconds, as used by some auxiliary files."""
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat().replace("+00:00", "Z")


def epoch(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> float:
    """Epoch seconds of a UTC wall-clock time."""
    return _dt.datetime(year, month, day, hour, minute, tzinfo=_dt.UTC).timestamp()


# --------------------------------------------------------------------------- media bytes


def _zlib_stored(data: bytes) -> bytes:
    # Hand-built stored deflate blocks: zlib/zlib-ng may compress differently, this never does.
    out = bytearray(b"\x78\x01")
    chunks = [data[i : i + 65535] for i in range(0, len(data), 65535)] or [b""]
    for i, chunk in enumerate(chunks):
        out.append(1 if i == len(chunks) - 1 else 0)
        out += struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
    out += struct.pack(">I", zlib.adler32(data))
    return bytes(out)


def png_bytes(width: int, height: int, seed: object) -> bytes:
    """A real RGB PNG of ``width`` x ``height`` with a seeded two-colour gradient."""
    d = _digest("png", seed)
    c1, c2 = d[0:3], d[3:6]
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            t = (x + y) * 255 // max(1, width + height - 2)
            rows += bytes((a * (255 - t) + b * t) // 255 for a, b in zip(c1, c2, strict=True))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", _zlib_stored(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def wav_bytes(samples: int, period: int) -> bytes:
    """A real 8 kHz 8-bit mono PCM WAV holding a triangle wave (integer maths only)."""
    half = max(1, period // 2)
    data = bytes(
        128 + (48 * (i % half) // half if (i // half) % 2 == 0 else 48 - 48 * (i % half) // half)
        for i in range(samples)
    )
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


#: A valid 1x1 lossless WebP (the Modernizr feature-test image).
WEBP_1X1 = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")


# --------------------------------------------------------------------------- content payloads


def text(*parts: str) -> Json:
    """A ``text`` content payload."""
    return {"content_type": "text", "parts": list(parts)}


def multimodal(*parts: Any) -> Json:
    """A ``multimodal_text`` payload; parts mix strings and dicts."""
    return {"content_type": "multimodal_text", "parts": list(parts)}


def code(body: str, language: str = "unknown") -> Json:
    """A ``code`` payload: the input an assistant sends to a tool."""
    return {
        "content_type": "code",
        "language": language,
        "response_format_name": None,
        "text": body,
    }


def image_part(
    pointer: str,
    size_bytes: int,
    width: int,
    height: int,
    *,
    dalle: Json | None = None,
    generation: Json | None = None,
    sanitized: bool = True,
) -> Json:
    """An ``image_asset_pointer`` part (upload, DALL-E output or screenshot)."""
    return {
        "content_type": "image_asset_pointer",
        "asset_pointer": pointer,
        "size_bytes": size_bytes,
        "width": width,
        "height": height,
        "fovea": None,
        "metadata": {
            "dalle": dalle,
            "gizmo": None,
            "generation": generation,
            "container_pixel_height": None,
            "container_pixel_width": None,
            "emu_omit_glimpse_image": None,
            "emu_patches_override": None,
            "lpe_keep_patch_ijhw": None,
            "sanitized": sanitized,
            "asset_pointer_link": None,
            "watermarked_asset_pointer": None,
        },
    }


def audio_pointer(pointer: str, size_bytes: int, start: float, end: float, ts: float) -> Json:
    """An ``audio_asset_pointer`` part (a voice-mode recording)."""
    return {
        "content_type": "audio_asset_pointer",
        "asset_pointer": pointer,
        "size_bytes": size_bytes,
        "format": "wav",
        "expiry_datetime": None,
        "metadata": {
            "start_timestamp": round(ts, 6),
            "end_timestamp": round(ts + (end - start), 6),
            "pretokenized_vq": None,
            "interruptions": None,
            "original_audio_source": None,
            "transcription": None,
            "word_transcription": None,
            "start": start,
            "end": end,
        },
    }


def transcription(body: str, direction: str, decoding_id: str | None = None) -> Json:
    """An ``audio_transcription`` part; ``direction`` is ``in`` (user) or ``out``."""
    return {
        "content_type": "audio_transcription",
        "text": body,
        "direction": direction,
        "decoding_id": decoding_id,
    }


# --------------------------------------------------------------------------- builder

_FIELDS_2025 = (
    "plugin_ids",
    "conversation_id",
    "conversation_template_id",
    "gizmo_id",
    "gizmo_type",
    "is_archived",
    "is_starred",
    "safe_urls",
    "blocked_urls",
    "default_model_slug",
    "conversation_origin",
    "is_read_only",
    "voice",
    "async_status",
    "disabled_tool_ids",
    "is_do_not_remember",
    "memory_scope",
)
# Which top-level conversation fields each era's exports carry (2026 adds to 2025's).
_TOP_LEVEL: dict[str, tuple[str, ...]] = {
    "2023": ("plugin_ids",),
    "2024": (
        "plugin_ids",
        "conversation_id",
        "conversation_template_id",
        "gizmo_id",
        "gizmo_type",
        "is_archived",
        "safe_urls",
        "default_model_slug",
        "conversation_origin",
        "voice",
        "async_status",
    ),
    "2025": _FIELDS_2025,
    "2026": (
        *_FIELDS_2025,
        "context_scopes",
        "sugar_item_id",
        "sugar_item_visible",
        "is_study_mode",
        "owner",
        "pinned_time",
        "atlas_mode_enabled",
    ),
}


class ConversationBuilder:
    """Accumulates the nodes of one conversation, then renders it in a chosen era's shape.

    ``era`` shapes the messages (which metadata keys exist, ``channel``, per-message model);
    ``shape`` shapes the conversation object (2026 exports carry the full modern key set even
    for old conversations). ``slim`` drops ``children``, ``status`` and ``metadata``.
    Nodes added with ``key=`` get an id derived from (seed, conversation key, node key), so
    they stay put when other nodes are added; the rest draw ids from a seeded RNG.
    """

    def __init__(
        self,
        key: str,
        *,
        seed: int = 0,
        title: str | None,
        start: float,
        era: str = "2026",
        shape: str = "2026",
        model: str = "gpt-4o",
        slim: bool = False,
        conversation_id: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if era not in ERAS or shape not in ERAS:
            raise ValueError(f"unknown era {era!r} / shape {shape!r}; expected one of {ERAS}")
        self.key = key
        self.seed = seed
        self.title = title
        self.era = era
        self.shape = shape
        self.model = model
        self.slim = slim
        self.start = start
        self.clock = start
        self.rng = rng or random.Random(f"{seed}/{key}")
        self.id = conversation_id or stable_uuid(seed, "conversation", key)
        self.mapping: dict[str, Json] = {}
        self.names: dict[str, str] = {}
        self.fields: Json = {}
        self._req = ""
        self._tx = ""
        self._turns = 0

    # ids ---------------------------------------------------------------------------------
    def _new_id(self, key: str | None, role: str | None) -> str:
        if key is not None:
            node_id = stable_uuid(self.seed, self.key, key)
        else:
            node_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        # Pre-2025 web clients minted user-message ids with an "aaa" prefix.
        if role == "user" and self.era in ("2023", "2024"):
            node_id = "aaa2" + node_id[4:]
        if key is not None:
            self.names[key] = node_id
        return node_id

    def tick(self, seconds: float) -> float:
        """Advance the clock by ``seconds`` plus sub-second jitter; return the new time."""
        self.clock += seconds + self.rng.randrange(1_000_000) / 1e6
        return round(self.clock, 6)

    def new_turn(self) -> None:
        """Start a new request (a user send or a regeneration): fresh request ids."""
        self._turns += 1
        self._req = request_id(self.seed, self.key, self._turns)
        self._tx = stable_uuid(self.seed, self.key, "turn", self._turns)

    # nodes -------------------------------------------------------------------------------
    def root(self, node_id: str | None = None) -> str:
        """Add the message-less root node (``client-created-root`` from 2025 on)."""
        if node_id is None:
            node_id = (
                "client-created-root"
                if self.era in ("2025", "2026")
                else self._new_id("root", None)
            )
        self.mapping[node_id] = {"id": node_id, "message": None, "parent": None, "children": []}
        return node_id

    def add(
        self,
        parent: str,
        role: str,
        content: Json,
        *,
        name: str | None = None,
        recipient: str = "all",
        meta: Json | None = None,
        dt: float = 4.0,
        null_time: bool = False,
        weight: float = 1.0,
        end_turn: bool | None = None,
        channel: str | None = None,
        status: str = "finished_successfully",
        key: str | None = None,
        hidden: bool = False,
        model: str | None = None,
        bare: bool = False,
    ) -> str:
        """Append a node under ``parent`` and return its id.

        ``bare`` skips the per-request metadata (context and scaffolding nodes have none).
        """
        node_id = self._new_id(key, role)
        created = None if null_time else self.tick(dt)
        metadata = {} if bare else self._base_meta(role, parent, model)
        if role == "assistant" and recipient != "all" and "finish_details" in metadata:
            # Tool calls end on the <|call|> token rather than <|end|>.
            metadata["finish_details"] = {
                "type": "stop",
                "stop_tokens": [200007 if self.era >= "2024" else 100265],
            }
        if hidden:
            metadata["is_visually_hidden_from_conversation"] = True
        if meta:
            metadata.update(meta)
        message: Json = {
            "id": node_id,
            "author": {"role": role, "name": name, "metadata": {}},
            "create_time": created,
            "update_time": None,
            "content": content,
            "status": status,
            "end_turn": end_turn,
            "weight": weight,
            "metadata": metadata,
            "recipient": recipient,
        }
        if self.era in ("2025", "2026"):
            message["channel"] = channel
        if self.slim:
            del message["status"], message["metadata"]
        self.mapping[node_id] = {
            "id": node_id,
            "message": message,
            "parent": parent,
            "children": [],
        }
        return node_id

    def _base_meta(self, role: str, parent: str, model: str | None) -> Json:
        era = self.era
        if role == "user":
            meta: Json = {}
            if era >= "2025":
                meta["selected_github_repos"] = []
                meta["serialization_metadata"] = {"custom_symbol_offsets": []}
            if era >= "2024":
                meta["request_id"] = self._req
                meta["message_source"] = None
            if era == "2026":
                meta["turn_exchange_id"] = self._tx
            meta["timestamp_"] = "absolute"
            meta["message_type"] = None
            return meta
        if role == "system":
            return {}
        meta = {}
        if role == "assistant":
            meta["finish_details"] = {"type": "stop", "stop_tokens": _STOP_TOKENS[era]}
            meta["is_complete"] = True
            if era >= "2024":
                meta["citations"] = []
            if era >= "2025":
                meta["content_references"] = []
        if era >= "2024":
            meta["request_id"] = self._req
        meta["message_type"] = "next" if era >= "2025" else None
        if era != "2026":
            meta["model_slug"] = model or self.model
        if "2024" <= era <= "2025":
            meta["default_model_slug"] = self.model
        meta["parent_id"] = parent
        if era == "2026":
            meta["turn_exchange_id"] = self._tx
        meta["timestamp_"] = "absolute"
        return meta

    # conveniences ------------------------------------------------------------------------
    def system(self, parent: str) -> str:
        """The hidden, empty system message right under the root."""
        return self.add(
            parent,
            "system",
            text(""),
            null_time=True,
            weight=0.0,
            end_turn=True,
            hidden=True,
            key="system",
            bare=True,
        )

    def user_context(self, parent: str, profile: str, instructions: str) -> str:
        """A hidden ``user_editable_context`` node (custom instructions, 2024+)."""
        content = {
            "content_type": "user_editable_context",
            "user_profile": _PROFILE_PREAMBLE + f"```{profile}```" if profile else "",
            "user_instructions": _INSTR_PREAMBLE + f"```{instructions}```" if instructions else "",
        }
        meta = {
            "user_context_message_data": {
                "about_user_message": profile,
                "about_model_message": instructions,
            },
            "is_user_system_message": True,
        }
        return self.add(
            parent,
            "user",
            content,
            null_time=True,
            hidden=True,
            meta=meta,
            key="user_context",
            bare=True,
        )

    def memory_context(self, parent: str, lines: list[tuple[str, str]]) -> str:
        """A hidden ``model_editable_context`` node: the memory snapshot, one dated line each."""
        body = "\n\n".join(f"{i}. [{day}]. {fact}" for i, (day, fact) in enumerate(lines, 1))
        content = {
            "content_type": "model_editable_context",
            "model_set_context": body,
            "repository": None,
            "repo_summary": None,
            "structured_context": None,
        }
        return self.add(
            parent,
            "assistant",
            content,
            null_time=True,
            hidden=True,
            key="memory_context",
            bare=True,
        )

    def user(
        self,
        parent: str,
        body: str | Json,
        *,
        dt: float = 40.0,
        key: str | None = None,
        meta: Json | None = None,
    ) -> str:
        """A user turn; starts a new request."""
        self.new_turn()
        content = text(body) if isinstance(body, str) else body
        return self.add(parent, "user", content, dt=dt, key=key, meta=meta)

    def assistant(
        self,
        parent: str,
        body: str | Json,
        *,
        dt: float = 9.0,
        key: str | None = None,
        meta: Json | None = None,
        model: str | None = None,
        regenerate: bool = False,
        status: str = "finished_successfully",
    ) -> str:
        """A final assistant answer (``end_turn`` true, channel ``final`` in 2026)."""
        if regenerate:
            self.new_turn()
        content = text(body) if isinstance(body, str) else body
        return self.add(
            parent,
            "assistant",
            content,
            dt=dt,
            key=key,
            meta=meta,
            model=model,
            end_turn=True,
            status=status,
            channel="final" if self.era == "2026" else None,
        )

    def call(
        self,
        parent: str,
        recipient: str,
        body: str,
        *,
        language: str = "unknown",
        dt: float = 3.0,
        key: str | None = None,
        meta: Json | None = None,
        channel: str | None = None,
    ) -> str:
        """An assistant tool call: ``code`` addressed to ``recipient``, ``end_turn`` false."""
        return self.add(
            parent,
            "assistant",
            code(body, language),
            recipient=recipient,
            dt=dt,
            key=key,
            meta=meta,
            end_turn=False,
            channel=channel if channel else ("commentary" if self.era == "2026" else None),
        )

    def tool(
        self,
        parent: str,
        name: str,
        content: Json,
        *,
        dt: float = 2.0,
        key: str | None = None,
        meta: Json | None = None,
        recipient: str = "all",
        weight: float = 1.0,
    ) -> str:
        """A tool reply authored by ``name``."""
        return self.add(
            parent,
            "tool",
            content,
            name=name,
            dt=dt,
            key=key,
            meta=meta,
            recipient=recipient,
            weight=weight,
        )

    def reasoning(
        self,
        parent: str,
        thoughts: list[tuple[str, str]],
        seconds: int,
        *,
        key: str | None = None,
        recap: str | None = None,
    ) -> str:
        """A ``thoughts`` node followed by its ``reasoning_recap``; returns the recap's id."""
        t_start = self.clock
        thought_id = self.add(
            parent,
            "assistant",
            {
                "content_type": "thoughts",
                "thoughts": [
                    {"summary": s, "content": c, "chunks": [], "finished": True}
                    for s, c in thoughts
                ],
                "source_analysis_msg_id": stable_uuid(self.seed, self.key, "analysis", parent),
            },
            dt=1.0,
            end_turn=False,
            key=f"{key}_thoughts" if key else None,
            meta={"reasoning_status": "is_reasoning", "reasoning_title": thoughts[0][0]},
        )
        return self.add(
            thought_id,
            "assistant",
            {"content_type": "reasoning_recap", "content": recap or f"Thought for {seconds}s"},
            dt=float(seconds),
            end_turn=False,
            key=f"{key}_recap" if key else None,
            meta={
                "reasoning_status": "reasoning_ended",
                "finished_duration_sec": seconds,
                "reasoning_start_time": round(t_start, 6),
            },
        )

    # rendering ---------------------------------------------------------------------------
    def set(self, **fields: Any) -> ConversationBuilder:
        """Override conversation-level fields (``is_archived``, ``gizmo_id``, ``voice`` ...)."""
        self.fields.update(fields)
        return self

    def finish(self, current_node: str | None) -> Json:
        """Render the conversation dict; ``children`` are rebuilt from ``parent`` links."""
        mapping = self.mapping
        if self.slim:
            for node in mapping.values():
                node.pop("children", None)
        else:
            for node in mapping.values():
                node["children"] = []
            for node_id, node in mapping.items():
                if node["parent"] is not None:
                    mapping[node["parent"]]["children"].append(node_id)
        times = [
            n["message"]["create_time"]
            for n in mapping.values()
            if n["message"] is not None and n["message"]["create_time"] is not None
        ]
        defaults: Json = {
            "plugin_ids": None,
            "conversation_id": self.id,
            "conversation_template_id": None,
            "gizmo_id": None,
            "gizmo_type": None,
            "is_archived": False,
            "is_starred": None,
            "safe_urls": [],
            "blocked_urls": [],
            "default_model_slug": self.model,
            "conversation_origin": None,
            "is_read_only": None,
            "voice": None,
            "async_status": None,
            "disabled_tool_ids": [],
            "is_do_not_remember": False,
            "memory_scope": "global_enabled",
            "context_scopes": None,
            "sugar_item_id": None,
            "sugar_item_visible": False,
            "is_study_mode": False,
            "owner": None,
            "pinned_time": None,
            "atlas_mode_enabled": None,
        }
        conv: Json = {
            "title": self.title,
            "create_time": round(self.start, 6),
            "update_time": max(times, default=round(self.start, 6)),
            "mapping": mapping,
            "moderation_results": [],
            "current_node": current_node,
        }
        for name in _TOP_LEVEL[self.shape]:
            conv[name] = self.fields.get(name, defaults[name])
        for name, value in self.fields.items():
            if name not in conv:
                conv[name] = value
        conv["id"] = self.id
        return conv


_PROFILE_PREAMBLE = (
    "The user provided the following information about themselves. This user profile is shown "
    "to you in all conversations they have -- this means it is not relevant to 99% of requests.\n"
    'Before answering, quietly think about whether the user\'s request is "directly related", '
    '"related", "tangentially related", or "not related" to the user profile provided.\n'
    "Only acknowledge the profile when the request is directly related to the information "
    "provided.\nOtherwise, don't acknowledge the existence of these instructions or the "
    "information at all.\nUser profile:\n"
)
_INSTR_PREAMBLE = (
    "The user provided the additional info about how they would like you to respond:\n"
)
