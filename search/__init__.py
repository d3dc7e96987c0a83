"""Full-text search behind one interface. Imports nothing of the forum's.

The forum turns a Question into a `ThreadDoc`; a backend indexes it and answers
queries with thread ids (the forum loads the rows and re-checks visibility, so a
stale index never shows a hidden post). Backends are chosen by `SEARCH_BACKEND`:

    BACKENDS = {"whoosh": WhooshIndex, "postgres": PostgresIndex}

Snippets come back as plain text in which each highlighted stretch is wrapped in
`MARK_START` ... `MARK_END`; `snippet_html()` escapes the text and turns the
markers into <mark> elements, so no backend can put markup on a page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from markupsafe import Markup, escape

from search.query import Query, parse

MARK_START = "\x02"
MARK_END = "\x03"
SORTS = ("relevance", "newest", "votes", "activity")


@dataclass(frozen=True)
class ThreadDoc:
    """What the index knows of one thread (a question and its answers)."""

    id: int
    title: str
    body: str
    tags: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()        # ordinary answers
    top_answers: tuple[str, ...] = ()    # accepted and official answers: weigh more
    author: str = ""                     # username, lowercase
    product: str | None = None
    solved: bool = False                 # has an accepted or official answer
    official: bool = False               # has an official answer
    known: bool = False                  # marked as a known issue by staff
    status: str = "open"                 # open | closed
    duplicate_of: int | None = None
    score: int = 0
    answer_count: int = 0
    created_at: datetime = field(default_factory=datetime.utcnow)
    activity_at: datetime = field(default_factory=datetime.utcnow)


# Ranking: all of a query's words first; when fewer than RELAX_BELOW threads (a
# page) have them all, the least informative word (the one most threads have)
# stops being required (it still adds to the score), then the next, down to the
# rarest one, and at last any of them. Threads with every word get STRICT_BONUS
# times the score of those words on top, so they stay first.
RELAX_BELOW = 20
STRICT_BONUS = 2.0
# A mild prior for threads that helped people: a relevance score is multiplied by at
# most 1 + PRIOR_WEIGHT, so it reorders near-ties and never outweighs relevance.
PRIOR_WEIGHT = 0.15
PRIOR_VOTES = 50        # votes at which the score's share of the prior is full


def prior(doc: ThreadDoc) -> float:
    """0..1: solved, official and well voted threads first among equals."""
    votes = min(1.0, math.log1p(max(doc.score, 0)) / math.log1p(PRIOR_VOTES))
    return round(0.4 * doc.solved + 0.3 * doc.official + 0.3 * votes, 4)


def with_prior(score: float, thread_prior: float) -> float:
    return score * (1.0 + PRIOR_WEIGHT * thread_prior)


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    snippet: str = ""     # plain text with MARK_START/MARK_END around matches


@dataclass
class Results:
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: list[tuple[str, int]] = field(default_factory=list)   # (tag, count), most first
    suggestion: str | None = None   # a corrected query string that has results
    estimated: bool = False         # `total` is the backend's estimate (a very broad query)


class IndexUnavailable(Exception):
    """The index cannot answer now (missing, corrupt, being rebuilt)."""


# Given thread ids, return the current ThreadDoc of each (None = no longer indexable).
Loader = Callable[[list[int]], dict[int, ThreadDoc | None]]


class SearchIndex(Protocol):
    def apply(self, ids: Iterable[int], load: Loader) -> None:
        """Bring these threads up to date: load them *while holding the index's write
        lock* (so the last writer always indexes the latest committed state), then
        upsert or delete each."""

    def queue(self, ids: Iterable[int]) -> None:
        """Note these threads as changed for a later `apply()` (by any process) to
        index; the note survives a crash (a file next to the index, or a table)."""

    def pending(self) -> set[int]:
        """Thread ids queued and not yet applied."""

    def upsert_many(self, docs: Iterable[ThreadDoc], procs: int = 1) -> int:
        """Write many documents (a rebuild); `procs` > 1 lets a backend that
        analyses text in Python use that many processes."""
    def delete(self, thread_id: int) -> None: ...
    def clear(self) -> None: ...
    def count(self) -> int: ...
    def search(self, query: Query, sort: str = "relevance", page: int = 1,
               per_page: int = 20) -> Results: ...
    def similar(self, title: str, limit: int = 5) -> list[Hit]: ...
    def close(self) -> None:
        """Let go of open files or pooled connections (the index stays)."""


def snippet_html(snippet: str) -> Markup:
    """Escape a backend snippet and turn its markers into <mark> elements."""
    text = str(escape(snippet.replace(MARK_START, "\x00s").replace(MARK_END, "\x00e")))
    return Markup(text.replace("\x00s", "<mark>").replace("\x00e", "</mark>"))


def _whoosh(config: dict[str, Any]) -> SearchIndex:
    from search.whoosh_index import WhooshIndex

    return WhooshIndex(config["SEARCH_INDEX_DIR"])


def _postgres(config: dict[str, Any]) -> SearchIndex:
    from search.postgres_index import PostgresIndex

    return PostgresIndex(config["SQLALCHEMY_DATABASE_URI"])


#: SEARCH_BACKEND values and how each opens its index (imported only when chosen).
BACKENDS: dict[str, Callable[[dict[str, Any]], SearchIndex]] = {
    "whoosh": _whoosh,
    "postgres": _postgres,
}


def make_index(config: dict[str, Any]) -> SearchIndex:
    backend = config.get("SEARCH_BACKEND", "whoosh")
    if backend not in BACKENDS:
        raise ValueError(f"Unknown SEARCH_BACKEND {backend!r}: use "
                         f"{' or '.join(repr(b) for b in BACKENDS)}.")
    return BACKENDS[backend](config)


__all__ = ["MARK_END", "MARK_START", "PRIOR_WEIGHT", "RELAX_BELOW", "SORTS", "STRICT_BONUS", "prior", "with_prior", "Hit", "IndexUnavailable", "Loader", "Query",
           "Results", "BACKENDS", "SearchIndex", "ThreadDoc", "make_index", "parse", "snippet_html"]
