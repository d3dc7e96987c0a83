"""Suspensions, and what a moderator sees about one user.

A suspended user can read but not write, vote or flag: the core's rules refuse
every write with the reason and end date (`forum.permissions._writer`). Here
moderators (and admins, for moderators and admins) set and lift suspensions;
each change writes an audit line in the same transaction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, lazyload

from forum import changes, permissions
from forum.errors import Conflict, NotFound
from forum.extensions import db
from forum.models import AuditEntry, Flag, Post, Question, User, utcnow
from forum.services.locking import lock_users
from moderation import audit


def limits() -> tuple[int, int, int, int]:
    """(days min, days max, reason min, reason max) from the config."""
    c = current_app.config
    return (int(c["SUSPENSION_DAYS_MIN"]), int(c["SUSPENSION_DAYS_MAX"]),
            int(c["SUSPENSION_REASON_MIN"]), int(c["SUSPENSION_REASON_MAX"]))


@dataclass(frozen=True)
class Suspension:
    days: int
    reason: str


def parse_suspension(data: Mapping[str, Any]) -> tuple[Suspension | None, dict[str, str]]:
    """`days` (a whole number, 1–3650 by default) and `reason` (5–500 characters
    by default), from a form or a JSON body."""
    days_min, days_max, reason_min, reason_max = limits()
    errors: dict[str, str] = {}
    raw_days = data.get("days")
    days = None
    if isinstance(raw_days, int) and not isinstance(raw_days, bool):
        days = raw_days
    elif isinstance(raw_days, str) and raw_days.strip().isdigit():
        days = int(raw_days.strip())
    if days is None or not days_min <= days <= days_max:
        errors["days"] = f"Days must be a whole number from {days_min} to {days_max}."
    raw_reason = data.get("reason")
    reason = raw_reason.strip() if isinstance(raw_reason, str) else ""
    if not reason_min <= len(reason) <= reason_max:
        errors["reason"] = (f"Give a reason of {reason_min}–{reason_max} characters: "
                            f"the user sees it.")
    if errors:
        return None, errors
    return Suspension(days=days, reason=reason), errors


def parse_unsuspension(data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """An optional note on why the suspension ends early (at most 500 characters)."""
    raw = data.get("reason") if data is not None else None
    note = raw.strip() if isinstance(raw, str) else ""
    reason_max = limits()[3]
    if len(note) > reason_max:
        return "", {"reason": f"The note may be at most {reason_max} characters."}
    return note, {}


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def _locked_user(user_id: int) -> User:
    lock_users(user_id)
    user = get_user(user_id)
    db.session.refresh(user)
    return user


def days_left(user: User) -> int:
    if user.suspended_until is None:
        return 0
    return max(0, math.ceil((user.suspended_until - utcnow()) / timedelta(days=1)))


def _require_suspender(actor: User | None, user: User | None = None) -> None:
    """Moderators (admins for moderators and admins); `None` is an operator at the
    command line (`flask users suspend`), who may do anything."""
    if actor is None:
        return
    if user is None:
        permissions.require("moderate", actor)
    else:
        permissions.require("suspend", actor, user)


@changes.transaction
def suspend_user(actor: User | None, user_id: int, suspension: Suspension) -> User:
    """Suspend for `days` from now (replacing any current suspension)."""
    _require_suspender(actor)
    user = _locked_user(user_id)
    _require_suspender(actor, user)
    previous = user.suspended_until if user.is_suspended else None
    user.suspended_until = utcnow() + timedelta(days=suspension.days)
    user.suspension_reason = suspension.reason
    details: dict[str, Any] = {"days": suspension.days, "until": user.suspended_until}
    if previous is not None:
        details["replaces_until"] = previous
    if actor is None:
        details["via"] = "cli"
    audit.record(actor, "user.suspended", ("user", user.id), suspension.reason, **details)
    return user


@changes.transaction
def unsuspend_user(actor: User | None, user_id: int, note: str = "") -> User:
    """Lift a current suspension early."""
    _require_suspender(actor)
    user = _locked_user(user_id)
    _require_suspender(actor, user)
    if not user.is_suspended:
        raise Conflict(f"{user.username} is not suspended.")
    was_until, remaining = user.suspended_until, days_left(user)
    user.suspended_until = None
    user.suspension_reason = None
    audit.record(actor, "user.unsuspended", ("user", user.id), note,
                 days=remaining, was_until=was_until, **({"via": "cli"} if actor is None else {}))
    return user


# -- the moderator's view of a user -------------------------------------------

@dataclass
class UserOverview:
    user: User
    posts: list[Post]                   # newest first, deleted and hidden included
    flags_raised: list[Flag]
    flags_received: list[Flag]
    audit_lines: list[AuditEntry]       # about them or by them
    flagged_posts: dict[int, Post] = field(default_factory=dict)   # post id -> post
    questions: dict[int, Question] = field(default_factory=dict)   # titles for answers


def user_overview(moderator: User, user_id: int, limit: int = 30) -> UserOverview:
    """Everything on the moderator's user page, in a fixed number of queries."""
    permissions.require("moderate", moderator)
    user = get_user(user_id)
    posts = list(db.session.scalars(
        select(Post).where(Post.author_id == user.id)
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(limit)
    ))
    flags_raised = list(db.session.scalars(
        select(Flag).where(Flag.user_id == user.id).options(joinedload(Flag.decided_by))
        .order_by(Flag.created_at.desc(), Flag.id.desc()).limit(limit)
    ))
    flags_received = list(db.session.scalars(
        select(Flag).join(Post, Post.id == Flag.post_id).where(Post.author_id == user.id)
        .options(joinedload(Flag.decided_by))
        .order_by(Flag.created_at.desc(), Flag.id.desc()).limit(limit)
    ))
    audit_lines = list(db.session.scalars(
        select(AuditEntry).where(or_(
            (AuditEntry.target_type == "user") & (AuditEntry.target_id == user.id),
            AuditEntry.actor_id == user.id,
        )).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    ))
    overview = UserOverview(user, posts, flags_raised, flags_received, audit_lines)
    known = {p.id: p for p in posts}
    wanted = {f.post_id for f in flags_raised + flags_received} - known.keys()
    if wanted:
        known.update((p.id, p) for p in db.session.scalars(
            select(Post).where(Post.id.in_(wanted))))
    overview.flagged_posts = known
    question_ids = {p.question_id for p in known.values() if p.question_id} - known.keys()
    questions = {p.id: p for p in known.values() if isinstance(p, Question)}
    if question_ids:
        questions.update((q.id, q) for q in db.session.scalars(
            select(Question).where(Question.id.in_(question_ids)).options(*_titles_only())))
    overview.questions = questions
    return overview


def _titles_only():
    """Posts shown as links: their tags and known-issue marks are not needed."""
    return (lazyload(Question.tags), lazyload(Question.known_issue))


def details_of(entry: AuditEntry) -> dict[str, Any]:
    return audit.details_of(entry)
