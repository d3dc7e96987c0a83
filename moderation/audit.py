"""The audit log: every moderator and staff action, append-only.

Moderation services call `record(...)` inside their unit of work, so the action
and its log line commit together; staff actions in the core do the same through
`forum.signals.record_staff_action`. Both write with `forum.changes.audit`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from forum import changes
from forum.extensions import db
from forum.models import AuditEntry, User
from moderation.inputs import LogFilter


def record(actor: Any, action: str, target: tuple[str, int], reason: str = "",
           **details: Any) -> AuditEntry:
    """Add one line to the log in the caller's unit of work (it commits with it)."""
    return changes.audit(actor, action, target, reason, **details)


#: Entries about private support cases: only for readers who may see cases
#: (company staff); a moderator who is not staff does not learn of them here.
PRIVATE_TARGETS = ("case",)


def entries(f: LogFilter, *, private: bool = False) -> tuple[list[AuditEntry], int]:
    """A page of the log, newest first, and the number of matching lines;
    `private` includes the entries about support cases."""
    stmt = select(AuditEntry)
    if not private:
        stmt = stmt.where(AuditEntry.target_type.not_in(PRIVATE_TARGETS))
    if f.actor:
        stmt = stmt.join(User, User.id == AuditEntry.actor_id).where(
            User.username_lower == f.actor.lower())
    if f.action:
        if f.action.endswith("."):
            stmt = stmt.where(AuditEntry.action.startswith(f.action, autoescape=True))
        else:
            stmt = stmt.where(AuditEntry.action == f.action)
    if f.target_type:
        stmt = stmt.where(AuditEntry.target_type == f.target_type)
    if f.target_id is not None:
        stmt = stmt.where(AuditEntry.target_id == f.target_id)
    if f.since is not None:
        stmt = stmt.where(AuditEntry.created_at >= f.since)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = list(db.session.scalars(
        stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((f.page - 1) * f.per_page).limit(f.per_page)
    ))
    return rows, total


def actions(*, private: bool = False) -> list[str]:
    stmt = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    if not private:
        stmt = stmt.where(AuditEntry.target_type.not_in(PRIVATE_TARGETS))
    return list(db.session.scalars(stmt))


def details_of(entry: AuditEntry) -> dict[str, Any]:
    try:
        value = json.loads(entry.details or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

