"""Export conversations as Markdown files for Obsidian or any notes folder.

One file per conversation: YAML front matter (id, title, dates, models, project, counts,
tags), the visible thread, every other branch after it (``render.conversation_markdown``),
and the conversation's files copied to ``assets/`` next to the notes and linked relatively.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from keeper.errors import UsageError
from keeper.export.source import ExportSource
from keeper.model import NodeKind
from keeper.render import conversation_markdown, file_lines, format_time, iso_time
from keeper.store.filters import Filters

if TYPE_CHECKING:
    from keeper.model import Conversation, Node

_UNSAFE = re.compile(r'[\\/:*?"<>|#^\[\]\x00-\x1f]+')


def note_name(conv: Conversation) -> str:
    """``2025-01-07 Title (ad827162).md``: sortable, unique, safe on every file system."""
    title = _UNSAFE.sub(" ", conv.title or "untitled")
    title = " ".join(title.split())[:80].strip(" .") or "untitled"
    date = format_time(conv.create_time)[:10]
    prefix = f"{date} " if date else ""
    return f"{prefix}{title} ({conv.id[:8]}).md"


def _yaml(value: object) -> str:
    # JSON strings, numbers, booleans and lists are valid YAML flow scalars.
    return orjson.dumps(value).decode()


def front_matter(conv: Conversation, rows: list[Node]) -> str:
    """The YAML front matter block."""
    models = sorted({r.model for r in rows if r.model and r.role == "assistant"})
    fields: list[tuple[str, object]] = [
        ("title", conv.title or "(untitled)"),
        ("conversation_id", conv.id),
        ("created", iso_time(conv.create_time)),
        ("updated", iso_time(conv.update_time)),
        ("model", conv.model),
        ("models", models),
        ("project", conv.project),
        ("archived", conv.is_archived),
        ("messages", sum(1 for r in rows if r.kind == NodeKind.MESSAGE and not r.hidden)),
        ("aliases", [conv.title] if conv.title else []),
        ("tags", ["chatgpt", "keeper"]),
        ("source", "keeper"),
    ]
    lines = ["---"] + [f"{k}: {_yaml(v)}" for k, v in fields if v is not None] + ["---", ""]
    return "\n".join(lines)


def parse_front_matter(text: str) -> dict[str, object]:
    """Read back front matter written by :func:`front_matter` (one JSON value per key)."""
    if not text.startswith("---\n"):
        return {}
    block = text[4 : text.index("\n---\n", 4)]
    out: dict[str, object] = {}
    for line in block.splitlines():
        key, _, value = line.partition(": ")
        out[key] = orjson.loads(value)
    return out


def _copied(ref: dict[str, Any], out_dir: Path) -> str | None:
    """The file copied into ``out_dir/assets/``, as a link relative to the notes."""
    if not ref["path"]:
        return None
    source = Path(ref["path"])
    assets_dir = out_dir / "assets"
    assets_dir.mkdir(exist_ok=True)
    target = assets_dir / source.name
    if not target.exists():
        shutil.copyfile(source, target)
    return f"assets/{source.name}"


def _attachments(refs: list[dict[str, Any]], out_dir: Path) -> str:
    lines = []
    for ref in refs:
        label = ref["name"] or ref["pointer"].rsplit("/", 1)[-1]
        link = _copied(ref, out_dir)
        if not link:
            lines.append(f"- {label} _(not in the export)_ — message `{ref['node_id']}`")
            continue
        embed = "!" if (ref["mime"] or "").startswith("image/") else ""
        lines.append(f"- {embed}[{label}]({link}) — message `{ref['node_id']}`")
    return "\n## Files\n\n" + "\n".join(lines) + "\n" if lines else ""


def export_markdown(source: ExportSource, out_dir: Path, filters: Filters = Filters()) -> int:
    """Write one note per conversation matching ``filters`` into ``out_dir``; the count."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(
            f"{out_dir} is a file; Markdown export writes a folder of notes.",
            "Pass a folder: keeper export --format markdown -o notes/",
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for conv in source.conversations(filters, sort="created"):
        _, rows = source.conversation(conv.id)
        refs = source.assets(conv.id)
        files = file_lines(refs, lambda ref: _copied(ref, out_dir))
        body = conversation_markdown(conv, rows, all_branches=True, files=files)
        text = front_matter(conv, rows) + body + _attachments(refs, out_dir)
        (out_dir / note_name(conv)).write_text(text, encoding="utf-8")
        count += 1
    return count
