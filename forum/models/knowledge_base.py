"""Knowledge-base articles: a problem and its solution, written by staff from a
solved thread (its question and official answer), kept beside the threads.

- `Article`: the current text (Markdown, with its rendered HTML cached like a
  post's) and where it stands: draft -> review -> published (and back to draft).
- `ArticleRevision`: every save, numbered from 1, like a post's revisions.
- `ArticleSource`: the threads an article answers; each thread shows a link to
  its published article.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.users import User

ARTICLE_STATES = ("draft", "review", "published")
ARTICLE_STATE_LABELS = {"draft": "Draft", "review": "In review", "published": "Published"}


class Article(db.Model):
    __tablename__ = "kb_articles"
    __table_args__ = (Index("ix_kb_articles_state_published_at", "state", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(100), index=True)
    problem: Mapped[str] = mapped_column(Text)
    problem_html: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    solution_html: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    revision_count: Mapped[int] = mapped_column(default=1)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    edited_by: Mapped[User] = relationship(foreign_keys=[edited_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.state == "published"

    @property
    def state_label(self) -> str:
        return ARTICLE_STATE_LABELS.get(self.state, self.state)


class ArticleRevision(db.Model):
    """One state of an article: its creation and every save add one."""

    __tablename__ = "kb_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"),
                                            index=True)
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(100))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class ArticleSource(db.Model):
    """A thread the article answers (and the answer it was promoted from)."""

    __tablename__ = "kb_sources"

    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"),
                                            primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             primary_key=True, index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread this row belongs to, for the unit of work (forum.changes)."""
        return ("thread", self.question_id)
