"""Shape a pack's sections for where it will be pasted.

- ``generic``: Markdown for any chat (paste as the first message or attach as a file).
- ``chatgpt``: the two custom-instruction fields (1,500 characters each, ChatGPT's limit)
  filled from the profile and the persona, then the rest for a Project file or first message.
- ``claude``: sections wrapped in XML tags, which Claude's prompting guide recommends, for
  a Project's instructions or knowledge.
- ``gemini``: Markdown led by an instruction line, for a Gem's instructions.
- ``system-prompt``: second-person instructions for a local model's system prompt.
"""

from __future__ import annotations

CHATGPT_FIELD_CHARS = 1500
RESPOND_MARK = "**How I asked ChatGPT to respond**"

HEADINGS = {
    "about": "About me",
    "persona": "How you spoke with me",
    "threads": "Threads that matter",
    "facts": "Key facts",
}
TAGS = {
    "about": "about_me",
    "persona": "how_you_spoke_with_me",
    "threads": "threads",
    "facts": "key_facts",
}


def _fit(lines: list[str], limit: int) -> str:
    """Whole lines while they fit in ``limit`` characters."""
    out: list[str] = []
    used = 0
    for line in lines:
        extra = len(line) + (1 if out else 0)
        if used + extra > limit:
            continue
        out.append(line)
        used += extra
    return "\n".join(out)


def join_blocks(blocks: list[str]) -> str:
    """Blocks separated by a blank line, except consecutive list items."""
    out = ""
    for block in blocks:
        if out:
            tight = block.startswith("- ") and out.rsplit("\n", 1)[-1].startswith(("- ", "  "))
            out += "\n" if tight else "\n\n"
        out += block
    return out


def _markdown(sections: dict[str, list[str]], sources: list[str], level: str = "##") -> str:
    parts = []
    for key, heading in HEADINGS.items():
        if sections.get(key):
            parts.append(f"{level} {heading}\n\n" + join_blocks(sections[key]))
    if sources:
        parts.append(f"{level} Sources\n\n" + "\n".join(sources))
    return "\n\n".join(parts)


def chatgpt_fields(sections: dict[str, list[str]]) -> dict[str, str]:
    """The two custom-instruction fields, each at most 1,500 characters: who I am (profile)
    and how to respond (my old response instruction, then the persona card)."""
    about: list[str] = []
    respond: list[str] = []
    for block in sections.get("about", []):
        target = respond if block.startswith(RESPOND_MARK) else about
        target.extend(line for line in block.splitlines() if line.strip())
    for block in sections.get("persona", []):
        respond.extend(line for line in block.splitlines() if not line.startswith(">"))
    return {
        "what_should_chatgpt_know_about_you": _fit(about, CHATGPT_FIELD_CHARS),
        "how_should_chatgpt_respond": _fit(respond, CHATGPT_FIELD_CHARS),
    }


def render(
    target: str,
    *,
    sections: dict[str, list[str]],
    sources: list[str],
    header: str,
    redaction_note: str | None,
) -> tuple[str, dict[str, str]]:
    """The pack text for ``target`` and, for ``chatgpt``, its custom-instruction fields."""
    note = ""
    if redaction_note is not None:
        note = f"\n\nRedacted before packing: {redaction_note or 'nothing found to mask'}."
    fields: dict[str, str] = {}
    if target == "chatgpt":
        fields = chatgpt_fields(sections)
        text = (
            "# Context pack for ChatGPT\n\n" + header + note + "\n\n"
            "## Custom instructions → “What should ChatGPT know about you?” (≤ 1,500 chars)\n\n"
            "```text\n" + fields["what_should_chatgpt_know_about_you"] + "\n```\n\n"
            "## Custom instructions → “How would you like ChatGPT to respond?” (≤ 1,500 chars)\n\n"
            "```text\n" + fields["how_should_chatgpt_respond"] + "\n```\n\n"
            "## For a Project file or your first message\n\n"
            + _markdown(
                {k: v for k, v in sections.items() if k in ("threads", "facts")}, sources, "###"
            )
        )
    elif target == "claude":
        parts = [f"<context_pack>\n<note>{header}{note}</note>"]
        for key, tag in TAGS.items():
            if sections.get(key):
                parts.append(f"<{tag}>\n" + join_blocks(sections[key]) + f"\n</{tag}>")
        if sources:
            parts.append("<sources>\n" + "\n".join(sources) + "\n</sources>")
        parts.append("</context_pack>")
        text = "\n".join(parts)
    elif target == "gemini":
        text = (
            "# Context pack\n\nUse this as background about me and our past conversations; "
            "keep the tone described below.\n\n"
            + header
            + note
            + "\n\n"
            + _markdown(sections, sources)
        )
    elif target == "system-prompt":
        text = (
            "You are my long-term assistant. Below is what you need to know about me, how "
            "you spoke with me before, and the conversations we were in the middle of. "
            "Continue in that voice; quote sources only if I ask.\n\n"
            + header
            + note
            + "\n\n"
            + _markdown(sections, sources, "#")
        )
    else:
        text = "# Context pack\n\n" + header + note + "\n\n" + _markdown(sections, sources)
    return text.rstrip() + "\n", fields
