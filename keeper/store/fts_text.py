"""Text as the keyword index sees it: CJK bigrams at index and query time.

FTS5's unicode61 tokenizer treats a whole run of Chinese or Japanese characters as one
token, so "喜欢" never matches inside "我很喜欢猫". keeper rewrites each CJK run into
overlapping bigrams plus its last character ("我很喜欢猫" -> "我很 很喜 喜欢 欢猫 猫"),
and a query run into the phrase of its bigrams. Two-character words then match
mid-sentence, longer words match as adjacent bigrams, and one character matches as a
prefix (every occurrence starts a bigram or is the last character of its run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keeper.text import CJK_CLASS as _CJK_CLASS
from keeper.text import CJK_RUN as CJK_RUN  # re-exported: it lived here
from keeper.text import STOPWORDS as STOPWORDS  # re-exported

_WORD = re.compile(r'"[^"]*"|[^\s"]+')
_TERM = re.compile(rf"[^\W{_CJK_CLASS}]+|[{_CJK_CLASS}]+", re.UNICODE)


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
class ParsedQuery:
    """A user query turned into an FTS5 MATCH expression plus words to highlight."""

    match: str
    highlight: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.match)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _term_expr(term: str) -> str:
    if CJK_RUN.fullmatch(term):
        if len(term) == 1:
            return _quote(term) + "*"
        return _quote(" ".join(term[i : i + 2] for i in range(len(term) - 1)))
    return _quote(term)


def _phrase_expr(phrase: str) -> str:
    parts = [index_text(t) for t in _TERM.findall(phrase)]
    return _quote(" ".join(parts)) if parts else ""


def parse_query(query: str) -> ParsedQuery:
    """Turn free text into an OR of its non-stopword terms; ``"quoted"`` stays a phrase.

    Ranking (BM25) puts messages that contain more of the terms first, so OR finds the
    half-remembered message that shares only some words while exact matches still lead.
    """
    exprs: list[str] = []
    highlight: list[str] = []
    plain_terms: list[str] = []
    for token in _WORD.findall(query):
        if token.startswith('"') and token.endswith('"') and len(token) > 1:
            phrase = token[1:-1].strip()
            expr = _phrase_expr(phrase)
            if expr:
                exprs.append(expr)
                highlight.append(phrase)
            continue
        for term in _TERM.findall(token):
            plain_terms.append(term.lower())
    content = [t for t in plain_terms if t not in STOPWORDS] or plain_terms
    seen: set[str] = set()
    for term in content:
        if term in seen:
            continue
        seen.add(term)
        exprs.append(_term_expr(term))
        highlight.append(term)
    return ParsedQuery(match=" OR ".join(exprs), highlight=tuple(highlight))
