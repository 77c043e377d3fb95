"""The MCP server, through a real client: `keeper mcp` runs as a subprocess and the official
SDK's stdio client lists and calls its tools, reads its resources and gets its prompt.

Every session runs under the audit hook of the privacy tests (no network), and the
database file is hashed before and after (no writes).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.shared.exceptions import MCPError

from keeper.library import Library
from keeper.mcp.budget import clip, count_tokens, fit
from keeper.mcp.render import short_ids
from tests.continuity_support import open_sample
from tests.hostile import REPO, cli_env, conversation, dumps, make_zip
from tests.mcp_support import file_digest, hooked_env, log_lines, text_of, with_client
from tests.netwatch import network_attempts

TOOLS = {
    "search_history",
    "read_conversation",
    "list_conversations",
    "get_profile",
    "get_persona",
    "summarize_conversation",
    "build_context_pack",
}


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample export imported (not embedded) into a database of its own."""
    folder = tmp_path_factory.mktemp("mcp-sample")
    open_sample(folder).close()
    yield folder / "keeper.db"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return hooked_env(tmp_path)


def _call(db: Path, env: dict[str, str], calls: list[tuple[str, dict]], *extra: str) -> list:
    """Call each tool in order in one session; returns the results."""

    async def body(client: Client) -> list:
        return [await client.call_tool(name, arguments) for name, arguments in calls]

    return with_client(db, env, body, *extra)


def _ok(result: object) -> str:
    assert not getattr(result, "is_error", False), text_of(result)
    return text_of(result)


# -- the tools as a client sees them ------------------------------------------------------
def test_tools_are_listed_with_model_facing_descriptions_and_typed_arguments(
    sample_db: Path, env: dict[str, str]
) -> None:
    async def body(client: Client) -> list:
        return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in with_client(sample_db, env, body)}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 120, tool.name
        assert tool.annotations is not None and tool.annotations.read_only_hint, tool.name
        assert tool.annotations.open_world_hint is False
    search = tools["search_history"].input_schema
    assert search["required"] == ["query"]
    assert search["properties"]["limit"]["maximum"] == 50
    assert "description" in search["properties"]["since"]
    read = tools["read_conversation"].input_schema
    assert read["required"] == ["id_or_prefix"]
    assert read["properties"]["max_tokens"]["type"] == "integer"
    pack = tools["build_context_pack"].input_schema["properties"]
    assert pack["conversations"]["anyOf"][0]["type"] == "array"


def test_search_finds_the_right_conversation_in_english_and_chinese(
    sample_db: Path, env: dict[str, str], index: dict
) -> None:
    english, chinese, filtered = _call(
        sample_db,
        env,
        [
            ("search_history", {"query": "landlord lease renewal"}),
            ("search_history", {"query": "麻糬"}),
            ("search_history", {"query": "lease", "role": "assistant", "limit": 3}),
        ],
    )
    lease, cat = index["archived-lease"], index["zh-cat"]
    first = _ok(english).split("\n2. ")[0]
    assert f"conversation `{lease['id']}`" in first
    assert "**landlord**" in first.lower() or "**lease**" in first.lower()
    assert "reply — Assistant (gpt-4)" in first  # the neighbouring turn
    assert f"conversation `{cat['id']}`" in _ok(chinese).split("\n2. ")[0]
    assert "麻糬" in _ok(chinese)
    hits = re.findall(r"^\d+\. ", _ok(filtered), re.M)
    assert 1 <= len(hits) <= 3
    assert "   User ·" not in _ok(filtered)  # role filter: assistant messages only


