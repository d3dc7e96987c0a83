"""Soft delete and undelete: reputation from the post leaves and comes back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.errors import PermissionDenied
from forum.extensions import db
from forum.models import Answer, Question, Tag, User
from forum.services import accepting, official, posting, reputation, voting
from tests.factories import make_answer, make_question, make_user


def rep(user_id: int) -> int:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.reputation == reputation.reputation_from_total(reputation.ledger_total(user_id))
    return user.reputation


def test_undelete_brings_back_votes_and_official_but_not_acceptance(app):
    asker = make_user()
    question = make_question(asker)
    author = make_user()
    answer = make_answer(question, author)
    voters = [make_user(reputation_points=200) for _ in range(3)]
    for v in voters:
        voting.cast_vote(v, answer.id, 1)
    accepting.accept_answer(asker, answer.id)
    official.mark_official(make_user(role="staff"), answer.id)
    before = rep(author.id)                      # 1 + 30 + 15 + 15
    assert before == 61
    moderator = make_user(role="moderator")
    posting.delete_post(moderator, answer.id)
    assert rep(author.id) == 1
    assert db.session.get(Question, question.id).answer_count == 0
    posting.undelete_post(moderator, answer.id)
    assert rep(author.id) == before - 15          # acceptance was cleared by the delete
    q = db.session.get(Question, question.id)
    assert q.answer_count == 1 and q.accepted_answer_id is None
    assert q.official_answer_id == answer.id
    assert rep(asker.id) == 1                     # the acceptor's +2 went with the acceptance


def test_a_vote_undone_before_the_delete_stays_undone(app):
    question = make_question()
    voter = make_user(reputation_points=200)
    voting.cast_vote(voter, question.id, 1)
    voting.cast_vote(voter, question.id, 0)
    moderator = make_user(role="moderator")
    posting.delete_post(moderator, question.id)
    posting.undelete_post(moderator, question.id)
    assert rep(question.author_id) == 1


def test_question_undelete_restores_tag_counts(app):
    question = make_question(tags=("wifi",))
    moderator = make_user(role="moderator")
    posting.delete_post(moderator, question.id)
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "wifi")) == 0
    posting.undelete_post(moderator, question.id)
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "wifi")) == 1


def test_who_may_undelete(app):
    author = make_user()
    question = make_question(author)
    answer = make_answer(question)
    posting.delete_post(author, question.id)
    posting.undelete_post(author, question.id)            # their own deletion
    posting.delete_post(make_user(role="moderator"), answer.id)
    for user in (db.session.get(User, answer.author_id), make_user(reputation_points=20_000),
                 make_user(role="staff")):
        with pytest.raises(PermissionDenied):
            posting.undelete_post(user, answer.id)
    assert db.session.get(Answer, answer.id).is_deleted
