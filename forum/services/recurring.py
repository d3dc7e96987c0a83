"""Recurring issues for product teams: one score per canonical thread.

A canonical thread is a question that is neither a closed duplicate nor merged
into another. Its score rolls up, over a time window:

- duplicates: questions asked in the window and closed as duplicates of it;
- merged: questions asked in the window and merged into it;
- me-toos on it and on its duplicates and merged threads;
- "did not solve it" answers on it and on them (part A's `thread_feedback`);
- failed searches (part A's `search_log`, no results) whose words match its
  title: each distinct failed query is looked up once in the search index;
- views of it and of them (all-time view counts: views are not dated).

Each part is weighed by RECURRING_WEIGHTS (views per RECURRING_VIEWS_PER_POINT).
`store_week` (the weekly job, `flask insights recurring`) keeps a week's scores in
`recurring_scores`; the current week is computed live. Only threads with some
dated activity in the window get a score, so the work grows with activity, not
with the size of the forum.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, func, inspect, select, text

from forum import changes
from forum.errors import ValidationError
from forum.extensions import db
from forum.models import MeToo, Question, RecurringScore, utcnow

PARTS = ("duplicates", "merged", "me_toos", "views", "not_solved", "failed_searches")
PART_LABELS = {"duplicates": "Duplicates", "merged": "Merged", "me_toos": "Me too",
               "views": "Views", "not_solved": "Did not solve it",
               "failed_searches": "Failed searches"}
_MATCHES_KEY = "crowdfix.recurring_matches"
_MATCHES_HOURS = 24
_MATCHES_MAX = 20_000
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*")
_STOP = frozenset({
    "a", "an", "and", "are", "be", "but", "by", "can", "do", "does", "for", "from", "how", "i",
    "in", "is", "it", "my", "no", "not", "of", "on", "or", "so", "the", "to", "was", "what",
    "when", "why", "with",
})


@dataclass
class Parts:
    duplicates: int = 0
    merged: int = 0
    me_toos: int = 0
    views: int = 0
    not_solved: int = 0
    failed_searches: int = 0

    def as_dict(self) -> dict[str, int]:
        return {p: getattr(self, p) for p in PARTS}

    @property
    def active(self) -> bool:
        """Anything dated happened in the window (views alone do not count)."""
        return any(getattr(self, p) for p in PARTS if p != "views")


def score_of(parts: Parts) -> int:
    weights = current_app.config["RECURRING_WEIGHTS"]
    per_point = max(1, int(current_app.config["RECURRING_VIEWS_PER_POINT"]))
    total = sum(int(weights.get(p, 0)) * getattr(parts, p) for p in PARTS if p != "views")
    return total + int(weights.get("views", 0)) * (parts.views // per_point)


@dataclass
class Issue:
    """One canonical thread on the report."""

    question: Question
    parts: Parts
    score: int
    previous: int | None = None      # last week's score (stored, else computed)
    current: int = 0                 # this week's score so far
    weeks: list[tuple[date, int]] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        """Week-over-week change in percent; None when last week had no score."""
        if not self.previous:
            return None
        return round((self.current - self.previous) * 100.0 / self.previous, 1)

    @property
    def trend(self) -> str:
        if self.previous is None or self.previous == 0:
            return "new" if self.current else "flat"
        if self.current > self.previous:
            return "up"
        return "down" if self.current < self.previous else "flat"


# -- weeks -----------------------------------------------------------------------------

def week_start(moment: datetime | date) -> date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def week_bounds(week: date) -> tuple[datetime, datetime]:
    start = datetime.combine(week, time.min)
    return start, start + timedelta(days=7)


# -- the roll-up -----------------------------------------------------------------------

def _canonical_map() -> tuple[dict[int, int], list[tuple[int, int, datetime, bool]]]:
    """(child id -> canonical id) for every duplicate and merged question, and
    the children as (id, canonical, asked at, merged). A chain of duplicates
    resolves to its end; a loop is cut."""
    rows = db.session.execute(
        select(Question.id, Question.duplicate_of_id, Question.merged_into_id,
               Question.created_at, Question.deleted_at)
        .where(Question.duplicate_of_id.is_not(None) | Question.merged_into_id.is_not(None))
    ).all()
    parent = {r.id: (r.merged_into_id or r.duplicate_of_id) for r in rows}
    resolved: dict[int, int] = {}
    for child in parent:
        seen, node = {child}, parent[child]
        while node in parent and node not in seen:
            seen.add(node)
            node = parent[node]
        resolved[child] = node
    children = []
    for r in rows:
        merged = r.merged_into_id is not None
        if r.deleted_at is not None and not merged:
            continue              # a deleted duplicate is not a recurrence
        children.append((r.id, resolved[r.id], r.created_at, merged))
    return resolved, children


def _has_table(name: str) -> bool:
    return inspect(db.session.connection()).has_table(name)


def _not_solved(since: datetime, until: datetime) -> Counter:
    """"Did not solve it" answers per question (part A's thread_feedback, if present)."""
    if not _has_table("thread_feedback"):
        return Counter()
    rows = db.session.execute(text(
        "SELECT question_id, COUNT(*) FROM thread_feedback WHERE question_id IS NOT NULL"
        " AND helpful = :no AND created_at >= :since AND created_at < :until GROUP BY question_id"
    ), {"no": False, "since": since, "until": until}).all()
    return Counter({qid: n for qid, n in rows})


def _words(value: str) -> set[str]:
    return {w for w in _WORD.findall(value.lower()) if w not in _STOP and len(w) > 1}


def _failed_searches(since: datetime, until: datetime) -> Counter:
    """Searches with no results, per thread their words match: each distinct
    failed query is looked up once in the search index (its most similar title),
    and counts when at least half of its words are in that title."""
    if not _has_table("search_log"):
        return Counter()
    limit = int(current_app.config["RECURRING_FAILED_QUERIES"])
    rows = db.session.execute(text(
        "SELECT query, COUNT(*) AS n FROM search_log WHERE result_count = 0"
        " AND created_at >= :since AND created_at < :until GROUP BY query"
        " ORDER BY n DESC, query LIMIT :limit"
    ), {"since": since, "until": until, "limit": limit}).all()
    if not rows:
        return Counter()
    from forum.services import searching

    try:
        index = searching.get_index()
    except Exception:                  # no index: failed searches cannot be matched
        return Counter()
    # query -> best thread, remembered by the process for a day: the page computes
    # several windows, and a failed query is looked up once, not once a request
    known = current_app.extensions.setdefault(_MATCHES_KEY, {})
    if len(known) > _MATCHES_MAX:
        known.clear()
    now = utcnow()
    best: dict[str, int] = {}
    for query, _ in rows:
        if not _words(query):
            continue
        remembered = known.get(query)
        if remembered is None or remembered[1] < now:
            try:
                hits = index.similar(query, limit=1)
            except Exception:
                return Counter()
            remembered = known[query] = (hits[0].id if hits else None,
                                         now + timedelta(hours=_MATCHES_HOURS))
        if remembered[0] is not None:
            best[query] = remembered[0]
    titles = dict(db.session.execute(
        select(Question.id, Question.title).where(Question.id.in_(set(best.values())))).all())
    found: Counter = Counter()
    for query, n in rows:
        qid = best.get(query)
        if qid is None or qid not in titles:
            continue
        words = _words(query)
        if len(words & _words(titles[qid] or "")) * 2 >= len(words):
            found[qid] += n
    return found


def compute(since: datetime, until: datetime) -> dict[int, Parts]:
    """{canonical question id: Parts} for threads with dated activity in [since, until)."""
    resolved, children = _canonical_map()

    def canon(qid: int) -> int:
        return resolved.get(qid, qid)

    parts: dict[int, Parts] = defaultdict(Parts)
    for _child, root, asked, merged in children:
        if since <= asked < until:
            if merged:
                parts[root].merged += 1
            else:
                parts[root].duplicates += 1
    for qid, n in db.session.execute(
        select(MeToo.question_id, func.count()).where(
            MeToo.created_at >= since, MeToo.created_at < until).group_by(MeToo.question_id)
    ):
        parts[canon(qid)].me_toos += n
    for qid, n in _not_solved(since, until).items():
        parts[canon(qid)].not_solved += n
    for qid, n in _failed_searches(since, until).items():
        parts[canon(qid)].failed_searches += n
    active = {qid: p for qid, p in parts.items() if p.active}
    if not active:
        return {}
    family: dict[int, set[int]] = defaultdict(set)
    for child, root, _asked, _merged in children:
        if root in active:
            family[root].add(child)
    ids = set(active) | {c for kids in family.values() for c in kids}
    views = dict(db.session.execute(
        select(Question.id, Question.view_count).where(Question.id.in_(ids))).all())
    for qid, p in active.items():
        p.views = views.get(qid, 0) + sum(views.get(c, 0) for c in family[qid])
    return active


def _live_questions(ids, product: str | None, version: str | None) -> dict[int, Question]:
    if not ids:
        return {}
    stmt = select(Question).where(Question.id.in_(ids), Question.deleted_at.is_(None),
                                  Question.duplicate_of_id.is_(None),
                                  Question.merged_into_id.is_(None))
    if product:
        stmt = stmt.where(Question.product == product)
    if version:
        stmt = stmt.where(Question.product_version == version)
    return {q.id: q for q in db.session.scalars(stmt)}


def _week_scores(week: date, ids) -> dict[int, int]:
    """One week's scores for these threads: stored if the weekly job ran, else computed."""
    stored = dict(db.session.execute(
        select(RecurringScore.question_id, RecurringScore.score)
        .where(RecurringScore.week == week, RecurringScore.question_id.in_(ids))).all())
    if stored or _week_stored(week):
        return stored
    start, end = week_bounds(week)
    return {qid: score_of(p) for qid, p in compute(start, end).items() if qid in ids}


def _week_stored(week: date) -> bool:
    return db.session.scalar(
        select(RecurringScore.question_id).where(RecurringScore.week == week).limit(1)
    ) is not None


@dataclass(frozen=True)
class Group:
    """The scored threads of one product and version (None: none given)."""

    product: str | None
    version: str | None
    threads: int
    score: int


def _groups(issues: list[Issue]) -> list[Group]:
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for issue in issues:
        key = (issue.question.product, issue.question.product_version)
        totals[key][0] += 1
        totals[key][1] += issue.score
    return sorted((Group(p, v, n, score) for (p, v), (n, score) in totals.items()),
                  key=lambda g: (-g.score, g.product or "\uffff", g.version or ""))


def ranked(days: int, product: str | None = None, version: str | None = None,
           limit: int | None = None, now: datetime | None = None,
           groups: list[Group] | None = None) -> list[Issue]:
    """Canonical threads by score over the last `days` days, highest first (ties:
    newest thread first), each with this week's score so far and last week's.
    `groups`, when given, is filled with the totals per product and version of
    every scored thread (not only the first `limit`)."""
    now = now or utcnow()
    limit = limit or int(current_app.config["RECURRING_LIMIT"])
    found = compute(now - timedelta(days=days), now + timedelta(seconds=1))
    questions = _live_questions(list(found), product, version)
    issues = [Issue(question=questions[qid], parts=p, score=score_of(p))
              for qid, p in found.items() if qid in questions]
    issues.sort(key=lambda i: (-i.score, -i.question.id))
    if groups is not None:
        groups.extend(_groups(issues))
    issues = issues[:limit]
    if not issues:
        return issues
    ids = [i.question.id for i in issues]
    this_week = week_start(now)
    start, _ = week_bounds(this_week)
    current = {qid: score_of(p) for qid, p in compute(start, now + timedelta(seconds=1)).items()}
    previous = _week_scores(this_week - timedelta(days=7), ids)
    for issue in issues:
        issue.current = current.get(issue.question.id, 0)
        issue.previous = previous.get(issue.question.id, 0)
    return issues


def weekly_series(issues: list[Issue], weeks: int | None = None,
                  now: datetime | None = None) -> list[date]:
    """Fill each issue's `weeks` with (week, score) for the last `weeks` weeks,
    oldest first: stored scores for past weeks (0 where the job found none), and
    this week's live score. Returns the weeks."""
    now = now or utcnow()
    weeks = weeks or int(current_app.config["RECURRING_CHART_WEEKS"])
    this_week = week_start(now)
    days = [this_week - timedelta(days=7 * k) for k in range(weeks - 1, -1, -1)]
    ids = [i.question.id for i in issues]
    stored: dict[tuple[int, date], int] = {}
    if ids:
        for qid, week, score in db.session.execute(
            select(RecurringScore.question_id, RecurringScore.week, RecurringScore.score)
            .where(RecurringScore.question_id.in_(ids), RecurringScore.week >= days[0],
                   RecurringScore.week < this_week)
        ):
            stored[(qid, week)] = score
    for issue in issues:
        issue.weeks = [(d, stored.get((issue.question.id, d), 0)) for d in days[:-1]]
        issue.weeks.append((this_week, issue.current))
    return days


@changes.transaction
def store_week(week: date) -> int:
    """Compute and keep one (finished or current) week's scores; running it again
    replaces that week's rows. Returns how many threads scored."""
    start, end = week_bounds(week)
    found = compute(start, end)
    questions = _live_questions(list(found), None, None)
    db.session.execute(delete(RecurringScore).where(RecurringScore.week == week))
    now = utcnow()
    for qid, p in found.items():
        q = questions.get(qid)
        if q is None:
            continue
        db.session.add(RecurringScore(
            question_id=qid, week=week, score=score_of(p), product=q.product,
            product_version=q.product_version, computed_at=now, **p.as_dict()))
    return sum(1 for qid in found if qid in questions)


@dataclass(frozen=True)
class ReportFilters:
    days: int = 7
    product: str | None = None
    version: str | None = None


DAYS_MAX = 365


def parse_filters(args) -> ReportFilters:
    """?days=1..365 (default 7), product=, version= from a query string; bad
    input raises ValidationError."""
    errors: dict[str, str] = {}
    raw = (args.get("days") or "").strip()
    days = 7
    if raw:
        if not raw.isdigit() or not 1 <= int(raw) <= DAYS_MAX:
            errors["days"] = f"days must be a whole number from 1 to {DAYS_MAX}."
        else:
            days = int(raw)
    product = (args.get("product") or "").strip() or None
    version = (args.get("version") or "").strip() or None
    if product and len(product) > 100:
        errors["product"] = "product must be at most 100 characters."
    if version and len(version) > 50:
        errors["version"] = "version must be at most 50 characters."
    if version and not product:
        errors["version"] = "Choose the product the version belongs to."
    if errors:
        raise ValidationError(errors)
    return ReportFilters(days=days, product=product, version=version)
