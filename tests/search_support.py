"""Small hand-written archives for search tests: each conversation a list of turns."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from keeper.library import Library

Turn = tuple[str, str, float]  # role, text, epoch seconds


def write_export(path: Path, conversations: dict[str, list[Turn]]) -> Path:
    """A classic ``conversations.json`` export holding ``conversations`` (title -> turns),
    each a single thread of user/assistant messages."""
    out = []
    for title, turns in conversations.items():
        conv_id = str(uuid.uuid5(uuid.NAMESPACE_URL, title))
        mapping: dict[str, dict] = {
            "root": {"id": "root", "parent": None, "children": [], "message": None}
        }
        parent = "root"
        for n, (role, text, when) in enumerate(turns):
            node_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{title}/{n}"))
            mapping[parent]["children"].append(node_id)
            mapping[node_id] = {
                "id": node_id,
                "parent": parent,
                "children": [],
                "message": {
                    "id": node_id,
                    "author": {"role": role},
                    "create_time": when,
                    "content": {"content_type": "text", "parts": [text]},
                    "metadata": {},
                },
            }
            parent = node_id
        out.append(
            {
                "id": conv_id,
                "conversation_id": conv_id,
                "title": title,
                "create_time": turns[0][2],
                "update_time": turns[-1][2],
                "mapping": mapping,
                "current_node": parent,
            }
        )
    path.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return path


def open_archive(folder: Path, conversations: dict[str, list[Turn]]) -> Library:
    """A fresh library with ``conversations`` imported."""
    folder.mkdir(parents=True, exist_ok=True)
    export = write_export(folder / "conversations.json", conversations)
    library = Library.open(str(folder / "keeper.db"))
    library.import_exports([export], show_progress=False)
    return library
