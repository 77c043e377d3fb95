"""Readable text for every ChatGPT ``content_type`` (export-format.md §4, §4.1, §4.3).

:func:`extract_content` never raises: every field of a message may be missing or of the
wrong type. The raw content is stored elsewhere; this module only renders. The common case
(a ``text`` message with one string part and no citation markers) costs a few dict lookups.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from keeper.parse.content_types import AssetRef, Content

__all__ = ["extract_content", "render_citations"]

_Handler = Callable[[dict[str, Any], dict[str, Any]], Content]
_MarkerRenderer = Callable[["re.Match[str]"], str]

# Citation markers (§4.3). 2025+: U+E200 opens, U+E202 separates, U+E201 closes.
_OPEN, _CLOSE, _SEP = "\ue200", "\ue201", "\ue202"
_PUA_MARKER = re.compile(
    "\ue200(?:(?P<body>[^\ue200\ue201]{0,4000})\ue201|(?P<tail>[^\ue200\ue201\n]{0,4000})\\Z)"
)
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# 2023–24 "tether_og" markers: 【12†source】, 【3†L123-L131】, 【4:0†source】, 【0†Title†domain】.
_TETHER_MARKER = re.compile(r"【\d+(?::\d+)?†[^】\n]{0,300}】")
# Before these, a removed marker takes its leading space along: "France 【1†source】." → "France.".
_CLOSERS = frozenset(".,;:!?)]}\n\r。，、；：！？）」』】")

_IMAGE_GEN_RECIPIENTS = ("dalle.text2im", "t2uay3k.sj1i4kz")


class _Acc:
    """What the parts of one message add up to."""

    __slots__ = ("assets", "audio", "images", "message", "placeholders", "texts", "transcripts")

    def __init__(self, message: dict[str, Any]) -> None:
        self.message = message
        self.texts: list[str] = []
        self.placeholders: list[str] = []
        self.assets: list[AssetRef] = []
        self.audio = False
        self.transcripts: list[str] = []  # fallback: transcriptions inside audio metadata
        self.images = 0  # "[image]" placeholders among ``texts``

    def content(self) -> Content:
        transcribed = len(self.texts) > self.images or bool(self.transcripts)
        texts = self.texts or self.transcripts or self.placeholders
        return Content(
            "\n".join(texts),
            assets=self.assets,
            untranscribed_audio=self.audio and not transcribed,
        )


# --------------------------------------------------------------------------- public


def extract_content(message: object) -> Content:
    """Readable text and asset references of one message (any shape, never raises).

    Assistant text has its citation markers rendered (:func:`render_citations`); other
    roles only lose 2025+ marker syntax. Tool calls to canvas and image generation are
    rendered from their JSON arguments. An unknown ``content_type`` gives ``known=False``
    and a best-effort text.
    """
    if not isinstance(message, dict):
        return Content("")
    content = message.get("content")
    result = _dispatch(content, message) if isinstance(content, dict) else Content("")
    metadata = message.get("metadata")
    if not isinstance(metadata, dict):
        metadata = None
    elif metadata.get("attachments"):
        _add_attachments(result, metadata["attachments"])
    text = result.text
    if text:
        if not text.isascii() and ("【" in text or _OPEN in text):
            result.text = _render_markers(text, message, metadata)
    elif metadata is not None:
        context = metadata.get("user_context_message_data")
        if isinstance(context, dict):
            # 2023 custom instructions: an empty system message carrying them in metadata.
            result.text = _join(
                context.get("about_user_message"), context.get("about_model_message")
            )
    return result


def render_citations(text: str, metadata: dict[str, Any] | None) -> str:
    """Assistant text with citation markers of both eras turned into readable links.

    2023–24 ``【n†…】`` markers use ``metadata.citations[].start_ix/end_ix`` when those spans
    land on a marker, else they are removed. 2025+ private-use markers resolve through
    ``metadata.content_references[].matched_text``; unresolved ones are removed (entity
    markers keep their name). No private-use character remains in the result.
    """
    meta = metadata if isinstance(metadata, dict) else None
    if "【" in text:
        text = _render_tether(text, meta)
    if _OPEN in text:
        text = _render_pua(text, meta)
    return _PRIVATE_USE.sub("", text)


# --------------------------------------------------------------------------- dispatch


def _dispatch(content: dict[str, Any], message: dict[str, Any]) -> Content:
    ctype = content.get("content_type")
    recipient = message.get("recipient")
    if isinstance(recipient, str) and recipient in _CALL_RENDERERS:
        rendered = _render_tool_call(content, recipient)
        if rendered is not None:
            return Content(rendered)
    handler = _HANDLERS.get(ctype) if isinstance(ctype, str) else None
    if handler is None:
        result = _fallback(content, message)
        result.known = False
        return result
    return handler(content, message)


def _render_markers(text: str, message: dict[str, Any], metadata: dict[str, Any] | None) -> str:
    author = message.get("author")
    if isinstance(author, dict) and author.get("role") == "assistant":
        return render_citations(text, metadata)
    if _OPEN in text:
        return _render_pua(text, metadata)
    return text


# --------------------------------------------------------------------------- small helpers


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _join(*pieces: object, sep: str = "\n\n") -> str:
    """Non-empty string pieces joined; anything else is skipped."""
    return sep.join(p for p in pieces if isinstance(p, str) and p)


def _fence(code: str, language: object) -> str:
    fence = "```"
    while fence in code:
        fence += "`"
    lang = language if isinstance(language, str) and language != "unknown" else ""
    return f"{fence}{lang}\n{code}\n{fence}"


def _pointer_id(pointer: str) -> str:
    return pointer.rsplit("://", 1)[-1]


def _title_url(title: object, url: object) -> str:
    title_s, url_s = _str(title), _str(url)
    if title_s and url_s:
        return f"{title_s} ({url_s})"
    return title_s or url_s


# --------------------------------------------------------------------------- parts


def _render_parts(parts: object, message: dict[str, Any]) -> Content:
    acc = _Acc(message)
    if isinstance(parts, list):
        for part in parts:
            _add_part(part, acc)
    elif isinstance(parts, str):
        acc.texts.append(parts)
    return acc.content()


def _add_part(part: object, acc: _Acc) -> None:
    if isinstance(part, str):
        if part:
            acc.texts.append(part)
    elif isinstance(part, dict):
        _add_dict_part(part, acc)
    elif isinstance(part, (int, float)) and not isinstance(part, bool):
        acc.texts.append(str(part))


def _add_dict_part(part: dict[str, Any], acc: _Acc) -> None:
    ctype = part.get("content_type")
    if isinstance(ctype, str):
        part_handler = _PART_HANDLERS.get(ctype)
        if part_handler is not None:
            part_handler(part, acc)
            return
        leaf = _LEAF_HANDLERS.get(ctype)
        if leaf is not None:
            inner = leaf(part, acc.message)
            if inner.text:
                acc.texts.append(inner.text)
            acc.assets.extend(inner.assets)
            return
    elif part.get("type") in ("search_result", "search_result_group"):
        acc.texts.append(_search_result_text(part))
        return
    text = _fallback_strings(part)
    if text:
        title = part.get("name") or part.get("title")
        acc.texts.append(_join(title, text) if isinstance(title, str) else text)


def _search_result_text(part: dict[str, Any]) -> str:
    entries = part.get("entries")
    if isinstance(entries, list):
        return "\n".join(_search_entry_text(e) for e in entries if isinstance(e, dict))
    return _search_entry_text(part)


def _search_entry_text(entry: dict[str, Any]) -> str:
    return _join(_title_url(entry.get("title"), entry.get("url")), entry.get("snippet"), sep="\n")


def _image_part(part: dict[str, Any], acc: _Acc) -> None:
    pointer = part.get("asset_pointer")
    name, mime = _attachment_info(acc.message, pointer)
    if isinstance(pointer, str) and pointer:
        acc.assets.append(AssetRef(pointer, "image", name, mime))
    label = _image_prompt(part) or name
    # In line with the words around it, so "[image]" stands where the picture was.
    acc.texts.append(f"[image: {label}]" if label else "[image]")
    acc.images += 1


def _image_prompt(part: dict[str, Any]) -> str:
    metadata = part.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    dalle = metadata.get("dalle")
    if isinstance(dalle, dict):
        prompt = _str(dalle.get("prompt"))
        if prompt:
            return prompt
    generation = metadata.get("generation")
    if isinstance(generation, dict):
        return _str(generation.get("serialization_title"))
    return ""


def _audio_part(part: dict[str, Any], acc: _Acc) -> None:
    acc.audio = True
    pointer = part.get("asset_pointer")
    if isinstance(pointer, str) and pointer:
        fmt = part.get("format")
        mime = f"audio/{fmt}" if isinstance(fmt, str) and fmt.isalnum() else None
        acc.assets.append(AssetRef(pointer, "audio", None, mime))
    metadata = part.get("metadata")
    if isinstance(metadata, dict):
        transcription = metadata.get("transcription")
        if isinstance(transcription, str) and transcription.strip():
            acc.transcripts.append(transcription)
    acc.placeholders.append("[audio]")


def _transcription_part(part: dict[str, Any], acc: _Acc) -> None:
    acc.audio = True
    text = part.get("text")
    if isinstance(text, str) and text.strip():
        acc.texts.append(text)


def _video_part(part: dict[str, Any] | str, acc: _Acc) -> None:
    pointer = part.get("asset_pointer") if isinstance(part, dict) else part
    if isinstance(pointer, str) and pointer:
        acc.assets.append(AssetRef(pointer, "video"))
    acc.placeholders.append("[video]")


def _realtime_av_part(part: dict[str, Any], acc: _Acc) -> None:
    audio = part.get("audio_asset_pointer")
    if isinstance(audio, dict):
        _audio_part(audio, acc)
    video = part.get("video_container_asset_pointer")
    if isinstance(video, (dict, str)):
        _video_part(video, acc)
    frames = part.get("frames_asset_pointers")
    if isinstance(frames, list):
        for frame in frames:
            pointer = frame.get("asset_pointer") if isinstance(frame, dict) else frame
            if isinstance(pointer, str) and pointer:
                acc.assets.append(AssetRef(pointer, "image"))


_PART_HANDLERS: dict[str, Callable[[dict[str, Any], _Acc], None]] = {
    "image_asset_pointer": _image_part,
    "audio_asset_pointer": _audio_part,
    "audio_transcription": _transcription_part,
    "video_container_asset_pointer": _video_part,
    "real_time_user_audio_video_asset_pointer": _realtime_av_part,
}


def _part_as_content(content: dict[str, Any], message: dict[str, Any]) -> Content:
    """A message whose whole content is shaped like one part (§4.1)."""
    acc = _Acc(message)
    _add_dict_part(content, acc)
    return acc.content()


# --------------------------------------------------------------------------- attachments


def _attachment_id(attachment: dict[str, Any]) -> str:
    """The attachment's file id: whichever of ``id``/``file_id`` looks like one."""
    ids = [v for v in (attachment.get("id"), attachment.get("file_id")) if isinstance(v, str) and v]
    for value in ids:
        if value.startswith("file"):
            return value
    return ids[0] if ids else ""


