"""The reputation ledger.

A user's reputation is `max(1, 1 + sum(points))` over their ledger lines, cached
on `users.reputation`. Events are never edited or deleted: undoing one appends a
line with the opposite points that names the line it reverses. Callers hold the
row locks (see `locking`) of the users whose reputation they change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import aliased, selectinload

from forum import changes
from forum.extensions import db
from forum.models import Answer, Post, ReputationEvent, User, utcnow

QUESTION_UPVOTED = "question_upvoted"
ANSWER_UPVOTED = "answer_upvoted"
POST_DOWNVOTED = "post_downvoted"
DOWNVOTED_ANSWER = "downvoted_answer"
ANSWER_ACCEPTED = "answer_accepted"
ACCEPTED_ANSWER = "accepted_answer"
ANSWER_OFFICIAL = "answer_official"
BONUS = "bonus"

VOTE_KINDS = (QUESTION_UPVOTED, ANSWER_UPVOTED, POST_DOWNVOTED, DOWNVOTED_ANSWER)
ACCEPT_KINDS = (ANSWER_ACCEPTED, ACCEPTED_ANSWER)
# Points earned from other people's votes count against the daily cap.
CAPPED_KINDS = (QUESTION_UPVOTED, ANSWER_UPVOTED, POST_DOWNVOTED)

LABELS = {
    QUESTION_UPVOTED: "question upvoted",
    ANSWER_UPVOTED: "answer upvoted",
    POST_DOWNVOTED: "post downvoted",
    DOWNVOTED_ANSWER: "you downvoted an answer",
    ANSWER_ACCEPTED: "answer accepted",
    ACCEPTED_ANSWER: "you accepted an answer",
    ANSWER_OFFICIAL: "answer marked official",
    BONUS: "starting bonus",
}


def points_for(kind: str) -> int:
    key = {
        QUESTION_UPVOTED: "REP_QUESTION_UPVOTED",
        ANSWER_UPVOTED: "REP_ANSWER_UPVOTED",
        POST_DOWNVOTED: "REP_POST_DOWNVOTED",
        DOWNVOTED_ANSWER: "REP_DOWNVOTE_ANSWER_COST",
        ANSWER_ACCEPTED: "REP_ANSWER_ACCEPTED",
        ACCEPTED_ANSWER: "REP_ACCEPTOR",
        ANSWER_OFFICIAL: "REP_ANSWER_OFFICIAL",
    }[kind]
    return int(current_app.config[key])


def _earned_today(user_id: int, now: datetime) -> int:
    midnight = datetime.combine(now.date(), time.min)
    return db.session.scalar(
        select(func.coalesce(func.sum(ReputationEvent.points), 0)).where(
            ReputationEvent.user_id == user_id,
            ReputationEvent.kind.in_(CAPPED_KINDS),
            ReputationEvent.created_at >= midnight,
        )
    )


def award(user_id: int, kind: str, *, post_id: int | None, actor_id: int | None,
          points: int | None = None) -> ReputationEvent:
    """Append one event. Upvote points are cut to what the daily cap still allows."""
    now = utcnow()
    points = points_for(kind) if points is None else points
    if kind in CAPPED_KINDS and points > 0:
        room = int(current_app.config["REP_DAILY_VOTE_CAP"]) - _earned_today(user_id, now)
        points = max(0, min(points, room))
    event = ReputationEvent(user_id=user_id, kind=kind, points=points, post_id=post_id,
                            actor_id=actor_id, created_at=now)
    db.session.add(event)
    return event


def _active(*criteria) -> list[ReputationEvent]:
    reversal = aliased(ReputationEvent)
    return list(db.session.scalars(
        select(ReputationEvent).where(
            ReputationEvent.reverses_id.is_(None),
            ~exists().where(reversal.reverses_id == ReputationEvent.id),
            *criteria,
        )
    ))


def reverse(*criteria) -> set[int]:
    """Append a reversing line for each still-active event matching `criteria`;
    return the ids of the users whose reputation changed."""
    now = utcnow()
    touched: set[int] = set()
    for event in _active(*criteria):
        db.session.add(ReputationEvent(
            user_id=event.user_id, kind=event.kind, points=-event.points,
            post_id=event.post_id, actor_id=event.actor_id, reverses_id=event.id,
            created_at=now,
        ))
        touched.add(event.user_id)
    return touched


def reverse_for_post(post_id: int, kinds: Iterable[str] | None = None,
                     actor_id: int | None = None) -> set[int]:
    criteria = [ReputationEvent.post_id == post_id]
    if kinds is not None:
        criteria.append(ReputationEvent.kind.in_(tuple(kinds)))
    if actor_id is not None:
        criteria.append(ReputationEvent.actor_id == actor_id)
    return reverse(*criteria)


def restore_for_post(post_id: int, reversed_since: datetime,
                     skip_kinds: Iterable[str] = ()) -> set[int]:
    """Undo the reversals written since `reversed_since` (a deletion) by
    appending a fresh copy of each event they reversed, uncapped: the points
    were earned once already. Returns the users whose reputation changed."""
    original = aliased(ReputationEvent)
    reversals = db.session.execute(
        select(original).join(ReputationEvent, ReputationEvent.reverses_id == original.id).where(
            original.post_id == post_id, ReputationEvent.created_at >= reversed_since,
            original.kind.not_in(tuple(skip_kinds)),
        )
    ).scalars().all()
    now = utcnow()
    touched: set[int] = set()
    for event in reversals:
        db.session.add(ReputationEvent(user_id=event.user_id, kind=event.kind, points=event.points,
                                       post_id=event.post_id, actor_id=event.actor_id,
                                       created_at=now))
        touched.add(event.user_id)
    return touched


def ledger_total(user_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(ReputationEvent.points), 0)).where(
            ReputationEvent.user_id == user_id
        )
    )


def reputation_from_total(total: int) -> int:
    return max(1, 1 + total)


def refresh(*user_ids: int) -> None:
    """Recompute the cached reputation of these users from their ledgers."""
    db.session.flush()
    for user_id in {u for u in user_ids if u is not None}:
        db.session.execute(
            update(User).where(User.id == user_id)
            .values(reputation=reputation_from_total(ledger_total(user_id)))
        )


@changes.transaction
def recount_all() -> int:
    """Rebuild every cached reputation from the ledger; return how many changed."""
    totals = dict(db.session.execute(
        select(ReputationEvent.user_id, func.sum(ReputationEvent.points))
        .group_by(ReputationEvent.user_id)
    ).all())
    changed = 0
    for user in db.session.scalars(select(User)):
        expected = reputation_from_total(int(totals.get(user.id, 0)))
        if user.reputation != expected:
            user.reputation = expected
            changed += 1
    return changed


@dataclass
class HistoryLine:
    """Events of one kind on one post on one day, summed (like "+50 answer upvoted ×5")."""

    created_at: datetime
    kind: str
    label: str
    points: int
    count: int
    post: Post | None


def history(user_id: int, limit: int = 300) -> list[HistoryLine]:
    """The user's latest reputation changes, grouped by day, post and kind, newest first."""
    events = list(db.session.scalars(
        select(ReputationEvent).where(ReputationEvent.user_id == user_id)
        .order_by(ReputationEvent.created_at.desc(), ReputationEvent.id.desc()).limit(limit)
    ))
    post_ids = {e.post_id for e in events if e.post_id}
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)).options(selectinload(Answer.question))
    )} if post_ids else {}
    lines: list[HistoryLine] = []
    index: dict[tuple, HistoryLine] = {}
    for event in events:
        undone = event.reverses_id is not None
        key = (event.created_at.date(), event.post_id, event.kind, undone)
        line = index.get(key)
        if line is None:
            label = LABELS.get(event.kind, event.kind.replace("_", " "))
            line = HistoryLine(created_at=event.created_at, kind=event.kind,
                               label=f"{label} (undone)" if undone else label, points=0, count=0,
                               post=posts.get(event.post_id))
            index[key] = line
            lines.append(line)
        line.points += event.points
        line.count += 1
    return lines


