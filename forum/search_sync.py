"""The hook that keeps a search index in step with the database.

Services call `thread_changed(question_id)` for every change that alters what a
thread shows. The ids collect on the SQLAlchemy session and, only after a
successful commit, go to the listeners registered on the app (the search issue
plugs its index in here). A rollback drops them.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.extensions import db

_KEY = "crowdfix.changed_threads"
EXTENSION = "crowdfix.thread_listeners"

Listener = Callable[[set[int]], None]


def thread_changed(question_id: int | None) -> None:
    if question_id is not None:
        db.session.info.setdefault(_KEY, set()).add(question_id)


def add_listener(app, listener: Listener) -> None:
    app.extensions.setdefault(EXTENSION, []).append(listener)


def _after_commit(session: Session) -> None:
    changed = session.info.pop(_KEY, None)
    if not changed or not has_app_context():
        return
    for listener in current_app.extensions.get(EXTENSION, []):
        listener(set(changed))


def _after_rollback(session: Session, previous_transaction=None) -> None:
    session.info.pop(_KEY, None)


def install() -> None:
    """Attach the session hooks once per process (idempotent)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def pending() -> set[int]:
    return set(db.session.info.get(_KEY, set()))