def test_read_conversation_shows_the_visible_thread_and_marks_branch_points(
    sample_db: Path, env: dict[str, str], index: dict
) -> None:
    novel = index["novel-branches"]
    nodes = novel["nodes"]
    library = Library.open_readonly(str(sample_db))
    try:
        _, rows = library.conversation(novel["id"])
    finally:
        library.close()
    text_by_id = {r.node_id: r.text for r in rows}
    whole, on_thread, window = _call(
        sample_db,
        env,
        [
            ("read_conversation", {"id_or_prefix": novel["id"][:8]}),
            (
                "read_conversation",
                {"id_or_prefix": novel["id"], "around_message": nodes["a3"], "window": 0},
            ),
            (
                "read_conversation",
                {"id_or_prefix": novel["id"], "around_message": nodes["regen_1"][:8], "window": 1},
            ),
        ],
    )
    thread = _ok(whole)
    assert thread.startswith(f"# {novel['title']}")
    assert re.search(r"^### User · \d{4}-\d\d-\d\d \d\d:\d\d · msg `", thread, re.M)
    assert re.search(r"^### Assistant \([\w.-]+\) · \d{4}-\d\d-\d\d", thread, re.M)
    assert "branch point ‹ 2/2 ›" in thread
    assert text_by_id[nodes["current"]].strip()[:60] in thread
    assert text_by_id[nodes["regen_1"]].strip()[:60] not in thread  # regenerated away
    around = _ok(window)
    assert text_by_id[nodes["regen_1"]].strip()[:60] in around
    assert "◀ requested message" in around
    assert "another branch" in around
    assert text_by_id[nodes["current"]].strip()[:60] not in around  # window of 1 each side
    kept = _ok(on_thread)
    assert "of the visible thread, around msg" in kept and "another branch" not in kept
    assert text_by_id[nodes["a3"]].strip()[:60] in kept
    assert text_by_id[nodes["u2"]].strip()[:60] not in kept  # window 0: that message only


def test_list_profile_persona_summary_and_pack_carry_the_archive(
    sample_db: Path, env: dict[str, str], index: dict
) -> None:
    library = Library.open_readonly(str(sample_db))
    try:
        items = [i for i in library.profile() if i["included"]]
        project = next(c.project for c in library.conversations() if c.project)
        in_project = {c.id for c in library.conversations() if c.project == project}
    finally:
        library.close()
    lease = index["archived-lease"]
    listed, projects, profile, persona, summary, pack = _call(
        sample_db,
        env,
        [
            ("list_conversations", {"limit": 200}),
            ("list_conversations", {"project": project}),
            ("get_profile", {"max_tokens": 25000}),
            ("get_persona", {}),
            ("summarize_conversation", {"id_or_prefix": lease["id"]}),
            ("build_context_pack", {"conversations": [lease["id"]], "budget": 1500}),
        ],
    )
    assert all(index[k]["id"] in _ok(listed) for k in ("zh-cat", "archived-lease", "pasta"))
    project_ids = set(re.findall(r"^- `([^`]+)`", _ok(projects), re.M))
    assert project_ids == in_project
    about = _ok(profile)
    for item in items:
        first_line = " ".join((item["edited_text"] or item["text"]).split())[:50]
        assert first_line in " ".join(about.split()), item
    assert "— current" in about and "— superseded (used until" in about
    assert "Saved memories" in about
    assert "gpt-4o" in _ok(persona) and "Mika" in _ok(persona)
    assert _ok(summary).startswith(f"# {lease['title']}")
    packed = _ok(pack)
    # Sources name conversations by a unique id prefix (every id argument accepts one).
    assert lease["title"] in packed and lease["id"][:8] in packed
    assert count_tokens(packed) <= 1500


