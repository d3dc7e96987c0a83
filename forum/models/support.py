"""What makes a support forum: files on posts, "me too", known issues.

Official (staff-verified) answers are columns on `posts` (see `Post.official_*`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.users import User

ATTACHMENT_KINDS = ("fix", "log", "screenshot", "other")
KNOWN_STATES = ("investigating", "fix_planned", "fixed")


class Blob(db.Model):
    """One stored file, named by the SHA-256 of its bytes: the same bytes
    uploaded twice are stored once (see `forum.storage`)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(db.Model):
    """A file on a post. `filename` is a display name only, never a path."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_uploader_id_created_at", "uploader_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="other")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    download_count: Mapped[int] = mapped_column(default=0)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    uploader: Mapped[User] = relationship(foreign_keys=[uploader_id], lazy="joined")
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread of the post this row belongs to (forum.changes looks it up)."""
        return ("post", self.post_id)


class MeToo(db.Model):
    """"I have this problem too": one per user per question."""

    __tablename__ = "me_toos"
    __table_args__ = (Index("ix_me_toos_question_id_created_at", "question_id", "created_at"),)

    question_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread this row belongs to, for the unit of work (forum.changes)."""
        return ("thread", self.question_id)


class KnownIssue(db.Model):
    """A thread that staff escalated to engineering, with where it stands."""

    __tablename__ = "known_issues"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), index=True)
    reference: Mapped[str] = mapped_column(String(300))
    fixed_in: Mapped[str | None] = mapped_column(String(50))
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    marked_by: Mapped[User] = relationship(lazy="joined")

    @property
    def reference_is_url(self) -> bool:
        return self.reference.startswith(("https://", "http://"))

    @property
    def state_label(self) -> str:
        if self.state == "fixed":
            return f"Fixed in {self.fixed_in}" if self.fixed_in else "Fixed"
        return {"investigating": "Investigating", "fix_planned": "Fix planned"}[self.state]

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread this row belongs to, for the unit of work (forum.changes)."""
        return ("thread", self.question_id)
