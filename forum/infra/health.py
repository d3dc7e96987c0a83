"""Is this process able to serve: the database and the search index answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from forum.extensions import db


def check_database() -> str | None:
    """None when `SELECT 1` answers, else what went wrong."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as e:      # noqa: BLE001
        return type(e).__name__


def check_search(get_index: Callable[[], Any]) -> str | None:
    """None when the index `get_index()` returns (the search service's, passed in:
    infrastructure does not import the services) answers a trivial query, else
    what went wrong."""
    from search.query import parse

    try:
        get_index().search(parse("healthcheck"), page=1, per_page=1)
        return None
    except Exception as e:      # noqa: BLE001
        return type(e).__name__
