"""People and their API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow

ROLES = ("member", "staff", "moderator", "admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    username_lower: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    reputation: Mapped[int] = mapped_column(default=1)
    about: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    suspended_until: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(300))
    email_notifications: Mapped[str] = mapped_column(String(16), default="immediate",
                                                     server_default="immediate")
    digest_sent_at: Mapped[datetime | None]
    # Set when the address was confirmed by a mailed link (accounts from before
    # 0012 count as verified). Unverified accounts post with the new-user limits.
    # Accounts made by the CLI, the demo seed or an admin count as verified; the
    # public sign-up (`accounts.sign_up`) starts them unverified.
    email_verified_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # The SHA-256 of an uploaded avatar (a PNG under UPLOAD_DIR); None draws the
    # generated identicon.
    avatar_sha256: Mapped[str | None] = mapped_column(String(64))
    # Set when the account was deleted: the row is kept, anonymised, so votes and
    # history still add up; it can no longer log in.
    deleted_at: Mapped[datetime | None]
    # Part of the session id: raising it logs out every session of the account.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "moderator", "admin")

    @property
    def is_company_staff(self) -> bool:
        """Speaks for the company: marks answers official, known issues, verified
        fixes. Moderators curate but do not speak for the company."""
        return self.role in ("staff", "admin")

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def get_id(self) -> str:
        """Flask-Login's session id: the user id, and the session epoch once it
        has been raised (a plain id from an older session counts as epoch 0)."""
        return f"{self.id}.{self.session_epoch}" if self.session_epoch else str(self.id)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > utcnow()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class ApiToken(db.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="cli")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
