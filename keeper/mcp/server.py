"""keeper's MCP server: the tools, resources and prompt over stdio (official ``mcp`` SDK).

Descriptions are written for the model that calls them. Every failure a model can cause
comes back as an MCP error result with one clear paragraph; nothing it sends stops the
server.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, ToolAnnotations
from mcp.types import Resource as MCPResource
from pydantic import Field

from keeper import __version__
from keeper.config import Settings
from keeper.errors import KeeperError, UsageError
from keeper.mcp.budget import MAX_TOKENS, MIN_TOKENS
from keeper.mcp.tools import ArchiveTools

INSTRUCTIONS = """\
keeper serves the user's own ChatGPT history (years of conversations, often in Chinese or
Japanese as well as English), read-only and offline. When the user refers to something
from the past ("remember when we talked about the lease?"), call search_history first,
then read_conversation with the conversation id and the msg id of the best hit. Use
get_profile for who the user is (their custom instructions and saved memories) and
get_persona for how their previous assistant spoke with them. build_context_pack gives a
compact hand-off for a topic, project or conversation. Ids may be shortened to a unique
prefix. Every answer is capped by max_tokens."""

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

Tokens = Annotated[
    int,
    Field(
        ge=MIN_TOKENS,
        le=MAX_TOKENS,
        description="Upper bound on the size of this answer in tokens (o200k_base); "
        "longer content is cut and the answer says how to get the rest.",
    ),
]
Day = Annotated[
    str | None,
    Field(description="A date YYYY-MM-DD (or ISO date-time); the day itself is included."),
]
ConversationId = Annotated[
    str,
    Field(
        min_length=1,
        description="A conversation id as search_history or list_conversations show it; a "
        "unique prefix of 6+ characters also works.",
    ),
]

log = logging.getLogger("keeper.mcp")


def _guard(call: Callable[[], str]) -> str:
    """Run one tool body: keeper's errors become tool errors with their message; anything
    else is reported (not raised into the SDK as a crash) and logged to stderr."""
    try:
        return call()
    except KeeperError as error:
        raise ToolError(str(error)) from error
    except Exception as error:  # one bad call must not end the session
        log.exception("keeper tool failed")
        raise ToolError(
            f"keeper could not answer this call ({type(error).__name__}: {error}). The "
            "archive is unchanged; try other arguments, and report this if it persists."
        ) from error


class KeeperServer(MCPServer):
    """MCPServer whose resource list also names every conversation of the archive."""

    def __init__(self, tools: ArchiveTools, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keeper = tools

    async def list_resources(self) -> list[MCPResource]:
        """The static resources, then one per conversation (newest first)."""
        import anyio.to_thread

        fixed = await super().list_resources()
        rows = await anyio.to_thread.run_sync(self.keeper.resource_list)
        return fixed + [
            MCPResource(
                uri=f"keeper://conversation/{cid}",
                name=title,
                description=about,
                mime_type="text/markdown",
            )
            for cid, title, about in rows
        ]


def build_server(tools: ArchiveTools) -> KeeperServer:
    """The MCP server over ``tools`` (an open read-only archive)."""
    server = KeeperServer(
        tools,
        name="keeper",
        title="keeper — your ChatGPT archive",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )
    _add_tools(server, tools)
    _add_resources(server, tools)
    _add_prompt(server, tools)
    return server


def _add_tools(server: KeeperServer, tools: ArchiveTools) -> None:
    @server.tool(annotations=READ_ONLY)
    def search_history(
        query: Annotated[
            str,
            Field(
                min_length=1,
                description="What to look for, in the words the user would have used, in "
                'any language (a question works; "quotes" match an exact phrase).',
            ),
        ],
        since: Day = None,
        until: Day = None,
        model: Annotated[
            str | None, Field(description="Only messages by this model slug, e.g. gpt-4o.")
        ] = None,
        role: Annotated[
            Literal["user", "assistant"] | None,
            Field(description="Only what the user wrote, or only the assistant's replies."),
        ] = None,
        project: Annotated[
            str | None, Field(description="Only this ChatGPT Project or custom GPT (g-…).")
        ] = None,
        conversation: Annotated[
            str | None, Field(description="Only this conversation (id or unique prefix).")
        ] = None,
        mode: Annotated[
            Literal["hybrid", "keyword", "semantic"] | None,
            Field(
                description="Default: hybrid (keywords and meaning) when the archive is "
                "embedded, else keyword. 'keyword' for exact words or names."
            ),
        ] = None,
        limit: Annotated[int, Field(ge=1, le=50, description="How many messages.")] = 10,
        max_tokens: Tokens = 4000,
    ) -> str:
        """Search the user's past ChatGPT conversations. Returns matching messages, best
        first: conversation title and id, msg id, who wrote it (user or assistant and
        model), date, a snippet with the matched words in **bold**, and the neighbouring
        turn (the reply to a user message, or the question before a reply). Use it
        whenever the user refers to something from earlier conversations; then open the
        best hit with read_conversation(id_or_prefix, around_message=msg id)."""
        return _guard(
            lambda: tools.search_history(
                query,
                since=since,
                until=until,
                model=model,
                role=role,
                project=project,
                conversation=conversation,
                mode=mode,
                limit=limit,
                max_tokens=max_tokens,
            )
        )

    @server.tool(annotations=READ_ONLY)
    def read_conversation(
        id_or_prefix: ConversationId,
        around_message: Annotated[
            str | None,
            Field(
                description="A msg id (or its first 4+ characters) to read around: the "
                "window of messages before and after it, on its own branch."
            ),
        ] = None,
        window: Annotated[
            int, Field(ge=0, le=100, description="Messages each side of around_message.")
        ] = 6,
        include_hidden: Annotated[
            bool,
            Field(description="Also show tool calls, tool output, reasoning and system text."),
        ] = False,
        max_tokens: Tokens = 6000,
    ) -> str:
        """Read one past conversation as Markdown: title, dates, model, project, then each
        message with role, date and time, model and msg id. Without around_message it is
        the visible thread from the start (the branch the user kept); with it, the window
        around that message. Messages with other versions (regenerated replies, edited
        questions) are marked as branch points with the other versions' msg ids."""
        return _guard(
            lambda: tools.read_conversation(
                id_or_prefix,
                around_message=around_message,
                window=window,
                include_hidden=include_hidden,
                max_tokens=max_tokens,
            )
        )

    @server.tool(annotations=READ_ONLY)
    def list_conversations(
        title_contains: Annotated[
            str | None, Field(description="Only conversations whose title contains this.")
        ] = None,
        since: Day = None,
        until: Day = None,
        model: Annotated[
            str | None, Field(description="Only conversations with this model.")
        ] = None,
        project: Annotated[
            str | None, Field(description="Only this ChatGPT Project or custom GPT (g-…).")
        ] = None,
        archived: Annotated[
            bool | None,
            Field(description="true: only archived ones; false: none of them; default: all."),
        ] = None,
        sort: Annotated[
            Literal["updated", "created", "messages", "title"],
            Field(description="Order: last activity (default), start date, length or title."),
        ] = "updated",
        limit: Annotated[int, Field(ge=1, le=500, description="How many conversations.")] = 30,
        max_tokens: Tokens = 4000,
    ) -> str:
        """List the user's past conversations, one line each: id, title, first and last
        date, number of messages, model, project. Use it to browse by time, project or
        title; use search_history to find what was said."""
        return _guard(
            lambda: tools.list_conversations(
                title_contains=title_contains,
                since=since,
                until=until,
                model=model,
                project=project,
                archived=archived,
                sort=sort,
                limit=limit,
                max_tokens=max_tokens,
            )
        )

    @server.tool(annotations=READ_ONLY)
    def get_profile(max_tokens: Tokens = 4000) -> str:
        """Who the user is, in their own words: their ChatGPT custom instructions (what they
        said about themselves and how they wanted replies; every version, dated, with the
        current one marked and older ones marked superseded) and the memories ChatGPT
        saved about them, dated, each with its source conversation."""
        return _guard(lambda: tools.get_profile(max_tokens=max_tokens))

    @server.tool(annotations=READ_ONLY)
    def get_persona(
        model: Annotated[
            str | None,
            Field(description="The old model to describe (default: the one used most)."),
        ] = None,
        max_tokens: Tokens = 4000,
    ) -> str:
        """How the user's previous assistant spoke with them: tone, the names it called
        them, recurring phrases, rituals, and quoted example exchanges with their sources.
        Use it to carry on in a voice the user recognises."""
        return _guard(lambda: tools.get_persona(model=model, max_tokens=max_tokens))

    @server.tool(annotations=READ_ONLY)
    def summarize_conversation(id_or_prefix: ConversationId, max_tokens: Tokens = 3000) -> str:
        """An offline summary of one conversation: the central turns quoted with msg ids,
        keywords, decisions, open questions, where it left off, a timeline and chapters
        for long threads. Cheaper than reading a long conversation in full."""
        return _guard(lambda: tools.summarize_conversation(id_or_prefix, max_tokens=max_tokens))

    @server.tool(annotations=READ_ONLY)
    def build_context_pack(
        conversations: Annotated[
            list[str] | None, Field(description="Pack exactly these conversations (ids).")
        ] = None,
        search: Annotated[
            str | None, Field(description="Pack the conversations that match these words.")
        ] = None,
        project: Annotated[str | None, Field(description="Pack one Project (g-p-…).")] = None,
        since: Day = None,
        model: Annotated[
            str | None, Field(description="Only conversations with this model.")
        ] = None,
        budget: Annotated[
            int, Field(ge=300, le=MAX_TOKENS, description="Size of the pack in tokens.")
        ] = 6000,
        target: Annotated[
            Literal["generic", "chatgpt", "claude", "gemini", "system-prompt"],
            Field(description="Shape of the pack for the model that will read it."),
        ] = "generic",
    ) -> str:
        """A context pack: a compact Markdown hand-off of who the user is, how their
        previous assistant spoke with them, the threads in progress (where they left off,
        what was decided, what is still open) and key facts, each quote citing its msg id.
        With no scope it covers the whole archive, most important conversations first."""
        return _guard(
            lambda: tools.build_context_pack(
                conversations=conversations,
                search=search,
                project=project,
                since=since,
                model=model,
                budget=budget,
                target=target,
            )
        )


