"""Context packs for a new model (exports live in keeper.export)."""

from keeper.model import Pack, Source
from keeper.pack.options import TARGETS, PackOptions

__all__ = ["TARGETS", "Pack", "PackOptions", "Source"]
