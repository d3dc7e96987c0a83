"""Following up with askers: N days (ANSWER_REMINDER_DAYS) after someone else
first answered a question whose asker accepted nothing, the asker is asked once
whether an answer worked: accept it, or say what is still wrong.

`send_reminders()` runs from `flask support remind` (cron, hourly or daily).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from forum import changes
from forum.extensions import db
from forum.models import Answer, AnswerReminder, Question, utcnow
from forum.services import notifications


def due(now: datetime | None = None, limit: int = 500) -> list[Question]:
    days = int(current_app.config.get("ANSWER_REMINDER_DAYS") or 0)
    if days <= 0:
        return []
    cutoff = (now or utcnow()) - timedelta(days=days)
    asked = aliased(Question)         # one table for both: the asker's side of the join
    first_other = (select(Answer.question_id, func.min(Answer.created_at).label("first"))
                   .join(asked, asked.id == Answer.question_id)
                   .where(Answer.deleted_at.is_(None), Answer.author_id != asked.author_id)
                   .group_by(Answer.question_id).subquery())
    return list(db.session.scalars(
        select(Question).join(first_other, first_other.c.question_id == Question.id)
        .outerjoin(AnswerReminder, AnswerReminder.question_id == Question.id)
        .where(AnswerReminder.question_id.is_(None), Question.accepted_answer_id.is_(None),
               Question.status == "open", Question.listed(), first_other.c.first <= cutoff)
        .order_by(Question.id).limit(limit)))


@changes.transaction
def send_reminders(now: datetime | None = None) -> int:
    """Remind every asker who is due (once a thread); the number reminded."""
    sent = 0
    for question in due(now):
        db.session.add(AnswerReminder(question_id=question.id, sent_at=now or utcnow()))
        sent += notifications.notify(
            [question.author_id], "reminder",
            f"Did an answer to “{question.title[:150]}” work? Accept the one that did, "
            "or comment on what is still wrong.",
            f"/questions/{question.id}/{question.slug}#answers-heading", actor_id=None,
            post_id=question.id)
    return sent
