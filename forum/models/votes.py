"""Votes and the reputation ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.common import utcnow


class Vote(db.Model):
    """±1 per user per post; changing a vote updates the row."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value_is_plus_or_minus_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread of the post this row belongs to (forum.changes looks it up)."""
        return ("post", self.post_id)


class ReputationEvent(db.Model):
    """One line of the reputation ledger. Append-only: undoing an event appends a
    line with the opposite points that names the line it reverses."""

    __tablename__ = "reputation_events"
    __table_args__ = (Index("ix_reputation_events_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    points: Mapped[int]
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("reputation_events.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
