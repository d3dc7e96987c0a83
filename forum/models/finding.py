"""What finding threads keeps in the database besides the text index.

- `TagSynonym`: a word people use for a tag (`wi-fi`, `wireless` -> `wifi`), kept by
  moderators; a question tagged with the synonym gets the tag, and search treats
  the synonym as the tag, in tag filters and in text.
- `ThreadVector`: a thread's sentence embedding (title and the lead of its body),
  float32 bytes. `source_at` is the thread's edit time when it was embedded: a row
  older than the thread is stale, so what is left to embed is read off the
  database (nothing is lost when a process dies).
- `RelatedList`: the related questions of a thread, computed when it (or a thread
  like it) changes, so a question page runs no search.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.posts import Tag


class TagSynonym(db.Model):
    __tablename__ = "tag_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(35), unique=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tag: Mapped[Tag] = relationship(lazy="joined")


class ThreadVector(db.Model):
    __tablename__ = "thread_vectors"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    source_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RelatedList(db.Model):
    __tablename__ = "related_lists"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             primary_key=True)
    ids: Mapped[str] = mapped_column(String(200), default="")   # "12,7,40", best first
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def related_ids(self) -> list[int]:
        return [int(x) for x in self.ids.split(",") if x.isdigit()]
