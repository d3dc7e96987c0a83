"""Closing and reopening, duplicates, locks, pins, protection, deletion, merging and rollback."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mod_threads", __name__)
