"""What feeds and the sitemap list: newest questions, a tag's, a question's answers,
and every public thread URL."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Answer, Question, Tag, question_tags
from forum.services.browsing import get_tag
from forum.services.posting import get_question

FEED_SIZE = 30
SITEMAP_MAX = 50_000          # the sitemap protocol's limit per file

def newest_questions(tag_name: str | None = None) -> tuple[Tag | None, list[Question]]:
    stmt = select(Question).where(Question.listed())
    tag = None
    if tag_name is not None:
        tag = get_tag(tag_name)
        stmt = stmt.where(Question.id.in_(
            select(question_tags.c.question_id).where(question_tags.c.tag_id == tag.id)))
    return tag, list(db.session.scalars(
        stmt.order_by(Question.created_at.desc(), Question.id.desc()).limit(FEED_SIZE)))


def question_answers(question_id: int) -> tuple[Question, list[Answer]]:
    question = get_question(question_id)
    if question.is_hidden:
        from forum.errors import NotFound

        raise NotFound(f"Question {question_id} does not exist.")
    answers = list(db.session.scalars(
        select(Answer).where(Answer.question_id == question.id, Answer.listed())
        .order_by(Answer.created_at.desc(), Answer.id.desc()).limit(FEED_SIZE)))
    return question, answers


def sitemap_rows():
    """(id, slug, last activity) of public threads, most recently active first."""
    return db.session.execute(
        select(Question.id, Question.slug, Question.last_activity_at).where(Question.listed())
        .order_by(Question.last_activity_at.desc()).limit(SITEMAP_MAX)
    ).all()
