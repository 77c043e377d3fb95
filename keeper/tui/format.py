"""Small formatting helpers shared by the screens (dates, badges, highlighted snippets)."""

from __future__ import annotations

import re

from rich.text import Text

from keeper import timefmt
from keeper.text import clip as text_clip


def day(epoch: float | None) -> str:
    """``2024-05-01`` in local time, or "" when unknown."""
    return timefmt.day(epoch, undated="")


clip = text_clip  # one line of at most ``width`` characters (keeper.text)


def highlighted(snippet: str, spans: list[list[int]], style: str = "bold reverse") -> Text:
    """``snippet`` as Rich text with the matching words (``[start, end]`` spans) styled.

    Search marks the shared stem of stemmed matches ("runn" in "running"); the span is
    widened to the whole (ASCII) word so the eye catches the word itself."""
    plain = " ".join(snippet.split("\n"))
    text = Text(plain)
    for start, end in spans:
        while end < len(plain) and plain[end].isascii() and plain[end].isalnum():
            end += 1
        text.stylize(style, start, end)
    return text


def size(count: int | None) -> str:
    """A file size for people (``7.6 KB``)."""
    if count is None:
        return "?"
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
LANGUAGE = re.compile(r"^[\w+#.-]*$")


def fences_on_own_lines(text: str) -> str:
    """``text`` with code fences that share a line with their content split onto lines of
    their own, so Markdown shows that content.

    ChatGPT writes custom instructions as ``\u0060\u0060\u0060Preferred name: Mika`` …
    ``winter.\u0060\u0060\u0060``: Markdown takes the first line for a language name (and
    hides it) and never sees the fence close, so the rest of the message turns into code.
    A fence followed by a word that can be a language (``python``) is left alone."""
    out: list[str] = []
    fence: str | None = None  # the open fence's marker, while inside one
    for line in text.split("\n"):
        if fence is None:
            match = FENCE.match(line)
            if match is None or (match.group(2)[0] == "`" and "`" in match.group(3)):
                out.append(line)  # not a fence (```a``` on one line is inline code)
                continue
            indent, marker, info = match.groups()
            fence = marker
            if LANGUAGE.match(info.strip()):
                out.append(line)
            else:
                out.extend((indent + marker, indent + info))
            continue
        stripped = line.rstrip()
        if stripped.lstrip().startswith(fence) and not stripped.lstrip().strip(fence[0]):
            out.append(line)
            fence = None
        elif stripped.endswith(fence) and stripped[: -len(fence)].strip(fence[0]).strip():
            out.extend((stripped[: -len(fence)], fence))
            fence = None
        else:
            out.append(line)
    return "\n".join(out)


# Markers the screens draw, each explained by a legend on the screen that shows it.
BRANCH_MARK = "‹ {index}/{count} ›"
ARCHIVED_MARK = "⌂"
SEMANTIC_MARK = "≈ semantic"
TARGET_MARK = "◆ hit"
PROJECT_PREFIXES = (("g-p-", "P·"), ("g-", "GPT·"))
SHORT_ID = 4  # characters of a project id kept at least


def project_labels(ids: list[str] | set[str]) -> dict[str, str]:
    """A short label per project id: ``g-p-168db262d…`` → ``P·168d``, a custom GPT's
    ``g-abc…`` → ``GPT·abc1``, each as long as it takes to tell it from the others."""
    parts: dict[str, tuple[str, str]] = {}
    for raw in ids:
        prefix, rest = "", raw
        for known, short in PROJECT_PREFIXES:
            if raw.startswith(known):
                prefix, rest = short, raw[len(known) :]
                break
        parts[raw] = (prefix, rest)
    labels: dict[str, str] = {}
    for raw, (prefix, rest) in parts.items():
        length = min(SHORT_ID, len(rest))
        others = [r for key, (p, r) in parts.items() if key != raw and p == prefix]
        while length < len(rest) and any(o.startswith(rest[:length]) for o in others):
            length += 1
        labels[raw] = prefix + rest[:length]
    return labels


def resolve_project(value: str, labels: dict[str, str]) -> tuple[str, str | None]:
    """The project id that ``value`` names: a full id, a label as the library shows it
    (``P·168d``, any case) or the start of an id (``168d``, ``g-p-168d``). Unknown values
    pass through as they are; a value that fits several projects comes back with a
    problem that lists them."""
    if value in labels or not labels:
        return value, None
    wanted = value.casefold()
    by_label = [raw for raw, label in labels.items() if label.casefold() == wanted]
    if len(by_label) == 1:
        return by_label[0], None
    bare = wanted.split("·", 1)[-1]
    starts = [
        raw
        for raw in labels
        if raw.casefold().startswith(wanted) or raw.casefold().split("-")[-1].startswith(bare)
    ]
    if len(starts) == 1:
        return starts[0], None
    if len(starts) > 1:
        names = ", ".join(sorted(labels[raw] for raw in starts))
        return value, f"project:{value} fits several projects ({names})"
    return value, None
