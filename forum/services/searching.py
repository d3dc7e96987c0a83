"""Finding threads: the bridge between the forum's rows and a `search` backend.

- `thread_docs(ids)` turns questions into `ThreadDoc`s (None for what must not be
  found: deleted or missing threads).
- `sync_threads(ids)` is the after-commit listener: the backend loads the docs
  while it holds its write lock, so concurrent writers never lose an update.
- `search_threads(...)` and `similar_threads(...)` query the index, load the rows
  in the index's order and re-check visibility, so a stale index never shows a
  hidden post.
- A missing, empty or corrupt index is rebuilt: synchronously when the site is
  small, in a background thread otherwise, while a plain title search in the
  database answers with a notice.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, lazyload, selectinload

from forum.extensions import db
from forum.inputs import SearchRequest
from forum.markup import html_to_text
from forum.models import Answer, Question
from forum.services import semantic, tagging
from search import (
    SORTS,
    Hit,
    IndexUnavailable,
    Query,
    Results,
    SearchIndex,
    ThreadDoc,
    make_index,
    parse,
    snippet_html,
)
from search.text import fold_phrase
from search.vectors import fuse

log = logging.getLogger(__name__)

EXTENSION = "crowdfix.search"
BATCH = 500
REINDEX_PROCS_MIN = 2_000     # threads from which a rebuild uses several processes
SIMILAR_RELATIVE_FLOOR = 0.35
UNAVAILABLE = ("Search is being rebuilt and will be back in a moment; meanwhile these "
               "results match question titles only.")


# -- the index of this app -------------------------------------------------------

_FLUSHER_LOCK = threading.Lock()

@dataclass
class _State:
    index: SearchIndex
    rebuilding: threading.Event = field(default_factory=threading.Event)
    checked: bool = False   # the index was found fit (not empty while threads exist)
    _flusher: _Flusher | None = None

    def flusher(self, app, delay: float) -> _Flusher:
        with _FLUSHER_LOCK:     # two first commits at once (gthread) make one flusher
            if self._flusher is None:
                self._flusher = _Flusher(app._get_current_object(), delay)
        return self._flusher


def _state() -> _State:
    app = current_app
    state = app.extensions.get(EXTENSION)
    if state is None:
        state = app.extensions.setdefault(EXTENSION, _State(make_index(app.config)))
    return state


def get_index() -> SearchIndex:
    return _state().index


# -- rows -> documents -------------------------------------------------------------


def _docs(session: Session, ids: list[int]) -> dict[int, ThreadDoc | None]:
    out: dict[int, ThreadDoc | None] = dict.fromkeys(ids)
    questions = session.scalars(
        select(Question).where(Question.id.in_(ids), Question.listed())
        .options(selectinload(Question.tags))
    ).all()
    if not questions:
        return out
    found = [q.id for q in questions]
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in session.scalars(
        select(Answer).where(Answer.question_id.in_(found), Answer.listed())
        .order_by(Answer.score.desc(), Answer.id)
    ):
        answers[answer.question_id].append(answer)
    for q in questions:
        def weighs_more(a: Answer, q: Question = q) -> bool:
            return a.id == q.accepted_answer_id or a.is_official

        top = [html_to_text(a.body_html) for a in answers[q.id] if weighs_more(a)]
        rest = [html_to_text(a.body_html) for a in answers[q.id] if not weighs_more(a)]
        latest = max([q.last_activity_at, *(a.created_at for a in answers[q.id])])
        out[q.id] = ThreadDoc(
            id=q.id, title=q.title or "", body=html_to_text(q.body_html), tags=tuple(q.tag_names),
            answers=tuple(rest), top_answers=tuple(top), author=q.author.username.lower(),
            product=(q.product or "").lower() or None, solved=q.solved,
            official=q.has_official_answer, known=q.known_issue is not None,
            status=q.status or "open", duplicate_of=q.duplicate_of_id,
            score=q.score, answer_count=len(answers[q.id]),
            created_at=q.created_at, activity_at=latest,
        )
    return out


def thread_docs(ids: list[int]) -> dict[int, ThreadDoc | None]:
    """The current document of each thread, read in a session of its own (the
    after-commit hook cannot use the request's session)."""
    with Session(db.engine) as session:
        return _docs(session, list(ids))


def sync_threads(ids: set[int]) -> None:
    """After-commit listener: bring these threads up to date in the index. A
    failure is logged and never reaches the user; `flask search reindex` (or the
    next rebuild) repairs the index from the database.

    With `SEARCH_SYNC_DELAY` seconds (the default on Whoosh) the ids are queued
    (on disk, or in the postgres backend's table) and a thread of this process
    indexes every change queued
    meanwhile in one commit: a Whoosh commit writes and merges segments, most of
    the time of posting an answer, and one per request serialised every writer."""
    try:
        index = get_index()
        delay = sync_delay(current_app.config)
        if delay:
            index.queue(ids)
            _state().flusher(current_app, delay).poke()
        else:
            index.apply(ids, thread_docs)
    except Exception:  # noqa: BLE001
        log.exception("search index update failed for threads %s", sorted(ids))


def sync_delay(config) -> float:
    """Seconds a change waits to be indexed: SEARCH_SYNC_DELAY, by default 1 on
    Whoosh and 0 (during the request) when testing or on PostgreSQL, whose
    index is a table written in the same database."""
    value = config.get("SEARCH_SYNC_DELAY")
    if value is None:
        return 0.0 if config.get("TESTING") or config.get("SEARCH_BACKEND") != "whoosh" else 1.0
    return max(0.0, float(value))


class _Flusher:
    """A daemon thread that applies the queued index updates `delay` seconds after
    it is poked; it starts on first use in each process (after gunicorn forks),
    retries while changes stay queued (another process held the lock, or a
    failure), and applies what is left when the process exits."""

    def __init__(self, app, delay: float):
        self.app, self.delay = app, delay
        self.wake = threading.Event()
        self.idle = threading.Event()     # set while nothing is queued or being written
        self.idle.set()
        self.pid: int | None = None
        self.lock = threading.Lock()

    def poke(self) -> None:
        with self.lock:
            if self.pid != os.getpid():
                self.pid = os.getpid()
                threading.Thread(target=self._run, name="crowdfix-search-sync",
                                 daemon=True).start()
                atexit.register(self.flush)
        self.idle.clear()
        self.wake.set()

    def flush(self) -> None:
        with self.app.app_context():
            try:
                index = get_index()
                if not index.pending():
                    return
                index.apply(set(), thread_docs)
                if index.pending():
                    self.wake.set()
            except Exception:  # noqa: BLE001 - the queue stays on disk for the next try
                log.exception("queued search index updates failed; retrying")
                self.wake.set()
                time.sleep(self.delay)

    def _run(self) -> None:
        while True:
            self.wake.wait()
            time.sleep(self.delay)      # gather what else changes meanwhile
            self.wake.clear()
            self.flush()
            if not self.wake.is_set():
                self.idle.set()


def _question_ids(session: Session) -> Iterator[list[int]]:
    last = 0
    while True:
        batch = list(session.scalars(
            select(Question.id).where(Question.id > last, Question.listed())
            .order_by(Question.id).limit(BATCH)
        ))
        if not batch:
            return
        yield batch
        last = batch[-1]


def reindex(progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Rebuild the whole index from the database; returns the threads indexed.
    `progress(n)` is called after each batch of n threads. `procs` > 1 analyses
    documents in that many processes where the backend can (Whoosh; the command
    line only: a web worker's threads must not fork)."""
    index = get_index()
    index.clear()

    def docs() -> Iterator[ThreadDoc]:
        with Session(db.engine) as session:
            for batch in _question_ids(session):
                found = _docs(session, batch)
                yield from (d for d in found.values() if d is not None)
                session.expunge_all()
                if progress:
                    progress(len(batch))

    # Processes pay off on a large rebuild only (each starts a writer of its own).
    procs = procs if indexable_count() >= REINDEX_PROCS_MIN else 1
    count = index.upsert_many(docs(), procs=procs)
    # Writes that came in while the rebuild held the index were queued by the
    # backend; an empty apply() picks them up.
    index.apply(set(), thread_docs)
    _state().checked = True
    return count


def indexable_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Question).where(Question.listed())
    ) or 0


# -- keeping the index fit -----------------------------------------------------------

def _rebuild_in_background() -> None:
    state = _state()
    if state.rebuilding.is_set():
        return
    state.rebuilding.set()
    app = current_app._get_current_object()

    def run() -> None:
        try:
            with app.app_context():
                count = reindex()
                log.warning("search index rebuilt: %d threads", count)
        except Exception:  # noqa: BLE001
            log.exception("search index rebuild failed")
        finally:
            state.rebuilding.clear()

    threading.Thread(target=run, name="crowdfix-reindex", daemon=True).start()


def ensure_index() -> bool:
    """True when the index can answer. An index that is unreadable, or empty
    while threads exist, is rebuilt: in this request when the site is small
    (`SEARCH_SYNC_REBUILD_MAX` threads), in the background otherwise."""
    state = _state()
    if state.rebuilding.is_set():
        return False
    if state.checked:     # a failing search clears it, and the next one checks again
        return True
    try:
        empty = state.index.count() == 0
    except IndexUnavailable:
        empty = True
    if empty:
        threads = indexable_count()
        if threads:
            log.warning("search index is empty or unreadable while %d threads exist: "
                        "rebuilding", threads)
            if threads > current_app.config["SEARCH_SYNC_REBUILD_MAX"]:
                _rebuild_in_background()
                return False
            reindex()
    state.checked = True
    return True


# -- reading -----------------------------------------------------------------------

@dataclass
class Found:
    question: Question
    snippet: Markup
    rank: float
    via: Question | None = None   # the closed duplicate that matched; `question` is its original


@dataclass
class SearchPage:
    query: Query
    sort: str
    page: int
    per_page: int
    total: int = 0
    items: list[Found] = field(default_factory=list)
    facets: list[tuple[str, int]] = field(default_factory=list)
    suggestion: str | None = None
    notice: str | None = None     # the index could not answer: a fallback ran
    corrected_from: str | None = None   # the words as typed found nothing; these are suggestion's
    exact: bool = False           # the words as typed were asked for, corrections or not
    estimated: bool = False       # total is an estimate (Whoosh, a very broad query)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def notes(self) -> tuple[str, ...]:
        return self.query.notes


def _visible(ids: list[int], *, tags: bool = True) -> dict[int, Question]:
    """The listed questions among `ids`; `tags=False` when only titles are shown
    (tags and known issues then load only if something reads them)."""
    if not ids:
        return {}
    options = ((selectinload(Question.tags),) if tags
               else (lazyload(Question.tags), lazyload(Question.known_issue)))
    rows = db.session.scalars(
        select(Question).where(Question.id.in_(ids), Question.listed()).options(*options))
    return {q.id: q for q in rows}


def _is_duplicate(q: Question) -> bool:
    return q.status == "closed" and q.closed_reason == "duplicate" and q.duplicate_of_id is not None


def _to_originals(items: list[Found]) -> list[Found]:
    """Searchers land on the original: a closed duplicate whose original is
    visible gives way to it (marked `via`), once, at the first place either shows."""
    shown = {f.question.id: f.question for f in items}
    wanted = {f.question.duplicate_of_id for f in items if _is_duplicate(f.question)}
    originals = {**{i: shown[i] for i in wanted if i in shown},
                 **_visible([i for i in wanted if i not in shown])}
    direct = {f.question.id: f for f in items
              if not (_is_duplicate(f.question) and f.question.duplicate_of_id in originals)}
    out: list[Found] = []
    placed: set[int] = set()
    for f in items:
        original = originals.get(f.question.duplicate_of_id) if _is_duplicate(f.question) else None
        if original is not None:
            f = direct.get(original.id) or Found(original, f.snippet, f.rank, via=f.question)
        if f.question.id not in placed:
            placed.add(f.question.id)
            out.append(f)
    return out


def _fallback(query: Query, request: SearchRequest) -> SearchPage:
    """A title-only search in the database, for while the index is rebuilt."""
    page = SearchPage(query=query, sort=request.sort, page=request.page,
                      per_page=request.per_page, notice=UNAVAILABLE)
    words = [*query.terms, *query.phrases][:8]
    if not words:
        return page
    stmt = select(Question).where(Question.listed(), or_(*(
        Question.title.ilike(f"%{w}%", escape="\\") for w in
        (x.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for x in words)
    )))
    page.total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(Question.last_activity_at.desc())
                              .offset((request.page - 1) * request.per_page)
                              .limit(request.per_page))
    page.items = [Found(q, Markup(""), 0.0) for q in rows]
    if "closed" not in query.flags:
        found = len(page.items)
        page.items = _to_originals(page.items)
        page.total -= found - len(page.items)
    return page


