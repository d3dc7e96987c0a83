"""Deflection on /ask: how many people found their answer instead of asking.

Showing /ask starts an ask session (a random token in a hidden field). The
similar-threads suggestions record that they were shown to the session; a
suggestion opened from there records the opening; posting the question closes
the session with its id. Each step is one INSERT or UPDATE.

A session is *deflected* when it saw similar threads, opened one, and did not
post within an hour of opening it. The weekly rate is deflected sessions ÷ all
ask sessions started that week (UTC weeks, from Monday).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import SQLAlchemyError

from forum import changes
from forum.extensions import db
from forum.models import AskSession, Question, utcnow

log = logging.getLogger("crowdfix.insights")

POST_WITHIN = timedelta(hours=1)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def valid_token(token: Any) -> bool:
    return isinstance(token, str) and bool(_TOKEN.match(token))


def start(now: datetime | None = None) -> str | None:
    """A new ask session; its token (None if the database refused: /ask goes on)."""
    token = secrets.token_urlsafe(16)
    try:
        with changes.writing():
            db.session.add(AskSession(token=token, created_at=now or utcnow()))
    except SQLAlchemyError:
        log.warning("ask session: could not start one", exc_info=True)
        return None
    return token


def _mark(token: Any, condition, values: dict) -> bool:
    if not valid_token(token):
        return False
    try:
        with changes.writing():
            result = db.session.execute(
                update(AskSession).where(AskSession.token == token, condition).values(**values))
    except SQLAlchemyError:
        log.warning("ask session: could not record a step", exc_info=True)
        return False
    return result.rowcount > 0


def _exists(question_id: int):
    return exists(select(Question.id).where(Question.id == question_id))


def similar_shown(token: Any, now: datetime | None = None) -> bool:
    return _mark(token, AskSession.similar_shown_at.is_(None),
                 {"similar_shown_at": now or utcnow()})


def opened(token: Any, question_id: int, now: datetime | None = None) -> bool:
    """A suggested thread was opened from the session (the first one counts)."""
    return _mark(token, and_(AskSession.opened_at.is_(None), _exists(question_id)),
                 {"opened_at": now or utcnow(), "opened_question_id": question_id})


def posted(token: Any, question_id: int, now: datetime | None = None) -> bool:
    return _mark(token, and_(AskSession.posted_at.is_(None), _exists(question_id)),
                 {"posted_at": now or utcnow(), "posted_question_id": question_id})


def deflected(session: Any, now: datetime) -> bool:
    """Saw similar threads, opened one, and did not post within an hour of that
    (a session whose hour is not over yet does not count yet)."""
    if session.similar_shown_at is None or session.opened_at is None:
        return False
    if session.opened_at + POST_WITHIN > now:
        return False
    return session.posted_at is None or session.posted_at > session.opened_at + POST_WITHIN


@dataclass(frozen=True)
class Week:
    start: date
    sessions: int
    saw_similar: int
    opened: int
    posted: int
    deflected: int

    @property
    def rate(self) -> float | None:
        return self.deflected / self.sessions if self.sessions else None


def week_start(day: datetime | date) -> date:
    day = day.date() if isinstance(day, datetime) else day
    return day - timedelta(days=day.weekday())


def weekly(weeks: int = 8, now: datetime | None = None) -> list[Week]:
    """The last `weeks` UTC weeks (this one included), oldest first."""
    now = now or utcnow()
    weeks = max(1, min(int(weeks), 104))
    first = week_start(now) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time())
    rows = db.session.execute(
        select(AskSession.created_at, AskSession.similar_shown_at, AskSession.opened_at,
               AskSession.posted_at).where(AskSession.created_at >= since)).all()
    buckets: dict[date, list[int]] = {first + timedelta(weeks=i): [0, 0, 0, 0, 0]
                                      for i in range(weeks)}
    for row in rows:
        counts = buckets.get(week_start(row.created_at))
        if counts is None:
            continue
        counts[0] += 1
        counts[1] += row.similar_shown_at is not None
        counts[2] += row.opened_at is not None
        counts[3] += row.posted_at is not None
        counts[4] += deflected(row, now)
    return [Week(start, *counts) for start, counts in sorted(buckets.items())]
