"""Admin pages: roles (admins only)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)