def test_every_answer_respects_its_token_cap(
    sample_db: Path, env: dict[str, str], index: dict
) -> None:
    long = index["companion-long"]["id"]
    cap = 300
    calls = [
        ("search_history", {"query": "Mika", "limit": 50, "max_tokens": cap}),
        ("read_conversation", {"id_or_prefix": long, "max_tokens": cap}),
        (
            "read_conversation",
            {
                "id_or_prefix": long,
                "around_message": index["companion-long"]["nodes"]["a30"],
                "window": 20,
                "max_tokens": cap,
            },
        ),
        ("list_conversations", {"limit": 500, "max_tokens": cap}),
        ("get_profile", {"max_tokens": cap}),
        ("get_persona", {"max_tokens": cap}),
        ("summarize_conversation", {"id_or_prefix": long, "max_tokens": cap}),
        ("build_context_pack", {"budget": cap}),
    ]
    results = _call(sample_db, env, calls)
    for (name, _), result in zip(calls, results, strict=True):
        assert count_tokens(_ok(result)) <= cap, name
    thread = _ok(results[1])
    continued = re.search(r"Read on with around_message=`([0-9a-f-]+)`", thread)
    assert continued, thread[-300:]
    assert "left out to stay within max_tokens" in _ok(results[0])
    assert "◀ requested message" in _ok(results[2])


def test_bad_ids_and_arguments_are_clear_errors_and_the_server_carries_on(
    sample_db: Path, env: dict[str, str], index: dict
) -> None:
    lease = index["archived-lease"]["id"]
    calls = [
        ("read_conversation", {"id_or_prefix": "no-such-conversation"}),
        ("read_conversation", {"id_or_prefix": lease, "around_message": "zzzzzzzz"}),
        ("summarize_conversation", {"id_or_prefix": "abc"}),
        ("search_history", {"query": "tea", "limit": 0}),
        ("search_history", {"query": "tea", "since": "last spring"}),
        ("search_history", {"query": "tea", "since": "2025-01-01", "until": "2024-01-01"}),
        ("search_history", {"query": "   "}),
        ("search_history", {"query": "tea", "conversation": "nope"}),
        ("get_persona", {"model": "gpt-99"}),
        ("build_context_pack", {"target": "fax"}),
        ("read_conversation", {"id_or_prefix": lease, "max_tokens": "lots"}),
        ("no_such_tool", {}),
        ("read_conversation", {"id_or_prefix": lease}),
    ]
    results = _call(sample_db, env, calls)
    messages = [text_of(r) for r in results]
    assert all(r.is_error for r in results[:-1]), messages
    assert "No conversation has the id 'no-such-conversation'" in messages[0]
    assert "has no message 'zzzzzzzz'" in messages[1]
    assert "No conversation has the id 'abc'" in messages[2]
    assert "limit" in messages[3] and "greater than or equal to 1" in messages[3]
    assert "since='last spring' is not a date" in messages[4]
    assert "is not before until" in messages[5]
    assert "query is empty" in messages[6] or "at least 1 character" in messages[6]
    assert "'nope'" in messages[7]
    assert "gpt-99" in messages[8] and "gpt-4o" in messages[8]  # names the models there are
    assert "target" in messages[9]
    assert "max_tokens" in messages[10]
    assert "no_such_tool" in messages[11]
    assert all("Traceback" not in m for m in messages)
    assert not results[-1].is_error  # the server is still there and answers


def test_resources_and_the_continue_prompt(
    sample_db: Path, env: dict[str, str], index: dict
) -> None:
    lease = index["archived-lease"]

    async def body(client: Client) -> tuple:
        listed = (await client.list_resources()).resources
        profile = await client.read_resource("keeper://profile")
        persona = await client.read_resource("keeper://persona")
        conv = await client.read_resource(f"keeper://conversation/{lease['id']}")
        with pytest.raises(MCPError) as missing:
            await client.read_resource("keeper://conversation/no-such-id")
        prompts = (await client.list_prompts()).prompts
        prompt = await client.get_prompt(
            "continue_from_my_archive", {"about": "lease", "budget": "1200"}
        )
        with pytest.raises(MCPError) as bad_budget:
            await client.get_prompt("continue_from_my_archive", {"budget": "a lot"})
        return listed, profile, persona, conv, missing.value, prompts, prompt, bad_budget.value

    listed, profile, persona, conv, missing, prompts, prompt, bad = with_client(
        sample_db, env, body
    )
    library = Library.open_readonly(str(sample_db))
    try:
        count = len(library.conversations())
    finally:
        library.close()
    uris = {str(r.uri) for r in listed}
    assert {"keeper://profile", "keeper://persona"} <= uris
    assert len([u for u in uris if u.startswith("keeper://conversation/")]) == count
    assert "Custom instructions" in profile.contents[0].text
    assert "How gpt-4o spoke with me" in persona.contents[0].text
    assert conv.contents[0].text.startswith(f"# {lease['title']}")
    assert "no-such-id" in str(missing)
    assert [p.name for p in prompts] == ["continue_from_my_archive"]
    message = prompt.messages[0].content.text
    assert "continuing from my ChatGPT archive" in message
    assert lease["title"] in message
    assert "not a number of tokens" in str(bad)


