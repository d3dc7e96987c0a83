"""One unit of work for every write: the transaction, what it changed, and what
happens after it commits.

A service writes inside `writing()` (or is decorated with `@transaction`, which
also retries a deadlock):

    @changes.transaction
    def post_answer(user, question_id, body):
        question = lock_post(question_id)
        ...add rows...
        changes.audit(user, "answer.official", ("post", answer.id))   # same transaction
        signals.emit("answer", actor_id=user.id, post_id=answer.id)     # after the commit

The outermost block commits, or rolls back when an exception leaves it; inner
blocks (a service called by another) join the outer one and neither commit nor
roll back. Nobody else calls `commit()` or `rollback()`.

What changed is read off the session at each flush: every new, changed or deleted
row of a model that names its thread (`thread_ref()` below: posts, comments, votes,
attachments, me-toos, known issues) marks that thread. Bulk `update()` statements,
which the session never sees, mark theirs with `thread_changed(id)`.

Work that a change sets off and that the writer need not wait for is a job
(`forum.infra.jobs`), written in the same transaction: what `signals.emit` queues
(notifications, badges) and, just before the commit, one `"threads"` job with the
changed thread ids when the app registered that kind (`add_thread_job`: the search
index, vectors and related questions). A rollback drops them with the change.

After the commit, and only then, in this order:
1. the thread listeners the app registered (`add_listener`): the page cache, with
   the set of changed thread ids (it must not serve the old page a moment longer);
2. the jobs this unit queued are handed to the runner (`jobs.committed`: run now
   when JOBS_WORKER is "eager", else a worker thread or process runs them);
3. the callbacks queued with `after_commit()`, in the order they were queued.
After a rollback none of them run. A failing listener or callback is logged and
never turns a committed write into an error.

A transaction that fails with a deadlock or a serialization failure (PostgreSQL)
or "database is locked" (SQLite) is retried by `@transaction` up to
`TRANSACTION_RETRIES` times with a short random pause, before anyone sees an error.
Writers take row locks in one order (posts, then users by ascending id:
`forum.services.locking`), and side effects that touch other people's rows run
after the commit, so deadlocks are rare; the retry covers what is left.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from forum.extensions import db

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger("crowdfix.changes")

EXTENSION = "crowdfix.thread_listeners"
THREAD_JOB = "crowdfix.thread_job"
TRANSACTION_RETRIES = 3

_DEPTH = "crowdfix.uow.depth"
_THREADS = "crowdfix.uow.threads"            # changed in the open transaction
_CALLBACKS = "crowdfix.uow.callbacks"
_COMMITTED = "crowdfix.uow.committed"        # (threads, callbacks, job ids) of the commit just made
_UNTRACKED = "crowdfix.uow.untracked"
_JOBS = "crowdfix.uow.jobs"                  # Job rows added in the open transaction

Listener = Callable[[set[int]], None]


# -- the unit of work ---------------------------------------------------------------

@contextmanager
def writing() -> Iterator[Session]:
    """The outermost block commits (or rolls back on an exception); inner ones join."""
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
    except BaseException:
        session.info[_DEPTH] = depth
        if depth == 0:
            db.session.rollback()
        raise
    # Back at the outer depth before committing: the side effects that run after
    # the commit are units of their own, not part of this one.
    session.info[_DEPTH] = depth
    if depth == 0:
        try:
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def in_unit() -> bool:
    return db.session().info.get(_DEPTH, 0) > 0


def transaction(fn: Callable[P, T]) -> Callable[P, T]:
    """Run `fn` as one unit of work (or inside the caller's), retrying a deadlock."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if in_unit():
            return fn(*args, **kwargs)
        attempt = 0
        while True:
            try:
                with writing():
                    return fn(*args, **kwargs)
            except DBAPIError as error:
                attempt += 1
                if attempt > TRANSACTION_RETRIES or not is_retryable(error):
                    raise
                log.warning("%s: %s; retrying (%d of %d)", fn.__qualname__,
                            type(error.orig).__name__, attempt, TRANSACTION_RETRIES)
                time.sleep(random.uniform(0.01, 0.05) * attempt)

    return run


def is_retryable(error: DBAPIError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), a busy database (SQLite)."""
    code = getattr(error.orig, "sqlstate", None)
    if code in ("40P01", "40001"):
        return True
    return "database is locked" in str(error.orig)


def thread_changed(question_id: int | None) -> None:
    """Mark a thread changed by a statement the session cannot see (bulk update)."""
    if question_id is not None:
        db.session().info.setdefault(_THREADS, set()).add(int(question_id))


def after_commit(callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `callback(*args, **kwargs)` once the current unit has committed; never
    after a rollback. Outside a unit it runs now (there is nothing to wait for)."""
    session = db.session()
    if session.info.get(_DEPTH, 0) == 0:
        _run_callback((callback, args, kwargs))
        return
    session.info.setdefault(_CALLBACKS, []).append((callback, args, kwargs))


def audit(actor: Any, action: str, target: tuple[str, int], reason: str = "",
          **details: Any):
    """One line of the audit log, written in the current transaction: the action
    and its record commit together or not at all."""
    from forum.models import AuditEntry, utcnow

    entry = AuditEntry(
        actor_id=getattr(actor, "id", None), action=action[:40], target_type=target[0][:16],
        target_id=int(target[1]), reason=(reason or "")[:500],
        details=json.dumps(details, default=str, sort_keys=True), created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


@contextmanager
def untracked() -> Iterator[None]:
    """Writes in this block mark no thread changed: for bulk loads (`seed-import`)
    that rebuild the search index once at the end instead."""
    info = db.session().info
    before = info.get(_UNTRACKED, False)
    info[_UNTRACKED] = True
    try:
        yield
    finally:
        info[_UNTRACKED] = before


def add_listener(app, listener: Listener) -> None:
    app.extensions.setdefault(EXTENSION, []).append(listener)


def add_thread_job(app, kind: str) -> None:
    """Queue a job of `kind` with `ids=[...]` in every commit that changes threads."""
    app.extensions[THREAD_JOB] = kind


def job_queued(job: Any, session: Session | None = None) -> None:
    """`forum.infra.jobs` tells the unit (of `session`) which job rows it added."""
    (session or db.session()).info.setdefault(_JOBS, []).append(job)


# -- reading changes off the session ------------------------------------------------

def _after_flush(session: Session, _context) -> None:
    if session.info.get(_UNTRACKED):
        return
    threads: set[int] = session.info.setdefault(_THREADS, set())
    posts: set[int] = set()
    for obj in (*session.new, *session.deleted, *session.dirty):
        thread_ref = getattr(obj, "thread_ref", None)
        if thread_ref is None:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        kind, ident = thread_ref()
        if ident is None:
            continue
        if kind == "thread":
            threads.add(int(ident))
        else:
            posts.add(int(ident))
    if posts:
        from forum.models import Post

        unresolved = set()
        for post_id in posts:
            post = session.identity_map.get(session.identity_key(Post, post_id))
            if post is not None and post.id is not None:
                threads.add(post.question_id or post.id)
            else:
                unresolved.add(post_id)
        if unresolved:
            rows = session.connection().execute(
                select(Post.id, Post.question_id).where(Post.id.in_(unresolved)))
            threads.update(question_id or post_id for post_id, question_id in rows)


def _before_commit(session: Session) -> None:
    """The changed threads' job joins the transaction it describes."""
    if not has_app_context() or session.info.get(_UNTRACKED):
        return
    kind = current_app.extensions.get(THREAD_JOB)
    if kind is None:
        return
    session.flush()             # the last changes mark their threads now
    threads = session.info.get(_THREADS)
    if threads:
        from forum.infra import jobs

        jobs.add(session, kind, {"ids": sorted(threads)})


def _after_commit(session: Session) -> None:
    threads = session.info.pop(_THREADS, None) or set()
    callbacks = session.info.pop(_CALLBACKS, None) or []
    queued = session.info.pop(_JOBS, None) or []
    if threads or callbacks or queued:
        done_threads, done_callbacks, done_jobs = session.info.setdefault(
            _COMMITTED, (set(), [], []))
        done_threads.update(threads)
        done_callbacks.extend(callbacks)
        done_jobs.extend(inspect(job).identity[0] for job in queued
                         if inspect(job).identity is not None)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    committed = session.info.pop(_COMMITTED, None)
    if not committed:
        return
    threads, callbacks, job_ids = committed
    if not has_app_context():
        return
    if threads:
        for listener in current_app.extensions.get(EXTENSION, []):
            try:
                listener(set(threads))
            except Exception:       # noqa: BLE001 - the write has happened
                log.exception("thread listener %r failed for %s", listener, sorted(threads))
    if job_ids:
        from forum.infra import jobs

        try:
            jobs.committed(job_ids)
        except Exception:       # noqa: BLE001 - the rows stay queued for a runner
            log.exception("queued jobs %s could not be started", job_ids)
    for callback in callbacks:
        _run_callback(callback)


def _run_callback(callback: tuple[Callable[..., Any], tuple, dict]) -> None:
    fn, args, kwargs = callback
    try:
        fn(*args, **kwargs)
    except Exception:       # noqa: BLE001 - the write has happened
        log.exception("after-commit callback %r failed", fn)
        db.session.rollback()


def _after_rollback(session: Session, previous_transaction=None) -> None:
    session.info.pop(_THREADS, None)
    session.info.pop(_CALLBACKS, None)
    session.info.pop(_JOBS, None)


def install() -> None:
    """Attach the session hooks once per process (idempotent)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
        event.listen(Session, "after_soft_rollback", _after_rollback)
