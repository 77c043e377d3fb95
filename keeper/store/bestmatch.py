"""Best-match keyword ranking: messages holding every term first, then those holding most
of the rarer terms, each tier by BM25.

FTS5 finds the candidates (an OR of the terms, ranked by BM25, plus the messages that hold
all of them); which terms each candidate holds is read from its text with the index's own
tokenizer, so stemming and CJK bigrams agree with the index. Rarity is the term's inverse
document frequency, read from an ``fts5vocab`` view of the index.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable

import apsw

from keeper.store.filters import Filters
from keeper.store.fts_text import CJK_RUN, ParsedQuery, QueryTerm, index_text
from keeper.store.reader import KeywordRow, keyword_candidates
from keeper.store.sql import ensure_vocab, scalar

# Candidates read per wanted hit (at least MIN_POOL): enough that a message holding all the
# terms or the rarest ones is among them.
POOL_FACTOR = 2
MIN_POOL = 100
# Only this much of a long message is tokenized to see which terms it holds.
TOKENIZE_CHARS = 20_000

_Tokenize = Callable[[str], set[str]]
_TOKENIZERS: weakref.WeakKeyDictionary[apsw.Connection, _Tokenize] = weakref.WeakKeyDictionary()


def _tokenizer(conn: apsw.Connection) -> _Tokenize:
    cached = _TOKENIZERS.get(conn)
    if cached is not None:
        return cached
    fts = conn.fts5_tokenizer("porter", ["unicode61", "remove_diacritics", "2"])

    def tokens(text: str) -> set[str]:
        found = fts(
            text.encode("utf-8"),
            apsw.FTS5_TOKENIZE_DOCUMENT,
            None,
            include_offsets=False,
            include_colocated=False,
        )
        return set(found)  # type: ignore[arg-type]

    _TOKENIZERS[conn] = tokens
    return tokens


def term_weights(conn: apsw.Connection, terms: tuple[QueryTerm, ...]) -> dict[str, float]:
    """Inverse document frequency of each term (BM25's form), by its text."""
    table = ensure_vocab(conn)
    tokenize = _tokenizer(conn)
    total = float(scalar(conn, "SELECT max(rowid) FROM nodes") or 1)
    weights: dict[str, float] = {}
    for term in terms:
        if term.required:
            continue
        if term.prefix:
            row = conn.execute(
                f"SELECT coalesce(sum(doc), 0) FROM {table} WHERE term >= ? AND term < ?",
                (term.text, term.text + "\U0010ffff"),
            ).fetchone()
        else:
            stems = sorted(tokenize(term.text)) or [term.text]
            row = conn.execute(
                f"SELECT coalesce(max(doc), 0) FROM {table} WHERE term = ?", stems[:1]
            )
            row = row.fetchone()
        docs = min(float(row[0] if row else 0), total)
        weights[term.text] = math.log((total - docs + 0.5) / (docs + 0.5) + 1.0)
    return weights


def matched_terms(conn: apsw.Connection, parsed: ParsedQuery, text: str) -> tuple[str, ...]:
    """The terms of ``parsed`` that ``text`` holds (quoted phrases always: FTS checked)."""
    return _Matcher(conn, parsed)(text)


class _Matcher:
    """Which of a query's terms a text holds; the terms' stems are worked out once."""

    def __init__(self, conn: apsw.Connection, parsed: ParsedQuery) -> None:
        self.tokenize = _tokenizer(conn)
        self.checks: list[tuple[str, str, frozenset[str]]] = []
        for term in parsed.terms:
            if term.required:
                self.checks.append(("always", term.text, frozenset()))
            elif CJK_RUN.fullmatch(term.text):
                self.checks.append(("substring", term.text, frozenset()))
            else:
                self.checks.append(("stems", term.text, frozenset(self.tokenize(term.text))))

    def __call__(self, text: str) -> tuple[str, ...]:
        head = text[:TOKENIZE_CHARS]
        words: set[str] | None = None
        found: list[str] = []
        for how, term, stems in self.checks:
            if how == "always" or (how == "substring" and term in head):
                found.append(term)
            elif how == "stems":
                if words is None:
                    words = self.tokenize(index_text(head))
                if stems <= words:
                    found.append(term)
        return tuple(found)


def best_match(
    conn: apsw.Connection, parsed: ParsedQuery, filters: Filters, limit: int
) -> list[KeywordRow]:
    """The ``limit`` best keyword hits for ``parsed``: every term first, then by BM25 scaled
    by the share of the query's rarity (IDF) they hold (:func:`_key`); when that leaves the
    list short, messages holding only the query's dropped scaffolding words follow. Each
    row's ``matched`` lists its terms."""
    optional = parsed.optional
    whole: list[KeywordRow] = []
    if len(optional) > 1:
        whole = keyword_candidates(conn, parsed.all_match, filters, limit)
        if len(whole) == limit:
            # Common words: the ``limit`` best messages holding every term fill the list
            # (they lead, by the same BM25 either expression gives them), so ranking the
            # whole OR of the terms (most of the archive) could change nothing.
            ranked = _rank(conn, parsed, whole)
            if all(len(row.matched) == len(parsed.terms) for row in ranked):
                return ranked
    # One term: BM25 order is already best-match order, so no deeper pool is needed.
    pool = max(limit * POOL_FACTOR, MIN_POOL) if len(optional) > 1 else limit
    rows = keyword_candidates(conn, parsed.match, filters, pool)
    if whole:
        seen = {row.rowid for row in rows}
        rows += [row for row in whole if row.rowid not in seen]
    ranked = _rank(conn, parsed, rows)[:limit] if rows else []
    if len(ranked) < limit and parsed.fallback:
        seen = {row.rowid for row in ranked}
        extra = keyword_candidates(conn, parsed.fallback_match, filters, limit + len(seen))
        ranked += [row for row in extra if row.rowid not in seen][: limit - len(ranked)]
    return ranked


def _rank(conn: apsw.Connection, parsed: ParsedQuery, rows: list[KeywordRow]) -> list[KeywordRow]:
    weights = term_weights(conn, parsed.terms)
    total = sum(weights.values()) or 1.0
    scored = []
    matcher = _Matcher(conn, parsed)
    for row in rows:
        row.matched = matched = matcher(row.text)
        share = sum(weights.get(term, 0.0) for term in matched) / total
        holds_all = len(matched) == len(parsed.terms)
        scored.append((_key(holds_all, share, row.score), row))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return [row for _, row in scored]


def _key(holds_all: bool, share: float, bm25: float) -> tuple[float, float]:
    """Messages holding every term first; then BM25 scaled by the share of the query's
    rarity (summed IDF) the message holds, so the rarer terms count most."""
    return (float(holds_all), bm25 * share)


def dated_messages(conn: apsw.Connection, filters: Filters, limit: int) -> list[KeywordRow]:
    """Messages inside ``filters`` (a date window), oldest first: what a query that names
    only a date ("what did we talk about on 4月27日") finds by keyword."""
    where, params = filters.node_clause()
    sql = (
        "SELECT n.rowid, n.conversation_id, n.node_id, n.message_id, c.title, n.role, n.model, "
        "coalesce(n.create_time, c.create_time), 0.0, n.text FROM nodes n "
        "JOIN conversations c ON c.id = n.conversation_id "
        f"WHERE {where} AND n.hidden = 0 AND n.text != '' "
        "ORDER BY coalesce(n.create_time, c.create_time), n.position LIMIT ?"
    )
    return [KeywordRow(*row) for row in conn.execute(sql, [*params, limit])]


def archive_years(conn: apsw.Connection) -> range:
    """The calendar years the archive's conversations span (local time)."""
    import datetime

    row = conn.execute(
        "SELECT min(coalesce(create_time, update_time)), max(coalesce(update_time, create_time)) "
        "FROM conversations"
    ).fetchone()
    if not row or row[0] is None:
        return range(0)
    first = datetime.datetime.fromtimestamp(float(row[0])).year
    last = datetime.datetime.fromtimestamp(float(row[1])).year
    return range(first, last + 1)


def replies(conn: apsw.Connection, rowids: list[int]) -> dict[int, int]:
    """For each node rowid, the rowid of the visible message that answers it (its child on
    the conversation's active path), where there is one."""
    out: dict[int, int] = {}
    for start in range(0, len(rowids), 900):
        part = rowids[start : start + 900]
        sql = (
            "SELECT p.rowid, c.rowid FROM nodes p JOIN nodes c "
            "ON c.conversation_id = p.conversation_id AND c.parent_id = p.node_id "
            f"WHERE p.rowid IN ({', '.join('?' * len(part))}) AND c.on_path = 1 "
            "AND c.kind = 'message' AND c.hidden = 0"
        )
        for parent, child in conn.execute(sql, part):
            out.setdefault(int(parent), int(child))
    return out
