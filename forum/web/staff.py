"""The staff desk: unanswered threads, recurring issues, known issues, answers awaiting verification."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)