def _attachment_mime(attachment: dict[str, Any]) -> str | None:
    for key in ("mime_type", "mimeType", "mime", "content_type"):
        value = attachment.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _attachment_name(attachment: dict[str, Any]) -> str | None:
    for key in ("name", "file_name", "fileName"):
        value = attachment.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _attachment_info(message: dict[str, Any], pointer: object) -> tuple[str | None, str | None]:
    """Name and MIME type the message's attachments give for an asset pointer."""
    if not isinstance(pointer, str):
        return None, None
    metadata = message.get("metadata")
    attachments = metadata.get("attachments") if isinstance(metadata, dict) else None
    if not isinstance(attachments, list):
        return None, None
    wanted = _pointer_id(pointer)
    for attachment in attachments:
        if isinstance(attachment, dict) and _attachment_id(attachment) == wanted:
            return _attachment_name(attachment), _attachment_mime(attachment)
    return None, None


def _add_attachments(result: Content, attachments: object) -> None:
    """Attachments become ``file`` assets unless a part already points at the same file."""
    if not isinstance(attachments, list):
        return
    known = {_pointer_id(asset.pointer): asset for asset in result.assets}
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        file_id = _attachment_id(attachment)
        if not file_id:
            continue
        name, mime = _attachment_name(attachment), _attachment_mime(attachment)
        existing = known.get(_pointer_id(file_id))
        if existing is not None:
            existing.name = existing.name or name
            existing.mime = existing.mime or mime
            continue
        asset = AssetRef(file_id, "file", name, mime)
        result.assets.append(asset)
        known[_pointer_id(file_id)] = asset


