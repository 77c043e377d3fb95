"""Context packs for a new model (exports live in keeper.export)."""

from keeper.pack.options import TARGETS, Pack, PackOptions, Source

__all__ = ["TARGETS", "Pack", "PackOptions", "Source"]
