"""Products and their versions as data, and the weekly recurring-issue scores.

A question keeps its product as a name (`Post.product`) and its version as a
name (`Post.product_version`), so renaming or removing a product never rewrites
threads; the tables say which products and versions the forms offer.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.users import User

#: Staff who own a product: they get its weekly recurring-issue digest.
product_owners = Table(
    "product_owners",
    db.metadata,
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ProductVersion]] = relationship(
        back_populates="product", lazy="selectin", cascade="all, delete-orphan",
        order_by="(ProductVersion.position, ProductVersion.id)",
    )
    owners: Mapped[list[User]] = relationship(secondary=product_owners, lazy="selectin",
                                              order_by="User.username_lower")

    @property
    def version_names(self) -> list[str]:
        return [v.name for v in self.versions]


class ProductVersion(db.Model):
    """One version of a product; `position` orders them (oldest first), and
    `released_on` is when it shipped, if known."""

    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)
    released_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="versions")


class RecurringScore(db.Model):
    """A canonical thread's recurring-issue score for one week (weeks start on a
    Monday, UTC), with the parts it was added up from. Written by the weekly
    job (`flask insights recurring`); the current week is computed live."""

    __tablename__ = "recurring_scores"
    __table_args__ = (Index("ix_recurring_scores_week_score", "week", "score"),)

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    score: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    merged: Mapped[int] = mapped_column(default=0)
    me_toos: Mapped[int] = mapped_column(default=0)
    views: Mapped[int] = mapped_column(default=0)
    not_solved: Mapped[int] = mapped_column(default=0)
    failed_searches: Mapped[int] = mapped_column(default=0)
    product: Mapped[str | None] = mapped_column(String(100))
    product_version: Mapped[str | None] = mapped_column(String(50))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecurringDigest(db.Model):
    """A weekly digest already queued for one product and week: the digest
    command runs any number of times a week and mails each owner once."""

    __tablename__ = "recurring_digests"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)
