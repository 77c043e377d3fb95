"""The terminal UI's pure helpers: Markdown fences split from their text, project labels."""

from __future__ import annotations

from keeper.tui.format import fences_on_own_lines, project_labels


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
