"""The audit log: every moderator and staff action, append-only.

Moderation services call `record(...)` inside their unit of work, so the action
and its log line commit together; staff actions in the core do the same through
`forum.signals.record_staff_action`. Both write with `forum.changes.audit`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from forum import changes
from forum.extensions import db
from forum.models import AuditEntry, User, utcnow


def record(actor: Any, action: str, target: tuple[str, int], reason: str = "",
           **details: Any) -> AuditEntry:
    """Add one line to the log in the caller's unit of work (it commits with it)."""
    return changes.audit(actor, action, target, reason, **details)


@dataclass(frozen=True)
class LogFilter:
    actor: str | None = None          # username
    action: str | None = None         # exact action, or a prefix ending in "."
    target_type: str | None = None
    target_id: int | None = None
    since: datetime | None = None
    page: int = 1
    per_page: int = 50


def entries(f: LogFilter) -> tuple[list[AuditEntry], int]:
    """A page of the log, newest first, and the number of matching lines."""
    stmt = select(AuditEntry)
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


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def details_of(entry: AuditEntry) -> dict[str, Any]:
    try:
        value = json.loads(entry.details or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def parse_filter(args, per_page: int = 50) -> tuple[LogFilter, dict[str, str]]:
    """Filters from a query string: actor, action, target ("post:12", "user:3"),
    days (only the last N days), page. Bad values are reported and ignored."""
    errors: dict[str, str] = {}
    actor = (args.get("actor") or "").strip()[:30] or None
    action = (args.get("action") or "").strip()[:40] or None
    target_type = target_id = None
    target = (args.get("target") or "").strip()
    if target:
        kind, _, number = target.partition(":")
        if kind and number.isdigit() and len(number) < 10:
            target_type, target_id = kind[:16], int(number)
        else:
            errors["target"] = "Write the target as type:id, for example post:12 or user:3."
    since = None
    days = (args.get("days") or "").strip()
    if days:
        if days.isdigit() and 0 < int(days) <= 3650:
            since = utcnow() - timedelta(days=int(days))
        else:
            errors["days"] = "Days must be a whole number from 1 to 3650."
    page = args.get("page", "1")
    page = int(page) if str(page).isdigit() and 0 < int(page) < 10_000 else 1
    return LogFilter(actor=actor, action=action, target_type=target_type, target_id=target_id,
                     since=since, page=page, per_page=per_page), errors
