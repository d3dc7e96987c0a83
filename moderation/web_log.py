"""The audit log page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mod_log", __name__)
