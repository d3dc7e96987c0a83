"""Suspensions, and what a moderator sees about one user.

A suspended user can read but not write, vote or flag: the core's rules refuse
every write with the reason and end date (`forum.permissions._writer`). Here
moderators (and admins, for moderators and admins) set and lift suspensions;
each change writes an audit line in the same transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, lazyload

from forum import changes, permissions
from forum.errors import Conflict, NotFound
from forum.extensions import db
from forum.models import AuditEntry, Flag, Post, Question, User, utcnow
from forum.services.locking import lock_users
from moderation import audit
from moderation.inputs import Suspension


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
