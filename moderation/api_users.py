"""API v1 (moderation): suspensions."""

from __future__ import annotations

from moderation.api import bp  # noqa: F401
