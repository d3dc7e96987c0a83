"""The staff insights: what the search log, "did this solve it" answers and ask
sessions add up to (`/staff/insights` and `/api/v1/insights/...`).

Read-only reports over a window of days (7, 30 or 90) and, for searches, a
product (the `product:` filter searchers used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from forum.extensions import db
from forum.models import Question, SearchLog, ThreadFeedback, utcnow
from forum.services import deflection
from forum.services.feedback import needs_review

DAY_CHOICES = (7, 30, 90)
DEFAULT_DAYS = 30
LIMIT = 20


def parse_days(value) -> int:
    """One of 7, 30, 90 (anything else: 30)."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in DAY_CHOICES else DEFAULT_DAYS


def parse_weeks(value) -> int:
    try:
        weeks = int(value)
    except (TypeError, ValueError):
        return 8
    return max(1, min(weeks, 52))


def parse_product(value) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.lower().split())[:100] or None


@dataclass(frozen=True)
class QueryRow:
    query: str
    searches: int
    results: int         # the most results any of these searches had
    opened: int          # searches of it whose results someone opened


@dataclass(frozen=True)
class DayRow:
    day: str
    searches: int
    no_results: int
    opened: int


@dataclass
class SearchReport:
    days: int
    product: str | None
    total: int = 0
    top: list[QueryRow] = field(default_factory=list)
    no_results: list[QueryRow] = field(default_factory=list)
    gaps: list[QueryRow] = field(default_factory=list)
    by_day: list[DayRow] = field(default_factory=list)
    products: list[str] = field(default_factory=list)


def _since(days: int, now: datetime | None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)


def searches(days: int = DEFAULT_DAYS, product: str | None = None, *,
             now: datetime | None = None, limit: int = LIMIT) -> SearchReport:
    """Top queries; queries that found nothing; and content gaps: queries that
    found results on the search page, none of which anybody opened."""
    since = _since(days, now)
    where = [SearchLog.created_at >= since]
    if product:
        where.append(SearchLog.product == product)
    opened = func.count(SearchLog.opened_question_id)
    grouped = (select(SearchLog.query, func.count().label("n"),
                      func.max(SearchLog.result_count).label("results"), opened.label("opened"))
               .where(*where).group_by(SearchLog.query))

    def rows(stmt) -> list[QueryRow]:
        return [QueryRow(r.query, r.n, r.results or 0, r.opened)
                for r in db.session.execute(stmt.limit(limit))]

    report = SearchReport(days=days, product=product)
    report.total = db.session.scalar(select(func.count()).select_from(SearchLog).where(*where))
    report.top = rows(grouped.order_by(func.count().desc(), SearchLog.query))
    report.no_results = rows(grouped.having(func.max(SearchLog.result_count) == 0)
                             .order_by(func.count().desc(), SearchLog.query))
    report.gaps = rows(grouped.where(SearchLog.source == "page")
                       .having(func.max(SearchLog.result_count) > 0, opened == 0)
                       .order_by(func.count().desc(), SearchLog.query))
    day = func.date(SearchLog.created_at)
    report.by_day = [
        DayRow(str(r.day), r.n, int(r.none or 0), r.opened) for r in db.session.execute(
            select(day.label("day"), func.count().label("n"),
                   func.sum(case((SearchLog.result_count == 0, 1), else_=0)).label("none"),
                   opened.label("opened"))
            .where(*where).group_by(day).order_by(day.desc()))]
    report.products = list(db.session.scalars(
        select(SearchLog.product).where(SearchLog.created_at >= since,
                                        SearchLog.product.is_not(None))
        .group_by(SearchLog.product).order_by(SearchLog.product).limit(50)))
    return report


@dataclass(frozen=True)
class FeedbackRow:
    question_id: int
    title: str
    slug: str
    yes: int
    no: int
    review: bool
    reasons: list[str]


def feedback(days: int = DEFAULT_DAYS, *, now: datetime | None = None,
             limit: int = 50) -> list[FeedbackRow]:
    """Threads with "did this solve it" answers in the window, those flagged for
    review first, then by the number of answers; the latest "no" reasons."""
    since = _since(days, now)
    yes = func.sum(case((ThreadFeedback.helpful.is_(True), 1), else_=0))
    no = func.sum(case((ThreadFeedback.helpful.is_(False), 1), else_=0))
    found = db.session.execute(
        select(ThreadFeedback.question_id, yes.label("yes"), no.label("no"))
        .where(ThreadFeedback.question_id.is_not(None), ThreadFeedback.updated_at >= since)
        .group_by(ThreadFeedback.question_id)).all()
    if not found:
        return []
    ids = [r.question_id for r in found]
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    reasons: dict[int, list[str]] = {}
    for qid, reason in db.session.execute(
            select(ThreadFeedback.question_id, ThreadFeedback.reason)
            .where(ThreadFeedback.question_id.in_(ids), ThreadFeedback.helpful.is_(False),
                   ThreadFeedback.reason.is_not(None), ThreadFeedback.updated_at >= since)
            .order_by(ThreadFeedback.updated_at.desc())):
        if len(reasons.setdefault(qid, [])) < 3:
            reasons[qid].append(reason)
    out = [FeedbackRow(r.question_id, questions[r.question_id].title,
                       questions[r.question_id].slug, int(r.yes), int(r.no),
                       needs_review(int(r.yes), int(r.no)), reasons.get(r.question_id, []))
           for r in found if r.question_id in questions]
    out.sort(key=lambda r: (not r.review, -(r.yes + r.no), -r.no, r.question_id))
    return out[:limit]


def deflection_weeks(weeks: int = 8, *, now: datetime | None = None) -> list[deflection.Week]:
    return deflection.weekly(weeks, now=now)
