"""The second fixture's checklist: a Chinese companion archive (tests/synth/companion_zh.py),
so the pack is not tuned to the sample's one English story."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from keeper.library import Library
from keeper.pack import PackOptions
from keeper.pack.tokens import count_tokens
from tests.synth.companion_zh import build_export


@pytest.fixture(scope="module")
def zh_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    folder: Path = tmp_path_factory.mktemp("zh")
    export = build_export(folder / "zh-export.zip")
    library = Library.open(str(folder / "keeper.db"))
    library.import_exports([export], show_progress=False)
    yield library
    library.close()


def _line(text: str, prefix: str) -> str:
    return next((line for line in text.splitlines() if line.startswith(prefix)), "")


def test_zh_checklist(zh_library: Library) -> None:
    pack = zh_library.pack(PackOptions(budget=4000))
    assert "You are continuing as **阿澈**" in pack.text, "the name she gave the assistant"
    assert re.search(r"“小太阳” \(\d+×\)", pack.text), "her nickname with its count"
    assert re.search(r"close with “晚安，小太阳。——阿澈” \(\d+×\)", pack.text), "the sign-off"
    still_open = _line(pack.text, "- Still open:")
    assert "我打算下个月开始画草图" in still_open, "the plan left open at the end"
    assert "第一天去哪里" not in still_open, "a question answered in the next turn"
    assert "好主意，就这样！" in _line(pack.text, "- Decided:")
    kyoto = _line(pack.text, "- ~~[2024-11-20] 用户想去京都旅行。~~")
    assert "superseded" in kyoto and "我从京都回来了" in kyoto, "the superseded memory"
    assert "3.5公斤" in pack.text, "the decimal fact intact"
    assert "**团子** (pet" in pack.text, "the cat in the life sheet"
    assert "> 称呼：小夏\n> 职业：杭州的平面设计师" in pack.text, "instructions keep line breaks"
    titles = re.findall(r"^### (.+) \[\d+\]$", pack.text, re.M)
    assert titles == ["和阿澈的晚间聊天"], "the one-off egg question is not a thread"


@pytest.mark.parametrize("budget", [300, 800, 4000])
@pytest.mark.parametrize("target", ["generic", "claude", "system-prompt"])
def test_zh_budgets_and_targets(zh_library: Library, budget: int, target: str) -> None:
    pack = zh_library.pack(PackOptions(budget=budget, target=target))
    assert pack.tokens == count_tokens(pack.text) <= budget
    if budget >= 800:
        assert "### 和阿澈的晚间聊天 [" in pack.text, "the thread is never dropped"
    if target == "system-prompt":
        assert pack.text.startswith("You are 林夏's long-term assistant.")
        assert "You called me" not in pack.text
    if target == "claude" and budget >= 4000:
        assert "[2024-10-05] - 用户养了一只叫团子的橘猫。" in pack.text
