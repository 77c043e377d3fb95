"""The domain model: enums instead of string literals, frozen types, SearchResult."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from keeper import model
from keeper.model import AnomalyKind, Hit, NodeKind, SearchResult

KEEPER = Path(__file__).resolve().parent.parent / "keeper"


def _constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_anomaly_kinds_are_named_only_in_the_model() -> None:
    kinds = {k.value for k in AnomalyKind}
    found = [
        f"{path.relative_to(KEEPER)}:{line} {value!r}"
        for path in sorted(KEEPER.rglob("*.py"))
        if path != KEEPER / "model" / "core.py"
        for line, value in _constants(path)
        if value in kinds
    ]
    assert found == []


def test_node_kinds_are_compared_through_the_enum() -> None:
    kinds = {k.value for k in NodeKind}
    found = []
    for path in sorted(KEEPER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            about_kind = any(isinstance(s, ast.Attribute) and s.attr == "kind" for s in sides)
            literals = [
                s.value
                for side in sides
                for s in ast.walk(side)
                if isinstance(s, ast.Constant) and s.value in kinds
            ]
            if about_kind and literals:
                found.append(f"{path.relative_to(KEEPER)}:{node.lineno} {literals}")
    assert found == []


DOMAIN_TYPES = [
    getattr(model, name) for name in model.__all__ if dataclasses.is_dataclass(getattr(model, name))
]


def test_the_model_exports_every_domain_type() -> None:
    names = {cls.__name__ for cls in DOMAIN_TYPES}
    assert {"Conversation", "Node", "Hit", "SearchResult", "Summary", "Persona"} <= names
    assert {"Pack", "Source", "ImportReport", "EmbeddingStatus", "ForgetReport"} <= names


@pytest.mark.parametrize("cls", DOMAIN_TYPES, ids=lambda cls: cls.__name__)
def test_domain_types_are_frozen(cls: type) -> None:
    assert dataclasses.is_dataclass(cls)
    assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_search_result_is_its_hits_plus_a_note() -> None:
    hit = Hit("c", "m", "n", "t", "user", None, 1.0, 0.5, "snippet")
    result = SearchResult((hit, hit), "2 of 3 messages are embedded")
    assert list(result) == [hit, hit] and len(result) == 2 and result[0] is hit
    assert result and not SearchResult()
    assert result.note.startswith("2 of 3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.note = "changed"  # type: ignore[misc]
    assert "rowid" not in hit.as_dict() and hit.as_dict()["snippet"] == "snippet"


def test_enums_are_their_stored_strings() -> None:
    assert NodeKind.MESSAGE == "message" and str(NodeKind.TOOL_CALL) == "tool_call"
    assert AnomalyKind("zip_bomb") is AnomalyKind.ZIP_BOMB


def test_an_import_report_is_a_snapshot_of_the_tally() -> None:
    from keeper.importer import ImportTally

    tally = ImportTally(sources=[{"path": "a.zip", "kind": "zip"}])
    tally.conversations["new"] += 2
    tally.anomaly(AnomalyKind.CYCLE, "parent link closes a cycle", where="c1")
    report = tally.report()
    tally.conversations["new"] += 5
    tally.fail("conversations.json", "bad record")
    tally.sources[0]["incomplete"] = True
    assert report.conversations == {"new": 2} and report.sources == [
        {"path": "a.zip", "kind": "zip"}
    ]
    assert report.exit_code == 0
    assert report.as_dict()["conversations"] == {
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "failed": 0,
        "marked_absent": 0,
    }
    assert report.as_dict()["anomalies"]["counts"] == {"cycle": 1}
    assert tally.report().exit_code == 3  # a failed record, an incomplete source: partial
