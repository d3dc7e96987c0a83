"""Delivering the outbox over SMTP: connecting to `MAIL_URL` and sending the
queued rows of `outbox`, one commit per message, with retries.

What becomes mail, and what it says, is decided in `forum.services.mail`; this
module only carries the rows it queued. It is driven by `flask mail send`.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from forum import changes
from forum.extensions import db
from forum.models import OutboxMail, utcnow

MAX_ATTEMPTS = 5


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


def send_pending(extra_headers: Callable[[OutboxMail], dict[str, str]] = lambda row: {},
                 limit: int = 500) -> SendReport:
    """Deliver queued mail over MAIL_URL, each message with the headers
    `extra_headers(row)` adds. A failed message is retried on the next run, up to
    MAX_ATTEMPTS times; its error is kept on the row."""
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
                for name, value in extra_headers(row).items():
                    message[name] = value
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
