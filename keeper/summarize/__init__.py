"""Offline summaries, chapters, keywords, timelines and the persona card."""

from keeper.model import Chapter, Persona, PersonaTrait, Quote, Summary, TimelineEntry

__all__ = ["Chapter", "Persona", "PersonaTrait", "Quote", "Summary", "TimelineEntry"]
