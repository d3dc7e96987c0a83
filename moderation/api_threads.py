"""API v1 (moderation): close, reopen, lock, pin, protect, undelete, merge, rollback."""

from __future__ import annotations

from moderation.api import bp  # noqa: F401