def with_synonyms(query: Query) -> Query:
    """The query with the moderators' tag synonyms applied: `tag:wi-fi` filters on
    wifi, and a word that is a synonym (wireless) or a tag with synonyms (wifi)
    also finds threads with the other."""
    synonyms = {fold_phrase(source) or source: master
                for source, master in tagging.synonym_map().items()}
    if not synonyms:
        return query
    tags = tuple(dict.fromkeys(tagging.canonical_tag(t) for t in query.tags))
    pairs: list[tuple[str, str]] = []
    for term in query.terms:
        master = synonyms.get(term)
        if master and master != term:
            pairs.append((term, master))
        pairs += [(term, source) for source, m in synonyms.items() if m == term and source != term]
    return replace(query, tags=tags, synonyms=tuple(dict.fromkeys(pairs)))


def _corrected(query: Query, suggestion: str) -> Query:
    """The query with the suggestion's words and phrases, its filters kept."""
    better = parse(suggestion)
    return with_synonyms(replace(query, terms=better.terms, phrases=better.phrases,
                                 synonyms=()))


# The search page's second signal: the page's threads re-ordered by fusing the
# lexical order with their closeness in meaning to the query (lexical weighs more:
# every result has the words; meaning orders near-ties).
SEARCH_VECTOR_WEIGHT = 0.5


