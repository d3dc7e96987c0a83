""""Did this solve your problem?": yes or no, with an optional short reason, on a
solved thread (`question_id`) or a knowledge-base article (`article_id`).

Anyone may answer, signed in or not: one answer per visitor and target, and
answering again changes the answer (it still counts once). A visitor is `u:<id>`
for a signed-in user, else `v:` and a hash of a random visitor cookie (the cookie
itself is never stored). Counts are shown to staff (`forum.services.insights`).

    feedback.record(visitor, question_id=12, helpful=False, reason="Still drops")
    feedback.record(visitor, article_id=3, helpful=True)   # for the knowledge base
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select

from forum import changes
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.models import Question, ThreadFeedback, utcnow

REASON_MAX = 300
COOKIE = "cf_visitor"
COOKIE_MAX_AGE = 365 * 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Counts:
    yes: int = 0
    no: int = 0


@dataclass(frozen=True)
class Recorded:
    created: bool       # False: the visitor had answered before (the answer was changed)
    counts: Counts


def new_visitor_token() -> str:
    return secrets.token_urlsafe(18)


def valid_token(token: Any) -> bool:
    return isinstance(token, str) and bool(_TOKEN.match(token))


def visitor_key(user: Any, token: str | None) -> str | None:
    """Who answers: `u:<id>` when signed in, else a hash of the visitor cookie."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"u:{user.id}"
    if not valid_token(token):
        return None
    secret = str(current_app.config.get("SECRET_KEY", "")).encode()
    return "v:" + hashlib.sha256(secret + b"|" + token.encode()).hexdigest()[:40]


def parse(data: Any) -> tuple[bool, str | None]:
    """`helpful` (yes/no) and an optional reason from a form or JSON body."""
    errors: dict[str, str] = {}
    raw = data.get("helpful") if hasattr(data, "get") else None
    helpful = None
    if isinstance(raw, bool):
        helpful = raw
    elif isinstance(raw, str) and raw.strip().lower() in ("yes", "no", "true", "false", "1", "0"):
        helpful = raw.strip().lower() in ("yes", "true", "1")
    if helpful is None:
        errors["helpful"] = "Answer yes or no."
    reason = data.get("reason") if hasattr(data, "get") else None
    if reason is not None and not isinstance(reason, str):
        errors["reason"] = "The reason must be text."
        reason = None
    reason = re.sub(r"\s+", " ", reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        errors["reason"] = f"Keep the reason to {REASON_MAX} characters (it has {len(reason)})."
    if errors:
        raise ValidationError(errors)
    return bool(helpful), reason


def _target(question_id: int | None, article_id: int | None):
    if (question_id is None) == (article_id is None):
        raise ValueError("feedback is on a question or on an article")
    if question_id is not None:
        return ThreadFeedback.question_id == question_id
    return ThreadFeedback.article_id == article_id


def feedback_question(question_id: int) -> Question:
    """The thread feedback is taken on: a visible, solved question."""
    question = db.session.get(Question, question_id)
    if not isinstance(question, Question) or question.is_deleted or question.is_hidden:
        raise NotFound(f"Question {question_id} does not exist.")
    if not question.solved:
        raise ValidationError({"helpful": "This thread has no accepted or official answer yet."})
    return question


@changes.transaction
def record(visitor: str | None, *, question_id: int | None = None,
           article_id: int | None = None, helpful: bool, reason: str | None = None) -> Recorded:
    """Record (or change) a visitor's answer. A question must be solved and
    visible; an article is checked by its caller (the knowledge base)."""
    if not visitor:
        raise ValidationError({"visitor": "Your browser sent no visitor cookie: allow cookies."})
    if reason is not None:
        reason = re.sub(r"\s+", " ", reason).strip() or None
        if reason and len(reason) > REASON_MAX:
            raise ValidationError({"reason": f"Keep the reason to {REASON_MAX} characters."})
    where = _target(question_id, article_id)
    if question_id is not None:
        feedback_question(question_id)
    row = db.session.scalar(select(ThreadFeedback).where(where, ThreadFeedback.visitor == visitor))
    now = utcnow()
    created = row is None
    if row is None:
        db.session.add(ThreadFeedback(question_id=question_id, article_id=article_id,
                                      visitor=visitor, helpful=bool(helpful), reason=reason,
                                      created_at=now, updated_at=now))
    else:
        row.helpful, row.reason, row.updated_at = bool(helpful), reason, now
    db.session.flush()
    return Recorded(created=created, counts=counts(question_id=question_id, article_id=article_id))


def counts(*, question_id: int | None = None, article_id: int | None = None) -> Counts:
    yes, no = db.session.execute(
        select(func.coalesce(func.sum(case((ThreadFeedback.helpful.is_(True), 1), else_=0)), 0),
               func.coalesce(func.sum(case((ThreadFeedback.helpful.is_(False), 1), else_=0)), 0))
        .where(_target(question_id, article_id))).one()
    return Counts(yes=int(yes), no=int(no))


def needs_review(yes: int, no: int) -> bool:
    """Many "no"s: at least FEEDBACK_REVIEW_NO, and more no than yes."""
    return no >= int(current_app.config.get("FEEDBACK_REVIEW_NO", 3)) and no > yes
