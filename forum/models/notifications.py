"""Return visits: the inbox, follows and watched tags, mail waiting to be sent,
and badges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.users import User

NOTIFICATION_KINDS = (
    "answer",           # an answer to a question you follow
    "comment",          # a comment on your post
    "mention",          # @username in a post or comment
    "accepted",         # your answer was accepted
    "official",         # your answer was marked official
    "edited",           # someone edited your post
    "flag",             # a moderator decided on your flag
    "moderator",        # a message from a moderator
    "watched_tag",      # a new question in a tag you watch
    "badge",            # you earned a badge
    "known_issue",      # a known issue you have (asked, followed, "me too") changed state
    "fix_check",        # "did <version> fix it for you?"
    "reminder",         # an answer to your question: did it work?
    "case",             # a support case you are in: a reply, a change, a missed service level
)
EMAIL_CHOICES = ("immediate", "daily", "none")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")


class Follow(db.Model):
    """A user follows a question: its new answers reach their inbox."""

    __tablename__ = "follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TagWatch(db.Model):
    __tablename__ = "tag_watches"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"),
                                        primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMail(db.Model):
    """A mail waiting for `flask mail send`; kept after sending for the record."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_sent_at_created_at", "sent_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class UserBadge(db.Model):
    """A badge earned. `post_id` 0 for once-per-user badges, so awarding twice
    hits the unique constraint instead of adding a second row."""

    __tablename__ = "user_badges"
    __table_args__ = (UniqueConstraint("user_id", "badge", "post_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    badge: Mapped[str] = mapped_column(String(40), index=True)
    post_key: Mapped[int] = mapped_column(default=0)
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