def _with_meaning(query: Query, hits: list[Hit]) -> list[Hit]:
    if len(hits) < 2:
        return hits
    vectors = semantic.vector_set()
    vector = semantic.query_vector(query.text()) if vectors else None
    if vector is None:
        return hits
    closeness = vectors.similarity(vector, [h.id for h in hits])
    by_meaning = sorted(closeness, key=lambda i: -closeness[i])
    order = fuse([([h.id for h in hits], 1.0), (by_meaning, SEARCH_VECTOR_WEIGHT)])
    by_id = {h.id: h for h in hits}
    return [by_id[i] for i, _ in order]


def search_threads(request: SearchRequest) -> SearchPage:
    query = with_synonyms(parse(request.q))
    sort = request.sort if request.sort in SORTS else "relevance"
    request = replace(request, sort=sort)
    page = SearchPage(query=query, sort=sort, page=request.page, per_page=request.per_page,
                      exact=request.exact)
    if query.is_empty:
        return page
    if not ensure_index():
        return _fallback(query, request)
    try:
        index = get_index()
        results = index.search(query, sort=sort, page=request.page, per_page=request.per_page)
        if results.suggestion and not request.exact:
            # A word no thread has, and next to nothing found: show what the
            # corrected words find ("Showing results for printer — search instead
            # for priner"), when that is more.
            again = index.search(_corrected(query, results.suggestion), sort=sort,
                                 page=request.page, per_page=request.per_page)
            if again.total > results.total:
                page.corrected_from = query.text()
                results = Results(total=again.total, hits=again.hits, facets=again.facets,
                                  suggestion=results.suggestion, estimated=again.estimated)
    except IndexUnavailable:
        log.warning("search index unavailable: answering from the database")
        _state().checked = False
        return _fallback(query, request)
    if sort == "relevance" and query.has_text:
        results.hits = _with_meaning(query, results.hits)
    rows = _visible([h.id for h in results.hits])
    hidden = sum(1 for h in results.hits if h.id not in rows)
    page.total = max(0, results.total - hidden)
    page.items = [Found(rows[h.id], snippet_html(h.snippet), h.score)
                  for h in results.hits if h.id in rows]
    if "closed" not in query.flags:      # asking for closed threads: show them as they are
        found = len(page.items)
        page.items = _to_originals(page.items)
        page.total = max(0, page.total - (found - len(page.items)))
    page.facets = results.facets
    page.suggestion = results.suggestion
    page.estimated = results.estimated
    return page


