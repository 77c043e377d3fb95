"""Exports: the ChatGPT round trip, Markdown notes, chat fine-tuning JSONL and ShareGPT.

Each exporter reads through :class:`keeper.export.source.ExportSource`, the narrow read
interface ``Library`` hands it. Importing this package is cheap (the CLI lists the
formats at start-up); the exporters load when one runs.
"""

from keeper.export.formats import EXPORT_FORMATS

__all__ = ["EXPORT_FORMATS"]
