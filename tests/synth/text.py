"""Seeded filler text for large synthetic exports: English built from sentence templates and
per-topic vocabulary, plus Chinese and Japanese. Meaningless but varied and grammatical-looking,
with realistic lengths and Markdown shapes (headings, lists, code)."""

from __future__ import annotations

import random


def _w(words: str) -> list[str]:
    return words.split()


_DET = _w("the the the a a this that your each every some our the a")
_PRON = _w("you you we they I you we")
_ADJ = _w("""
good new simple clear important different better small large quick easy hard real useful
main specific common similar typical final little whole early late extra basic helpful
possible general exact short long high low free open full certain local current careful
rough gentle steady quiet bright strong light heavy fresh slow fast warm cold safe
""")
_NOUN = _w("""
approach answer question problem solution option choice detail result reason change plan
process system value level number amount range area structure pattern version method rule
list note draft section context issue effect factor source goal task review feedback summary
outline practice habit routine schedule budget cost price week month morning evening weekend
moment minute hour day year team project client friend family partner person reader user
audience message email letter conversation story chapter scene character voice tone style
word sentence paragraph title name page book document file folder data table chart report
column row score test step idea example case point part thing way time place home
""")
_VERB = _w("""
use make keep try check add remove move choose build create write read edit share send
find compare improve explain describe consider include avoid reduce increase follow notice
remember learn plan test change open start finish review organize adjust prepare measure
""")
_VERB_S = _w("""
helps makes keeps needs shows changes adds means gives works matters depends_on
improves affects covers fits takes leaves solves explains supports requires
""")
_PREP = _w(
    "in on with for from about before after during without through across into over "
    "at by under around"
)
_ADV = _w(
    "usually often really probably actually simply first then still also just carefully "
    "slowly quickly honestly gradually"
)
_MODAL = _w("can should could might will would")
_CONJ = _w("and but so because while since if when although")
_WH = _w("How What Why When Where Which")

# Slot codes: D det, P pronoun, A adjective, N noun, V verb, S verb (3rd person), R prep,
# B adverb, M modal, C conjunction, T topic word. A leading "Q" makes a question.
_TEMPLATES = [
    "P V D N .",
    "P V D A N R D N .",
    "D N S D A N .",
    "D A N S R D N .",
    "B , P V D N R D N .",
    "P M V D T R D A N .",
    "D T S D N , C D N S B .",
    "C P V D T , D N S A .",
    "P M B V D A T .",
    "D N R D T S D N .",
    "It S R D A N .",
    "P V D T C P V D N .",
    "Q W M P V D T ?",
    "Q M P V D A N R D T ?",
    "Q W S D T R D N ?",
    "D A T S , C P M V D N .",
    "B , D T S D A N R D N .",
]

TOPICS: dict[str, list[str]] = {
    "cooking": _w(
        "recipe dough oven garlic onion broth knead flour butter yeast skillet spices "
        "marinade roast crust sourdough noodles tofu miso ginger lemon batch fridge "
        "dinner lunch tomato basil vinegar"
    ),
    "code": _w(
        "function variable query index database server deploy commit branch merge api "
        "endpoint request response schema thread cache latency bug stack trace module "
        "package test refactor loop regex"
    ),
    "writing": _w(
        "novel protagonist plot dialogue narrator metaphor draft revision manuscript "
        "editor agent pacing arc theme setting prologue epilogue scene outline voice "
        "tense rhythm imagery stanza poem verse memoir"
    ),
    "travel": _w(
        "itinerary flight hotel train station museum temple passport luggage booking "
        "neighborhood ferry island coast mountain trail hostel ryokan visa currency "
        "airport layover guidebook market festival sunset hike"
    ),
    "law": _w(
        "contract clause liability statute precedent plaintiff defendant court ruling "
        "appeal copyright trademark license damages tort negligence jurisdiction counsel "
        "brief motion discovery testimony compliance regulation"
    ),
    "health": _w(
        "sleep exercise stretch posture protein vitamin hydration stress anxiety "
        "breathing meditation therapist symptom doctor appointment headache recovery "
        "injury knee cardio strength diet fatigue"
    ),
    "finance": _w(
        "savings investment portfolio fund retirement tax deduction invoice expense "
        "income mortgage interest loan credit spreadsheet forecast revenue margin "
        "pricing subscription budget"
    ),
    "design": _w(
        "logo palette typography serif kerning grid layout contrast hue saturation "
        "mockup wireframe prototype sketch illustration brush texture composition "
        "whitespace icon brand poster gradient vector canvas"
    ),
    "garden": _w(
        "tomatoes seedlings compost soil mulch pruning roses basil watering frost bed "
        "perennial annual bloom pollinator aphids harvest greenhouse trellis shade "
        "sunlight fertilizer seeds lavender"
    ),
    "music": _w(
        "chord melody rhythm tempo scale guitar piano metronome harmony verse chorus "
        "bridge lyrics key signature improvisation recording mix drums bass album "
        "concert rehearsal ukulele"
    ),
    "science": _w(
        "photosynthesis molecule energy experiment hypothesis variable gravity orbit "
        "particle cell protein enzyme climate carbon ocean telescope galaxy electron "
        "reaction catalyst evolution fossil magnet"
    ),
    "career": _w(
        "interview resume portfolio salary negotiation manager promotion freelance "
        "deadline meeting presentation networking skill role company startup offer "
        "workload burnout mentor colleague"
    ),
    "pets": _w(
        "cat kitten dog puppy vet litter leash treat carrier grooming whiskers scratching "
        "post adoption shelter vaccine collar walk toy bowl nap sunbeam"
    ),
    "history": _w(
        "empire dynasty revolution treaty archive manuscript century medieval "
        "colonial trade route monument chronicle war peace reform monarchy republic "
        "historian artifact excavation"
    ),
}
TOPIC_NAMES = sorted(TOPICS)

