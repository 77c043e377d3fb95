"""The import report, written for people."""

from __future__ import annotations

from typing import Any


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(
        f"{kind} {count:,}" for kind, count in sorted(counter.items(), key=lambda kv: -kv[1])
    )


def render_report(data: dict[str, Any]) -> str:
    """A short, honest summary of an import (the full detail is in ``--json``)."""
    lines = []
    for source in data["sources"]:
        if source.get("error"):
            lines.append(f"Could not import {source['path']}:\n  {source['error']}")
        else:
            note = "  (incomplete: see anomalies)" if source.get("incomplete") else ""
            lines.append(f"Imported {source['path']} ({source.get('kind')}){note}")
    conv = data["conversations"]
    lines.append(
        f"  conversations: {conv['new']:,} new, {conv['updated']:,} updated, "
        f"{conv['unchanged']:,} unchanged, {conv['failed']:,} failed"
        + (
            f", {conv['marked_absent']:,} no longer in this export (kept)"
            if conv["marked_absent"]
            else ""
        )
    )
    nodes = data["nodes"]
    lines.append(
        f"  nodes: {nodes['seen']:,} read, {nodes['added']:,} added"
        + (f" ({_counts(nodes['by_kind'])})" if nodes["by_kind"] else "")
    )
    assets = data["assets"]
    if assets.get("filled"):
        lines.append(
            f"  files: {assets['filled']:,} copied for conversations imported before without them"
        )
    if assets["referenced"]:
        lines.append(
            f"  files: {assets['referenced']:,} referenced, {assets['resolved']:,} found, "
            f"{assets['missing']:,} missing from the export"
        )
    if data["profile_items"]:
        lines.append(
            f"  profile: {data['profile_items']:,} custom-instruction and memory entries found "
            "(`keeper profile` lists them, duplicates merged)"
        )
    anomalies = data["anomalies"]["counts"]
    if anomalies:
        lines.append(f"  anomalies: {_counts(anomalies)}  (details: keeper import --json)")
    for failed in data["failed"][:5]:
        conv_id = f" {failed['conversation_id']}" if failed.get("conversation_id") else ""
        lines.append(f"  skipped {failed['origin']}{conv_id}: {failed['error']}")
    if len(data["failed"]) > 5:
        lines.append(f"  … and {len(data['failed']) - 5} more skipped (keeper import --json)")
    lines.append(f"  time: {data['elapsed_s']:.1f}s ({data['nodes_per_s']:,} nodes/s)")
    if data["exit_code"] == 0:
        lines.append('Keyword search is ready: keeper search "words you remember"')
    elif data["exit_code"] == 3:
        lines.append("Some records were skipped (listed above); everything else was stored.")
    return "\n".join(lines) + "\n"
