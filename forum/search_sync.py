"""The hook that keeps a search index in step with the database.

Services call `thread_changed(question_id)` for every change that alters what a
thread shows. The ids collect on the SQLAlchemy session and, only after a
successful commit, go to the listeners registered on the app (the search index
plugs in here). A rollback drops them.

The listeners run once the committed transaction has ended and handed its
connection back to the pool (`after_transaction_end`), not inside `after_commit`
while it still holds it: a listener that reads the database then needs no second
connection per request, so a burst of concurrent writes cannot drain the pool.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.extensions import db

_KEY = "crowdfix.changed_threads"
_COMMITTED = "crowdfix.committed_threads"
EXTENSION = "crowdfix.thread_listeners"

Listener = Callable[[set[int]], None]


def thread_changed(question_id: int | None) -> None:
    if question_id is not None:
        db.session.info.setdefault(_KEY, set()).add(question_id)


def add_listener(app, listener: Listener) -> None:
    app.extensions.setdefault(EXTENSION, []).append(listener)


def _after_commit(session: Session) -> None:
    changed = session.info.pop(_KEY, None)
    if changed:
        session.info.setdefault(_COMMITTED, set()).update(changed)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    committed = session.info.pop(_COMMITTED, None)
    if not committed or not has_app_context():
        return
    for listener in current_app.extensions.get(EXTENSION, []):
        listener(set(committed))


def _after_rollback(session: Session, previous_transaction=None) -> None:
    session.info.pop(_KEY, None)


def install() -> None:
    """Attach the session hooks once per process (idempotent)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def pending() -> set[int]:
    return set(db.session.info.get(_KEY, set()))
