"""The terminal UI's pure helpers: Markdown fences split from their text, project labels."""

from __future__ import annotations

from keeper.tui.format import fences_on_own_lines, project_labels, resolve_project


def test_fences_that_share_a_line_with_text_are_split() -> None:
    text = "User profile:\n```Preferred name: Mika\nRole: illustrator\nCat: Mochi.```\n\nAfter"
    assert fences_on_own_lines(text) == (
        "User profile:\n```\nPreferred name: Mika\nRole: illustrator\nCat: Mochi.\n```\n\nAfter"
    )
    code = "```python\nprint(1)\n```\n`inline` and ```one line```"
    assert fences_on_own_lines(code) == code
    tilde = "~~~ not a language\nbody\n~~~"
    assert fences_on_own_lines(tilde) == "~~~\n not a language\nbody\n~~~"


def test_project_labels_are_short_and_tell_projects_apart() -> None:
    ids = ["g-p-168db262d0aa", "g-p-168dffff0000", "g-p-6e9ad02d0942", "g-abcdef123456"]
    labels = project_labels(ids)
    assert labels == {
        "g-p-168db262d0aa": "P·168db",
        "g-p-168dffff0000": "P·168df",
        "g-p-6e9ad02d0942": "P·6e9a",
        "g-abcdef123456": "GPT·abcd",
    }
    assert len(set(labels.values())) == len(ids)


def test_project_values_resolve_from_labels_and_id_starts() -> None:
    labels = project_labels(["g-p-168db262d0aa", "g-p-168dffff0000", "g-p-6e9ad02d0942"])
    assert resolve_project("P·6e9a", labels) == ("g-p-6e9ad02d0942", None)
    assert resolve_project("p·168DB", labels) == ("g-p-168db262d0aa", None)
    assert resolve_project("6e9", labels) == ("g-p-6e9ad02d0942", None)
    assert resolve_project("g-p-168df", labels) == ("g-p-168dffff0000", None)
    assert resolve_project("g-p-6e9ad02d0942", labels) == ("g-p-6e9ad02d0942", None)
    value, problem = resolve_project("168d", labels)
    assert value == "168d" and problem and "P·168db" in problem and "P·168df" in problem
    assert resolve_project("nothing-like-it", labels) == ("nothing-like-it", None)
