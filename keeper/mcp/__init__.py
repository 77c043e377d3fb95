"""keeper's read-only MCP server: the archive as a live memory for the new model.

``keeper mcp`` serves search, reading, the profile, the persona, summaries and context
packs to an MCP client (Claude Desktop, LM Studio, …) over stdio. It opens the database
read-only, writes nothing and makes no network connection. The SDK is imported only when
the server starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keeper.config import Settings


def serve(settings: Settings, *, redact: bool = False) -> int:
    """Run the server on the archive ``settings`` name until the client disconnects."""
    from keeper.mcp.server import run

    return run(settings, redact=redact)
