"""keeper's read-only MCP server: the archive as a live memory for the new model.

``keeper mcp`` serves search, reading, the profile, the persona, summaries and context
packs to an MCP client (Claude Desktop, LM Studio, …) over stdio. It opens the database
read-only, writes nothing and makes no network connection. The SDK is imported only when
the server starts.
"""

from __future__ import annotations


def serve(db: str | None, *, redact: bool = False) -> int:
    """Run the server on the archive at ``db`` until the client disconnects."""
    from keeper.mcp.server import run

    return run(db, redact=redact)
