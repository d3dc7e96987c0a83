"""Accounts: registration, sign-in, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum import changes, permissions
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.inputs import Registration
from forum.models import ROLES, ApiToken, User, utcnow
from forum.signals import record_staff_action

# Compared against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all")


def _taken(registration: Registration) -> dict[str, str]:
    errors = {}
    if db.session.scalar(select(User.id).where(User.username_lower == registration.username.lower())):
        errors["username"] = "That username is taken."
    if db.session.scalar(select(User.id).where(User.email == registration.email)):
        errors["email"] = "An account with that email already exists."
    return errors


def register_user(registration: Registration, role: str = "member") -> User:
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    if errors := _taken(registration):
        raise ValidationError(errors)
    user = User(
        username=registration.username, username_lower=registration.username.lower(),
        email=registration.email, password_hash=generate_password_hash(registration.password),
        role=role,
    )
    try:
        with changes.writing():
            db.session.add(user)
    except IntegrityError:
        # A concurrent registration may have taken the name between check and insert.
        if errors := _taken(registration):
            raise ValidationError(errors) from None
        raise
    return user


def authenticate(identifier: str, password: str) -> User | None:
    """The user with this username or email and password, or None."""
    identifier = (identifier or "").strip().lower()
    user = db.session.scalar(
        select(User).where(or_(User.username_lower == identifier, User.email == identifier))
    ) if identifier else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user for a session id ("7", or "7.2" once the
    account's session epoch was raised), or None. A session from an older epoch,
    or of a deleted account, loads no one: that is how sessions are revoked."""
    ident, _, epoch = (user_id or "").partition(".")
    if not ident.isdigit() or not (epoch or "0").isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.is_deleted or user.session_epoch != int(epoch or "0"):
        return None
    return user


def find_user(name_or_id: str | int) -> User:
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        user = db.session.get(User, int(name_or_id))
    else:
        user = db.session.scalar(select(User).where(User.username_lower == str(name_or_id).lower()))
    if user is None:
        raise NotFound(f"No user {name_or_id!r}.")
    return user


@changes.transaction
def set_role(user: User, role: str, *, actor: User | None = None) -> User:
    """Give `user` a role. With an `actor` (the admin page) the actor must be
    allowed to manage roles, the last admin cannot give up the role, and the
    change is announced as a staff action. Without one (the CLI) it just happens."""
    if actor is not None:
        permissions.require("manage_roles", actor)
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(ROLES)}."})
    old = user.role
    if actor is not None and old == "admin" and role != "admin":
        # Lock the admin rows so two admins demoting each other cannot both win.
        admins = db.session.scalars(select(User.id).where(User.role == "admin").with_for_update())
        if len(admins.all()) <= 1:
            raise ValidationError({"role": "You are the last admin: make someone else an "
                                           "admin before giving up the role."})
    user.role = role
    if actor is not None and old != role:
        record_staff_action(actor, "user.role", ("user", user.id), reason=f"{old} -> {role}")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@changes.transaction
def issue_token(user: User, name: str = "cli") -> str:
    """A new API token; only its hash is kept, so it is shown once."""
    token = "cfx_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), name=name[:100]))
    return token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        with changes.writing():
            row.last_used_at = now
    return row.user


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))
