"""JSON API v1: token auth (`Authorization: Bearer <token>`), JSON errors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request

from forum.errors import ForumError, PermissionDenied
from forum.services import accounts

bp = Blueprint("api", __name__, url_prefix="/api/v1")

class Unauthorized(ForumError):
    """Send a valid API token: `Authorization: Bearer <token>`."""

    status = 401
    code = "unauthorized"


class UnsupportedMediaType(ForumError):
    """Send the body as JSON with `Content-Type: application/json`."""

    status = 415
    code = "unsupported_media_type"


@bp.before_request
def authenticate() -> None:
    g.api_user = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be `Bearer <token>`.")
    user = accounts.user_for_token(token.strip())
    if user is None:
        raise Unauthorized("That API token is not valid.")
    g.api_user = user


def api_user():
    """The caller, or a 401 when the request carries no token."""
    if g.get("api_user") is None:
        raise Unauthorized()
    return g.api_user


def staff_user():
    user = api_user()
    if not user.is_staff:
        raise PermissionDenied("Only staff may do that.")
    return user


def json_body() -> dict[str, Any]:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ForumError("The JSON is nested too deeply.", code="invalid_json") from None
    if not isinstance(data, dict):
        raise ForumError("The body must be a JSON object.", code="invalid_json")
    if not _valid_unicode(data):
        raise ForumError("The JSON contains text that is not valid Unicode "
                         "(an unpaired surrogate escape such as \\ud800).", code="invalid_json")
    return data


def _valid_unicode(data: Any) -> bool:
    """False when any string (key or value) holds a lone surrogate, which JSON's
    `\\uXXXX` escapes allow but no database can store."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


# Each module's routes attach to bp.
from forum.api import (  # noqa: E402,F401
    articles,
    attachments,
    cases,
    hooks,
    insights,
    products,
    routes,
    support,
)
