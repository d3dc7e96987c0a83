""""I have this problem too": one per user per question, undoable. The count
ranks recurring issues on the staff desk. Saying it follows the thread, so answers
and known-issue news reach the person (following can be undone on its own)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from forum import changes, permissions
from forum.errors import NotFound
from forum.extensions import db
from forum.models import MeToo, Question, utcnow
from forum.services import notifications
from forum.services.locking import lock_post


@dataclass(frozen=True)
class MeTooState:
    question_id: int
    count: int
    me_too: bool


def _count(question_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(MeToo).where(MeToo.question_id == question_id)
    )


@changes.transaction
def set_me_too(user, question_id: int, on: bool) -> MeTooState:
    """Say (or unsay) that you have this problem too. Saying it twice counts once."""
    question = lock_post(question_id)       # serialises writers on the count
    if not isinstance(question, Question):
        raise NotFound(f"Question {question_id} does not exist.")
    permissions.require("me_too", user, question)
    row = db.session.get(MeToo, (question.id, user.id))
    if on and row is None:
        db.session.add(MeToo(question_id=question.id, user_id=user.id, created_at=utcnow()))
        # Having the problem too follows the thread (unfollow undoes it).
        notifications.follow(user.id, question.id)
    elif not on and row is not None:
        db.session.delete(row)
    db.session.flush()
    question.me_too_count = _count(question.id)
    count = question.me_too_count
    return MeTooState(question_id=question_id, count=count, me_too=on)


def has_me_too(user, question_id: int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.get(MeToo, (question_id, user.id)) is not None