def _add_resources(server: KeeperServer, tools: ArchiveTools) -> None:
    def resource_text(call: Callable[[], str]) -> str:
        try:
            return call()
        except UsageError as error:
            raise ResourceNotFoundError(str(error)) from error
        except KeeperError as error:
            raise ResourceError(str(error)) from error

    server.add_resource(
        FunctionResource.from_function(
            lambda: resource_text(lambda: tools.get_profile(max_tokens=MAX_TOKENS)),
            uri="keeper://profile",
            name="profile",
            title="About me",
            description="Custom instructions and saved memories, dated.",
            mime_type="text/markdown",
        )
    )
    server.add_resource(
        FunctionResource.from_function(
            lambda: resource_text(lambda: tools.get_persona(max_tokens=MAX_TOKENS)),
            uri="keeper://persona",
            name="persona",
            title="How my previous assistant spoke with me",
            description="The persona card of the model used most.",
            mime_type="text/markdown",
        )
    )

    @server.resource(
        "keeper://conversation/{conversation_id}",
        name="conversation",
        title="A conversation",
        description="One conversation's visible thread as Markdown.",
        mime_type="text/markdown",
    )
    def conversation(conversation_id: str) -> str:
        return resource_text(lambda: tools.conversation_resource(conversation_id))


def _add_prompt(server: KeeperServer, tools: ArchiveTools) -> None:
    @server.prompt(
        name="continue_from_my_archive",
        title="Continue from my archive",
        description="Start a chat that carries on from the user's ChatGPT history: loads a "
        "context pack for a conversation id, a project id (g-p-…) or a topic to search "
        "(empty: the whole archive).",
    )
    def continue_from_my_archive(about: str = "", budget: str = "6000") -> str:
        try:
            return tools.continue_prompt(about, _budget(budget))
        except KeeperError as error:
            raise MCPError(code=INVALID_PARAMS, message=str(error)) from error


def _budget(value: str) -> int:
    try:
        return int(value.strip() or "6000")
    except ValueError as error:
        raise UsageError(f"budget={value!r} is not a number of tokens; use e.g. 6000.") from error


def run(settings: Settings, *, redact: bool = False) -> int:
    """Serve the archive ``settings`` name over stdio until the client closes the
    connection."""
    from keeper.library import Library
    from keeper.mcp.warmup import ContinuityWarmup

    library = Library.open_readonly(settings=settings)
    try:
        warmup = ContinuityWarmup(str(library.paths.db))
        warmup.start()
        server = build_server(ArchiveTools(library, redact=redact, continuity=warmup))
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
        server.run("stdio")
    finally:
        library.close_when_idle(5.0)
    return 0
