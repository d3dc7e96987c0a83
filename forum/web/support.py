"""Staff and support actions on threads: official answers, known issues, me too."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("support", __name__)
