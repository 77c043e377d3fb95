"""Stats: totals, and activity over time per model as a chart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Sparkline, Static

from keeper.tui.screens.base import WorkerErrors

if TYPE_CHECKING:
    from keeper.tui.host import KeeperHost

BARS = " ▁▂▃▄▅▆▇█"


def series(activity: list[tuple[str, str, int]]) -> tuple[list[str], dict[str, list[int]]]:
    """Months (every month between the first and last, gaps included) and, per model,
    messages in each month; models by total, largest first."""
    if not activity:
        return [], {}
    first, last = activity[0][0], activity[-1][0]
    months = []
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    index = {m: i for i, m in enumerate(months)}
    per_model: dict[str, list[int]] = {}
    for month_key, model, count in activity:
        per_model.setdefault(model, [0] * len(months))[index[month_key]] += count
    ordered = sorted(per_model.items(), key=lambda pair: -sum(pair[1]))
    return months, dict(ordered)


class StatsScreen(WorkerErrors, Screen[None]):
    """Counts and a per-model activity chart."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    @property
    def keeper(self) -> KeeperHost:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("Counting…", id="stats-totals")
        yield VerticalScroll(id="stats-chart")
        yield Footer()

    def on_mount(self) -> None:
        """Load in a worker."""
        self.load()

    @work(thread=True, exclusive=True, group="stats-load", exit_on_error=False)
    def load(self) -> None:
        """Library.stats and Library.activity off the UI thread."""
        library = self.keeper.backend.library()
        stats, activity = library.stats(), library.activity()
        self.app.call_from_thread(self.loaded, stats, activity)  # type: ignore[arg-type]

    async def loaded(self, stats: dict[str, Any], activity: list[tuple[str, str, int]]) -> None:
        """Totals, then one sparkline per model over the same months."""
        if self.user_left():
            return
        totals = Text(
            f"{stats['conversations']:,} conversations · {stats['messages']:,} messages",
            style="bold",
        )
        months, per_model = series(activity)
        if months:
            totals.append(
                f"\nMessages per month per model, {months[0]} → {months[-1]}", style="dim"
            )
        self.query_one("#stats-totals", Static).update(totals)
        chart = self.query_one("#stats-chart", VerticalScroll)
        await chart.remove_children()
        if not months:
            await chart.mount(Static("No dated messages yet."))
            return
        rows = []
        for model, counts in per_model.items():
            row = Horizontal(
                Label(model[:16], classes="stats-model"),
                Sparkline(counts, summary_function=max, classes="stats-spark"),
                Label(f"{sum(counts):>7,}", classes="stats-count"),
                classes="stats-row",
            )
            rows.append(row)
        await chart.mount_all(rows)
        axis = Text(f"{'':16} {months[0]}", style="dim")
        axis.append(f"  …  {months[-1]}" if len(months) > 1 else "", style="dim")
        await chart.mount(Static(axis, classes="stats-axis"))

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
