"""The reader: one conversation's thread, its branches, hidden nodes, find, chapters,
attachments and the summary pane."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Markdown, Static

from keeper.model import Conversation, Node
from keeper.parse.content_types import MESSAGE, STRUCTURAL
from keeper.tree import ConversationTree
from keeper.tui.branches import BranchView
from keeper.tui.format import BRANCH_MARK, TARGET_MARK, clip, day, size
from keeper.tui.query import parse_date
from keeper.tui.screens.base import WorkerErrors
from keeper.tui.screens.prompts import AskScreen, PickScreen
from keeper.tui.widgets.message import MessageView
from keeper.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from keeper.model import Summary
    from keeper.tui.host import KeeperHost


WINDOW = 40  # messages mounted at once
LEAD = 8  # messages kept above the focused one when the window moves


def shown(node: Node, hidden: bool) -> bool:
    """Whether the reader shows ``node``: messages always, hidden kinds when toggled on."""
    if node.kind == STRUCTURAL:
        return False
    return hidden or (node.kind == MESSAGE and not node.hidden)


class ThreadScroll(VerticalScroll, inherit_bindings=False):
    """The scrolling thread. Its arrow keys are the reader's (one message up or down, as
    j/k): a scroll container's own arrows would scroll past messages while the current one,
    which ``[``/``]`` act on, stayed behind. Page keys still scroll."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]


def legend(shown_views: list[MessageView], target: str | None, matches: bool) -> str:
    """What the markers on screen mean (only those that are there)."""
    bits = []
    if any(view.branch[1] > 1 for view in shown_views):
        bits.append(f"{BRANCH_MARK.format(index='n', count='m')} versions ([ ])")
    if target and any(view.node.node_id == target for view in shown_views):
        bits.append(f"{TARGET_MARK.split()[0]} your search hit")
    if matches:
        bits.append("[$success]▌[/] find match (n/N)")
    if any(view.has_class("-hidden-node") for view in shown_views):
        bits.append("[$text-muted]dim[/]: hidden (h)")
    return " · ".join(bits)


