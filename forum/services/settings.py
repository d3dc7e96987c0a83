"""A user's own settings: profile, email, notification mail, password, API tokens.

A new email address starts unverified and gets a confirmation mail; a new
password ends the account's other sessions (the session epoch goes up)."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from forum import changes, inputs
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.models import EMAIL_CHOICES, ApiToken, User


def _require_current_password(user: User, current: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationError({"current_password": "Your current password is not right."})


@changes.transaction
def update_profile(user: User, about: str, website: str) -> User:
    errors: dict[str, str] = {}
    about = (about or "").replace("\r\n", "\n").strip()
    website = (website or "").strip()
    if len(about) > 2000:
        errors["about"] = "About must be at most 2,000 characters."
    if website and (len(website) > 300 or not website.startswith(("https://", "http://"))
                    or any(c.isspace() for c in website)):
        errors["website"] = "A website must be an http:// or https:// address of at most 300 characters."
    if errors:
        raise ValidationError(errors)
    user.about = about
    user.website = website or None
    return user


@changes.transaction
def set_email_notifications(user: User, choice: str) -> User:
    if choice not in EMAIL_CHOICES:
        raise ValidationError({"email_notifications": "Choose immediate, daily or none."})
    user.email_notifications = choice
    return user


@changes.transaction
def change_email(user: User, email: str, current_password: str) -> User:
    _require_current_password(user, current_password)
    email = (email or "").strip().lower()
    if not inputs.EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationError({"email": "Enter an email address like name@example.com."})
    taken = db.session.scalar(select(User.id).where(User.email == email, User.id != user.id))
    if taken:
        raise ValidationError({"email": "An account with that email already exists."})
    if email != user.email:
        from forum.services import accounts

        user.email = email
        user.email_verified_at = None
        accounts.queue_verification_mail(user)
    return user


@changes.transaction
def change_password(user: User, current: str, new: str, confirm: str) -> User:
    _require_current_password(user, current)
    errors: dict[str, str] = {}
    inputs.check_password(new or "", user.username, errors)
    if errors:
        raise ValidationError({"new_password": errors["password"]})
    if new != confirm:
        raise ValidationError({"confirm_password": "The two new passwords differ."})
    user.password_hash = generate_password_hash(new)
    user.session_epoch += 1
    return user


def tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


@changes.transaction
def revoke_token(user: User, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such token.")
    db.session.delete(row)
