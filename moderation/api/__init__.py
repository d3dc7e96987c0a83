"""Moderation's part of JSON API v1: the same `/api/v1` prefix, token auth and
JSON errors as the core API (`forum.api`). Route modules (`flags`, `threads`,
`users`, `tag_synonyms`) attach to `bp`; `moderation.init_app` imports each of
them before registering `bp`, and `moderation.api.openapi` describes them."""

from __future__ import annotations

from flask import Blueprint

from forum.api import authenticate

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1")
bp.before_request(authenticate)
