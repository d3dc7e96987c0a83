"""Anti-abuse rules for posting: new-user throttles and repeated text.

Posting (`forum.services.posting`) calls these before it writes anything:

- New users (reputation below NEW_USER_REP or email address not confirmed yet,
  not staff) may put at most
  NEW_USER_MAX_LINKS links in a post body (422), and ask at most one question
  every NEW_USER_QUESTION_INTERVAL_MIN minutes (429 with when to ask again).
  RATELIMIT_ENABLED=false turns these off, like every rate limit.
- Nobody but staff may post a body they already posted in the last
  REPEATED_TEXT_HOURS hours (422), whatever RATELIMIT_ENABLED says.

The per-minute request limits (Flask-Limiter) are in `forum.web.limits`.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from forum.errors import ForumError, ValidationError
from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Post, Question, utcnow
from forum.services.locking import lock_users

_LINK_TAG = re.compile(r"<a\s", re.IGNORECASE)
_NOT_PROSE = re.compile(r"<(a|pre|code)\b.*?</\1>|<img\b[^>]*>", re.IGNORECASE | re.DOTALL)
_BARE_URL = re.compile(r"https?://[^\s<]+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


class RateLimited(ForumError):
    """Too many requests: wait a little and try again."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str = "", *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def throttles_enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def is_new_user(user: Any) -> bool:
    """A member who has not yet earned NEW_USER_REP, or has not confirmed their
    email address yet. Staff never are."""
    if user.is_staff:
        return False
    return (user.reputation < int(current_app.config["NEW_USER_REP"])
            or getattr(user, "email_verified_at", True) is None)


def count_links(body: str) -> int:
    """Links in a post: Markdown links (inline and by reference), autolinks and
    bare http(s) URLs. Counted on the rendered post, so URLs inside code (logs
    full of them) do not count, and images are not links."""
    html = render_markdown(body)
    return len(_LINK_TAG.findall(html)) + len(_BARE_URL.findall(_NOT_PROSE.sub(" ", html)))


def normalise(text: str) -> str:
    """What "the same text" means: case and whitespace do not matter."""
    return _SPACE.sub(" ", text or "").strip().casefold()


def _wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _until(user: Any) -> str:
    need = int(current_app.config["NEW_USER_REP"])
    if user.reputation >= need:          # new only because the address is not confirmed
        return "until they confirm their email address (see Settings)"
    return f"until they have {need} reputation"


def check_links(user: Any, body: str) -> None:
    if not throttles_enabled() or not is_new_user(user):
        return
    limit = int(current_app.config["NEW_USER_MAX_LINKS"])
    found = count_links(body)
    if found > limit:
        raise ValidationError({"body": (
            f"New members can put at most {limit} link{'s' if limit != 1 else ''} in a post "
            f"(this one has {found}) {_until(user)}. Remove some links, "
            f"or paste the addresses as code."
        )})


def check_question_interval(user: Any) -> None:
    """One question per NEW_USER_QUESTION_INTERVAL_MIN minutes for new users.
    Locks the user's row, so two questions sent at once cannot both pass."""
    if not throttles_enabled() or not is_new_user(user):
        return
    minutes = int(current_app.config["NEW_USER_QUESTION_INTERVAL_MIN"])
    lock_users(user.id)
    last = db.session.scalar(select(func.max(Question.created_at)).where(
        Question.author_id == user.id))
    if last is None:
        return
    next_at = last + timedelta(minutes=minutes)
    now = utcnow()
    if next_at <= now:
        return
    seconds = max(1, math.ceil((next_at - now).total_seconds()))
    raise RateLimited(
        f"New members can ask one question every {minutes} minutes {_until(user)}. "
        f"You can ask again in {_wait(seconds)} "
        f"(at {next_at:%H:%M} UTC).",
        retry_after=seconds,
    )


def check_repeated_text(user: Any, body: str, *, exclude_post_id: int | None = None) -> None:
    """Refuse a body the same user already posted (undeleted) in the window."""
    if user.is_staff:
        return
    wanted = normalise(body)
    if not wanted:
        return
    hours = int(current_app.config["REPEATED_TEXT_HOURS"])
    stmt = select(Post.body).where(
        Post.author_id == user.id, Post.deleted_at.is_(None),
        Post.created_at >= utcnow() - timedelta(hours=hours),
    )
    if exclude_post_id is not None:
        stmt = stmt.where(Post.id != exclude_post_id)
    if any(normalise(text) == wanted for text in db.session.scalars(stmt)):
        raise ValidationError({"body": (
            f"You posted the same text in the last {hours} hours. If it answers another "
            f"question too, link to your post instead, or say what is different here."
        )})


def check_new_post(user: Any, body: str, *, question: bool) -> None:
    """Everything a new question or answer must pass, cheapest refusal first."""
    if question:
        check_question_interval(user)
    check_links(user, body)
    check_repeated_text(user, body)


def check_edit(user: Any, post: Any, body: str) -> None:
    """An edit that changes the body: the link limit, and repeated text when the
    author edits their own post into a copy of another of theirs."""
    check_links(user, body)
    if post.author_id == user.id:
        check_repeated_text(user, body, exclude_post_id=post.id)


#: The registration form's trap: hidden from people (CSS, aria-hidden, no tab
#: stop, no autofill), so only a form-filling bot puts anything in it.
HONEYPOT_FIELD = "website"


def honeypot_filled(form: Any) -> bool:
    value = form.get(HONEYPOT_FIELD) if form is not None else None
    return bool(value and str(value).strip())
