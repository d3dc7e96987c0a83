"""Mail: what goes into the outbox, and unsubscribing.

Nothing is sent inside a request: notifications queue rows in `outbox`, and
`flask mail send` (run it from cron or a systemd timer every minute) builds the
daily digests and delivers the outbox to `MAIL_URL` (the SMTP transport is
`forum.infra.smtp`). Every mail carries an unsubscribe link (and a
List-Unsubscribe header) that turns mail off for that user without logging in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from forum import changes
from forum.errors import NotFound
from forum.extensions import db
from forum.infra import smtp
from forum.infra.smtp import SendReport
from forum.models import Notification, OutboxMail, User, utcnow


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User) -> str:
    return _serializer().dumps(user.id)


def unsubscribe_url(user: User) -> str:
    return f"{_site()}/unsubscribe/{unsubscribe_token(user)}"


@changes.transaction
def unsubscribe(token: str) -> User:
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        raise NotFound("That unsubscribe link is not valid.") from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound("That unsubscribe link is not valid.")
    user.email_notifications = "none"
    return user


def _site() -> str:
    return current_app.config["SITE_URL"].rstrip("/")


def _footer(user: User) -> str:
    return (f"\n\n--\nYou get this because of your notification settings on "
            f"{current_app.config['SITE_NAME']}: {_site()}/settings\n"
            f"Stop all mail: {unsubscribe_url(user)}\n")


def queue_notification(user: User, note: Notification) -> OutboxMail:
    """One mail for one notification (users who chose "immediate"), in the caller's unit of work."""
    mail = OutboxMail(
        user_id=user.id, to_addr=user.email, created_at=utcnow(),
        subject=f"[{current_app.config['SITE_NAME']}] {note.text}"[:200],
        body=f"Hello {user.username},\n\n{note.text}\n{_site()}{note.url}" + _footer(user),
    )
    db.session.add(mail)
    note.emailed_at = mail.created_at
    return mail


def queue_account_mail(user: User, subject: str, body: str, *, to_addr: str | None = None) -> OutboxMail:
    """A mail about the account itself (password reset, address verification), in
    the caller's unit of work. It goes whatever the notification settings say, so
    it carries no "stop all mail" footer."""
    mail = OutboxMail(
        user_id=user.id, to_addr=to_addr or user.email, created_at=utcnow(),
        subject=f"[{current_app.config['SITE_NAME']}] {subject}"[:200],
        body=f"Hello {user.username},\n\n{body}\n\n--\n{current_app.config['SITE_NAME']}: {_site()}\n",
    )
    db.session.add(mail)
    return mail


@changes.transaction
def queue_digests() -> int:
    """One digest per "daily" user with unread notifications not mailed yet,
    at most once a day."""
    now = utcnow()
    queued = 0
    users = db.session.scalars(select(User).where(User.email_notifications == "daily"))
    for user in users:
        if user.digest_sent_at and now - user.digest_sent_at < timedelta(hours=23):
            continue
        notes = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None),
                                       Notification.emailed_at.is_(None))
            .order_by(Notification.created_at).limit(50)
        ))
        if not notes:
            continue
        lines = "\n".join(f"- {n.text}\n  {_site()}{n.url}" for n in notes)
        db.session.add(OutboxMail(
            user_id=user.id, to_addr=user.email, created_at=now,
            subject=f"[{current_app.config['SITE_NAME']}] {len(notes)} new notification"
                    f"{'' if len(notes) == 1 else 's'}",
            body=f"Hello {user.username},\n\nWhat happened since your last digest:\n\n{lines}"
                 + _footer(user),
        ))
        for n in notes:
            n.emailed_at = now
        user.digest_sent_at = now
        queued += 1
    return queued


def _list_unsubscribe(row: OutboxMail) -> dict[str, str]:
    user = db.session.get(User, row.user_id) if row.user_id else None
    return {"List-Unsubscribe": f"<{unsubscribe_url(user)}>"} if user is not None else {}


def send_pending(limit: int = 500) -> SendReport:
    """Deliver the outbox over MAIL_URL (`forum.infra.smtp`), each message with
    its List-Unsubscribe header. Failed messages are retried on later runs, up to
    `smtp.MAX_ATTEMPTS` times."""
    return smtp.send_pending(_list_unsubscribe, limit=limit)
