"""Reading: question lists, a whole thread, tags and user profiles.

Each function loads what a page shows with a fixed number of queries, whatever
the number of answers and comments.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased, selectinload

from forum.errors import NotFound
from forum.extensions import db
from forum.infra import page_cache
from forum.inputs import ListQuery
from forum.models import Answer, Comment, Follow, MeToo, Post, Question, Tag, User, question_tags
from forum.services import attachments, tagging, voting


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    pinned: list[Any] = field(default_factory=list)   # page 1: pinned here, shown first
    pinned_count: int = 0                              # counted in total, not in pages

    @property
    def pages(self) -> int:
        return max(1, math.ceil((self.total - self.pinned_count) / self.per_page))

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
    following: bool = False     # the viewer follows the question
    attachments: dict[int, list] = field(default_factory=dict)     # post id -> files


ORDERS = {
    "newest": (Post.created_at.desc(), Post.id.desc()),
    "active": (Post.last_activity_at.desc(), Post.id.desc()),
    "votes": (Post.score.desc(), Post.created_at.desc()),
    "unanswered": (Post.created_at.desc(), Post.id.desc()),
}
PINNED_SORTS = ("newest", "active")        # pinned questions lead these lists


def list_questions(query: ListQuery, author_id: int | None = None) -> Page:
    if query.tag:       # a tag synonym lists its master tag's questions (wi-fi -> wifi)
        query = replace(query, tag=tagging.canonical_tag(query.tag))
    stmt = select(Question).where(Question.listed())
    if query.sort == "unanswered":
        stmt = stmt.where(Question.answer_count == 0)
    if query.tag:
        stmt = stmt.where(Question.id.in_(
            select(question_tags.c.question_id).join(Tag).where(Tag.name == query.tag)
        ))
    if author_id is not None:
        stmt = stmt.where(Question.author_id == author_id)
    pins = author_id is None and query.sort in PINNED_SORTS
    # Counts are cached until the next change to any thread (page_cache.list_counts).
    counted = f"{query.sort == 'unanswered'}:{query.tag or ''}:{author_id or ''}:{pins}"
    if not pins:
        total = page_cache.list_counts(counted, lambda: db.session.scalar(
            select(func.count()).select_from(stmt.subquery())))
        items = list(db.session.scalars(
            stmt.order_by(*ORDERS[query.sort])
            .offset((query.page - 1) * query.per_page).limit(query.per_page)
        ))
        return Page(items=items, page=query.page, per_page=query.per_page, total=total)
    # Questions pinned here (the front page: no tag; a tag page: that tag) lead
    # page 1 and are left out of the ordinary rows on every page.
    place = query.tag or ""
    sub = stmt.subquery()
    total, pinned_count = page_cache.list_counts(counted, lambda: tuple(db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((and_(
            sub.c.pinned_at.is_not(None), func.coalesce(sub.c.pinned_tag, "") == place), 1),
            else_=0)), 0),
    ).select_from(sub)).one()))
    pinned_here = and_(Question.pinned_at.is_not(None),
                       func.coalesce(Question.pinned_tag, "") == place)
    pinned = list(db.session.scalars(
        stmt.where(pinned_here).order_by(Question.pinned_at.desc(), Question.id.desc())
    )) if pinned_count and query.page == 1 else []
    items = list(db.session.scalars(
        stmt.where(~pinned_here).order_by(*ORDERS[query.sort])
        .offset((query.page - 1) * query.per_page).limit(query.per_page)
    ))
    return Page(items=items, page=query.page, per_page=query.per_page, total=total,
                pinned=pinned, pinned_count=pinned_count)


def linked_duplicates(question_id: int, limit: int = 20) -> list[Question]:
    """Questions closed as duplicates of this one, newest first."""
    return list(db.session.scalars(
        select(Question).where(Question.duplicate_of_id == question_id, Question.listed())
        .order_by(Question.closed_at.desc(), Question.id.desc()).limit(limit)
    ))


def may_see_deleted(viewer) -> bool:
    """Moderators open deleted questions (to undelete them); everyone else gets a 404."""
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_moderator)


def merged_into(question_id: int) -> Question | None:
    """The question a merged question's answers moved to (followed through later
    merges), or None when it was not merged."""
    post = db.session.get(Post, question_id)
    seen = {question_id}
    target = None
    while isinstance(post, Question) and post.merged_into_id and post.merged_into_id not in seen:
        seen.add(post.merged_into_id)
        post = db.session.get(Post, post.merged_into_id)
        if isinstance(post, Question):
            target = post
    return target if target is not None and not target.is_deleted else None


def answer_order(question: Question, answers: list[Answer]) -> list[Answer]:
    """Official first, then accepted, then score, then age."""
    return sorted(answers, key=lambda a: (
        not a.is_official, a.id != question.accepted_answer_id, -a.score, a.created_at, a.id
    ))


def may_see_hidden(viewer, post: Post) -> bool:
    """Posts hidden by flags stay visible to moderators and to their author."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.is_moderator or viewer.id == post.author_id


