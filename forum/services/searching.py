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
import contextlib
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from forum.extensions import db
from forum.inputs import SearchRequest
from forum.markup import html_to_text
from forum.models import Answer, Question
from search import (
    SORTS,
    Hit,
    IndexUnavailable,
    Query,
    SearchIndex,
    ThreadDoc,
    make_index,
    parse,
    snippet_html,
)

log = logging.getLogger(__name__)

EXTENSION = "crowdfix.search"
BATCH = 500
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
        self.pid: int | None = None
        self.lock = threading.Lock()

    def poke(self) -> None:
        with self.lock:
            if self.pid != os.getpid():
                self.pid = os.getpid()
                threading.Thread(target=self._run, name="crowdfix-search-sync",
                                 daemon=True).start()
                atexit.register(self.flush)
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


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; returns the threads indexed.
    `progress(n)` is called after each batch of n threads."""
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

    count = index.upsert_many(docs())
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


def _visible(ids: list[int]) -> dict[int, Question]:
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Question).where(Question.id.in_(ids), Question.listed())
        .options(selectinload(Question.tags))
    )
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


def search_threads(request: SearchRequest) -> SearchPage:
    query = parse(request.q)
    sort = request.sort if request.sort in SORTS else "relevance"
    request = SearchRequest(q=request.q, sort=sort, page=request.page, per_page=request.per_page)
    page = SearchPage(query=query, sort=sort, page=request.page, per_page=request.per_page)
    if query.is_empty:
        return page
    if not ensure_index():
        return _fallback(query, request)
    try:
        results = get_index().search(query, sort=sort, page=request.page,
                                     per_page=request.per_page)
    except IndexUnavailable:
        log.warning("search index unavailable: answering from the database")
        _state().checked = False
        return _fallback(query, request)
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
    return page


def similar_threads(title: str, limit: int = 5, exclude: int | None = None) -> list[Question]:
    """Up to `limit` existing threads whose title is like this one."""
    title = " ".join((title or "").split())[:300]
    if len(title) < 3 or not ensure_index():
        return []
    try:
        hits: list[Hit] = get_index().similar(title, limit=limit + 1)
    except IndexUnavailable:
        _state().checked = False
        return []
    if hits:   # keep to the clearly related: a shared common word is not similarity
        floor = hits[0].score * SIMILAR_RELATIVE_FLOOR
        hits = [h for h in hits if h.score >= floor]
    rows = _visible([h.id for h in hits])
    found = _to_originals([Found(rows[h.id], Markup(""), h.score) for h in hits if h.id in rows])
    return [f.question for f in found if exclude is None
            or exclude not in (f.question.id, f.via.id if f.via else None)][:limit]


RELATED_TTL = 3600     # seconds a thread's related list is kept


def related_threads(question: Question, limit: int = 5) -> list[Question]:
    """The side column's related questions. Finding them is a full similarity
    search (about 0.1 s on a 10k-thread Whoosh index), so the ids are kept in the
    cache for an hour; visibility is checked again on every read."""
    from forum.extensions import cache

    key = f"related:{question.id}"
    try:
        ids = cache.get(key)
    except Exception:   # noqa: BLE001 - a cache outage costs a search, not the page
        ids = None
    if ids is None:
        found = similar_threads(question.title or "", limit=limit, exclude=question.id)
        with contextlib.suppress(Exception):    # a cache outage only costs the next search
            cache.set(key, [q.id for q in found], timeout=RELATED_TTL)
        return found
    rows = _visible(list(ids))
    return [rows[i] for i in ids if i in rows]


__all__ = ["Found", "SearchPage", "ensure_index", "get_index", "related_threads", "reindex",
           "search_threads", "similar_threads", "sync_threads", "thread_docs"]
