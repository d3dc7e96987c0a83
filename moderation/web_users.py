"""Suspensions and the moderator's view of a user."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mod_users", __name__)
