"""Posts: one table, two kinds (single-table inheritance), so votes, comments,
revisions, flags and attachments all point at `posts.id`.

Question-only and answer-only columns are nullable and live on the same table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.support import KnownIssue
from forum.models.users import User

question_tags = Table(
    "question_tags",
    db.metadata,
    Column("question_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(default=0)      # imported_score + the sum of votes
    imported_score: Mapped[int] = mapped_column(default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Question columns
    title: Mapped[str | None] = mapped_column(String(200))
    slug: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(100))
    product_version: Mapped[str | None] = mapped_column(String(50))   # a version name of `product`
    status: Mapped[str | None] = mapped_column(String(16))
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    answer_count: Mapped[int] = mapped_column(default=0)
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL")
    )
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    view_count: Mapped[int] = mapped_column(default=0)
    # Imported threads: where they came from, for attribution and idempotent re-imports
    source: Mapped[str | None] = mapped_column(String(200), unique=True)
    source_url: Mapped[str | None] = mapped_column(String(300))
    content_license: Mapped[str | None] = mapped_column(String(120))
    me_too_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Moderation: a closed duplicate points at its original; merged questions at
    # the one their answers moved to. Pinned with no tag means the front page.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    protected_at: Mapped[datetime | None]
    pinned_at: Mapped[datetime | None]
    pinned_tag: Mapped[str | None] = mapped_column(String(35))
    # Any post: locked (no votes, answers, comments, edits); hidden by flags until
    # a moderator decides
    locked_at: Mapped[datetime | None]
    lock_reason: Mapped[str | None] = mapped_column(String(300))
    hidden_at: Mapped[datetime | None]
    # The official answer the thread's banner links to (the earliest still official)
    official_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL")
    )
    # Answer columns: staff verification. `official_revision` is the revision
    # staff verified; a later edit by someone who is not staff makes it stale.
    official_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    official_at: Mapped[datetime | None]
    official_revision: Mapped[int | None]
    official_stale: Mapped[bool] = mapped_column(default=False, server_default="0")
    official_version: Mapped[str | None] = mapped_column(String(50))  # the version staff checked against
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    editor: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    official_by: Mapped[User | None] = relationship(foreign_keys=[official_by_id], lazy="joined")

    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "post"}
    __table_args__ = (
        Index("ix_posts_type_created_at", "type", "created_at"),
        Index("ix_posts_type_last_activity_at", "type", "last_activity_at"),
        Index("ix_posts_type_score_created_at", "type", "score", "created_at"),
        Index("ix_posts_type_answer_count_created_at", "type", "answer_count", "created_at"),
        Index("ix_posts_duplicate_of_id", "duplicate_of_id"),
        Index("ix_posts_accepted_answer_id", "accepted_answer_id"),
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_question(self) -> bool:
        return self.type == "question"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread this row belongs to, for the unit of work (forum.changes)."""
        return ("thread", self.question_id or self.id)

    @classmethod
    def listed(cls):
        """SQL: what readers may see listed (not deleted, not hidden by flags)."""
        return and_(cls.deleted_at.is_(None), cls.hidden_at.is_(None))


class Question(Post):
    tags: Mapped[list[Tag]] = relationship(
        secondary=question_tags, order_by="Tag.name", lazy="selectin"
    )
    accepted_answer: Mapped[Answer | None] = relationship(
        foreign_keys=[Post.accepted_answer_id], remote_side=[Post.id], post_update=True,
        viewonly=True,
    )
    known_issue: Mapped[KnownIssue | None] = relationship(
        "KnownIssue", lazy="selectin", viewonly=True, uselist=False,
        primaryjoin="Post.id == foreign(KnownIssue.question_id)",
    )

    __mapper_args__ = {"polymorphic_identity": "question"}

    @property
    def solved(self) -> bool:
        return self.accepted_answer_id is not None or self.official_answer_id is not None

    @property
    def has_official_answer(self) -> bool:
        return self.official_answer_id is not None

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]


class Answer(Post):
    question: Mapped[Question] = relationship(
        foreign_keys=[Post.question_id], remote_side=[Post.id]
    )

    __mapper_args__ = {"polymorphic_identity": "answer"}

    @property
    def is_official(self) -> bool:
        return self.official_at is not None


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(35), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    question_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Revision(db.Model):
    """One state of a post: every create and every edit adds one."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(lazy="joined")

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread of the post this row belongs to (forum.changes looks it up)."""
        return ("post", self.post_id)