_ZH_WORDS = _w("""
我们 你 他 她 今天 明天 昨天 最近 觉得 喜欢 希望 需要 可以 应该 已经 还是 因为 所以 但是 如果
时候 问题 方法 工作 学习 生活 朋友 家人 猫 狗 咖啡 早上 晚上 周末 城市 公园 书 电影 音乐 画画
旅行 计划 准备 开始 结束 简单 重要 有趣 安静 温柔 认真 慢慢 一起 一下 一点 非常 特别 其实 真的
可能 比较 自己 大家 时间 地方 事情 感觉 想法 建议 例子 步骤 结果 原因 目标 习惯 压力 放松 睡觉
吃饭 做饭 面包 米饭 茶 水果 天气 下雨 阳光 季节 春天 夏天 秋天 冬天 东京 上海 北京 台北 小说
故事 角色 章节 草稿 修改 设计 颜色 线条 写作 阅读 记录 整理 分享 讨论 解释 理解 练习 进步 成长
""")
_JA_WORDS = _w("""
私 今日 明日 昨日 最近 東京 京都 大阪 日本語 勉強 仕事 友達 家族 猫 犬 コーヒー お茶 朝 夜 週末
電車 駅 公園 本 映画 音楽 絵 旅行 計画 準備 時間 場所 気持ち 考え 問題 方法 練習 習慣 天気 雨
春 夏 秋 冬 桜 料理 ご飯 パン 小説 物語 章 下書き 色 線 デザイン 文章 言葉 漢字 敬語 会話 発音
""")
_JA_PARTICLES = ["は", "が", "を", "に", "で", "と", "の", "も", "から", "まで"]
_JA_ENDINGS = [
    "ます。",
    "ました。",
    "たいです。",
    "ましょう。",
    "ませんか？",
    "てください。",
    "ています。",
    "てみます。",
]
_JA_VERBS = [
    "行き",
    "見",
    "書き",
    "読み",
    "食べ",
    "作り",
    "話し",
    "考え",
    "使い",
    "始め",
    "続け",
    "覚え",
    "感じ",
    "描き",
    "調べ",
]


def _zipf(words: list[str], offset: float, scale: float) -> list[str]:
    # Each word repeated in proportion to 1/(rank + offset): uniform draws from this list are
    # Zipf-distributed and much faster than weighted draws.
    return [
        w for rank, w in enumerate(words) for _ in range(max(1, round(scale / (rank + offset))))
    ]


