"""OpenAPI paths of moderation's API (routes in the `moderation` package).

Each part of moderation describes its own routes in its own function; `paths()`
joins them for `forum.api.openapi.spec()`. The same test that checks the core
routes checks these: a route cannot exist undocumented.
"""

from __future__ import annotations

from typing import Any

from forum.api.openapi import SECURED, WRITE_ERRORS, _body, _errors, _id, _json, _ok, _ref

__all__ = ["SECURED", "WRITE_ERRORS", "_body", "_errors", "_id", "_json", "_ok", "_ref", "paths"]


def _flag_paths() -> dict[str, Any]:
    """Flags, flag decisions, the review queue."""
    return {}


def _thread_paths() -> dict[str, Any]:
    """Close, reopen, lock, pin, protect, undelete, merge, rollback."""
    return {}


def _user_paths() -> dict[str, Any]:
    """Suspensions."""
    return {}


def paths() -> dict[str, Any]:
    return {**_flag_paths(), **_thread_paths(), **_user_paths()}
