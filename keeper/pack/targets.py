"""Shape a pack for where it will be pasted.

- ``generic``: Markdown for any chat (paste as the first message or attach as a file).
- ``chatgpt``: ChatGPT's two personalization fields ("What should ChatGPT know about
  you?", "How would you like ChatGPT to respond?"; 1,500 characters each) as plain text —
  no Markdown, ids or provenance inside a field — then the threads and facts for a
  Project file or the first message.
- ``claude``: one ``[date] - memory`` line per item (the format Claude's memory import
  takes), then the whole pack in XML tags for a Project's knowledge.
- ``gemini``: a Gem's instructions: a lead line, then Markdown.
- ``system-prompt``: a local model's system prompt, in the second person throughout.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keeper.pack.sections import Person

CHATGPT_FIELD_CHARS = 1500

HEADINGS = {
    "about": "About me",
    "persona": "How you spoke with me",
    "threads": "Threads in progress",
    "facts": "Key facts",
}
TAGS = {
    "about": "about_me",
    "persona": "how_you_spoke_with_me",
    "threads": "threads",
    "facts": "key_facts",
}
_REF = re.compile(r"\s*(?:\[\d+(?:\.\d+)?\]|(?<=[”\s])#\d+(?=[\s;,)]|$))")
_STRUCK = re.compile(r"~~.*?~~")
_DATED = re.compile(r"^- \[(\d{4}-\d{2}-\d{2})\] (.*)$")


def plain(line: str) -> str:
    """A Markdown line as plain text: no references, emphasis, quotes markers or bullets."""
    text = _REF.sub("", line)
    text = re.sub(r"\*\*|__|~~|`", "", text)
    text = re.sub(r"^\s*(?:[-*>]+|#+)\s*", "", text)
    return " ".join(text.split())


def _fit(lines: list[str], limit: int) -> str:
    """Whole lines while they fit in ``limit`` characters."""
    out: list[str] = []
    used = 0
    for line in lines:
        extra = len(line) + (1 if out else 0)
        if not line or used + extra > limit:
            continue
        out.append(line)
        used += extra
    return "\n".join(out)


def chatgpt_fields(sections: dict[str, list[str]]) -> dict[str, str]:
    """The two personalization fields, plain text, at most 1,500 characters each: who I am
    (instructions about me, current memories, my people), and how to respond (my old
    response instruction, then the voice)."""
    about: list[str] = []
    respond: list[str] = []
    for block in sections.get("about", []):
        target = (
            respond if "asked ChatGPT to respond" in block or "asked you to" in block else about
        )
        for line in block.splitlines():
            if _STRUCK.search(line) or line.startswith("**Memories**"):
                continue  # superseded memories are history, not who I am now
            if line.startswith("**") and "(" in line and target is about:
                continue  # an instruction's label and period: provenance
            if line.startswith("**") and target is respond:
                continue
            text = _DATED.sub(r"\2", line)
            text = plain(text)
            if text:
                target.append(text)
    for block in sections.get("persona", []):
        if block.startswith("*") and "\n>" in block:
            continue  # example exchanges are too long for a field
        respond.extend(plain(line) for line in block.splitlines() if plain(line))
    return {
        "what_should_chatgpt_know_about_you": _fit(about, CHATGPT_FIELD_CHARS),
        "how_should_chatgpt_respond": _fit(respond, CHATGPT_FIELD_CHARS),
    }


def memory_lines(sections: dict[str, list[str]]) -> list[str]:
    """``[date] - memory`` lines for Claude's memory import: current memories and facts."""
    out = []
    for key in ("about", "facts"):
        for block in sections.get(key, []):
            for line in block.splitlines():
                if _STRUCK.search(line):
                    continue
                match = _DATED.match(line)
                if match:
                    out.append(f"[{match.group(1)}] - {plain(match.group(2))}")
    for block in sections.get("facts", []):
        head, _, rest = block.partition("\n")
        when = re.search(r"\((\d{4}-\d{2}-\d{2})\)$", head)
        if when:
            out.extend(f"[{when.group(1)}] - {plain(line)}" for line in rest.splitlines() if line)
    return out