def graph(user_id: int, width: int = 600, height: int = 120, days: int = 365) -> dict | None:
    """Reputation over the last `days` days as an SVG polyline (points in a
    width x height box), or None when nothing changed in that time."""
    now = utcnow()
    start = now - timedelta(days=days)
    before = db.session.scalar(select(func.coalesce(func.sum(ReputationEvent.points), 0)).where(
        ReputationEvent.user_id == user_id, ReputationEvent.created_at < start))
    rows = db.session.execute(
        select(ReputationEvent.created_at, ReputationEvent.points)
        .where(ReputationEvent.user_id == user_id, ReputationEvent.created_at >= start)
        .order_by(ReputationEvent.created_at)
    ).all()
    if not rows:
        return None
    total = before
    values = [(start, reputation_from_total(total))]
    for created_at, points in rows:
        total += points
        values.append((created_at, reputation_from_total(total)))
    values.append((now, reputation_from_total(total)))
    low, high = min(v for _, v in values), max(v for _, v in values)
    span = max(1, high - low)
    seconds = (now - start).total_seconds()

    def xy(moment, value) -> str:
        x = (moment - start).total_seconds() / seconds * width
        y = height - (value - low) / span * (height - 10) - 5
        return f"{x:.1f},{y:.1f}"

    return {"points": " ".join(xy(m, v) for m, v in values), "low": low, "high": high,
            "width": width, "height": height, "days": days}
