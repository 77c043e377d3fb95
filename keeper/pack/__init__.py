"""Context packs and the Markdown / chat-JSONL exports."""

from keeper.pack.options import TARGETS, Pack, PackOptions, Source

__all__ = ["TARGETS", "Pack", "PackOptions", "Source"]