# Similar threads: the lexical ranking (the backend's similar()) fused with the
# nearest vectors (forum.services.semantic) by weighted reciprocal-rank fusion.
# Tuned on the shared related pairs (make bench-search-quality): the vector side
# weighs more, the lexical side keeps exact tokens (error codes, model numbers).
SIMILAR_CANDIDATES = 30
SIMILAR_BODY_CHARS = 2_000     # of a draft's body (only its lead is embedded)
VECTOR_WEIGHT = 2.0
LEXICAL_WEIGHT = 1.0
# Shown only when clearly related. A thread with a vector: its cosine with the
# draft is at least SIMILAR_MIN_COSINE and within SIMILAR_COSINE_MARGIN of the
# closest thread's, or it shares the draft's words strongly (a lexical score of
# SIMILAR_STRONG_WORDS of the best). A thread without a vector yet: a lexical
# score of at least SIMILAR_RELATIVE_FLOOR of the best. Measured on the demo's
# plain-language cases (tests/search/test_finding.py): the right thread is the
# closest vector in all 31, at cosine 0.35-0.77; the runner-up 0.16-0.54.
SIMILAR_MIN_COSINE = 0.30
SIMILAR_COSINE_MARGIN = 0.15
SIMILAR_STRONG_WORDS = 0.6


