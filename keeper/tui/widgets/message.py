"""One message of the reader: a heading (role, time, model, branch marker) and Markdown."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from keeper.model import Node
from keeper.parse.content_types import MESSAGE
from keeper.render import format_time, speaker
from keeper.tui.format import BRANCH_MARK, TARGET_MARK, fences_on_own_lines


def heading(node: Node, branch: tuple[int, int], target: bool = False) -> str:
    """``Assistant · 2024-05-01 14:03 · gpt-4o  ‹ 2/3 ›`` for ``node`` (and ``◆ hit``
    when it is the search hit the reader was opened at)."""
    bits = [speaker(node)]
    if node.create_time is not None:
        bits.append(format_time(node.create_time))
    if node.model and node.role == "assistant":
        bits.append(node.model)
    index, count = branch
    marker = f"  {BRANCH_MARK.format(index=index, count=count)}" if count > 1 else ""
    return " · ".join(bits) + marker + (f"  {TARGET_MARK}" if target else "")


class MessageView(Vertical, can_focus=True):
    """A focusable message; classes mark hidden nodes, the opened hit and find matches."""

    def __init__(self, node: Node, branch: tuple[int, int], target: bool = False) -> None:
        classes = [f"-role-{node.role or 'unknown'}"]
        if target:
            classes.append("-target")
        if node.kind != MESSAGE or node.hidden:
            classes.append("-hidden-node")
        if branch[1] > 1:
            classes.append("-branch-point")
        super().__init__(classes=" ".join(classes))
        self.node = node
        self.branch = branch
        self.target = target

    def compose(self) -> ComposeResult:
        yield Static(heading(self.node, self.branch, self.target), classes="message-heading")
        text = fences_on_own_lines(self.node.text.strip()) or "_(no text)_"
        yield Static(Markdown(text), classes="message-body")