# --------------------------------------------------------------------------- content types


def _text(content: dict[str, Any], message: dict[str, Any]) -> Content:
    parts = content.get("parts")
    if isinstance(parts, list) and len(parts) == 1:
        first = parts[0]
        if isinstance(first, str):
            return Content(first)
    if parts is None:
        return Content(_str(content.get("text")))
    return _render_parts(parts, message)


def _multimodal(content: dict[str, Any], message: dict[str, Any]) -> Content:
    return _render_parts(content.get("parts"), message)


def _code(content: dict[str, Any], message: dict[str, Any]) -> Content:
    code = content.get("text")
    if not isinstance(code, str):
        code = _string_parts(content.get("parts"), "")
    if not code:
        return Content("")
    return Content(_fence(code, content.get("language")))


def _execution_output(content: dict[str, Any], message: dict[str, Any]) -> Content:
    text = content.get("text")
    if isinstance(text, str):
        result = Content(text)
    else:
        result = _render_parts(content.get("parts"), message)
    for pointer in _aggregate_images(message):
        result.assets.append(AssetRef(pointer, "image"))
    if not result.text and result.assets:
        result.text = "[image]"
    return result


def _aggregate_images(message: dict[str, Any]) -> list[str]:
    metadata = message.get("metadata")
    aggregate = metadata.get("aggregate_result") if isinstance(metadata, dict) else None
    runs = aggregate if isinstance(aggregate, list) else [aggregate]
    found: list[str] = []
    for run in runs:
        outputs = run.get("messages") if isinstance(run, dict) else None
        if not isinstance(outputs, list):
            continue
        for output in outputs:
            url = output.get("image_url") if isinstance(output, dict) else None
            if isinstance(url, str) and url:
                found.append(url)
    return found