def join_blocks(blocks: list[str]) -> str:
    """Blocks separated by a blank line, except consecutive list items."""
    out = ""
    for block in blocks:
        if out:
            tight = block.startswith("- ") and out.rsplit("\n", 1)[-1].startswith(("- ", "  "))
            out += "\n" if tight else "\n\n"
        out += block
    return out


def _markdown(
    sections: dict[str, list[str]],
    sources: list[str],
    level: str = "##",
    headings: dict[str, str] = HEADINGS,
) -> str:
    parts = []
    for key, heading in headings.items():
        if sections.get(key):
            parts.append(f"{level} {heading}\n\n" + join_blocks(sections[key]))
    if sources:
        parts.append(f"{level} Sources\n\n" + "\n".join(sources))
    return "\n\n".join(parts)


def render(
    target: str,
    *,
    sections: dict[str, list[str]],
    sources: list[str],
    header: str,
    redaction_note: str | None,
    user: Person | None = None,
) -> tuple[str, dict[str, str]]:
    """The pack text for ``target`` and, for ``chatgpt``, its personalization fields."""
    note = ""
    if redaction_note is not None:
        note = f"\n\nRedacted before packing: {redaction_note or 'nothing found to mask'}."
    fields: dict[str, str] = {}
    if target == "chatgpt":
        fields = chatgpt_fields(sections)
        text = (
            "# Context pack for ChatGPT\n\n" + header + note + "\n\n"
            "## Settings → Personalization → “What should ChatGPT know about you?”\n\n"
            "```text\n" + fields["what_should_chatgpt_know_about_you"] + "\n```\n\n"
            "## Settings → Personalization → “How would you like ChatGPT to respond?”\n\n"
            "```text\n" + fields["how_should_chatgpt_respond"] + "\n```\n\n"
            "## For a Project file or your first message\n\n"
            + _markdown(
                {k: v for k, v in sections.items() if k in ("threads", "facts")}, sources, "###"
            )
        )
    elif target == "claude":
        lines = memory_lines(sections)
        parts = [
            "# Context pack for Claude",
            header + note,
            "## Memory import (paste these lines into Claude's memory import)",
            "```text\n" + "\n".join(lines) + "\n```" if lines else "(no dated memories)",
            "## Project knowledge (add as a file to a Claude Project)",
            "<context_pack>",
        ]
        for key, tag in TAGS.items():
            if sections.get(key):
                parts.append(f"<{tag}>\n" + join_blocks(sections[key]) + f"\n</{tag}>")
        if sources:
            parts.append("<sources>\n" + "\n".join(sources) + "\n</sources>")
        parts.append("</context_pack>")
        text = "\n\n".join(parts)
    elif target == "gemini":
        text = (
            "# Context pack for a Gem\n\nUse this as background about me and our past "
            "conversations, and keep the voice described under “How you spoke with me”.\n\n"
            + header
            + note
            + "\n\n"
            + _markdown(sections, sources)
        )
    elif target == "system-prompt":
        name = user.i if user is not None else "the user"
        headings = {
            "about": f"What you know about {name}",
            "persona": f"How you speak with {name}",
            "threads": f"Threads you and {name} are in the middle of",
            "facts": f"Facts about {name}'s life",
        }
        text = (
            f"You are {name}'s long-term assistant. Below is what you know about {name}, how "
            f"you spoke with {name} before, and the conversations you were in the middle of. "
            "Continue in that voice; mention the references only if asked.\n\n"
            + header
            + note
            + "\n\n"
            + _markdown(sections, sources, "#", headings)
        )
    else:
        text = "# Context pack\n\n" + header + note + "\n\n" + _markdown(sections, sources)
    return text.rstrip() + "\n", fields
