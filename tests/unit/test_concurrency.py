"""Scores and reputation stay right under concurrent writers (PostgreSQL)."""

import contextlib
import threading

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, User, Vote
from forum.services import reputation, voting
from tests.conftest import PG_URL
from tests.factories import make_answer, make_question, make_user

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")


def run_concurrently(app, jobs):
    """Run each (user_id, post_id, value) vote in its own thread and session."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def work(user_id, post_id, value):
        with app.app_context():
            user = db.session.get(User, user_id)
            db.session.commit()  # hand the connection back before waiting
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=30)
            try:
                voting.cast_vote(user, post_id, value)
            except Exception as e:  # collected and asserted below
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def assert_reputation_matches_ledger() -> None:
    for user in db.session.scalars(select(User)):
        assert user.reputation == reputation.reputation_from_total(reputation.ledger_total(user.id))


def test_twenty_concurrent_votes_on_one_post(app):
    author = make_user()
    question = make_question(author)
    voters = [make_user(reputation_points=200) for _ in range(24)]
    jobs = [(v.id, question.id, -1 if i % 6 == 0 else 1) for i, v in enumerate(voters)]
    errors = run_concurrently(app, jobs)
    assert errors == []
    db.session.expire_all()
    total = db.session.scalar(select(func.sum(Vote.value)).where(Vote.post_id == question.id))
    assert db.session.get(Post, question.id).score == total == 16
    assert_reputation_matches_ledger()


def test_concurrent_cross_votes_do_not_deadlock_or_drift(app):
    users = [make_user(reputation_points=300) for _ in range(8)]
    question = make_question(users[0])
    answers = {u.id: make_answer(question, u) for u in users}
    # Everyone votes on everyone else's answer at once: locks taken in opposite orders.
    jobs = [(voter.id, answers[author.id].id, 1 if (voter.id + author.id) % 3 else -1)
            for voter in users for author in users if voter.id != author.id]
    errors = run_concurrently(app, jobs)
    assert errors == []
    db.session.expire_all()
    for answer in answers.values():
        total = db.session.scalar(
            select(func.coalesce(func.sum(Vote.value), 0)).where(Vote.post_id == answer.id))
        assert db.session.get(Post, answer.id).score == total
    assert_reputation_matches_ledger()