def _browsing_display(content: dict[str, Any], message: dict[str, Any]) -> Content:
    # Some exports (and other tools' fixtures) carry the listing as ``parts``.
    listing = content.get("result")
    if not isinstance(listing, str) or not listing:
        listing = _string_parts(content.get("parts"), "\n\n")
    result = Content(_join(listing, content.get("summary")))
    assets = content.get("assets")
    if isinstance(assets, list):
        for asset in assets:
            pointer = asset.get("asset_pointer") if isinstance(asset, dict) else None
            if isinstance(pointer, str) and pointer:
                result.assets.append(AssetRef(pointer, "image"))
    return result


def _quote(content: dict[str, Any], message: dict[str, Any]) -> Content:
    header = _title_url(content.get("title"), content.get("url"))
    body = content.get("text")
    if not isinstance(body, str) or not body:
        body = _string_parts(content.get("parts"), "\n\n")
    return Content(_join(header, body))


def _webpage(content: dict[str, Any], message: dict[str, Any]) -> Content:
    header = _title_url(content.get("title"), content.get("url"))
    body = content.get("text")
    if not isinstance(body, str) or not body:
        body = content.get("snippet")
    return Content(_join(header, body))


def _user_context(content: dict[str, Any], message: dict[str, Any]) -> Content:
    return Content(_join(content.get("user_profile"), content.get("user_instructions")))


def _memory(content: dict[str, Any], message: dict[str, Any]) -> Content:
    text = _str(content.get("model_set_context"))
    if not text:
        text = _join(content.get("repo_summary"), content.get("structured_context"))
    return Content(text)


