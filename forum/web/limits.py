"""Request rate limits (Flask-Limiter) for the pages and the API.

    @bp.post("/posts/<int:post_id>/vote")
    @limited("RATELIMIT_VOTE")
    def vote(post_id): ...

The limit string comes from config when the request arrives (so a test or an
operator can change it), only POST requests count, and each config key is one
budget shared by every route that names it: a page and its API twin draw on the
same count. Requests are counted per signed-in user (session or API token), else
per remote address. RATELIMIT_ENABLED=false turns every limit off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from forum.extensions import limiter


def rate_limit_key() -> str:
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    if user is not None:
        return f"user:{user.id}"
    return f"addr:{get_remote_address()}"


def previewing() -> bool:
    """A preview or a similar-questions check posts nothing: it is not counted."""
    return bool(request.form.get("preview") or request.form.get("similar"))


def limited(config_key: str, *, exempt_when: Callable[[], bool] | None = None):
    """Limit a route by the limit string in `config_key` (e.g. "RATELIMIT_POST")."""
    return limiter.shared_limit(
        lambda: current_app.config[config_key], scope=config_key.lower(),
        key_func=rate_limit_key, methods=["POST"], exempt_when=exempt_when,
    )


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


def retry_after_seconds() -> int | None:
    """Seconds until the limit this request broke lets it through again."""
    try:
        current = limiter.current_limit
        if current is None:
            return None
        return max(1, math.ceil(current.reset_at - time.time()))
    except Exception:       # the storage went away: say "a little" rather than fail
        return None


def too_many_message(description: str | None) -> str:
    """What a 429 from a limit says: the limit, and when to try again."""
    limit = f" (the limit is {description})" if description else ""
    seconds = retry_after_seconds()
    when = f"try again in {_wait(seconds)}" if seconds else "wait a little and try again"
    return f"Too many requests: you are doing that too often{limit}. Please {when}."