def _lexical_similar(title: str, exclude: int | None, rebuild: bool = True,
                     depth: int = SIMILAR_CANDIDATES) -> list[Hit]:
    state = _state()
    if rebuild and not ensure_index():
        return []
    if not rebuild and not state.checked:
        # A background job never starts a rebuild (nor waits for one): an index
        # that is being rebuilt, empty or unreadable leaves the vectors to answer.
        # (Not marked checked here: finding the index fit, and rebuilding it when
        # not, is the first search's job.)
        try:
            if state.rebuilding.is_set() or state.index.count() == 0:
                return []
        except IndexUnavailable:
            return []
    try:
        hits = get_index().similar(title, limit=depth + 1)
    except IndexUnavailable:
        _state().checked = False
        return []
    return [h for h in hits if h.id != exclude][:depth]


@dataclass
class Signals:
    """What similar threads are ranked on: the fused order and its two sides."""

    fused: list[tuple[int, float]]
    cosine: dict[int, float]
    lexical: dict[int, float]
    closest: float = 1.0         # the best cosine
    best_lexical: float = 0.0


def similar_signals(title: str, body: str = "", exclude: int | None = None,
                    depth: int = SIMILAR_CANDIDATES, rebuild: bool = True,
                    vector_weight: float = VECTOR_WEIGHT, vector=None) -> Signals | None:
    """The fused ranking of threads like this title (and the lead of its body),
    unfiltered; None for a title too short to look for. `vector`: the text's
    embedding when already known (a thread's own, stored)."""
    title = " ".join((title or "").split())[:300]
    if len(title) < 3:
        return None
    lexical = _lexical_similar(title, exclude, rebuild, depth)
    words = {h.id: h.score for h in lexical}
    best_lexical = lexical[0].score if lexical else 0.0
    vectors = semantic.vector_set()
    query = vector
    if query is None and vectors:
        query = semantic.query_vector(semantic.thread_text(title, body))
    if query is None or not vectors:
        return Signals([(h.id, h.score) for h in lexical], {}, words, best_lexical=best_lexical)
    nearest = vectors.nearest(query, depth, exclude=[exclude] if exclude else [])
    cosine = dict(nearest)
    cosine.update(vectors.similarity(query, [i for i in words if i not in cosine]))
    fused = fuse([([i for i, _ in nearest], vector_weight),
                  ([h.id for h in lexical], LEXICAL_WEIGHT)])
    return Signals(fused, cosine, words, nearest[0][1] if nearest else 1.0, best_lexical)


def similar_ids(title: str, body: str = "", exclude: int | None = None,
                limit: int = 5, rebuild: bool = True, vector=None) -> list[tuple[int, float]]:
    """(thread id, fused score) of the clearly related threads like this title
    (and body lead), best first, before visibility checks; `limit` * 2 at most.
    `rebuild=False`: an index not yet found fit is left alone (vectors answer)."""
    signals = similar_signals(title, body, exclude, rebuild=rebuild, vector=vector)
    if signals is None:
        return []

    def clearly_related(thread_id: int) -> bool:
        words = signals.lexical.get(thread_id, 0.0)
        if thread_id not in signals.cosine:
            return words >= signals.best_lexical * SIMILAR_RELATIVE_FLOOR
        near = signals.cosine[thread_id]
        return near >= SIMILAR_MIN_COSINE and (
            near >= signals.closest - SIMILAR_COSINE_MARGIN
            or words >= signals.best_lexical * SIMILAR_STRONG_WORDS)

    return [(i, s) for i, s in signals.fused if clearly_related(i)][:limit * 2]


def similar_threads(title: str, limit: int = 5, exclude: int | None = None,
                    body: str = "") -> list[Question]:
    """Up to `limit` existing threads like this title (and the lead of its body,
    of which the first SIMILAR_BODY_CHARS are read): for /ask's suggestions."""
    found = similar_ids(title, (body or "")[:SIMILAR_BODY_CHARS], exclude=exclude, limit=limit)
    rows = _visible([i for i, _ in found])
    shown = _to_originals([Found(rows[i], Markup(""), s) for i, s in found if i in rows])
    return [f.question for f in shown if exclude is None
            or exclude not in (f.question.id, f.via.id if f.via else None)][:limit]


def related_threads(question: Question, limit: int = 5) -> list[Question]:
    """The side column's related questions: the list stored when the thread (or a
    thread like it) changed (`forum.services.related`); no search runs here.
    Visibility is checked again on every read."""
    from forum.services import related

    ids = related.stored_ids(question.id)
    if ids is None:
        related.requested(question.id)      # computed after this request
        return []
    rows = _visible(ids, tags=False)
    return [rows[i] for i in ids if i in rows][:limit]


__all__ = ["Found", "SearchPage", "ensure_index", "get_index", "related_threads", "reindex",
           "search_threads", "similar_ids", "similar_threads", "sync_threads", "thread_docs"]