def _thoughts(content: dict[str, Any], message: dict[str, Any]) -> Content:
    thoughts = content.get("thoughts")
    pieces: list[str] = []
    if isinstance(thoughts, list):
        for thought in thoughts:
            if isinstance(thought, dict):
                piece = _join(thought.get("summary"), thought.get("content"), sep="\n")
            else:
                piece = _str(thought)
            if piece:
                pieces.append(piece)
    if pieces:
        return Content("\n\n".join(pieces))
    return _fallback(content, message)


def _reasoning_recap(content: dict[str, Any], message: dict[str, Any]) -> Content:
    recap = content.get("content")
    if isinstance(recap, str) and recap:
        return Content(recap)
    return _fallback(content, message)


def _system_error(content: dict[str, Any], message: dict[str, Any]) -> Content:
    name, text = _str(content.get("name")), _str(content.get("text"))
    if name and text:
        return Content(f"{name}: {text}")
    return Content(name or text)


def _computer_output(content: dict[str, Any], message: dict[str, Any]) -> Content:
    state = content.get("state")
    text = ""
    if isinstance(state, dict):
        text = _title_url(state.get("title"), state.get("url"))
    result = Content(text)
    screenshot = content.get("screenshot")
    pointer = screenshot.get("asset_pointer") if isinstance(screenshot, dict) else screenshot
    if isinstance(pointer, str) and pointer:
        result.assets.append(AssetRef(pointer, "image"))
        if not text:
            result.text = "[screenshot]"
    return result


def _citable_code_output(content: dict[str, Any], message: dict[str, Any]) -> Content:
    output = content.get("output_str")
    if isinstance(output, str):
        return Content(output)
    return _fallback(content, message)


def _app_pairing(content: dict[str, Any], message: dict[str, Any]) -> Content:
    pieces: list[str] = []
    workspaces = content.get("workspaces")
    if isinstance(workspaces, list):
        for workspace in workspaces:
            if isinstance(workspace, dict):
                pieces.append(_join(workspace.get("app_name"), workspace.get("title"), sep=": "))
    context_parts = content.get("context_parts")
    if isinstance(context_parts, list):
        for part in context_parts:
            if isinstance(part, dict):
                pieces.append(_str(part.get("text")))
            elif isinstance(part, str):
                pieces.append(part)
    pieces.append(_str(content.get("custom_instructions")))
    return Content(_join(*pieces))


def _known_fallback(content: dict[str, Any], message: dict[str, Any]) -> Content:
    """Catalogued types whose payload is undocumented: best effort, but known."""
    return _fallback(content, message)


_FALLBACK_KEYS = ("text", "result", "content", "output_str", "summary")


def _fallback(content: dict[str, Any], message: dict[str, Any]) -> Content:
    """Try ``parts``, then ``text``, ``result``, ``content``, ``output_str``, ``summary``."""
    parts = content.get("parts")
    if parts is not None:
        from_parts = _render_parts(parts, message)
        if from_parts.text or from_parts.assets:
            return from_parts
    return Content(_fallback_strings(content))


def _fallback_strings(content: dict[str, Any]) -> str:
    """The first non-empty string among the fallback keys (no recursion into parts)."""
    for key in _FALLBACK_KEYS:
        value = content.get(key)
        if isinstance(value, str) and value:
            return value
    return _string_parts(content.get("parts"), "\n")


def _string_parts(parts: object, sep: str) -> str:
    """The non-empty string items of ``parts`` joined; dicts and the rest are skipped."""
    if not isinstance(parts, list):
        return ""
    return sep.join(p for p in parts if isinstance(p, str) and p)


# Types that never look into ``parts`` themselves, so a dict part may use them safely.
_LEAF_HANDLERS: dict[str, _Handler] = {
    "code": _code,
    "tether_browsing_display": _browsing_display,
    "tether_quote": _quote,
    "sonic_webpage": _webpage,
    "user_editable_context": _user_context,
    "model_editable_context": _memory,
    "system_error": _system_error,
    "computer_output": _computer_output,
    "app_pairing_content": _app_pairing,
}

