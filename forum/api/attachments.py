"""API v1: attachments (upload, verified fixes)."""

from __future__ import annotations

from forum.api import bp  # noqa: F401
