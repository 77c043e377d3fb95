"""Text as the keyword index sees it: CJK bigrams at index and query time.

FTS5's unicode61 tokenizer treats a whole run of Chinese or Japanese characters as one
token, so "喜欢" never matches inside "我很喜欢猫". keeper rewrites each CJK run into
overlapping bigrams plus its last character ("我很喜欢猫" -> "我很 很喜 喜欢 欢猫 猫"),
and a query run into its bigrams, searched best-match (see keeper.store.bestmatch).
Two-character words then match mid-sentence, longer words match as adjacent bigrams, and
one character matches as a prefix (every occurrence starts a bigram or is the last
character of its run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keeper.text import CJK_CLASS as _CJK_CLASS
from keeper.text import CJK_RUN as CJK_RUN  # re-exported: it lived here
from keeper.text import STOPWORDS as STOPWORDS  # re-exported

_WORD = re.compile(r'"[^"]*"|[^\s"]+')
_TERM = re.compile(rf"[^\W{_CJK_CLASS}]+|[{_CJK_CLASS}]+", re.UNICODE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What questions add on top (asked of a memory: "when did I tell you about ..."); used for
# queries only, so a message's own words are never dropped from the index.
QUESTION_STOPWORDS = STOPWORDS | _words(
    "about after again all also am any anything because been before being both can could "
    "doing done during each ever every few get got here him hers just more most much "
    "myself now only other ours out over own same should some something such than then "
    "there these those through too until up us very whats while whose yours yourself "
    "tell told remember recall mention mentioned s t m d ll re ve"
)
# Chinese and Japanese function words and question words: a CJK run has no spaces, so
# they are found inside it (longest first) and a bigram made only of them is dropped.
CJK_STOPWORDS = _words(
    # Chinese: pronouns, particles, question words, "do you remember / did I tell you"
    "我 你 您 他 她 它 们 的 了 吗 呢 吧 啊 呀 嘛 么 着 过 是 在 和 与 及 跟 同 有 也 都 就 "
    "还 又 很 把 被 给 对 从 向 这 那 哪 谁 啥 一 个 些 曾 地 得 之 其 或 而 并 于 以 "
    "什么 哪些 哪个 哪里 哪儿 怎么 怎样 怎么样 为什么 曾经 已经 我们 你们 他们 她们 它们 "
    "咱们 自己 一个 一些 一下 一点 这个 那个 这些 那些 这样 那样 时候 可以 是否 还是 或者 "
    "以及 因为 所以 但是 如果 是不是 有没有 记得 告诉 提到 提过 "
    # Japanese: particles, copulas, pronouns, question words
    "の は が を に で と も へ や か ね よ な だ です ます ました でした ですか でしょう "
    "ください こと もの ため について という って これ それ あれ どれ どこ いつ だれ "
    "なに 何 私 わたし あなた 僕 俺 した して いる ある"
)
_CJK_STOP_LONGEST = max(len(word) for word in CJK_STOPWORDS)


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def _expand_run(match: re.Match[str]) -> str:
    return " " + " ".join(_bigrams(match.group())) + " "


def index_text(text: str) -> str:
    """The text to put in the FTS index for ``text`` (unchanged unless it has CJK)."""
    if text.isascii():
        return text
    return CJK_RUN.sub(_expand_run, text)


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One thing a query looks for: a word, a CJK bigram or single character, or a quoted
    phrase (``required``: every hit contains it)."""

    text: str  # as typed (lower-cased): what a snippet highlights
    expr: str  # the FTS5 expression
    prefix: bool = False  # a single CJK character: any index token starting with it
    required: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A user query as FTS5 expressions plus the terms it looks for.

    ``match`` finds candidates (every quoted phrase AND any of the other terms), ``all_match``
    the messages holding every term; best-match ranking (see keeper.store.bestmatch) puts
    those first, then the ones holding most of the rarer terms."""

    terms: tuple[QueryTerm, ...]
    # What was dropped as question scaffolding ("tell", "remember", "一些", "给你"): searched
    # only to fill a result list the terms leave short, after every real match.
    fallback: tuple[QueryTerm, ...] = ()

    @property
    def fallback_match(self) -> str:
        """Any of the dropped scaffolding words (with every required phrase)."""
        if not self.fallback:
            return ""
        required = [t.expr for t in self.terms if t.required]
        either = " OR ".join(t.expr for t in self.fallback)
        return " AND ".join([*required, f"({either})"])

    @property
    def match(self) -> str:
        """Every required phrase, and at least one of the other terms."""
        required = [t.expr for t in self.terms if t.required]
        optional = [t.expr for t in self.terms if not t.required]
        parts = list(required)
        if optional:
            parts.append(optional[0] if len(optional) == 1 else "(" + " OR ".join(optional) + ")")
        return " AND ".join(parts)

    @property
    def all_match(self) -> str:
        """Every term."""
        return " AND ".join(t.expr for t in self.terms)

    @property
    def optional(self) -> tuple[QueryTerm, ...]:
        """The terms a hit may lack (all but the quoted phrases)."""
        return tuple(t for t in self.terms if not t.required)

    @property
    def highlight(self) -> tuple[str, ...]:
        """What snippets highlight when every term matched."""
        return tuple(t.text for t in self.terms)

    def __bool__(self) -> bool:
        return bool(self.terms)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _function_marks(run: str) -> list[bool]:
    """Which characters of a CJK run belong to a stopword (longest match first)."""
    marks = [False] * len(run)
    i = 0
    while i < len(run):
        for size in range(min(_CJK_STOP_LONGEST, len(run) - i), 0, -1):
            if run[i : i + size] in CJK_STOPWORDS:
                for j in range(i, i + size):
                    marks[j] = True
                i += size
                break
        else:
            i += 1
    return marks


def cjk_terms(run: str) -> list[str]:
    """The bigrams a CJK run is searched by (a single character stays itself); bigrams made
    only of function words ("我曾", "曾经") are dropped unless nothing else is left."""
    return _cjk_split(run)[0]


def _cjk_split(run: str) -> tuple[list[str], list[str]]:
    """``(kept, dropped)`` bigrams of a CJK run (see :func:`cjk_terms`)."""
    if len(run) == 1:
        return [run], []
    marks = _function_marks(run)
    grams = [run[i : i + 2] for i in range(len(run) - 1)]
    kept = [g for i, g in enumerate(grams) if not (marks[i] and marks[i + 1])]
    dropped = [g for g in grams if g not in kept]
    if kept:
        return kept, dropped
    content = [ch for ch, mark in zip(run, marks, strict=True) if not mark]
    return (content or grams), []


def _phrase_token(term: str) -> str:
    if CJK_RUN.fullmatch(term):
        # adjacent bigrams only: the run's last character is indexed alone only at its end
        return " ".join(term[i : i + 2] for i in range(len(term) - 1)) or term
    return term


def _phrase_expr(phrase: str) -> str:
    parts = [_phrase_token(t) for t in _TERM.findall(phrase)]
    if not parts:
        return ""
    # a phrase ending in one CJK character: any bigram that starts with it
    star = "*" if CJK_RUN.fullmatch(parts[-1]) and len(parts[-1]) == 1 else ""
    return _quote(" ".join(parts)) + star


def parse_query(query: str) -> ParsedQuery:
    """Turn free text into the terms it looks for: non-stopword words (English question
    words included), CJK runs as their bigrams, ``"quoted"`` text as an exact phrase.

    When every word is a stopword, the words themselves are searched."""
    terms: list[QueryTerm] = []
    words: list[str] = []
    for token in _WORD.findall(query):
        if token.startswith('"') and token.endswith('"') and len(token) > 1:
            phrase = token[1:-1].strip()
            expr = _phrase_expr(phrase)
            if expr:
                terms.append(QueryTerm(" ".join(phrase.lower().split()), expr, required=True))
            continue
        words.extend(term.lower() for term in _TERM.findall(token))
    content = [w for w in words if w not in QUESTION_STOPWORDS and w not in CJK_STOPWORDS]
    content = content or words
    seen: set[str] = set()
    dropped: list[str] = []
    for word in content:
        if CJK_RUN.fullmatch(word):
            pieces, scaffold = _cjk_split(word)
            dropped += scaffold
        else:
            pieces = [word]
        for piece in pieces:
            if piece in seen:
                continue
            seen.add(piece)
            terms.append(_plain_term(piece))
    if content is not words:
        dropped += [w for w in words if w in QUESTION_STOPWORDS and w not in STOPWORDS]
        dropped += [w for w in words if w in CJK_STOPWORDS and len(w) > 1]
    fallback = [_plain_term(w) for w in dict.fromkeys(dropped) if w not in seen]
    return ParsedQuery(tuple(terms), tuple(fallback))


def _plain_term(piece: str) -> QueryTerm:
    single = len(piece) == 1 and bool(CJK_RUN.fullmatch(piece))
    return QueryTerm(piece, _quote(piece) + ("*" if single else ""), prefix=single)
