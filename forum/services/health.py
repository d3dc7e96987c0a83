"""Is this process able to serve: the database and the search index answer."""

from __future__ import annotations

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


def check_search() -> str | None:
    """None when the index answers a trivial query, else what went wrong."""
    from forum.services import searching
    from search.query import parse

    try:
        searching.get_index().search(parse("healthcheck"), page=1, per_page=1)
        return None
    except Exception as e:      # noqa: BLE001
        return type(e).__name__
