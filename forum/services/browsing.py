"""Reading: question lists, a whole thread, tags and user profiles.

Each function loads what a page shows with a fixed number of queries, whatever
the number of answers and comments.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from forum.errors import NotFound
from forum.extensions import db
from forum.inputs import ListQuery
from forum.models import Answer, Comment, MeToo, Post, Question, Tag, User, question_tags
from forum.services import voting


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


@dataclass
class Thread:
    question: Question
    answers: list[Answer]
    comments: dict[int, list[Comment]]
    my_votes: dict[int, int] = field(default_factory=dict)
    me_too: bool = False        # the viewer said "I have this problem too"


ORDERS = {
    "newest": (Post.created_at.desc(), Post.id.desc()),
    "active": (Post.last_activity_at.desc(), Post.id.desc()),
    "votes": (Post.score.desc(), Post.created_at.desc()),
    "unanswered": (Post.created_at.desc(), Post.id.desc()),
}


def list_questions(query: ListQuery, author_id: int | None = None) -> Page:
    stmt = select(Question).where(Question.deleted_at.is_(None))
    if query.sort == "unanswered":
        stmt = stmt.where(Question.answer_count == 0)
    if query.tag:
        stmt = stmt.where(Question.id.in_(
            select(question_tags.c.question_id).join(Tag).where(Tag.name == query.tag)
        ))
    if author_id is not None:
        stmt = stmt.where(Question.author_id == author_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(db.session.scalars(
        stmt.order_by(*ORDERS[query.sort])
        .offset((query.page - 1) * query.per_page).limit(query.per_page)
    ))
    return Page(items=items, page=query.page, per_page=query.per_page, total=total)


def answer_order(question: Question, answers: list[Answer]) -> list[Answer]:
    """Official first, then accepted, then score, then age."""
    return sorted(answers, key=lambda a: (
        not a.is_official, a.id != question.accepted_answer_id, -a.score, a.created_at, a.id
    ))


def load_thread(question_id: int, viewer=None, *, include_deleted: bool = False) -> Thread:
    question = db.session.get(Post, question_id)
    if not isinstance(question, Question) or (question.is_deleted and not include_deleted):
        raise NotFound(f"Question {question_id} does not exist.")
    answers = list(db.session.scalars(
        select(Answer).where(Answer.question_id == question.id, Answer.deleted_at.is_(None))
    ))
    answers = answer_order(question, answers)
    post_ids = [question.id, *(a.id for a in answers)]
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in db.session.scalars(
        select(Comment).where(Comment.post_id.in_(post_ids), Comment.deleted_at.is_(None))
        .order_by(Comment.created_at, Comment.id)
    ):
        comments[comment.post_id].append(comment)
    my_votes = {}
    said_me_too = False
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        my_votes = voting.votes_by(viewer.id, post_ids)
        said_me_too = db.session.get(MeToo, (question.id, viewer.id)) is not None
    return Thread(question=question, answers=answers, comments=dict(comments), my_votes=my_votes,
                  me_too=said_me_too)


def popular_tags(limit: int = 200, prefix: str | None = None) -> list[Tag]:
    stmt = select(Tag).where(Tag.question_count > 0)
    if prefix:
        stmt = stmt.where(Tag.name.startswith(prefix.lower(), autoescape=True))
    return list(db.session.scalars(stmt.order_by(Tag.question_count.desc(), Tag.name).limit(limit)))


def get_tag(name: str) -> Tag:
    tag = db.session.scalar(select(Tag).where(Tag.name == name.lower()))
    if tag is None:
        raise NotFound(f"No tag '{name}'.")
    return tag


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def user_answers(user_id: int, limit: int = 30) -> list[Answer]:
    return list(db.session.scalars(
        select(Answer).where(Answer.author_id == user_id, Answer.deleted_at.is_(None))
        .options(selectinload(Answer.question)).order_by(Answer.score.desc(), Answer.id.desc())
        .limit(limit)
    ))


def user_questions(user_id: int, limit: int = 30) -> list[Question]:
    return list(db.session.scalars(
        select(Question).where(Question.author_id == user_id, Question.deleted_at.is_(None))
        .order_by(Question.created_at.desc()).limit(limit)
    ))
