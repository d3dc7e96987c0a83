"""The search log: what people search for, what they find, what they open.

Logging is on the request path, so each call is one INSERT (`record`) or one
UPDATE (`opened`), and a failure to log never fails the search. No IP address
and no user id are kept: only whether the searcher was signed in. Rows older
than SEARCH_LOG_DAYS are deleted by `prune` (`flask insights prune`).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import SQLAlchemyError

from forum import changes
from forum.extensions import db
from forum.models import SEARCH_SOURCES, Question, SearchLog, utcnow

log = logging.getLogger("crowdfix.insights")

QUERY_MAX = 200
PRODUCT_MAX = 100
RANK_MAX = 1000
OPEN_WITHIN = timedelta(days=1)     # a result link older than this records nothing


def normalise(text: str) -> str:
    """Lowercased, whitespace collapsed, at most 200 characters."""
    return re.sub(r"\s+", " ", (text or "").lower()).strip()[:QUERY_MAX].strip()


def record(query: str, result_count: int, *, source: str = "page", signed_in: bool = False,
           product: str | None = None, now: datetime | None = None) -> int | None:
    """Log one search; its id (for the result links), or None when nothing was
    logged (an empty query, or the database refused: the search goes on)."""
    text = normalise(query)
    if not text or source not in SEARCH_SOURCES:
        return None
    row = SearchLog(query=text, result_count=max(0, int(result_count)), source=source,
                    signed_in=bool(signed_in),
                    product=normalise(product)[:PRODUCT_MAX] or None if product else None,
                    created_at=now or utcnow())
    # The page renders the results after this commit: keep them loaded, or each
    # row would be read again (its tags, its known issue) one query at a time.
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        with changes.writing():
            db.session.add(row)
    except SQLAlchemyError:
        log.warning("search log: could not record a search", exc_info=True)
        return None
    finally:
        session.expire_on_commit = expire
    return row.id


def opened(log_id: int, question_id: int, rank: int | None, *,
           now: datetime | None = None) -> bool:
    """Record which result of a logged search was opened, and at which rank (the
    first one opened counts). One UPDATE; False when nothing was recorded."""
    now = now or utcnow()
    rank = rank if isinstance(rank, int) and 1 <= rank <= RANK_MAX else None
    try:
        with changes.writing():
            result = db.session.execute(
                update(SearchLog)
                .where(SearchLog.id == log_id, SearchLog.opened_question_id.is_(None),
                       SearchLog.result_count > 0, SearchLog.created_at >= now - OPEN_WITHIN,
                       exists(select(Question.id).where(Question.id == question_id)))
                .values(opened_question_id=question_id, opened_rank=rank, opened_at=now))
    except SQLAlchemyError:       # e.g. a question id that does not exist
        log.warning("search log: could not record an opened result", exc_info=True)
        return False
    return result.rowcount > 0


def retention_days() -> int:
    return max(1, int(current_app.config.get("SEARCH_LOG_DAYS", 90)))


@changes.transaction
def prune(now: datetime | None = None) -> int:
    """Delete searches older than SEARCH_LOG_DAYS; how many were deleted."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days())
    return db.session.execute(delete(SearchLog).where(SearchLog.created_at < cutoff)).rowcount


def record_page(search_request: Any, page: Any, *, source: str, signed_in: bool) -> int | None:
    """Log the first page of a search (`forum.services.searching.search_threads`):
    the query as typed, the total found, the `product:` filter if any."""
    if getattr(search_request, "page", 1) != 1 or page.query.is_empty:
        return None
    products = ",".join(page.query.products) or None
    return record(search_request.q, page.total, source=source, signed_in=signed_in,
                  product=products)
