"""Related questions, computed when a thread changes and stored, so that a
question page runs no search when it is read.

After each commit that touched threads (`threads_changed`, a `forum.changes`
listener), and off the request path:

1. the vectors of new or edited threads are computed (`semantic.embed_threads`);
2. their related lists are computed with the hybrid `searching.similar_ids` and
   stored in `related_lists`;
3. so that an older thread learns of a new one like it, each thread on a new
   list whose own list lacks the new thread is computed again (one step, no chain).

A list is due when it is missing or older than the thread's last edit, so what
is left to do is read off the database: `catch_up()` (run by `flask search
reindex`, and by the worker when it starts) repairs whatever a crash left.

With SEMANTIC_DELAY 0 (the default when TESTING) all this runs in the commit's
after-commit hook; otherwise a daemon thread of each process does it, after
gathering the changes of SEMANTIC_DELAY seconds.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.infra import page_cache
from forum.markup import html_to_text
from forum.models import Question, RelatedList, utcnow
from forum.services import searching, semantic

log = logging.getLogger(__name__)

EXTENSION = "crowdfix.related"
RELATED_LIMIT = 5
BATCH = 200


def stored_ids(question_id: int) -> list[int] | None:
    """The stored related ids of a thread, best first (None: not computed yet)."""
    row = db.session.get(RelatedList, question_id)
    return None if row is None else row.related_ids


def _due(session: Session, ids: Iterable[int] | None = None, limit: int | None = None,
         after: int = 0) -> list[int]:
    """Listed threads whose list is missing or older than their last edit."""
    stmt = (select(Question.id).outerjoin(RelatedList, RelatedList.question_id == Question.id)
            .where(Question.listed(), or_(
                RelatedList.question_id.is_(None),
                RelatedList.computed_at < func.coalesce(Question.edited_at, Question.created_at))))
    if ids is not None:
        stmt = stmt.where(Question.id.in_(list(ids)))
    stmt = stmt.where(Question.id > after).order_by(Question.id)
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def _compute(session: Session, question: Question) -> tuple[list[int], bool]:
    """(the thread's related ids, whether the shown list changed)."""
    vectors = semantic.vector_set()      # the thread's own vector is its text's embedding
    own = vectors.vector(question.id) if vectors is not None else None
    found = searching.similar_ids(question.title or "", html_to_text(question.body_html),
                                  exclude=question.id, limit=RELATED_LIMIT, rebuild=False,
                                  vector=own)
    visible = set(session.scalars(select(Question.id).where(
        Question.id.in_([i for i, _ in found]), Question.listed())))
    ids = [i for i, _ in found if i in visible][:RELATED_LIMIT * 2]
    old = session.get(RelatedList, question.id)
    changed = (old.related_ids if old else [])[:RELATED_LIMIT] != ids[:RELATED_LIMIT]
    session.merge(RelatedList(question_id=question.id, ids=",".join(map(str, ids)),
                              computed_at=utcnow()))
    return ids[:RELATED_LIMIT], changed


def compute(ids: Iterable[int], neighbours: bool = True) -> int:
    """Compute and store the related lists of these threads (and, with
    `neighbours`, again those of the threads they list that do not list them)."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    again: set[int] = set()
    with Session(db.engine) as session:
        questions = session.scalars(select(Question).where(Question.id.in_(ids),
                                                           Question.listed())).all()
        done = {q.id for q in questions}
        shown_changed: set[int] = set()
        for question in questions:
            listed, changed = _compute(session, question)
            if changed:
                shown_changed.add(question.id)
            for other in listed:
                row = session.get(RelatedList, other)
                if neighbours and (row is None or question.id not in row.related_ids):
                    again.add(other)
        session.commit()
    if shown_changed:       # their pages show another related column now
        page_cache.threads_changed(shown_changed, lists=False)
    again -= set(ids)
    if again:
        compute(again, neighbours=False)
    return len(done)


def process(ids: Iterable[int]) -> None:
    """Vectors, then related lists, for threads that changed."""
    ids = set(ids)
    embedded = semantic.embed_threads(ids)
    with Session(db.engine) as session:
        due = set(_due(session, ids))
    compute(due | set(embedded))


def due_count() -> int:
    with Session(db.engine) as session:
        return len(_due(session))


def catch_up(progress: Callable[[int], None] | None = None) -> int:
    """Compute every list that is due (after a crash, an import, a restore)."""
    count, last = 0, 0
    with Session(db.engine) as session:
        while True:
            # In id order, each thread once: one whose creation time lies in the
            # future stays due after its list is stored, and must not loop.
            batch = _due(session, limit=BATCH, after=last)
            session.rollback()
            if not batch:
                return count
            last = batch[-1]
            compute(batch, neighbours=False)
            count += len(batch)
            if progress:
                progress(len(batch))


# -- after commit ----------------------------------------------------------------------

def _delay(config) -> float:
    value = config.get("SEMANTIC_DELAY")
    if value is None:
        return 0.0 if config.get("TESTING") else 2.0
    return max(0.0, float(value))


def threads_changed(ids: set[int]) -> None:
    """`forum.changes` listener: after a commit that touched these threads."""
    try:
        if _delay(current_app.config):
            _worker().add(ids)
        else:
            process(ids)
    except Exception:  # noqa: BLE001 - never the user's problem; catch_up repairs
        log.exception("related questions failed for threads %s", sorted(ids))


def after_threads_changed(payloads: list[dict]) -> None:
    """The `"threads"` job (`forum.infra.jobs`): the search index first, so that a
    new thread is in it, then vectors and related lists."""
    ids = {int(i) for payload in payloads for i in payload.get("ids", ())}
    if ids:
        searching.sync_threads(ids)
        threads_changed(ids)


def requested(question_id: int) -> None:
    """A page found no list: have it computed (in the background when not testing)."""
    threads_changed({question_id})


class _Worker:
    """A daemon thread per process that processes the ids gathered over `delay`
    seconds; on start it also catches up what earlier processes left due."""

    def __init__(self, app, delay: float):
        self.app, self.delay = app, delay
        self.ids: set[int] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.pid: int | None = None

    def add(self, ids: set[int]) -> None:
        with self.lock:
            self.ids |= ids
            if self.pid != os.getpid():     # first use in this process (after a fork)
                self.pid = os.getpid()
                threading.Thread(target=self._run, name="crowdfix-related", daemon=True).start()
        self.wake.set()

    def _run(self) -> None:
        with self.app.app_context():
            try:
                semantic.embed_pending()
                catch_up()
            except Exception:  # noqa: BLE001
                log.exception("catching up vectors and related questions failed")
        while True:
            self.wake.wait()
            time.sleep(self.delay)
            self.wake.clear()
            with self.lock:
                ids, self.ids = self.ids, set()
            if not ids:
                continue
            with self.app.app_context():
                try:
                    process(ids)
                except Exception:  # noqa: BLE001 - the rows stay due; catch_up repairs
                    log.exception("related questions failed for %d thread(s)", len(ids))


_WORKER_LOCK = threading.Lock()


def _worker() -> _Worker:
    app = current_app._get_current_object()
    with _WORKER_LOCK:
        worker = app.extensions.get(EXTENSION)
        if worker is None:
            worker = app.extensions[EXTENSION] = _Worker(app, _delay(app.config))
    return worker


__all__ = ["catch_up", "compute", "process", "requested", "stored_ids", "threads_changed"]
