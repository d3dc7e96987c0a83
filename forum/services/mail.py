"""Mail: the outbox and its delivery over SMTP.

Nothing is sent inside a request: notifications queue rows in `outbox`, and
`flask mail send` (run it from cron or a systemd timer every minute) delivers
them to `MAIL_URL`, and builds the daily digests. Every mail carries an
unsubscribe link (and a List-Unsubscribe header) that turns mail off for that
user without logging in.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from forum import changes
from forum.errors import NotFound
from forum.extensions import db
from forum.models import Notification, OutboxMail, User, utcnow

MAX_ATTEMPTS = 5


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


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    pending: int


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("MAIL_URL must look like smtp://host:port or smtps://host:port")
    host, port = parts.hostname or "127.0.0.1", parts.port
    if parts.scheme == "smtps":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=20)
    else:
        server = smtplib.SMTP(host, port or 25, timeout=20)
    if parts.username:
        server.login(unquote(parts.username), unquote(parts.password or ""))
    return server


def send_pending(limit: int = 500) -> SendReport:
    """Deliver queued mail over MAIL_URL. A failed message is retried on the next
    run, up to MAX_ATTEMPTS times; its error is kept on the row."""
    url = current_app.config.get("MAIL_URL")
    if not url:
        raise ValueError("MAIL_URL is not set: mail stays in the outbox.")
    rows = list(db.session.scalars(
        select(OutboxMail).where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMail.created_at, OutboxMail.id).limit(limit)
    ))
    sent = failed = 0
    if rows:
        with _connect(url) as server:
            for row in rows:
                message = EmailMessage()
                message["From"] = current_app.config["MAIL_FROM"]
                message["To"] = row.to_addr
                message["Subject"] = row.subject
                if row.user_id:
                    user = db.session.get(User, row.user_id)
                    if user is not None:
                        message["List-Unsubscribe"] = f"<{unsubscribe_url(user)}>"
                message.set_content(row.body)
                with changes.writing():         # one message, one commit: never sent twice
                    row.attempts += 1
                    try:
                        server.send_message(message)
                    except smtplib.SMTPException as e:
                        row.last_error = str(e)[:500]
                        failed += 1
                    else:
                        row.sent_at = utcnow()
                        row.last_error = None
                        sent += 1
    pending = db.session.query(OutboxMail).filter(OutboxMail.sent_at.is_(None),
                                                  OutboxMail.attempts < MAX_ATTEMPTS).count()
    return SendReport(sent=sent, failed=failed, pending=pending)