# -- safety -------------------------------------------------------------------------------
def test_a_full_session_writes_nothing_and_touches_no_network(
    sample_db: Path, env: dict[str, str], index: dict, tmp_path: Path
) -> None:
    before = file_digest(sample_db)
    mtime = sample_db.stat().st_mtime_ns
    calls = [
        ("search_history", {"query": "tea"}),
        ("search_history", {"query": "tea", "mode": "semantic"}),
        ("read_conversation", {"id_or_prefix": index["novel-branches"]["id"]}),
        ("list_conversations", {}),
        ("get_profile", {}),
        ("get_persona", {}),
        # Summaries, the persona and corpus statistics are cached by writing commands;
        # here they must be computed and kept in memory instead.
        *[("summarize_conversation", {"id_or_prefix": index[k]["id"]}) for k in index],
        ("build_context_pack", {}),
        ("build_context_pack", {"search": "Mochi"}),
    ]
    results = _call(sample_db, env, calls)
    assert not any(r.is_error for r in results), [text_of(r) for r in results if r.is_error]
    assert log_lines(tmp_path / "network.log") == []
    assert log_lines(tmp_path / "imports.log") == []  # nothing embedded: no model loaded
    assert file_digest(sample_db) == before
    assert sample_db.stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_semantic_search_loads_the_model_in_the_background_after_a_torch_free_start(
    tmp_path: Path, built_model: Path, index: dict
) -> None:
    with open_sample(tmp_path / "embedded") as library:
        library.embed(show_progress=False)
    db = tmp_path / "embedded" / "keeper.db"
    before = file_digest(db)
    env = hooked_env(tmp_path)
    env["KEEPER_MODEL_CACHE"] = str(built_model)

    async def body(client: Client) -> tuple[list[str], list[str]]:
        await client.list_tools()
        await client.call_tool("get_profile", {})
        at_start = log_lines(tmp_path / "imports.log")
        answers = []
        for _ in range(60):
            result = await client.call_tool("search_history", {"query": "renewing my lease"})
            answers.append(_ok(result))
            if "(hybrid" in answers[-1]:
                break
            await asyncio.sleep(1)
        return at_start, answers

    syscalls = tmp_path / "strace.log"
    at_start, answers = with_client(db, env, body, strace_log=syscalls)
    assert at_start == []  # started and answered without torch or onnxruntime
    assert "(hybrid" in answers[-1], answers[-1][:300]
    if len(answers) > 1:
        assert "still loading" in answers[0]  # the first answer said why it was keyword-only
    assert f"conversation `{index['archived-lease']['id']}`" in answers[-1].split("\n2. ")[0]
    assert log_lines(tmp_path / "network.log") == []
    assert network_attempts(syscalls) == []  # native threads (onnxruntime) included
    assert file_digest(db) == before


def test_the_connection_is_read_only_at_the_sqlite_level(sample_db: Path) -> None:
    import apsw

    library = Library.open_readonly(str(sample_db))
    try:
        assert library.read_only
        with pytest.raises(apsw.ReadOnlyError):
            library.conn.execute("DELETE FROM conversations")
        with pytest.raises(apsw.ReadOnlyError):
            library.set_profile_item(1, included=False)
    finally:
        library.close()


