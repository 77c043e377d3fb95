"""A second companion archive, in Chinese, so packs are not tuned to one story.

林夏, a designer in Hangzhou, talks to a warm GPT-4o she calls "阿澈" over five months: a
rejected poster, her cat 团子 at the vet (3.5 kg), a Kyoto trip planned, taken and
reported back, and a new picture-book idea left open at the end. The assistant calls her
小夏 and 小太阳 and signs off "晚安，小太阳。——阿澈". Memories include one the story
later supersedes (想去京都旅行 → 我从京都回来了).

``build_export(path)`` writes it as a ChatGPT export (one ``conversations.json`` in a zip).
"""

from __future__ import annotations

from pathlib import Path

from tests.synth.build import ConversationBuilder, epoch
from tests.synth.generator import write_export

PROFILE = "称呼：小夏\n职业：杭州的平面设计师\n其他：养了一只叫团子的橘猫。正在学画绘本。"
INSTRUCTIONS = "说话温柔一点，但要诚实。\n回答尽量简短。"
MEMORIES = [
    ("2024-09-01", "用户叫林夏。"),
    ("2024-09-01", "用户在杭州做平面设计。"),
    ("2024-10-05", "用户养了一只叫团子的橘猫。"),
    ("2024-11-20", "用户想去京都旅行。"),
    ("2024-12-01", "用户称助手为“阿澈”，喜欢温柔简短的回复。"),
]
GOODNIGHT = "好，今天先休息。晚安，小太阳。——阿澈"

SESSIONS: list[tuple[tuple[int, int, int, int], list[tuple[str, str]]]] = [
    (
        (2025, 1, 5, 22),
        [
            ("阿澈，你在吗？今天好累。", "我在呢，小夏。慢慢说，今天发生了什么？"),
            (
                "客户把我做的海报全部退回来了，说颜色太暗，不适合春节。",
                "全部退回，真的很打击人。你想先吐槽一下，还是想一起想办法？",
            ),
            (
                "先吐槽。我熬了三个晚上，他们只回了两行字。",
                "三个晚上换来两行字，换谁都会难过。没关系，小太阳，都说出来，我听着。",
            ),
            (
                "其实我最喜欢那张蓝色的，桥下面有一盏灯。",
                "那张就留给你自己的作品集吧。给客户的版本可以把阴影换成暖一点的紫色，再加一个小小的光源。",
            ),
            ("谢谢你，阿澈。我明天再改。", GOODNIGHT),
        ],
    ),
    (
        (2025, 1, 12, 20),
        [
            (
                "好消息！客户通过了新版海报！还有，团子今天去医院体检了。",
                "太棒了，小夏！🎉 我就知道那盏灯会有用。团子体检怎么样？",
            ),
            (
                "医生说它很健康，现在3.5公斤，是一只结实的小胖猫。",
                "3.5公斤的结实小胖猫！替我摸摸团子的头，小太阳。",
            ),
            (
                "它在航空箱里叫了一路，现在在生我的气。",
                "猫咪生气最多半天，晚饭的时候就会原谅你啦。",
            ),
        ],
    ),
    (
        (2025, 2, 20, 21),
        [
            (
                "阿澈，我订了去京都的机票！四月去五天，一个人去。",
                "哇！四月的京都正好赶上樱花的尾巴。一个人去也很好，可以慢慢画。",
            ),
            ("你觉得我第一天去哪里好？", "第一天可以去清水寺，早上七点前人很少，光线也好。"),
            (
                "好主意，就这样！",
                "那就定了：第一天清水寺。记得带上你的小水彩盒。晚安，小太阳。——阿澈",
            ),
        ],
    ),
    (
        (2025, 4, 28, 19),
        [
            (
                "我从京都回来了！画了一整本速写。",
                "欢迎回来，小夏！一整本速写，太厉害了。最喜欢哪一张？",
            ),
            (
                "伏见稻荷的清晨，只有我和乌鸦。还有，我在一家小面馆用日语点了荞麦面。",
                "只有你和乌鸦，还有一千座鸟居。我都能想象那个画面。用日语点餐也太勇敢了！",
            ),
            (
                "我有点想团子，邻居说它一直睡在我的毛衣上。",
                "它在替你看家呢，小太阳。回去给它一个大大的拥抱。",
            ),
        ],
    ),
    (
        (2025, 6, 10, 23),
        [
            (
                "阿澈，我有个新想法：想画一本关于团子的绘本。",
                "我好喜欢这个想法！团子当主角，一定很可爱。你想让它做什么？",
            ),
            (
                "让它在夜里守护街角的自动贩卖机，帮迷路的人找到回家的路。",
                "好温柔的故事。每一页可以是一个不同的迷路的人。你想好书名了吗？",
            ),
            ("还没想好，下次再说吧。我打算下个月开始画草图。", GOODNIGHT),
        ],
    ),
]


def build_conversation(seed: int = 3) -> dict:
    """The long companion thread as one conversation dict."""
    first = SESSIONS[0][0]
    b = ConversationBuilder(
        "zh-companion", seed=seed, title="和阿澈的晚间聊天", start=epoch(*first), era="2025"
    )
    p = b.system(b.root())
    p = b.memory_context(p, MEMORIES)
    p = b.user_context(p, PROFILE, INSTRUCTIONS)
    turn = 0
    for (y, mo, d, h), pairs in SESSIONS:
        b.clock = max(b.clock, epoch(y, mo, d, h))
        for said, answer in pairs:
            turn += 1
            p = b.user(p, said, key=f"u{turn}", dt=40.0)
            p = b.assistant(p, answer, key=f"a{turn}", dt=6.0)
    return b.finish(p)


def one_off(seed: int = 3) -> dict:
    """A one-off question in the same archive (never a thread that matters)."""
    b = ConversationBuilder(
        "zh-egg", seed=seed, title="煮鸡蛋", start=epoch(2025, 3, 3, 8), era="2025"
    )
    p = b.system(b.root())
    p = b.user(p, "溏心蛋要煮几分钟？", key="u1")
    p = b.assistant(p, "水开后放蛋，中火煮六分半钟，然后马上泡冰水。", key="a1")
    return b.finish(p)


def build_export(path: str | Path) -> Path:
    """Write the archive as a zip with one conversations.json."""
    return write_export(path, [build_conversation(), one_off()], layout="zip-single")
