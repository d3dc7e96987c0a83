"""The staff desk: what company staff should look at next.

Four lists (unanswered threads, recurring issues ranked by recent "me too"s,
known issues by state, answers awaiting staff verification), the recurring
report as CSV, and the user listing of the admin roles page. Each list runs a
fixed number of queries however many rows it returns: the rows come from one
query each, and their tags, authors and questions are loaded in bulk.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, selectinload

from forum.extensions import db
from forum.models import (
    KNOWN_STATES,
    Answer,
    KnownIssue,
    MeToo,
    Question,
    Tag,
    User,
    question_tags,
    utcnow,
)
from forum.services.browsing import Page

WINDOWS = (7, 30)          # the recurring-issue windows the desk offers, in days
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class DeskFilters:
    """What the desk is narrowed to: a tag name, a product, and how many rows a list shows."""

    tag: str | None = None
    product: str | None = None
    limit: int | None = None
    version: str | None = None      # a version of `product` (questions asked about it)

    @property
    def rows(self) -> int:
        return self.limit or int(current_app.config["STAFF_DESK_LIMIT"])


@dataclass(frozen=True)
class RecurringRow:
    question: Question
    recent: int                 # me-toos within the window
    latest: datetime            # the newest of them
    known_state: str | None


@dataclass(frozen=True)
class KnownRow:
    issue: KnownIssue
    question: Question


def _narrow(stmt, question, filters: DeskFilters):
    """Apply the tag and product filters to a statement over `question` (a Question or alias)."""
    if filters.tag:
        stmt = stmt.where(question.id.in_(
            select(question_tags.c.question_id).join(Tag).where(Tag.name == filters.tag)
        ))
    if filters.product:
        stmt = stmt.where(question.product == filters.product)
        if filters.version:
            stmt = stmt.where(question.product_version == filters.version)
    return stmt


def unanswered(filters: DeskFilters) -> list[Question]:
    """Open questions nobody has answered yet, oldest first: they have waited longest."""
    stmt = select(Question).where(
        Question.deleted_at.is_(None), Question.status == "open", Question.answer_count == 0,
    )
    stmt = _narrow(stmt, Question, filters)
    return list(db.session.scalars(
        stmt.order_by(Question.created_at, Question.id).limit(filters.rows)
    ))


def recurring(filters: DeskFilters, days: int) -> list[RecurringRow]:
    """Questions by the number of "me too"s in the last `days` days, most first;
    ties go to the one with the newest me-too."""
    since = utcnow() - timedelta(days=days)
    recent = (
        select(MeToo.question_id, func.count().label("recent"),
               func.max(MeToo.created_at).label("latest"))
        .where(MeToo.created_at >= since).group_by(MeToo.question_id).subquery()
    )
    stmt = (
        select(Question, recent.c.recent, recent.c.latest, KnownIssue.state)
        .join(recent, recent.c.question_id == Question.id)
        .outerjoin(KnownIssue, KnownIssue.question_id == Question.id)
        .where(Question.deleted_at.is_(None))
    )
    stmt = _narrow(stmt, Question, filters).order_by(
        recent.c.recent.desc(), recent.c.latest.desc(), Question.id.desc()
    ).limit(filters.rows)
    return [RecurringRow(question=q, recent=n, latest=latest, known_state=state)
            for q, n, latest, state in db.session.execute(stmt)]


def known_issues(filters: DeskFilters) -> dict[str, list[KnownRow]]:
    """Known issues on live threads, grouped by state in KNOWN_STATES order, the
    most recently updated first; each state shows up to `filters.rows` issues."""
    groups: dict[str, list[KnownRow]] = {}
    for state in KNOWN_STATES:
        stmt = (
            select(KnownIssue, Question).join(Question, Question.id == KnownIssue.question_id)
            .where(KnownIssue.state == state, Question.deleted_at.is_(None))
        )
        stmt = _narrow(stmt, Question, filters).order_by(
            KnownIssue.updated_at.desc(), KnownIssue.question_id.desc()
        ).limit(filters.rows)
        groups[state] = [KnownRow(issue=i, question=q) for i, q in db.session.execute(stmt)]
    return groups


def awaiting_verification(filters: DeskFilters) -> list[Answer]:
    """Answers the community trusts (accepted, or scored at least
    STAFF_VERIFY_MIN_SCORE) that staff have not verified yet, highest score first."""
    question = aliased(Question)
    min_score = int(current_app.config["STAFF_VERIFY_MIN_SCORE"])
    stmt = (
        select(Answer).join(question, Answer.question_id == question.id)
        .where(
            Answer.deleted_at.is_(None), Answer.official_at.is_(None),
            question.deleted_at.is_(None),
            or_(question.accepted_answer_id == Answer.id, Answer.score >= min_score),
        )
    )
    stmt = _narrow(stmt, question, filters).order_by(
        Answer.score.desc(), Answer.created_at, Answer.id
    ).limit(filters.rows).options(selectinload(Answer.question))
    return list(db.session.scalars(stmt))


CSV_COLUMNS = ("question_id", "title", "url", "tags", "product", "me_too_last_{days}_days",
               "me_too_total", "answers", "solved", "known_state", "created_at")


def _cell(value) -> str | int:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _path(question: Question) -> str:
    return f"/questions/{question.id}/{question.slug}"


def recurring_csv(filters: DeskFilters, days: int,
                  url_for_question: Callable[[Question], str] = _path) -> str:
    """The recurring-issue report as CSV text. Every text cell that a spreadsheet
    would run as a formula is prefixed with a single quote. The web layer passes
    `url_for_question` to put absolute links in the report."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.format(days=days) for c in CSV_COLUMNS])
    for row in recurring(filters, days):
        q = row.question
        writer.writerow([_cell(v) for v in (
            q.id, q.title, url_for_question(q), " ".join(q.tag_names), q.product or "",
            row.recent, q.me_too_count, q.answer_count, "yes" if q.solved else "no",
            row.known_state or "", q.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )])
    return out.getvalue()


def list_users(search: str | None, page: int, per_page: int) -> Page:
    """Users for the admin roles page: admins first, then by name; `search`
    matches anywhere in the username, case-insensitively."""
    stmt = select(User)
    if search:
        stmt = stmt.where(User.username_lower.contains(search.strip().lower(), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(db.session.scalars(
        stmt.order_by((User.role == "admin").desc(), User.username_lower)
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return Page(items=items, page=page, per_page=per_page, total=total)
