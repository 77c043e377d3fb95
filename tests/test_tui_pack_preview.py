"""The TUI export dialog: the real token count against the budget, a preview per target."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, TextArea

from keeper.config import Settings
from keeper.library import Library
from keeper.pack.tokens import TOKENIZER, count_tokens
from keeper.tui import build_app
from keeper.tui.app import KeeperApp
from keeper.tui.screens.export import ExportScreen
from tests.tui_support import text_of, until

pytestmark = pytest.mark.asyncio


@pytest.fixture
def app(sample_library: Library) -> KeeperApp:
    return build_app(Settings(db=str(sample_library.paths.db)), semantic=False)


async def test_export_dialog_previews_each_target(app: KeeperApp) -> None:
    async with app.run_test(size=(110, 34)) as pilot:
        await until(pilot, lambda: app.ready)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        export = app.screen
        assert isinstance(export, ExportScreen)
        export.query_one("#budget", Input).value = "2000"
        await pilot.press("ctrl+b")
        await until(pilot, lambda: export.pack is not None, timeout=30)
        seen = {}
        for target in ("chatgpt", "claude", "system-prompt"):
            before = export.pack
            export.query_one("#target", Select).value = target
            await until(
                pilot,
                lambda: export.pack is not before and export.pack.target == target,  # noqa: B023
                timeout=30,
            )
            pack = export.pack
            assert pack is not None
            preview = export.query_one("#preview", TextArea).text
            assert preview == pack.text and count_tokens(preview) == pack.tokens <= 2000
            status = text_of(export.query_one("#export-status"))
            assert f"{pack.tokens:,} / 2,000 tokens ({TOKENIZER})" in status
            seen[target] = preview.split("\n", 1)[0]
        assert len(set(seen.values())) == 3, "each target has its own shape"
