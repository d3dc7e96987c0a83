"""API v1: official answers, known issues, me too."""

from __future__ import annotations

from forum.api import bp  # noqa: F401
