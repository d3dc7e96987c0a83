"""API v1 (moderation): flags, flag decisions and review decisions."""

from __future__ import annotations

from moderation.api import bp  # noqa: F401