_HANDLERS: dict[str, _Handler] = {
    **_LEAF_HANDLERS,
    "text": _text,
    "multimodal_text": _multimodal,
    "execution_output": _execution_output,
    "tether_browsing_code": _known_fallback,
    "thoughts": _thoughts,
    "reasoning_recap": _reasoning_recap,
    "citable_code_output": _citable_code_output,
    "tool_output": _known_fallback,
    "media": _known_fallback,
    "citation": _known_fallback,
    **{ctype: _part_as_content for ctype in _PART_HANDLERS},
}


# --------------------------------------------------------------------------- tool calls


def _render_tool_call(content: dict[str, Any], recipient: str) -> str | None:
    """Canvas and image-generation calls read as their arguments, not as raw JSON."""
    raw = content.get("text")
    if not isinstance(raw, str):
        raw = _string_parts(content.get("parts"), "")
    if not raw.strip():
        return None
    return _CALL_RENDERERS[recipient](raw)


def _loads_tolerant(raw: str) -> Any:
    """Parse JSON that may have been cut off mid-way (§5 #24); ``None`` if hopeless."""
    for suffix in ("", '"}]}', "}]}", "]}", '"]}', '"}', "}"):
        try:
            return orjson.loads(raw + suffix)
        except orjson.JSONDecodeError:
            continue
    return None


def _canvas_create(raw: str) -> str | None:
    doc = _loads_tolerant(raw)
    if not isinstance(doc, dict):
        return None
    body = _str(doc.get("content"))
    doc_type = _str(doc.get("type"))
    if doc_type.startswith("code/") and body:
        body = _fence(body, doc_type[5:])
    name = _str(doc.get("name"))
    return _join(f"# {name}" if name else "", body) or None


_REPLACEMENT = re.compile(r'"replacement"\s*:\s*"((?:[^"\\]|\\.)*)', re.DOTALL)
_PARTIAL_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?\Z")


def _canvas_update(raw: str) -> str | None:
    doc = _loads_tolerant(raw)
    updates = doc.get("updates") if isinstance(doc, dict) else None
    if isinstance(updates, list):
        texts = [_str(u.get("replacement")) for u in updates if isinstance(u, dict)]
        rendered = _join(*texts)
        if rendered:
            return rendered
    # Cut off inside an array element: salvage whatever replacements are there.
    return _join(*(_json_string_body(m) for m in _REPLACEMENT.findall(raw))) or None


def _json_string_body(body: str) -> str:
    """Decode the escapes of a JSON string body that may be cut off mid-escape."""
    for candidate in (body, _PARTIAL_ESCAPE.sub("", body)):
        try:
            value = orjson.loads(f'"{candidate}"')
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, str):
            return value
    return body


def _canvas_comment(raw: str) -> str | None:
    doc = _loads_tolerant(raw)
    comments = doc.get("comments") if isinstance(doc, dict) else None
    if not isinstance(comments, list):
        return None
    return _join(*(_str(c.get("comment")) for c in comments if isinstance(c, dict))) or None


def _image_gen_prompt(raw: str) -> str | None:
    args = _loads_tolerant(raw)
    if isinstance(args, dict):
        prompt = args.get("prompt")
        if isinstance(prompt, str) and prompt:
            return prompt
    return None


_CALL_RENDERERS: dict[str, Callable[[str], str | None]] = {
    "canmore.create_textdoc": _canvas_create,
    "canmore.update_textdoc": _canvas_update,
    "canmore.comment_textdoc": _canvas_comment,
    **{recipient: _image_gen_prompt for recipient in _IMAGE_GEN_RECIPIENTS},
}


# --------------------------------------------------------------------------- citations


def _place(source: str, start: int, end: int, ws: str, replacement: str) -> str:
    """What a marker spanning ``source[start:end]`` (after spaces ``ws``) turns into."""
    if not replacement:
        following = source[end : end + 1]
        return "" if not following or following in _CLOSERS or following.isspace() else ws
    if ws or start == 0 or source[start - 1] in "\n(":
        return ws + replacement
    return " " + replacement


