"""Flags, the moderation queue and the review queue (suggested edits, first posts)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mod_flags", __name__)