class Merged(Exception):
    """The question was merged into `target`: its page moved there."""

    def __init__(self, target: Question):
        super().__init__(target.id)
        self.target = target


def load_thread(question_id: int, viewer=None, *, include_deleted: bool = False,
                follow_merges: bool = False) -> Thread:
    """The question and everything its page shows, in a fixed number of queries
    (the question with its tags and known issue, answers, comments, files, and
    the viewer's votes). `follow_merges`: a merged question raises `Merged`."""
    question = db.session.scalar(select(Question).where(Question.id == question_id))
    if question is None:
        raise NotFound(f"Question {question_id} does not exist.")
    if follow_merges and question.merged_into_id and (target := merged_into(question.id)):
        raise Merged(target)
    if question.is_deleted and not include_deleted:
        raise NotFound(f"Question {question_id} does not exist.")
    if question.is_hidden and not may_see_hidden(viewer, question):
        raise NotFound(f"Question {question_id} does not exist.")
    answers = [a for a in db.session.scalars(
        select(Answer).where(Answer.question_id == question.id, Answer.deleted_at.is_(None))
    ) if not a.is_hidden or may_see_hidden(viewer, a)]
    answers = answer_order(question, answers)
    post_ids = [question.id, *(a.id for a in answers)]
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in db.session.scalars(
        select(Comment).where(Comment.post_id.in_(post_ids), Comment.deleted_at.is_(None))
        .order_by(Comment.created_at, Comment.id)
    ):
        comments[comment.post_id].append(comment)
    files = attachments.attachments_for(post_ids)
    my_votes = {}
    said_me_too = following = False
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        my_votes = voting.votes_by(viewer.id, post_ids)
        said_me_too = db.session.get(MeToo, (question.id, viewer.id)) is not None
        following = db.session.get(Follow, (viewer.id, question.id)) is not None
    return Thread(question=question, answers=answers, comments=dict(comments), my_votes=my_votes,
                  me_too=said_me_too, following=following, attachments=files)


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


def top_tags(user_id: int, limit: int = 8) -> list[tuple[str, int, int]]:
    """The user's best tags: (tag, answer score sum, answers), from their live answers."""
    q = aliased(Question)
    return [tuple(r) for r in db.session.execute(
        select(Tag.name, func.sum(Answer.score), func.count(Answer.id))
        .select_from(Answer).join(q, q.id == Answer.question_id)
        .join(question_tags, question_tags.c.question_id == q.id)
        .join(Tag, Tag.id == question_tags.c.tag_id)
        .where(Answer.author_id == user_id, Answer.deleted_at.is_(None), q.deleted_at.is_(None))
        .group_by(Tag.name).order_by(func.sum(Answer.score).desc(), Tag.name).limit(limit)
    )]
