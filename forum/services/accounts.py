"""Accounts: registration, sign-in, roles and API tokens; password reset and
address verification by mailed links; exporting and deleting an account.

Mailed links are signed with SECRET_KEY (itsdangerous) and expire
(PASSWORD_RESET_MINUTES, EMAIL_VERIFY_HOURS). A reset link also carries a
fingerprint of the current password hash, so it works once: setting the new
password changes the hash. A verification link carries the address it was sent
to, so it stops working when the address changes. The mail itself goes into the
outbox in the same unit of work (`forum.services.mail`), delivered by
`flask mail send`.

Deleting an account keeps what it wrote: posts, comments and revisions move to
one placeholder account ("Former member"); its files are hidden and their bytes
removed unless someone else's file shares them; tokens, follows, watches and
notifications go; the row itself is kept, anonymised, so votes and reputation
still add up, and its raised session epoch and `deleted_at` end every session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum import changes, inputs, permissions, storage
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.inputs import Registration
from forum.models import (
    ROLES,
    ApiToken,
    Attachment,
    Comment,
    Follow,
    Notification,
    OutboxMail,
    Post,
    Revision,
    Tag,
    TagWatch,
    User,
    Vote,
    utcnow,
)
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


def register_user(registration: Registration, role: str = "member", *,
                  verified: bool = True) -> User:
    """A new account. Accounts made by the CLI or an admin count as verified; the
    public sign-up (`sign_up`) passes verified=False."""
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
            if not verified:
                # The column's default marks accounts verified; None at insert time
                # would let that default fire, so clear it once the row exists.
                db.session.flush()
                user.email_verified_at = None
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
    if not check_password_hash(user.password_hash, password or "") or user.is_deleted:
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
    if row is None or row.user.is_deleted:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        with changes.writing():
            row.last_used_at = now
    return row.user


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# -- mailed links ---------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _site() -> str:
    return current_app.config["SITE_URL"].rstrip("/")


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _live_user(user_id: Any) -> User | None:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return None if user is None or user.is_deleted else user


def password_reset_token(user: User) -> str:
    return _serializer("password-reset").dumps({"u": user.id, "p": _fingerprint(user.password_hash)})


@changes.transaction
def request_password_reset(email: str) -> None:
    """Mail a reset link to the account with this address, if there is one. The
    caller says the same thing either way, so nobody learns who has an account."""
    email = (email or "").strip().lower()
    if not email or len(email) > 254:
        return
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None or user.is_deleted:
        return
    from forum.services import mail

    minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
    mail.queue_account_mail(
        user, "Reset your password",
        "Someone (we hope you) asked to reset the password of your account. Choose a new "
        f"password here:\n\n{_site()}/reset-password/{password_reset_token(user)}\n\n"
        f"The link works once, for {minutes} minutes. If you did not ask, ignore this mail: "
        "your password stays as it is.")


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for; ValidationError when it has expired, was
    used already, or is not a link we made."""
    minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
    try:
        data = _serializer("password-reset").loads(token or "", max_age=minutes * 60)
    except SignatureExpired:
        raise ValidationError({"token": "That reset link has expired. Ask for a new one below."}) from None
    except BadSignature:
        raise ValidationError({"token": "That reset link is not valid. Ask for a new one below."}) from None
    user = _live_user(data.get("u")) if isinstance(data, dict) else None
    if user is None or not hmac.compare_digest(str(data.get("p")), _fingerprint(user.password_hash)):
        raise ValidationError({"token": "That reset link was used already. Ask for a new one below."})
    return user


@changes.transaction
def reset_password(token: str, new: str, confirm: str) -> User:
    """Set a new password from a reset link. The link stops working, every other
    session of the account ends, and the address counts as verified (the mail
    reached it)."""
    user = user_for_reset_token(token)
    errors: dict[str, str] = {}
    inputs.check_password(new or "", user.username, errors)
    if errors:
        raise ValidationError({"new_password": errors["password"]})
    if new != confirm:
        raise ValidationError({"confirm_password": "The two new passwords differ."})
    user.password_hash = generate_password_hash(new)
    user.session_epoch += 1
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    changes.audit(user, "user.password_reset", ("user", user.id))
    return user


def verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"u": user.id, "e": _fingerprint(user.email)})


def queue_verification_mail(user: User) -> None:
    """The "confirm your address" mail, in the caller's unit of work."""
    from forum.services import mail

    hours = int(current_app.config["EMAIL_VERIFY_HOURS"])
    mail.queue_account_mail(
        user, "Confirm your email address",
        f"Confirm that this address is yours:\n\n{_site()}/verify-email/{verification_token(user)}"
        f"\n\nThe link works for {hours} hours. Until then you can post, with the limits "
        "for new members.")


@changes.transaction
def send_verification(user: User) -> bool:
    """Mail a new verification link; False when the address is verified already."""
    if user.is_verified or user.is_deleted:
        return False
    queue_verification_mail(user)
    return True


def sign_up(registration: Registration) -> User:
    """The public sign-up: an unverified account, then its verification mail (a
    second unit of work, so a lost race for the name is still a clean form error;
    if the mail were lost, settings has "send it again")."""
    user = register_user(registration, verified=False)
    send_verification(user)
    return user


@changes.transaction
def verify_email(token: str) -> User:
    hours = int(current_app.config["EMAIL_VERIFY_HOURS"])
    try:
        data = _serializer("verify-email").loads(token or "", max_age=hours * 3600)
    except SignatureExpired:
        raise ValidationError({"token": "That confirmation link has expired. Log in and send a "
                                        "new one from your settings."}) from None
    except BadSignature:
        raise ValidationError({"token": "That confirmation link is not valid."}) from None
    user = _live_user(data.get("u")) if isinstance(data, dict) else None
    if user is None or not hmac.compare_digest(str(data.get("e")), _fingerprint(user.email)):
        raise ValidationError({"token": "That confirmation link is for an address this account "
                                        "no longer uses."})
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


# -- export and deletion ------------------------------------------------------------

PLACEHOLDER_USERNAME = "Former member"     # has a space: no one can sign up as it


def _when(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def export_data(user: User) -> dict[str, Any]:
    """Everything the account holds, as JSON-ready data (no password hash, no
    token secrets, no file bytes)."""
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id).order_by(Post.id))
    comments = db.session.scalars(select(Comment).where(Comment.author_id == user.id)
                                  .order_by(Comment.id))
    votes = db.session.scalars(select(Vote).where(Vote.user_id == user.id).order_by(Vote.id))
    files = db.session.scalars(select(Attachment).where(Attachment.uploader_id == user.id)
                               .order_by(Attachment.id))
    watched = db.session.scalars(select(Tag.name).join(TagWatch, TagWatch.tag_id == Tag.id)
                                 .where(TagWatch.user_id == user.id).order_by(Tag.name))
    followed = db.session.scalars(select(Follow.question_id).where(Follow.user_id == user.id)
                                  .order_by(Follow.question_id))
    return {
        "format": "crowdfix-account-export/1",
        "exported_at": _when(utcnow()),
        "site": _site(),
        "account": {
            "id": user.id, "username": user.username, "email": user.email, "role": user.role,
            "reputation": user.reputation, "created_at": _when(user.created_at),
            "email_verified_at": _when(user.email_verified_at),
            "about": user.about, "website": user.website,
            "avatar": "uploaded" if user.avatar_sha256 else "generated",
        },
        "settings": {
            "email_notifications": user.email_notifications,
            "watched_tags": list(watched),
            "followed_questions": list(followed),
            "api_tokens": [{"name": t.name, "created_at": _when(t.created_at),
                            "last_used_at": _when(t.last_used_at)} for t in user.tokens],
        },
        "posts": [{
            "id": p.id, "type": p.type, "question_id": p.question_id, "title": p.title,
            "body": p.body, "score": p.score, "created_at": _when(p.created_at),
            "edited_at": _when(p.edited_at), "deleted_at": _when(p.deleted_at),
            "url": f"{_site()}/questions/{p.id if p.type == 'question' else p.question_id}",
        } for p in posts],
        "comments": [{"id": c.id, "post_id": c.post_id, "body": c.body,
                      "created_at": _when(c.created_at), "deleted_at": _when(c.deleted_at)}
                     for c in comments],
        "votes": [{"post_id": v.post_id, "value": v.value, "created_at": _when(v.created_at)}
                  for v in votes],
        "files": [{"id": a.id, "post_id": a.post_id, "filename": a.filename, "kind": a.kind,
                   "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
                   "downloads": a.download_count, "created_at": _when(a.created_at),
                   "deleted_at": _when(a.deleted_at)} for a in files],
    }


