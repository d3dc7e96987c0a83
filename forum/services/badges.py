"""Badges, awarded by rules after the event that earns them.

Each rule is a query that finds what a user has earned: a rule either earns
once per user (`post_key` 0) or once per post. Awarding is idempotent: a badge
already held is never added again (and the unique constraint backs that up), so
`evaluate` can run after every event, and again from `flask badges award`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from forum import changes
from forum.errors import NotFound
from forum.extensions import db
from forum.models import Answer, Flag, Question, Revision, User, UserBadge, utcnow
from forum.signals import forum_event

NECROMANCER_AGE = timedelta(days=60)
# The question an answer belongs to or is accepted on. Built once: an alias of the
# single-table Question built per call cost ~10 ms of column adaptation a rule.
_Q = aliased(Question)


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    description: str
    level: str                  # bronze | silver | gold
    per_post: bool
    earned: Callable[[int], list[int]]   # user id -> post ids earned (or [0])


def _once(stmt) -> list[int]:
    return [0] if db.session.scalar(stmt.limit(1)) is not None else []


def _live_answers(user_id: int):
    return select(Answer.id).where(Answer.author_id == user_id, Answer.deleted_at.is_(None))


def _student(user_id: int) -> list[int]:
    return _once(select(Question.id).where(Question.author_id == user_id,
                                           Question.deleted_at.is_(None), Question.score >= 1))


def _teacher(user_id: int) -> list[int]:
    q = _Q
    return _once(select(Answer.id).join(q, q.accepted_answer_id == Answer.id)
                 .where(Answer.author_id == user_id, Answer.deleted_at.is_(None),
                        q.author_id != user_id))


def _scored(min_score: int) -> Callable[[int], list[int]]:
    def rule(user_id: int) -> list[int]:
        return list(db.session.scalars(_live_answers(user_id).where(Answer.score >= min_score)))
    return rule


def _problem_solver(user_id: int) -> list[int]:
    q = _Q
    n = db.session.scalar(select(func.count()).select_from(Answer)
                          .join(q, q.accepted_answer_id == Answer.id)
                          .where(Answer.author_id == user_id, Answer.deleted_at.is_(None)))
    return [0] if n >= 10 else []


def _verified(user_id: int) -> list[int]:
    return _once(_live_answers(user_id).where(Answer.official_at.is_not(None)))


def _citizen_patrol(user_id: int) -> list[int]:
    return _once(select(Flag.id).where(Flag.user_id == user_id, Flag.status == "helpful"))


def _editor(user_id: int) -> list[int]:
    return _once(select(Revision.id).where(Revision.author_id == user_id, Revision.number > 1))


def _necromancer(user_id: int) -> list[int]:
    q = _Q
    rows = db.session.execute(
        select(Answer.id, Answer.created_at, q.created_at).join(q, q.id == Answer.question_id)
        .where(Answer.author_id == user_id, Answer.deleted_at.is_(None), Answer.score >= 5)
    ).all()
    return [a for a, answered, asked in rows if answered - asked >= NECROMANCER_AGE]


BADGES: dict[str, Badge] = {b.slug: b for b in (
    Badge("student", "Student", "Asked a question with a score of 1 or more.", "bronze",
          False, _student),
    Badge("teacher", "Teacher", "Had an answer accepted for the first time.", "bronze",
          False, _teacher),
    Badge("editor", "Editor", "Edited a post for the first time.", "bronze", False, _editor),
    Badge("citizen-patrol", "Citizen Patrol", "Raised a flag that a moderator found helpful.",
          "bronze", False, _citizen_patrol),
    Badge("nice-answer", "Nice Answer", "An answer reached a score of 10.", "bronze", True,
          _scored(10)),
    Badge("good-answer", "Good Answer", "An answer reached a score of 25.", "silver", True,
          _scored(25)),
    Badge("verified", "Verified", "Wrote an answer that staff marked official.", "silver",
          False, _verified),
    Badge("necromancer", "Necromancer",
          "Answered a question more than 60 days old and the answer reached a score of 5.",
          "silver", True, _necromancer),
    Badge("problem-solver", "Problem Solver", "Had 10 answers accepted.", "gold", False,
          _problem_solver),
)}


def get(slug: str) -> Badge:
    if slug not in BADGES:
        raise NotFound(f"No badge called {slug!r}.")
    return BADGES[slug]


@changes.transaction
def evaluate(user_id: int) -> list[UserBadge]:
    """Award every badge the user has earned and does not hold yet; commit."""
    held = {(b, k) for b, k in db.session.execute(
        select(UserBadge.badge, UserBadge.post_key).where(UserBadge.user_id == user_id))}
    new: list[UserBadge] = []
    now = utcnow()
    for badge in BADGES.values():
        for key in badge.earned(user_id):
            if (badge.slug, key) in held:
                continue
            row = UserBadge(user_id=user_id, badge=badge.slug, post_key=key, awarded_at=now)
            try:
                with db.session.begin_nested():
                    db.session.add(row)
            except IntegrityError:
                continue        # a concurrent evaluation awarded it first
            held.add((badge.slug, key))
            new.append(row)
    if new:
        from forum.services.notifications import notify

        for row in new:
            badge = BADGES[row.badge]
            notify([user_id], "badge", f"You earned the {badge.name} badge: {badge.description}",
                 f"/badges/{badge.slug}", actor_id=None,
                 post_id=row.post_key or None)
    return new


def of_user(user_id: int) -> list[tuple[Badge, UserBadge]]:
    rows = db.session.scalars(select(UserBadge).where(UserBadge.user_id == user_id)
                              .order_by(UserBadge.awarded_at, UserBadge.id))
    return [(BADGES[r.badge], r) for r in rows if r.badge in BADGES]


def counts() -> dict[str, int]:
    return dict(db.session.execute(
        select(UserBadge.badge, func.count(func.distinct(UserBadge.user_id)))
        .group_by(UserBadge.badge)).all())


def holders(slug: str, limit: int = 100) -> list[tuple[User, UserBadge]]:
    get(slug)
    return [(user, award) for user, award in db.session.execute(
        select(User, UserBadge).join(UserBadge, UserBadge.user_id == User.id)
        .where(UserBadge.badge == slug).order_by(UserBadge.awarded_at.desc()).limit(limit)
    )]


def evaluate_all() -> int:
    total = 0
    for user_id in list(db.session.scalars(select(User.id))):
        total += len(evaluate(user_id))
    return total


# -- which users an event may have earned something for -------------------------------

def _on_event(kind: str, *, actor_id=None, post_id=None, **data) -> None:
    from forum.models import Post

    users: set[int] = set()
    post = db.session.get(Post, post_id) if post_id else None
    if kind in ("vote", "accepted", "official", "question", "answer") and post is not None:
        users.add(post.author_id)
    if kind == "edited" and actor_id:
        users.add(actor_id)
    if kind == "flag_decided":
        users.update(data.get("flagger_ids") or ())
    for user_id in sorted(users):
        evaluate(user_id)


def connect() -> None:
    forum_event.connect(_on_event, weak=False)