def test_redact_masks_identifiers_in_every_answer_and_keeps_ids_working(
    tmp_path: Path, env: dict[str, str]
) -> None:
    convo = conversation(1, "notes", nodes=2)
    convo["id"] = convo["conversation_id"] = "5f0c2a9e-1111-4a2b-9c3d-123456789012"
    secret = "Write to mika.tanaka@example.com or call +1 415 555 0134 about the lease."
    convo["mapping"]["n1"]["message"]["content"]["parts"] = [secret]
    convo["title"] = "Lease contact mika.tanaka@example.com"
    export = make_zip(tmp_path / "export.zip", {"conversations.json": dumps([convo])})
    db = tmp_path / "redact" / "keeper.db"
    with Library.open(str(db)) as library:
        library.import_exports([export], show_progress=False)
    calls = [
        ("search_history", {"query": "lease"}),
        ("read_conversation", {"id_or_prefix": convo["id"]}),
        ("list_conversations", {}),
        ("summarize_conversation", {"id_or_prefix": convo["id"]}),
        ("build_context_pack", {"budget": 1000}),
    ]
    masked = [_ok(r) for r in _call(db, env, calls, "--redact")]
    plain = _ok(_call(db, env, calls[1:2])[0])
    assert "mika.tanaka@example.com" in plain and "555 0134" in plain
    for name_args, text in zip(calls, masked, strict=True):
        assert "mika.tanaka@example.com" not in text, name_args
        assert "555 0134" not in text, name_args
    assert "[EMAIL-1]" in masked[1] and "[PHONE-1]" in masked[1]
    assert convo["id"] in masked[0]  # ids are never masked, so the next call still works


def test_missing_database_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "keeper", "mcp", "--db", str(tmp_path / "none.db")],
        env=cli_env(),
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "No keeper database at" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "none.db").exists()


# -- token caps and ids, without a server ---------------------------------------------------
@given(
    st.lists(st.text(min_size=0, max_size=400), min_size=0, max_size=30),
    st.integers(min_value=20, max_value=2000),
)
@settings(max_examples=150, deadline=None)
def test_fit_and_clip_never_exceed_the_cap(blocks: list[str], cap: int) -> None:
    text, left = fit("# heading", blocks, cap, more="…{left} more left out.")
    assert count_tokens(text) <= cap
    assert 0 <= left <= len(blocks)
    if left:
        assert f"…{left} more left out." in text
    assert blocks[: len(blocks) - left] == [b for b in blocks[: len(blocks) - left] if b in text]
    joined = "\n".join(blocks)
    clipped = clip(joined, cap)
    assert count_tokens(clipped) <= cap
    assert clipped == joined or joined.startswith(clipped.removesuffix("…").rstrip())


def test_caps_are_counted_with_the_real_tokenizer() -> None:
    from keeper.pack.tokens import count_tokens as o200k

    assert count_tokens("hello world") == 2  # o200k_base: "hello", " world"
    text = "Sol & Mika ☾ evening chats — 我最近很喜欢画画 ad827162-09e7-53b4-a45d-4e806ed08862"
    assert count_tokens(text) == o200k(text)


def test_short_ids_are_unique_prefixes() -> None:
    ids = ["aaa2c7d4-1", "aaa2c7d4-2", "aaa2c7d9-3", "0981b7f6-c0d7", "n1", "n10"]
    short = short_ids(ids)
    assert short["0981b7f6-c0d7"] == "0981b7f6"
    assert short["aaa2c7d4-1"] == "aaa2c7d4-1" and short["aaa2c7d9-3"] == "aaa2c7d9"
    for value, prefix in short.items():
        assert value.startswith(prefix)
        assert [v for v in ids if v.startswith(prefix)] == [value] or prefix == value
