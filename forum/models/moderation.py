"""What moderators work with: flags, close and reopen votes, suggested edits and
first posts waiting for review, and the append-only audit log.

The rules live in the `moderation` package; the rows live here so the core can
consult them (a hidden post, a suggested edit) without importing moderation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.users import User

FLAG_REASONS = ("spam", "abusive", "duplicate", "needs_details", "other")
FLAG_STATUSES = ("open", "helpful", "declined")
CLOSE_REASONS = ("duplicate", "needs_details", "not_reproducible", "off_topic")
REVIEW_KINDS = ("suggested_edit", "first_post")
REVIEW_STATUSES = ("pending", "approved", "rejected")


class Flag(db.Model):
    """A user's report on a post. One open flag per user per post."""

    __tablename__ = "flags"
    __table_args__ = (
        Index("uq_flags_open_per_user", "post_id", "user_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_flags_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500), default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class CloseVote(db.Model):
    """A vote to close or reopen a question. Votes count until the question
    changes state; then they are spent (`spent_at`) and a new round starts."""

    __tablename__ = "close_votes"
    __table_args__ = (
        Index("uq_close_votes_live", "question_id", "user_id", "action", unique=True,
              sqlite_where=text("spent_at IS NULL"), postgresql_where=text("spent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(8))          # close | reopen
    reason: Mapped[str | None] = mapped_column(String(32))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    binding: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    spent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class ReviewTask(db.Model):
    """Something waiting for a reviewer: an edit suggested by a user below the
    edit privilege (the proposed title/body/tags are kept here until approved),
    or the first post of a new user."""

    __tablename__ = "review_tasks"
    __table_args__ = (Index("ix_review_tasks_status_kind", "status", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(500), default="")

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AuditEntry(db.Model):
    """One moderator or staff action: who, what, on what, why, when. The
    application only ever appends (updates and deletes raise)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_created_at", "created_at"),
        Index("ix_audit_log_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")       # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class AppendOnly(Exception):
    """The audit log is append-only."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise AppendOnly("The audit log is append-only: entries are never changed or deleted.")
