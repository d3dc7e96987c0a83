"""Attachments: upload, download, verified fixes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("attachments", __name__)