def _link(source: object) -> str:
    if not isinstance(source, dict):
        return ""
    url = _str(source.get("url"))
    title = _str(source.get("title")) or _str(source.get("attribution")) or _str(source.get("name"))
    if url:
        return f"[{title or url}]({url})"
    return f"[{title}]" if title else ""


def _links(sources: list[Any]) -> str:
    return " ".join(link for link in map(_link, sources) if link)


def _render_tether(text: str, metadata: dict[str, Any] | None) -> str:
    citations = metadata.get("citations") if metadata else None
    if isinstance(citations, list) and citations:
        text = _apply_spans(text, citations)
    if "【" in text:
        text = _replace_markers(text, _TETHER_MARKER, lambda _match: "")
    return text


def _replace_markers(text: str, pattern: re.Pattern[str], render: _MarkerRenderer) -> str:
    """``pattern.sub`` that also settles the spaces before each marker (see :func:`_place`).

    The spaces are found by looking back, not by the pattern: a leading ``[ \t]*`` would
    make the regex engine try every position and cost ~40 µs per message.
    """
    pieces: list[str] = []
    pos = 0
    for match in pattern.finditer(text):
        start = ws_start = match.start()
        while ws_start > pos and text[ws_start - 1] in " \t":
            ws_start -= 1
        pieces.append(text[pos:ws_start])
        pieces.append(_place(text, ws_start, match.end(), text[ws_start:start], render(match)))
        pos = match.end()
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


def _apply_spans(text: str, citations: list[Any]) -> str:
    """Replace ``start_ix``/``end_ix`` spans from the end backwards, keeping only sane ones."""
    spans: list[tuple[int, int, str]] = []
    for citation in citations:
        if not isinstance(citation, dict):
            continue
        start, end = citation.get("start_ix"), citation.get("end_ix")
        if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text):
            continue
        if "【" not in text[start:end]:
            continue
        spans.append((start, end, _link(citation.get("metadata"))))
    limit = len(text)
    for start, end, link in sorted(spans, reverse=True):
        if end > limit:
            continue
        ws_start = start
        while ws_start > 0 and text[ws_start - 1] in " \t":
            ws_start -= 1
        placed = _place(text, ws_start, end, text[ws_start:start], link)
        text = text[:ws_start] + placed + text[end:]
        limit = ws_start
    return text


def _render_pua(text: str, metadata: dict[str, Any] | None) -> str:
    refs = metadata.get("content_references") if metadata else None
    lookup: dict[str, dict[str, Any]] = {}
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, dict):
                matched = ref.get("matched_text")
                if isinstance(matched, str) and matched and matched not in lookup:
                    lookup[matched] = ref

    def render(match: re.Match[str]) -> str:
        body = match.group("body")
        if body is None:
            body = match.group("tail")
        return _render_marker(body, lookup.get(match.group(0)))

    return _replace_markers(text, _PUA_MARKER, render)


def _render_marker(body: str, ref: dict[str, Any] | None) -> str:
    """One ``\\ue200kind\\ue202arg…\\ue201`` marker as text; "" when it has no textual form."""
    kind, _, args = body.partition(_SEP)
    if kind == "entity":
        alt = ref.get("alt") if ref else None
        return alt if isinstance(alt, str) and alt else _entity_name(args)
    if ref is not None:
        for key in ("items", "sources", "fallback_items"):
            sources = ref.get(key)
            if isinstance(sources, list) and sources:
                links = _links(sources)
                if links:
                    return links
        single = _link(ref)
        if single:
            return single
        alt = ref.get("alt")
        if isinstance(alt, str) and alt:
            return _PRIVATE_USE.sub("", alt)
    if kind == "link_title":
        return args.partition(_SEP)[0]
    return ""


def _entity_name(args: str) -> str:
    """``["software","Node.js","runtime"]`` or ``["turn0business0","Charkop"]`` → the name."""
    try:
        value = orjson.loads(args.partition(_SEP)[0])
    except orjson.JSONDecodeError:
        return ""
    if isinstance(value, list):
        names = [v for v in value if isinstance(v, str)]
        if len(names) >= 2:
            return names[1]
        if names:
            return names[0]
    return value if isinstance(value, str) else ""
