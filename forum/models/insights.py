"""What the forum learns about how it is used (issue 17, part A).

- `SearchLog`: one search (page, API or /ask's similar threads): the normalised
  query, how many results, which result was opened and at which rank. No IP
  address, no user id: only whether the searcher was signed in. Rows older than
  SEARCH_LOG_DAYS are deleted by `flask insights prune`.
- `ThreadFeedback`: "Did this solve your problem?" on a solved thread (or, with
  `article_id`, a knowledge-base article): yes or no and an optional reason, one
  row per visitor and target. `visitor` is `u:<id>` for a signed-in user, else a
  hash of a random visitor cookie.
- `AskSession`: one showing of /ask: when similar threads were shown to it, when
  one of them was opened, and the question it posted, if any (deflection).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.common import utcnow

SEARCH_SOURCES = ("page", "api", "ask")


class SearchLog(db.Model):
    __tablename__ = "search_log"
    __table_args__ = (Index("ix_search_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    result_count: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(8), default="page")
    signed_in: Mapped[bool] = mapped_column(default=False)
    product: Mapped[str | None] = mapped_column(String(100))
    opened_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))
    opened_rank: Mapped[int | None]
    opened_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ThreadFeedback(db.Model):
    __tablename__ = "thread_feedback"
    __table_args__ = (
        UniqueConstraint("question_id", "visitor"),
        UniqueConstraint("article_id", "visitor"),
        Index("ix_thread_feedback_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(index=True)   # knowledge-base articles
    visitor: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AskSession(db.Model):
    __tablename__ = "ask_sessions"
    __table_args__ = (Index("ix_ask_sessions_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    similar_shown_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    opened_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))
    posted_at: Mapped[datetime | None]
    posted_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))