class ReaderScreen(WorkerErrors, Screen[None]):
    """Read one conversation; opens scrolled to ``target`` (a node id) when given."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("j,down", "move(1)", "Next", show=False),
        Binding("k,up", "move(-1)", "Prev", show=False),
        Binding("home", "move(-1_000_000)", "First", show=False),
        Binding("end", "move(1_000_000)", "Last", show=False),
        Binding("left_square_bracket", "branch(-1)", "Version", show=False),
        Binding("right_square_bracket", "branch(1)", "Version", key_display="[ ]"),
        Binding("h", "toggle_hidden", "Hidden"),
        Binding("f,ctrl+f", "find", "Find"),
        Binding("n", "find_next(1)", "Next match", show=False),
        Binding("N", "find_next(-1)", "Prev match", show=False),
        Binding("g", "jump_date", "Date", show=False),
        Binding("c", "chapters", "Chapters", show=False),
        Binding("a", "attachments", "Files", show=False),
        Binding("s", "summary", "Summary"),
        Binding("e", "export", "Export"),
    ]

    def __init__(self, conversation_id: str, target: str | None = None) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.target = target
        self.conv: Conversation | None = None
        self.view: BranchView | None = None
        self.assets: list[dict[str, Any]] = []
        self.show_hidden = False
        self.summary: Summary | None = None
        self.matches: list[str] = []
        self.match_index = -1
        self.loaded = False
        self.cursor: str | None = None  # the current message; focus() lands a moment later
        self.shown_nodes: list[Node] = []  # the messages shown, in thread order
        self.window_start = 0

    @property
    def keeper(self) -> KeeperHost:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("Loading…", id="reader-title")
        with Horizontal(id="reader-body"):
            yield ThreadScroll(id="thread")
            with VerticalScroll(id="summary-pane", classes="-off"):
                yield Markdown("", id="summary")
        yield Input(placeholder="Find in this conversation (Enter; n/N next/prev)", id="find")
        yield StatusLine(id="reader-status")
        # The reader has the most keys: the palette (ctrl+p, in the help) makes way for them.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Load the conversation in a worker."""
        self.query_one("#find").display = False
        self.load()

    @work(thread=True, exclusive=True, group="reader-load", exit_on_error=False)
    def load(self) -> None:
        """Fetch the conversation, every node and its files."""
        library = self.keeper.backend.library()
        conv, rows = library.conversation(self.conversation_id)
        assets = library.assets(conv.id)
        self.app.call_from_thread(self.loaded_conversation, conv, rows, assets)  # type: ignore[arg-type]

    async def loaded_conversation(
        self, conv: Conversation, rows: list[Node], assets: list[dict[str, Any]]
    ) -> None:
        """Show what :meth:`load` fetched."""
        if self.user_left():
            return
        self.conv = conv
        self.assets = assets
        self.view = BranchView(ConversationTree.of_stored(rows))
        facts = [day(conv.create_time) or "undated", f"{conv.message_count} messages"]
        if conv.model:
            facts.append(conv.model)
        if conv.project:
            facts.append(f"project {self.keeper.backend.project_label(conv.project)}")
        if conv.is_archived:
            facts.append("archived")
        if assets:
            facts.append(f"{len(assets)} files (a)")
        title = self.query_one("#reader-title", Static)
        title.update(f"[b]{conv.title or '(untitled)'}[/b]  " + " · ".join(facts))
        target = self.target
        if target and target in self.view.tree.nodes:
            node = self.view.tree.nodes[target]
            if not node.on_path:
                self.view.reveal(target)
            if not shown(node, False):
                self.show_hidden = True
        await self.render_thread(focus=target)
        self.loaded = not self.user_left()

    # -- rendering ------------------------------------------------------------------------
    def thread(self) -> list[Node]:
        """The thread the reader currently follows (every node kind)."""
        return self.view.thread() if self.view else []

    async def render_thread(self, focus: str | None = None) -> None:
        """Recompute the shown messages and mount the window around ``focus``."""
        assert self.view is not None
        self.shown_nodes = [node for node in self.thread() if shown(node, self.show_hidden)]
        ids = [node.node_id for node in self.shown_nodes]
        index = ids.index(focus) if focus in ids else 0
        await self.render_window(index)

    async def render_window(self, index: int) -> None:
        """Mount at most WINDOW messages around ``visible[index]`` and focus that one.

        A thread of thousands of messages would take seconds to lay out in full; the
        window moves along as the reader moves (j/k, find, dates, chapters)."""
        container = self.query_one("#thread", ThreadScroll)
        await container.remove_children()
        if not self.shown_nodes:
            await container.mount(Static("This conversation has no messages in the export."))
            return
        assert self.view is not None
        start = max(0, min(index - LEAD, len(self.shown_nodes) - WINDOW))
        self.window_start = start
        chunk = self.shown_nodes[start : start + WINDOW]
        widgets: list[Static | MessageView] = []
        if start:
            widgets.append(Static(f"▲ {start} earlier messages (k)", classes="window-marker"))
        for node in chunk:
            view = MessageView(
                node, self.view.tree.branch(node.node_id), target=node.node_id == self.target
            )
            view.set_class(node.node_id in self.matches, "-match")
            widgets.append(view)
        later = len(self.shown_nodes) - start - len(chunk)
        if later:
            widgets.append(Static(f"▼ {later} later messages (j)", classes="window-marker"))
        await container.mount_all(widgets)
        self.show_legend()
        self.cursor = self.shown_nodes[index].node_id
        self.call_after_refresh(self.focus_node, self.cursor)

    def message_views(self) -> list[MessageView]:
        """The mounted messages, top to bottom."""
        return list(self.query(MessageView))

    def focus_node(self, node_id: str) -> None:
        """Focus the message showing ``node_id`` and scroll it to the top, moving the
        window there first when it is not mounted."""
        self.cursor = node_id
        for view in self.message_views():
            if view.node.node_id == node_id:
                view.focus(scroll_visible=False)
                self.query_one("#thread").scroll_to_widget(view, top=True, animate=False)
                return
        ids = [node.node_id for node in self.shown_nodes]
        if node_id in ids:
            self.run_worker(
                self.render_window(ids.index(node_id)), group="reader-render", exclusive=True
            )

    def current_node(self) -> Node | None:
        """The current message (the cursor, else the focused one, else the first)."""
        by_id = {node.node_id: node for node in self.shown_nodes}
        if self.cursor in by_id:
            return by_id[self.cursor]
        focused = self.focused
        if isinstance(focused, MessageView):
            return focused.node
        return self.shown_nodes[0] if self.shown_nodes else None

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A click or tab on a message makes it current."""
        if isinstance(event.widget, MessageView):
            self.cursor = event.widget.node.node_id

    def status(self, text: str) -> None:
        """Say what just happened, under the thread (it clears itself)."""
        self.query_one("#reader-status", StatusLine).note(text)

    def show_legend(self) -> None:
        """The lasting status line: what the markers on screen mean."""
        line = self.query_one("#reader-status", StatusLine)
        line.show(legend(self.message_views(), self.target, bool(self.matches)))

    # -- actions --------------------------------------------------------------------------
    def action_back(self) -> None:
        """Leave the find bar, else go back."""
        find = self.query_one("#find", Input)
        if find.display:
            find.display = False
            node = self.current_node()
            if node is not None:
                self.focus_node(node.node_id)
            return
        self.app.pop_screen()

    def action_move(self, step: int) -> None:
        """Focus the next or previous message."""
        node = self.current_node()
        if node is None:
            return
        ids = [n.node_id for n in self.shown_nodes]
        index = ids.index(node.node_id) + step
        self.focus_node(ids[max(0, min(len(ids) - 1, index))])

    async def action_branch(self, step: int) -> None:
        """Show another version at the branch point at or above the focused message."""
        current = self.current_node()
        if self.view is None or current is None:
            return
        thread = self.thread()
        ids = [node.node_id for node in thread]
        start = ids.index(current.node_id) if current.node_id in ids else 0
        for node in reversed(thread[: start + 1]):
            if self.view.tree.branch(node.node_id)[1] > 1:
                chosen = self.view.switch(node.node_id, step)
                assert chosen is not None
                index, count = self.view.tree.branch(chosen)
                await self.render_thread(focus=chosen)
                self.status(f"Version {index}/{count} of this message")
                return
        self.status("No other versions above this message.")

    async def action_toggle_hidden(self) -> None:
        """Show or hide reasoning, tool calls, custom instructions and system messages."""
        self.show_hidden = not self.show_hidden
        current = self.current_node()
        keep = current.node_id if current and shown(current, self.show_hidden) else None
        await self.render_thread(focus=keep)
        self.status("Hidden nodes shown." if self.show_hidden else "Hidden nodes hidden.")

    def action_find(self) -> None:
        """Open the find bar."""
        find = self.query_one("#find", Input)
        find.display = True
        find.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Find the words in the shown messages and jump to the first match."""
        if event.input.id != "find":
            return
        needle = event.value.strip().casefold()
        self.matches = [
            node.node_id for node in self.shown_nodes if needle and needle in node.text.casefold()
        ]
        for view in self.message_views():
            view.set_class(view.node.node_id in self.matches, "-match")
        self.show_legend()
        self.match_index = -1
        if not self.matches:
            self.status(f"No message here contains “{event.value.strip()}”.")
            return
        self.action_find_next(1)

    def action_find_next(self, step: int) -> None:
        """Jump to the next (or previous) find match."""
        if not self.matches:
            self.status("Nothing to find yet: press f.")
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        self.focus_node(self.matches[self.match_index])
        self.status(f"Match {self.match_index + 1}/{len(self.matches)}")

    def action_jump_date(self) -> None:
        """Ask for a date and jump to the first message on or after it."""

        def jump(answer: str | None) -> None:
            if not answer:
                return
            try:
                moment = parse_date(answer)
            except ValueError:
                self.status("Dates look like 2024-05-01, 2024-05 or 2024.")
                return
            for node in self.shown_nodes:
                if node.create_time is not None and node.create_time >= moment:
                    self.focus_node(node.node_id)
                    self.status(f"First message on or after {answer}.")
                    return
            self.status(f"No message on or after {answer}.")

        self.app.push_screen(AskScreen("Jump to date", "YYYY-MM-DD"), jump)

    def action_attachments(self) -> None:
        """List the conversation's files; Enter opens one with the system viewer."""
        if not self.assets:
            self.status("This conversation has no files.")
            return
        items = []
        for number, asset in enumerate(self.assets):
            name = asset["name"] or asset["pointer"].rsplit("/", 1)[-1]
            where = size(asset["size"]) if asset["path"] else "not in the export"
            items.append((str(number), f"{name} · {asset['mime'] or asset['kind']} · {where}"))

        def open_file(choice: str | None) -> None:
            if choice is None:
                return
            asset = self.assets[int(choice)]
            if not asset["path"]:
                self.status("That file was not in the export, so keeper has no copy.")
                return
            from keeper.tui.system import open_with_system

            try:
                tool = open_with_system(asset["path"])
            except OSError as error:
                self.status(str(error))
                return
            self.status(f"Opened {asset['path']} with {tool}.")

        self.app.push_screen(PickScreen("Files (Enter opens)", items), open_file)

    # -- summary, chapters, export ----------------------------------------------------------
    @work(thread=True, exclusive=True, group="reader-summary", exit_on_error=False)
    def fetch_summary(self, then: str) -> None:
        """Summarize in a worker, then show the pane or the chapter list."""
        summary = self.keeper.backend.library().summarize(self.conversation_id)
        self.app.call_from_thread(self.got_summary, summary, then)

    def got_summary(self, summary: Summary, then: str) -> None:
        """Keep the summary and continue with what was asked for."""
        if self.user_left():
            return
        self.summary = summary
        if then == "chapters":
            self.action_chapters()
        else:
            self.show_summary()

    def action_summary(self) -> None:
        """Toggle the summary pane (abstract, keywords, chapters, timeline)."""
        pane = self.query_one("#summary-pane")
        if not pane.has_class("-off"):
            pane.add_class("-off")
            return
        if self.summary is None:
            self.query_one("#reader-status", StatusLine).busy("Summarizing…")
            self.fetch_summary("summary")
            return
        self.show_summary()

    def show_summary(self) -> None:
        """Fill and open the summary pane."""
        assert self.summary is not None
        self.query_one("#summary", Markdown).update(self.summary.to_markdown())
        self.query_one("#summary-pane").remove_class("-off")
        self.status("Summary: s closes it.")

    def action_chapters(self) -> None:
        """Pick a chapter of a long thread and jump to its first message."""
        if self.summary is None:
            self.query_one("#reader-status", StatusLine).busy("Finding chapters…")
            self.fetch_summary("chapters")
            return
        chapters = self.summary.chapters
        if not chapters:
            self.status("No chapters: this thread is short enough to read through.")
            return
        items = [
            (c.start_node, f"{number}. {clip(c.title, 60)} ({c.turns} turns)")
            for number, c in enumerate(chapters, start=1)
        ]

        def jump(node_id: str | None) -> None:
            if node_id is None or self.view is None:
                return
            if node_id not in {n.node_id for n in self.thread()}:
                self.view.reveal(node_id)
                self.run_worker(self.render_thread(focus=node_id), group="reader-render")
            else:
                self.focus_node(node_id)

        self.app.push_screen(PickScreen("Chapters", items), jump)

    def action_export(self) -> None:
        """Open the export dialog for this conversation."""
        if self.conv is None:
            return
        from keeper.tui.screens.export import ExportScreen, Scope

        self.app.push_screen(
            ExportScreen(
                Scope(
                    conversation=self.conv.id,
                    title=self.conv.title,
                    project=self.conv.project,
                    model=self.conv.model,
                )
            )
        )
