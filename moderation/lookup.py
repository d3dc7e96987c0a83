"""Finding the original of a duplicate by what a person types: its number, its
link, or its title.

The flag and close forms suggest titles as you type (the JSON endpoint
`GET /api/v1/questions/similar`); without JavaScript the same field takes a
title, and this module turns it into one question, or a clear error when it
matches nothing or several.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from forum.errors import ValidationError
from forum.extensions import db
from forum.models import Question
from forum.services import searching

CANDIDATES = 5
TITLE_MIN = 3


def _quoted(questions: list[Question]) -> str:
    return "; ".join(f"“{q.title}” (#{q.id})" for q in questions)


def _not_a_duplicate():
    """SQL: questions that may be an original (not closed as a duplicate)."""
    return or_(Question.status.is_(None), Question.status != "closed",
               Question.closed_reason.is_(None), Question.closed_reason != "duplicate")


def original_by_title(text: str, exclude: int | None = None,
                      field: str = "duplicate_of") -> Question:
    """The one listed question whose title is `text` (any case), or else the one
    whose title contains it. Raises ValidationError on `field` when none or
    several match, naming the candidates so the person can pick one."""
    words = " ".join((text or "").split())
    if len(words) < TITLE_MIN:
        raise ValidationError({field: "Give the original question’s number, its link or "
                                      "its title."})
    base = select(Question).where(Question.listed(), _not_a_duplicate())
    if exclude is not None:
        base = base.where(Question.id != exclude)
    exact = list(db.session.scalars(
        base.where(func.lower(Question.title) == words.lower())
        .order_by(Question.id).limit(CANDIDATES + 1)))
    if len(exact) == 1:
        return exact[0]
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    candidates = exact or list(db.session.scalars(
        base.where(Question.title.ilike(pattern, escape="\\"))
        .order_by(Question.score.desc(), Question.id).limit(CANDIDATES + 1)))
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        more = " and more" if len(candidates) > CANDIDATES else ""
        raise ValidationError({field: (
            f"Several questions match “{words}”: {_quoted(candidates[:CANDIDATES])}{more}. "
            "Give the number or the link of the one you mean.")})
    hint = ""
    similar = [q for q in searching.similar_threads(words, limit=3, exclude=exclude)
               if q.id != exclude]
    if similar:
        hint = f" Did you mean {_quoted(similar)}?"
    raise ValidationError({field: (
        f"No question has a title like “{words}”.{hint} Give its number, its link or "
        "its exact title.")})


def resolve_original(duplicate_of: int | None, title: str, exclude: int | None = None) -> int | None:
    """The id a form or API call named: the number or link as given, else the title's."""
    if duplicate_of is not None:
        return duplicate_of
    if title:
        return original_by_title(title, exclude=exclude).id
    return None