def placeholder_user() -> User:
    """The one account that deleted accounts' posts are attributed to."""
    user = db.session.scalar(select(User).where(User.username_lower == PLACEHOLDER_USERNAME.lower()))
    if user is None:
        now = utcnow()
        user = User(username=PLACEHOLDER_USERNAME, username_lower=PLACEHOLDER_USERNAME.lower(),
                    email="former-member@accounts.invalid", password_hash="!", role="member",
                    about="Posts of people who deleted their accounts.",
                    email_verified_at=now, deleted_at=now, email_notifications="none")
        db.session.add(user)
        db.session.flush()
    return user


def _shared_elsewhere(sha256: str, user_id: int) -> bool:
    """Does anything but this user's files point at these bytes? (Every table with
    a foreign key to blobs counts, so another feature's files are safe too.)"""
    if db.session.scalar(select(Attachment.id).where(Attachment.sha256 == sha256,
                                                      Attachment.uploader_id != user_id).limit(1)):
        return True
    if db.session.scalar(select(User.id).where(User.avatar_sha256 == sha256,
                                               User.id != user_id).limit(1)):
        return True
    for table in db.metadata.tables.values():
        if table.name == "attachments":
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "blobs" and db.session.execute(
                    select(fk.parent).where(fk.parent == sha256).limit(1)).first():
                return True
    return False


@changes.transaction
def delete_account(user: User, password: str) -> User:
    """Delete your own account (see the module docstring); needs the password."""
    if user.is_deleted:
        raise NotFound("That account is deleted already.")
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationError({"password": "That is not your password."})
    if user.role == "admin" and len(db.session.scalars(
            select(User.id).where(User.role == "admin", User.deleted_at.is_(None))).all()) <= 1:
        raise ValidationError({"password": "You are the last admin: make someone else an admin "
                                           "before deleting your account."})
    placeholder = placeholder_user()
    now = utcnow()
    for post in db.session.scalars(select(Post).where(Post.author_id == user.id)):
        post.author_id = placeholder.id          # marks the thread changed (search, caches)
    for comment in db.session.scalars(select(Comment).where(Comment.author_id == user.id)):
        comment.author_id = placeholder.id
    db.session.execute(update(Revision).where(Revision.author_id == user.id)
                       .values(author_id=placeholder.id))
    files = list(db.session.scalars(select(Attachment).where(Attachment.uploader_id == user.id)))
    shas = {f.sha256 for f in files}
    for attachment in files:
        if attachment.deleted_at is None:
            attachment.deleted_at = now
    if user.avatar_sha256:
        shas.add(user.avatar_sha256)
    for model in (ApiToken, Follow, TagWatch, Notification):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.execute(delete(OutboxMail).where(OutboxMail.user_id == user.id,
                                                OutboxMail.sent_at.is_(None)))
    changes.audit(user, "user.delete", ("user", user.id),
                  posts_to=placeholder.id, files=len(files))
    user.username = f"deleted user {user.id}"[:30]
    user.username_lower = user.username.lower()
    user.email = f"deleted-{user.id}@accounts.invalid"
    user.password_hash = "!"
    user.about = ""
    user.website = None
    user.avatar_sha256 = None
    user.email_notifications = "none"
    user.role = "member"
    user.deleted_at = now
    user.session_epoch += 1
    db.session.flush()
    orphans = [sha for sha in shas if not _shared_elsewhere(sha, user.id)]
    upload_dir = current_app.config["UPLOAD_DIR"]
    for sha in orphans:
        changes.after_commit(storage.remove, upload_dir, sha)
    return user
