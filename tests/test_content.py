"""Readable text for every content type (export-format.md §4, §4.1, §4.2, §4.3).

Every message is hand-built in the shape the spec documents; assertions check the text.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keeper.parse.content import extract_content, render_citations
from keeper.parse.content_types import AssetRef, Content


def msg(
    content: Any,
    *,
    role: str = "assistant",
    metadata: Any = None,
    recipient: Any = "all",
    name: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "id": "m1",
        "author": {"role": role, "name": name, "metadata": {}},
        "create_time": 1_700_000_000.5,
        "content": content,
        "status": "finished_successfully",
        "weight": 1.0,
        "recipient": recipient,
        "channel": None,
    }
    if metadata is not None:
        message["metadata"] = metadata
    return message


def text_of(message: dict[str, Any]) -> str:
    return extract_content(message).text


def no_private_use(text: str) -> bool:
    return not any("\ue000" <= ch <= "\uf8ff" for ch in text)


# --------------------------------------------------------------------------- text


def test_text_single_part() -> None:
    result = extract_content(msg({"content_type": "text", "parts": ["Hello there"]}, role="user"))
    assert result == Content("Hello there")


def test_text_several_parts_skip_empty_and_non_strings() -> None:
    content = {"content_type": "text", "parts": ["First", "", None, 42, "Second", True]}
    assert text_of(msg(content, role="user")) == "First\n42\nSecond"


def test_text_with_empty_part_is_empty() -> None:
    assert text_of(msg({"content_type": "text", "parts": [""]}, role="system")) == ""


def test_text_without_parts_uses_text_field() -> None:
    assert text_of(msg({"content_type": "text", "text": "legacy"}, role="user")) == "legacy"


def test_text_keeps_nul_and_cjk() -> None:
    assert text_of(msg({"content_type": "text", "parts": ["中文\x00日本語"]})) == "中文\x00日本語"


def test_user_text_keeps_cjk_brackets_and_private_use_icons() -> None:
    # 【】 are ordinary CJK brackets and U+F8FF is the Apple logo people type.
    user_text = "【重要】明天开会 \uf8ff"
    assert text_of(msg({"content_type": "text", "parts": [user_text]}, role="user")) == user_text


# --------------------------------------------------------------------------- multimodal


def test_multimodal_text_with_image_keeps_an_image_placeholder_in_place() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "image_asset_pointer",
                "asset_pointer": "file-service://file-2",
                "size_bytes": 1000,
                "width": 10,
                "height": 10,
                "fovea": None,
                "metadata": {"sanitized": True},
            },
            "Here is the plan output.",
        ],
    }
    result = extract_content(msg(content, role="user"))
    assert result.text == "[image]\nHere is the plan output."
    assert result.assets == [AssetRef("file-service://file-2", "image")]


def test_image_only_message_reads_as_image_placeholder_with_name() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [{"content_type": "image_asset_pointer", "asset_pointer": "sediment://file_00ab"}],
    }
    metadata = {
        "attachments": [
            {"id": "file_00ab", "name": "cat.png", "mimeType": "image/png", "width": 10},
        ]
    }
    result = extract_content(msg(content, role="user", metadata=metadata))
    assert result.text == "[image: cat.png]"
    # the attachment describes the image part: one asset, enriched, not two
    assert result.assets == [AssetRef("sediment://file_00ab", "image", "cat.png", "image/png")]


def test_image_without_name_reads_as_bare_placeholder() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [{"content_type": "image_asset_pointer", "asset_pointer": "file-service://f"}],
    }
    assert text_of(msg(content, role="user")) == "[image]"


def test_dalle_result_image_reads_as_its_prompt() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "image_asset_pointer",
                "asset_pointer": "file-service://file-dalle1",
                "metadata": {"dalle": {"gen_id": "g1", "prompt": "A red fox in snow", "seed": 1}},
            }
        ],
    }
    result = extract_content(msg(content, role="tool", name="dalle.text2im"))
    assert result.text == "[image: A red fox in snow]"
    assert result.assets[0].pointer == "file-service://file-dalle1"


def test_4o_generated_image_uses_serialization_title() -> None:
    part = {
        "content_type": "image_asset_pointer",
        "asset_pointer": "sediment://file_00000000aa",
        "metadata": {"generation": {"gen_id": "x", "serialization_title": "Sunset sketch"}},
    }
    content = {"content_type": "multimodal_text", "parts": [part]}
    assert text_of(msg(content, role="tool", name="t2uay3k.sj1i4kz")) == "[image: Sunset sketch]"


def test_multimodal_mixed_part_types_in_order() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [
            "Look:",
            {"content_type": "tether_quote", "title": "Doc", "url": "file-9", "text": "quoted"},
            {"type": "document", "name": "Plan", "content": "Canvas body"},
            {"content_type": "some_future_part", "text": "future text"},
            {"content_type": "no_text_at_all", "width": 3},
            ["nested", "list"],
        ],
    }
    assert (
        text_of(msg(content)) == "Look:\nDoc (file-9)\n\nquoted\nPlan\n\nCanvas body\nfuture text"
    )


def test_search_result_group_part() -> None:
    part = {
        "type": "search_result_group",
        "domain": "example.com",
        "entries": [
            {"type": "search_result", "title": "A", "url": "https://a.example", "snippet": "aa"},
            {"type": "search_result", "title": "B", "url": "https://b.example"},
        ],
    }
    text = text_of(msg({"content_type": "multimodal_text", "parts": [part]}, role="tool"))
    assert text == "A (https://a.example)\naa\nB (https://b.example)"


# --------------------------------------------------------------------------- voice


def audio_pointer(pointer: str = "sediment://file_audio1", **extra: Any) -> dict[str, Any]:
    return {
        "content_type": "audio_asset_pointer",
        "asset_pointer": pointer,
        "format": "wav",
        "size_bytes": 12345,
        "expiry_datetime": "2025-01-01T00:00:00",
        "metadata": {"start": 0.0, "end": 2.5, "transcription": None, **extra},
    }


def test_voice_message_reads_as_transcription() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "audio_transcription",
                "text": "What's the weather?",
                "direction": "in",
            },
            audio_pointer(),
        ],
    }
    result = extract_content(msg(content, role="user"))
    assert result.text == "What's the weather?"
    assert result.assets == [AssetRef("sediment://file_audio1", "audio", None, "audio/wav")]
    assert result.untranscribed_audio is False


def test_voice_message_with_empty_transcription_is_flagged() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [
            {"content_type": "audio_transcription", "text": "", "direction": "in"},
            audio_pointer(),
        ],
    }
    result = extract_content(msg(content, role="user"))
    assert result.untranscribed_audio is True
    assert result.text == "[audio]"
    assert result.assets[0].kind == "audio"


def test_audio_pointer_transcription_metadata_is_a_fallback() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [audio_pointer(transcription="spoken words")],
    }
    result = extract_content(msg(content, role="user"))
    assert result.text == "spoken words"
    assert result.untranscribed_audio is False


def test_real_time_audio_video_nested_pointers() -> None:
    content = {
        "content_type": "multimodal_text",
        "parts": [
            {"content_type": "audio_transcription", "text": "Look at this", "direction": "in"},
            {
                "content_type": "real_time_user_audio_video_asset_pointer",
                "expiry_datetime": "2025-01-01T00:00:00",
                "audio_start_timestamp": 3.2,
                "audio_asset_pointer": audio_pointer("sediment://file_rt_audio"),
                "video_container_asset_pointer": {
                    "content_type": "video_container_asset_pointer",
                    "asset_pointer": "sediment://file_rt_video",
                },
                "frames_asset_pointers": [
                    {"content_type": "image_asset_pointer", "asset_pointer": "sediment://file_f1"},
                    "sediment://file_f2",
                ],
            },
        ],
    }
    result = extract_content(msg(content, role="user"))
    assert result.text == "Look at this"
    assert [(a.pointer, a.kind) for a in result.assets] == [
        ("sediment://file_rt_audio", "audio"),
        ("sediment://file_rt_video", "video"),
        ("sediment://file_f1", "image"),
        ("sediment://file_f2", "image"),
    ]
    assert result.untranscribed_audio is False


def test_real_time_audio_without_transcription_is_flagged() -> None:
    part = {
        "content_type": "real_time_user_audio_video_asset_pointer",
        "audio_asset_pointer": audio_pointer("sediment://file_rt"),
        "video_container_asset_pointer": None,
        "frames_asset_pointers": [],
    }
    result = extract_content(msg({"content_type": "multimodal_text", "parts": [part]}, role="user"))
    assert result.untranscribed_audio is True
    assert result.assets == [AssetRef("sediment://file_rt", "audio", None, "audio/wav")]


def test_video_container_part() -> None:
    part = {"content_type": "video_container_asset_pointer", "asset_pointer": "sediment://file_v"}
    result = extract_content(msg({"content_type": "multimodal_text", "parts": [part]}, role="user"))
    assert result.text == "[video]"
    assert result.assets == [AssetRef("sediment://file_v", "video")]


@pytest.mark.parametrize(
    ("content", "text", "kind"),
    [
        (
            {"content_type": "audio_transcription", "text": "top-level words", "direction": "out"},
            "top-level words",
            None,
        ),
        (
            {
                "content_type": "audio_asset_pointer",
                "asset_pointer": "sediment://a",
                "format": "wav",
            },
            "[audio]",
            "audio",
        ),
        (
            {"content_type": "video_container_asset_pointer", "asset_pointer": "sediment://v"},
            "[video]",
            "video",
        ),
        (
            {
                "content_type": "real_time_user_audio_video_asset_pointer",
                "audio_asset_pointer": {"asset_pointer": "sediment://a2", "format": "wav"},
            },
            "[audio]",
            "audio",
        ),
        (
            {"content_type": "image_asset_pointer", "asset_pointer": "file-service://file-i"},
            "[image]",
            "image",
        ),
    ],
)
def test_part_shaped_message_content(content: dict[str, Any], text: str, kind: str | None) -> None:
    result = extract_content(msg(content, role="user"))
    assert result.known is True
    assert result.text == text
    assert [a.kind for a in result.assets] == ([kind] if kind else [])


# --------------------------------------------------------------------------- code & tools


def test_code_is_fenced_with_language() -> None:
    content = {"content_type": "code", "language": "python", "text": "print(1)"}
    assert text_of(msg(content, recipient="python")) == "```python\nprint(1)\n```"


def test_code_with_unknown_language_has_no_language_tag() -> None:
    content = {"content_type": "code", "language": "unknown", "text": 'search("weather")'}
    assert text_of(msg(content, recipient="browser")) == '```\nsearch("weather")\n```'


def test_code_containing_fences_gets_a_longer_fence() -> None:
    content = {"content_type": "code", "language": "markdown", "text": "```py\nx\n```"}
    assert text_of(msg(content, recipient="python")) == "````markdown\n```py\nx\n```\n````"


def test_code_in_parts_and_empty_code() -> None:
    in_parts = {"content_type": "code", "language": "json", "parts": ['{"a":', " 1}"]}
    assert text_of(msg(in_parts, recipient="web.run")) == '```json\n{"a": 1}\n```'
    assert text_of(msg({"content_type": "code", "text": ""}, recipient="python")) == ""


def test_execution_output_text_and_aggregate_images() -> None:
    metadata = {
        "aggregate_result": {
            "status": "success",
            "code": "plot()",
            "messages": [
                {"message_type": "stream", "text": "hi"},
                {"message_type": "image", "image_url": "file-service://file-plot1"},
            ],
        }
    }
    result = extract_content(
        msg(
            {"content_type": "execution_output", "text": "<Figure>"},
            role="tool",
            name="python",
            metadata=metadata,
        )
    )
    assert result.text == "<Figure>"
    assert result.assets == [AssetRef("file-service://file-plot1", "image")]


def test_execution_output_in_parts_and_image_only() -> None:
    in_parts = {"content_type": "execution_output", "parts": ["42"]}
    assert text_of(msg(in_parts, role="tool")) == "42"
    metadata = {"aggregate_result": [{"messages": [{"image_url": "file-service://file-p"}]}]}
    only_image = msg(
        {"content_type": "execution_output", "text": ""}, role="tool", metadata=metadata
    )
    assert text_of(only_image) == "[image]"


def test_tether_browsing_display_result_and_summary() -> None:
    content = {
        "content_type": "tether_browsing_display",
        "result": "【0†Weather today†example.com】\nSunny, 20°C",
        "summary": "Forecast page",
        "assets": None,
        "tether_id": None,
    }
    text = text_of(msg(content, role="tool", name="browser"))
    assert text == "【0†Weather today†example.com】\nSunny, 20°C\n\nForecast page"


def test_tether_quote() -> None:
    content = {
        "content_type": "tether_quote",
        "url": "https://example.com/a",
        "domain": "example.com",
        "title": "An article",
        "text": "The quoted passage.",
        "tether_id": None,
    }
    text = text_of(msg(content, role="tool", name="myfiles_browser"))
    assert text == "An article (https://example.com/a)\n\nThe quoted passage."


def test_tether_browsing_code_best_effort() -> None:
    result = extract_content(
        msg({"content_type": "tether_browsing_code", "text": "x"}, role="tool")
    )
    assert result.known is True
    assert result.text == "x"


def test_sonic_webpage_text_and_snippet() -> None:
    page = {
        "content_type": "sonic_webpage",
        "url": "https://news.example/x",
        "domain": "news.example",
        "title": "Headline",
        "text": "Full page text",
        "snippet": "short",
        "pub_date": None,
        "ref_id": {"turn_index": 0, "ref_type": "search", "ref_index": 1},
    }
    assert text_of(msg(page, role="tool", name="web.run")) == (
        "Headline (https://news.example/x)\n\nFull page text"
    )
    page["text"] = ""
    assert text_of(msg(page, role="tool", name="web.run")) == (
        "Headline (https://news.example/x)\n\nshort"
    )


def test_user_editable_context() -> None:
    content = {
        "content_type": "user_editable_context",
        "user_profile": "The user provided the following info about themselves: I'm a nurse.",
        "user_instructions": "The user provided the additional info: Be brief.",
    }
    text = text_of(msg(content, role="user"))
    assert text == (
        "The user provided the following info about themselves: I'm a nurse."
        "\n\nThe user provided the additional info: Be brief."
    )


def test_legacy_custom_instructions_in_metadata() -> None:
    metadata = {
        "is_user_system_message": True,
        "user_context_message_data": {
            "about_user_message": "I live in Osaka.",
            "about_model_message": "Answer in Japanese.",
        },
    }
    message = msg({"content_type": "text", "parts": [""]}, role="system", metadata=metadata)
    assert text_of(message) == "I live in Osaka.\n\nAnswer in Japanese."


def test_model_editable_context() -> None:
    content = {
        "content_type": "model_editable_context",
        "model_set_context": "1. [2024-05-01]. User has a dog named Miso.",
        "repository": None,
        "repo_summary": None,
    }
    assert text_of(msg(content)) == "1. [2024-05-01]. User has a dog named Miso."
    assert text_of(msg({"content_type": "model_editable_context", "model_set_context": ""})) == ""


def test_thoughts_summary_and_content() -> None:
    content = {
        "content_type": "thoughts",
        "thoughts": [
            {"summary": "Reading the question", "content": "The user wants X.", "finished": True},
            {"summary": "Planning", "content": "", "chunks": []},
            "stray",
            None,
        ],
        "source_analysis_msg_id": "abc",
    }
    assert text_of(msg(content)) == "Reading the question\nThe user wants X.\n\nPlanning\n\nstray"


def test_empty_thoughts_fall_back_to_parts() -> None:
    assert text_of(msg({"content_type": "thoughts", "thoughts": []})) == ""
    assert text_of(msg({"content_type": "thoughts", "parts": ["trace"]})) == "trace"


def test_reasoning_recap() -> None:
    assert text_of(msg({"content_type": "reasoning_recap", "content": "Thought for 23s"})) == (
        "Thought for 23s"
    )
    localized = {"content_type": "reasoning_recap", "content": "6s 동안 생각함"}
    assert text_of(msg(localized)) == "6s 동안 생각함"
    assert text_of(msg({"content_type": "reasoning_recap", "parts": ["recap"]})) == "recap"


def test_system_error() -> None:
    content = {"content_type": "system_error", "name": "GetDownloadLinkError", "text": "expired"}
    assert text_of(msg(content, role="tool")) == "GetDownloadLinkError: expired"
    assert text_of(msg({"content_type": "system_error", "text": "only text"}, role="tool")) == (
        "only text"
    )


def test_computer_output() -> None:
    content = {
        "content_type": "computer_output",
        "computer_id": "c1",
        "screenshot": {
            "content_type": "image_asset_pointer",
            "asset_pointer": "sediment://file_shot",
        },
        "state": {"type": "browser_state", "url": "https://shop.example", "title": "Shop"},
        "is_ephemeral": False,
    }
    result = extract_content(msg(content, role="tool", name="computer.do"))
    assert result.text == "Shop (https://shop.example)"
    assert result.assets == [AssetRef("sediment://file_shot", "image")]
    content["state"] = None
    assert text_of(msg(content, role="tool")) == "[screenshot]"


def test_citable_code_output() -> None:
    content = {"content_type": "citable_code_output", "output_str": '{"rows": 3}'}
    assert text_of(msg(content, role="tool")) == '{"rows": 3}'


def test_app_pairing_content() -> None:
    content = {
        "content_type": "app_pairing_content",
        "workspaces": [{"app_name": "Xcode", "title": "MyApp.swift", "app_id": "x"}],
        "context_parts": [{"text": "let x = 1", "path": "/src/MyApp.swift"}],
        "custom_instructions": "Focus on Swift.",
    }
    assert (
        text_of(msg(content, role="user")) == "Xcode: MyApp.swift\n\nlet x = 1\n\nFocus on Swift."
    )


@pytest.mark.parametrize("ctype", ["tool_output", "media", "citation"])
def test_catalogued_types_without_documented_payload(ctype: str) -> None:
    result = extract_content(msg({"content_type": ctype, "text": "payload"}, role="tool"))
    assert result.known is True
    assert result.text == "payload"


# --------------------------------------------------------------------------- canvas & images


def test_canvas_create_renders_document() -> None:
    doc = {"name": "Trip plan", "type": "document", "content": "Day 1: Sintra"}
    content = {"content_type": "code", "language": "json", "text": orjson.dumps(doc).decode()}
    text = text_of(msg(content, recipient="canmore.create_textdoc"))
    assert text == "# Trip plan\n\nDay 1: Sintra"


def test_canvas_create_code_document_is_fenced() -> None:
    doc = {"name": "script", "type": "code/python", "content": "print('hi')"}
    content = {"content_type": "code", "language": "json", "text": orjson.dumps(doc).decode()}
    text = text_of(msg(content, recipient="canmore.create_textdoc"))
    assert text == "# script\n\n```python\nprint('hi')\n```"


def test_canvas_create_truncated_still_renders() -> None:
    raw = '{"name": "Plan", "type": "document", "content": "Day 1: Sintra\\nDay 2: Por'
    content = {"content_type": "code", "language": "json", "text": raw}
    text = text_of(msg(content, recipient="canmore.create_textdoc"))
    assert text == "# Plan\n\nDay 1: Sintra\nDay 2: Por"


def test_canvas_update_complete() -> None:
    updates = {"updates": [{"pattern": ".*", "multiple": False, "replacement": "New body"}]}
    content = {"content_type": "code", "language": "json", "text": orjson.dumps(updates).decode()}
    assert text_of(msg(content, recipient="canmore.update_textdoc")) == "New body"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # cut inside the replacement string
        ('{"updates":[{"pattern":".*","multiple":false,"replacement":"Hello wor', "Hello wor"),
        # cut after the string, before the closing brackets
        ('{"updates":[{"pattern":".*","multiple":true,"replacement":"Done"', "Done"),
        ('{"updates":[{"pattern":".*","multiple":true,"replacement":"Done"}', "Done"),
        # cut mid-escape, and mid-way through a second update
        ('{"updates":[{"pattern":"a","replacement":"line1\\nline2\\', "line1\nline2"),
        (
            '{"updates":[{"pattern":"a","replacement":"one"},{"pattern":"b","repl',
            "one",
        ),
        ('{"updates":[{"pattern":"a","replacement":"caf\\u00e9 ok"},{"pat', "café ok"),
        ('{"updates":[{"pattern":"a","replacement":"caf\\u00e9 \\u00', "café "),
    ],
)
def test_canvas_update_truncated_json_is_parsed_tolerantly(raw: str, expected: str) -> None:
    content = {"content_type": "code", "language": "json", "text": raw}
    assert text_of(msg(content, recipient="canmore.update_textdoc")) == expected


def test_canvas_update_hopeless_falls_back_to_raw_code() -> None:
    content = {"content_type": "code", "language": "json", "text": '{"updates":[{"patt'}
    assert text_of(msg(content, recipient="canmore.update_textdoc")) == (
        '```json\n{"updates":[{"patt\n```'
    )


def test_canvas_comment() -> None:
    comments = {"comments": [{"pattern": "x", "comment": "Consider a shorter intro."}]}
    content = {"content_type": "code", "text": orjson.dumps(comments).decode()}
    assert text_of(msg(content, recipient="canmore.comment_textdoc")) == "Consider a shorter intro."


def test_dalle_call_reads_as_prompt() -> None:
    args = {"prompt": "A watercolor lighthouse", "size": "1024x1024", "n": 1}
    content = {"content_type": "code", "language": "json", "text": orjson.dumps(args).decode()}
    assert text_of(msg(content, recipient="dalle.text2im")) == "A watercolor lighthouse"


def test_truncated_image_gen_call_reads_as_prompt() -> None:
    content = {"content_type": "code", "language": "json", "text": '{"prompt": "A cat in a hat'}
    assert text_of(msg(content, recipient="t2uay3k.sj1i4kz")) == "A cat in a hat"


def test_legacy_dalle_call_in_text_parts() -> None:
    content = {"content_type": "text", "parts": ['{"prompt": "A cat astronaut", "size": "1:1"}']}
    assert text_of(msg(content, recipient="dalle.text2im")) == "A cat astronaut"


def test_image_gen_call_not_json_keeps_raw_text() -> None:
    content = {"content_type": "code", "language": "unknown", "text": "draw a cat"}
    assert text_of(msg(content, recipient="t2uay3k.sj1i4kz")) == "```\ndraw a cat\n```"


# --------------------------------------------------------------------------- attachments


def test_attachments_become_file_assets() -> None:
    metadata = {
        "attachments": [
            {"id": "file-abc", "name": "report.pdf", "size": 10, "mime_type": "application/pdf"},
            {"id": "file_00ff", "name": "notes.txt", "mimeType": "text/plain", "fileSizeTokens": 9},
            {"name": "no id"},
            "not a dict",
        ]
    }
    result = extract_content(
        msg({"content_type": "text", "parts": ["see files"]}, role="user", metadata=metadata)
    )
    assert result.text == "see files"
    assert result.assets == [
        AssetRef("file-abc", "file", "report.pdf", "application/pdf"),
        AssetRef("file_00ff", "file", "notes.txt", "text/plain"),
    ]


def test_attachment_prefers_the_id_that_looks_like_a_file_id() -> None:
    metadata = {"attachments": [{"id": "upload-1", "file_id": "file-xyz", "name": "in.txt"}]}
    result = extract_content(msg({"content_type": "text", "parts": ["x"]}, metadata=metadata))
    assert result.assets == [AssetRef("file-xyz", "file", "in.txt", None)]


def test_attachments_of_wrong_type_are_ignored() -> None:
    result = extract_content(
        msg({"content_type": "text", "parts": ["x"]}, metadata={"attachments": "nope"})
    )
    assert result.assets == []


# --------------------------------------------------------------------------- citations


def test_tether_citations_applied_by_span_from_the_end() -> None:
    text = "Paris is the capital 【3†source】. Lyon is big 【5†source】."
    first, second = text.index("【3"), text.index("【5")
    metadata = {
        "citations": [
            {
                "start_ix": first,
                "end_ix": first + 10,
                "citation_format_type": "tether_og",
                "metadata": {"type": "webpage", "title": "Paris", "url": "https://w.example/paris"},
            },
            {
                "start_ix": second,
                "end_ix": second + 10,
                "citation_format_type": "tether_og",
                "metadata": {"type": "webpage", "title": "Lyon", "url": "https://w.example/lyon"},
            },
        ]
    }
    assert text[first : first + 10] == "【3†source】"
    rendered = text_of(msg({"content_type": "text", "parts": [text]}, metadata=metadata))
    assert rendered == (
        "Paris is the capital [Paris](https://w.example/paris). "
        "Lyon is big [Lyon](https://w.example/lyon)."
    )


def test_adjacent_tether_spans_like_the_2024_export() -> None:
    # shape of a real 2024 browsing answer: two markers glued to the word and to each other
    text = "runs in hybrid environments【3:0†source】【3:1†source】.\n\nIn a major development"
    first = text.index("【3:0")
    metadata = {
        "citations": [
            {
                "start_ix": first,
                "end_ix": first + 12,
                "citation_format_type": "tether_og",
                "metadata": {"type": "webpage", "title": "Crunchbase", "url": "https://cb.example"},
            },
            {
                "start_ix": first + 12,
                "end_ix": first + 24,
                "citation_format_type": "tether_og",
                "metadata": {"type": "webpage", "title": "Fastly", "url": "https://f.example"},
            },
        ]
    }
    assert render_citations(text, metadata) == (
        "runs in hybrid environments [Crunchbase](https://cb.example) "
        "[Fastly](https://f.example).\n\nIn a major development"
    )


def test_tether_citation_span_without_url_uses_title_or_disappears() -> None:
    text = "See the report 【3†L10-L20】 and more 【4†source】."
    first, second = text.index("【3"), text.index("【4")
    metadata = {
        "citations": [
            {
                "start_ix": first,
                "end_ix": text.index("】", first) + 1,
                "metadata": {"type": "file", "name": "report.pdf"},
            },
            {
                "start_ix": second,
                "end_ix": text.index("】", second) + 1,
                "invalid_reason": "Unsupported, please upgrade",
            },
        ]
    }
    assert render_citations(text, metadata) == "See the report [report.pdf] and more."


def test_tether_markers_without_spans_are_stripped() -> None:
    text = "Fact one 【12†source】. Fact two【3†L123-L131】 continues 【4:0†source】\nNext line"
    assert render_citations(text, {}) == "Fact one. Fact two continues\nNext line"
    assert render_citations(text, None) == "Fact one. Fact two continues\nNext line"


def test_bad_tether_spans_are_ignored_and_markers_stripped() -> None:
    text = "Short 【1†source】."
    metadata = {
        "citations": [
            {"start_ix": 0, "end_ix": 5, "metadata": {"url": "https://wrong"}},  # not a marker
            {"start_ix": 3, "end_ix": 999, "metadata": {"url": "https://out-of-range"}},
            {"start_ix": "6", "end_ix": 15},
            None,
        ]
    }
    assert render_citations(text, metadata) == "Short."


def test_tether_markers_only_rendered_in_assistant_text() -> None:
    # users paste such text; only assistant text is rendered
    text = "quote 【1†source】"
    assert text_of(msg({"content_type": "text", "parts": [text]}, role="user")) == text
    assert text_of(msg({"content_type": "text", "parts": [text]})) == "quote"


def pua(*pieces: str) -> str:
    return "\ue200" + "\ue202".join(pieces) + "\ue201"


def test_pua_citation_resolved_through_content_references() -> None:
    marker = pua("cite", "turn0search3")
    text = f"You can toggle dictation. {marker}"
    metadata = {
        "content_references": [
            {
                "matched_text": marker,
                "start_idx": 26,
                "end_idx": 26 + len(marker),
                "alt": "([MacMost](https://macmost.example/d))",
                "type": "grouped_webpages",
                "items": [
                    {
                        "title": "How To Use Dictation",
                        "url": "https://macmost.example/d",
                        "attribution": "MacMost",
                    }
                ],
            }
        ]
    }
    rendered = text_of(msg({"content_type": "text", "parts": [text]}, metadata=metadata))
    assert rendered == "You can toggle dictation. [How To Use Dictation](https://macmost.example/d)"


def test_pua_citation_with_several_refs_and_sources() -> None:
    marker = pua("cite", "turn1search2", "turn1search3")
    text = f"Some users like it{marker}."
    metadata = {
        "content_references": [
            {
                "matched_text": marker,
                "type": "grouped_webpages",
                "items": [],
                "sources": [
                    {"attribution": "Intego", "url": "https://intego.example"},
                    {"title": "Reddit thread", "url": "https://reddit.example/r"},
                ],
            }
        ]
    }
    assert render_citations(text, metadata) == (
        "Some users like it [Intego](https://intego.example) "
        "[Reddit thread](https://reddit.example/r)."
    )


def test_pua_filecite_resolved_by_name_and_unresolved_stripped() -> None:
    file_marker = pua("filecite", "turn3file14", "L180-L293")
    nav_marker = pua("navlist", "Recent news", "turn0news1,turn0news2")
    image_marker = pua("image_group", '{"query":["Eiffel Tower"]}')
    cite_marker = pua("cite", "x")
    text = (
        f"Per the contract {file_marker}, done.\n{nav_marker}\n{image_marker}\nEnd {cite_marker}."
    )
    metadata = {
        "content_references": [
            {"matched_text": file_marker, "type": "file", "name": "contract.pdf"}
        ]
    }
    rendered = render_citations(text, metadata)
    assert rendered == "Per the contract [contract.pdf], done.\n\n\nEnd."
    assert no_private_use(rendered)
    assert "cite" not in rendered and "turn" not in rendered


def test_pua_entity_keeps_its_name() -> None:
    resolved = pua("entity", '["software","Node.js","javascript runtime"]')
    unresolved = pua("entity", '["turn0business0","Charkop Mangroves"]')
    text = f"npm works with {resolved}. Visit {unresolved} at dawn."
    metadata = {
        "content_references": [{"matched_text": resolved, "type": "hidden", "alt": "Node.js"}]
    }
    assert render_citations(text, metadata) == (
        "npm works with Node.js. Visit Charkop Mangroves at dawn."
    )


def test_pua_link_title_unresolved_keeps_title() -> None:
    text = f"Read {pua('link_title', 'Example Site', 'key1')} today."
    assert render_citations(text, {}) == "Read Example Site today."


def test_pua_markers_without_metadata_are_stripped() -> None:
    text = f"Claim {pua('cite', 'turn0search0')} and more{pua('cite', 'turn0news4')}"
    message = msg({"content_type": "text", "parts": [text]})
    assert "metadata" not in message
    assert text_of(message) == "Claim and more"


def test_unterminated_pua_marker_at_the_end_is_stripped() -> None:
    text = "Interrupted answer \ue200cite\ue202turn0sea"
    assert render_citations(text, None) == "Interrupted answer"


def test_stray_private_use_characters_are_removed_from_assistant_text() -> None:
    text = f"\ue203Highlighted claim.\ue204\ue206 {pua('cite', 'turn0search1')}"
    rendered = render_citations(text, {"content_references": "garbage"})
    assert rendered == "Highlighted claim."
    assert no_private_use(rendered)


def test_pua_in_user_text_loses_marker_syntax_only() -> None:
    text = f"pasted answer {pua('cite', 'turn0search0')} with icon \uf8ff"
    assert text_of(msg({"content_type": "text", "parts": [text]}, role="user")) == (
        "pasted answer with icon \uf8ff"
    )


def test_both_citation_eras_in_one_text() -> None:
    marker = pua("cite", "turn0search0")
    text = f"Old 【1†source】 and new {marker}."
    metadata = {
        "content_references": [
            {"matched_text": marker, "type": "webpage", "title": "T", "url": "https://t.example"}
        ]
    }
    assert render_citations(text, metadata) == "Old and new [T](https://t.example)."


def test_citations_in_multimodal_assistant_text() -> None:
    marker = pua("cite", "turn0search0")
    content = {"content_type": "multimodal_text", "parts": [f"Answer {marker}", {"x": 1}]}
    assert text_of(msg(content)) == "Answer"


def test_text_without_markers_is_returned_unchanged() -> None:
    text = "Plain “curly” answer — no markers 😂"
    assert render_citations(text, {"citations": []}) == text
    assert text_of(msg({"content_type": "text", "parts": [text]})) == text


# --------------------------------------------------------------------------- unknown & broken


def test_unknown_content_type_best_effort_in_order() -> None:
    for key in ("text", "result", "content", "output_str", "summary"):
        result = extract_content(msg({"content_type": "brand_new", key: f"via {key}"}))
        assert result.known is False
        assert result.text == f"via {key}"
    both = {"content_type": "brand_new", "summary": "second", "parts": ["first", {"text": "x"}]}
    assert text_of(msg(both)) == "first\nx"
    assert text_of(msg({"content_type": "brand_new", "result": "", "summary": "s"})) == "s"


def test_unknown_content_type_with_nothing_readable() -> None:
    result = extract_content(msg({"content_type": "brand_new", "blob": {"a": 1}}))
    assert result == Content("", known=False)


def test_missing_content_type_is_unknown_but_readable() -> None:
    result = extract_content(msg({"parts": ["no type"]}))
    assert result.known is False
    assert result.text == "no type"


@pytest.mark.parametrize(
    "message",
    [
        None,
        42,
        "text",
        [],
        {},
        {"content": None},
        {"content": "a string"},
        {"content": []},
        {"content": {"content_type": None}},
        {"content": {"content_type": ["list"]}},
        {"content": {"content_type": {"a": 1}}},
        {"content": {"content_type": "text"}},
        {"content": {"content_type": "text", "parts": None}},
        {"content": {"content_type": "text", "parts": "not a list"}},
        {"content": {"content_type": "text", "parts": [None]}},
        {"content": {"content_type": "multimodal_text", "parts": [{"content_type": None}]}},
        {"content": {"content_type": "code", "text": None, "language": 5}},
        {"content": {"content_type": "thoughts", "thoughts": "nope"}},
        {"content": {"content_type": "computer_output", "screenshot": 5, "state": []}},
        {"content": {"content_type": "app_pairing_content", "workspaces": "x"}},
        {"content": {"content_type": "text", "parts": ["x"]}, "metadata": "nope"},
        {"content": {"content_type": "text", "parts": ["x"]}, "author": "nope"},
        {"content": {"content_type": "text", "parts": ["x"]}, "recipient": ["list"]},
        {"content": {"content_type": "code", "text": "{"}, "recipient": "canmore.update_textdoc"},
        {"content": {"content_type": "code", "text": "[]"}, "recipient": "canmore.create_textdoc"},
        {"content": {"content_type": "code", "text": "1"}, "recipient": "dalle.text2im"},
        {
            "content": {"content_type": "execution_output", "text": None},
            "metadata": {"aggregate_result": {"messages": "x"}},
        },
        {
            "content": {"content_type": "text", "parts": ["\ue200cite"]},
            "author": {"role": "assistant"},
            "metadata": {"citations": [{"start_ix": None}], "content_references": [None, 1]},
        },
    ],
)
def test_wrong_types_never_raise(message: Any) -> None:
    result = extract_content(message)
    assert isinstance(result, Content)
    assert isinstance(result.text, str)


def test_non_dict_message_and_content_read_as_empty() -> None:
    assert extract_content(None) == Content("")
    assert extract_content({"content": "a string"}) == Content("")
    assert extract_content(msg(None)) == Content("")


# --------------------------------------------------------------------------- properties

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "text",
            "multimodal_text",
            "code",
            "thoughts",
            "audio_transcription",
            "image_asset_pointer",
            "canmore.update_textdoc",
            "dalle.text2im",
            "assistant",
            "\ue200cite\ue202turn0search0\ue201",
            "【1†source】",
        ]
    )
)
json_like = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "content",
                    "content_type",
                    "parts",
                    "text",
                    "metadata",
                    "author",
                    "role",
                    "recipient",
                    "asset_pointer",
                    "attachments",
                    "citations",
                    "content_references",
                    "matched_text",
                    "thoughts",
                    "audio_asset_pointer",
                    "start_ix",
                    "end_ix",
                    "items",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=40,
)


@settings(max_examples=500)
@given(json_like)
def test_extract_content_never_raises(message: Any) -> None:
    result = extract_content(message)
    assert isinstance(result.text, str)
    assert all(isinstance(a.pointer, str) for a in result.assets)


@settings(max_examples=300)
@given(st.text(), st.text(max_size=10))
def test_render_citations_leaves_no_private_use(text: str, ref: str) -> None:
    metadata = {"content_references": [{"matched_text": ref, "items": [{"title": ref}]}]}
    assert no_private_use(render_citations(text, metadata))