class TextGen:
    """Fills sentence templates with Zipf-weighted words; topic words replace some nouns."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._slots: dict[str, list[str]] = {
            "D": _DET,
            "P": _PRON,
            "A": _zipf(_ADJ, 3, 60),
            "N": _zipf(_NOUN, 5, 100),
            "V": _zipf(_VERB, 4, 60),
            "S": _zipf(_VERB_S, 3, 40),
            "R": _zipf(_PREP, 2, 40),
            "B": _ADV,
            "M": _MODAL,
            "C": _CONJ,
            "W": _WH,
        }
        self._topics = {name: _zipf(words, 2, 60) for name, words in TOPICS.items()}
        self._compiled: dict[str, list[tuple[str, list[tuple[list[str], int]]]]] = {}
        self._zh = _zipf(_ZH_WORDS, 8, 100)
        self._ja = _zipf(_JA_WORDS, 8, 100)

    def words(self, topic: str, k: int) -> list[str]:
        """``k`` content words (topic nouns, nouns, adjectives) for titles, slugs, queries."""
        rng = self.rng
        pools = (self._topics[topic], self._slots["N"], self._slots["A"])
        return [rng.choice(pools[min(2, int(rng.random() * 3.2))]) for _ in range(k)]

    def _templates(self, topic: str) -> list[tuple[str, list[tuple[list[str], int]]]]:
        """Templates as (format string, slot pools), each followed by a variant with an extra
        clause; nouns are mixed with the topic's words (about a third of them)."""
        compiled = self._compiled.get(topic)
        if compiled is not None:
            return compiled
        topic_words = self._topics[topic]
        nouns = self._slots["N"]
        mixed = nouns + topic_words * max(1, round(len(nouns) * 0.5 / len(topic_words)))
        pools = {**self._slots, "N": mixed, "T": topic_words}
        capitalized: dict[str, list[str]] = {}
        compiled = []
        for template in _TEMPLATES:
            base = [c for c in template.split() if c != "Q"]
            for codes in (base, [*base[:-1], ",", "C", "P", "V", "D", "T", base[-1]]):
                fmt: list[str] = []
                slots: list[tuple[list[str], int]] = []
                for i, code in enumerate(codes):
                    if code not in pools:
                        fmt.append(code)
                        continue
                    pool = pools[code]
                    if i == 0:
                        pool = capitalized.setdefault(code, [w[0].upper() + w[1:] for w in pool])
                    fmt.append("{}")
                    slots.append((pool, len(pool)))
                text = " ".join(fmt).replace(" ,", ",").replace(" .", ".").replace(" ?", "?")
                compiled.append((text, slots))
        self._compiled[topic] = compiled
        return compiled

    def sentence(self, topic: str) -> str:
        """One English sentence from a random template (30% get an extra clause)."""
        rand = self.rng.random
        templates = self._templates(topic)
        fmt, slots = templates[2 * int(rand() * (len(templates) // 2)) + (rand() < 0.3)]
        return fmt.format(*[pool[int(rand() * n)] for pool, n in slots])

    def prose(self, topic: str, chars: int) -> str:
        """English sentences totalling about ``chars`` characters."""
        out: list[str] = []
        size = 0
        while size < chars:
            s = self.sentence(topic)
            out.append(s)
            size += len(s) + 1
        text = " " + " ".join(out)
        for vowel in "aeio":
            text = text.replace(f" a {vowel}", f" an {vowel}")
            text = text.replace(f" A {vowel}", f" An {vowel}")
        return text[1:].replace("_", " ")

    def cjk(self, lang: str, chars: int) -> str:
        """Chinese (``zh``) or Japanese (``ja``) text of about ``chars`` characters."""
        rng = self.rng
        pool = self._zh if lang == "zh" else self._ja
        out: list[str] = []
        total = 0
        while total < chars:
            n = rng.randint(4, 11)
            ws = rng.choices(pool, k=n)
            if lang == "zh":
                if n > 6:
                    ws[n // 2] += "，"
                s = "".join(ws) + rng.choice("。。。！？")
            else:
                parts = [w + rng.choice(_JA_PARTICLES) for w in ws[:-1]]
                s = "".join(parts) + ws[-1] + "を" + rng.choice(_JA_VERBS) + rng.choice(_JA_ENDINGS)
            out.append(s)
            total += len(s)
        return "".join(out)

    def user(self, lang: str, topic: str, chars: int) -> str:
        """A user message: one short paragraph, often ending in a question."""
        if lang != "en":
            return self.cjk(lang, max(8, chars // 3))
        body = self.prose(topic, chars)
        if self.rng.random() < 0.4 and not body.endswith("?"):
            body = body[:-1] + "?"
        return body

    def assistant(self, lang: str, topic: str, chars: int) -> str:
        """An assistant answer: paragraphs with the odd heading, list or code block."""
        rng = self.rng
        if lang != "en":
            per = max(20, chars // 3)
            n = rng.randint(1, 4)
            return "\n\n".join(self.cjk(lang, per // n) for _ in range(n))
        blocks: list[str] = []
        size = 0
        while size < chars:
            r = rng.random()
            if r < 0.12 and blocks:
                block = "### " + " ".join(self.words(topic, rng.randint(2, 4))).capitalize()
            elif r < 0.32:
                block = "\n".join(
                    f"- **{self.words(topic, 1)[0].capitalize()}**: "
                    + self.prose(topic, rng.randint(40, 140))
                    for _ in range(rng.randint(2, 5))
                )
            elif r < 0.37 and topic == "code":
                names = self.words("code", 6)
                block = (
                    "```python\n"
                    f"def {names[0]}_{names[1]}({names[2]}, {names[3]}=None):\n"
                    f"    result = [{names[4]} for {names[4]} in {names[2]} if {names[4]}]\n"
                    f"    return {{'{names[5]}': len(result), 'items': result}}\n```"
                )
            else:
                block = self.prose(topic, rng.randint(150, 600))
            blocks.append(block)
            size += len(block) + 2
        return "\n\n".join(blocks)

    def title(self, lang: str, topic: str) -> str:
        """A short conversation title."""
        if lang == "zh":
            return "".join(self.rng.choices(_ZH_WORDS, k=3))
        if lang == "ja":
            ws = self.rng.choices(_JA_WORDS, k=2)
            return ws[0] + "と" + ws[1]
        return " ".join(self.words(topic, self.rng.randint(2, 4))).title()
