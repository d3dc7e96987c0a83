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


def test_mixed_writers_on_the_same_threads_get_no_server_error(app):
    """Issue 13: clients answering, voting, accepting and commenting on the same
    threads at once, through the API (each request its own session), with the
    notifications and badges that follow each commit. A deadlock between a writer
    and those side effects is retried inside the unit of work, never a 500."""
    import random

    from flask.testing import FlaskClient

    from forum.models import Answer, Question
    from forum.services import accounts

    users = [make_user(reputation_points=300) for _ in range(8)]
    tokens = {u.id: accounts.issue_token(u) for u in users}
    questions = [make_question(users[i]) for i in range(3)]
    seeded = [make_answer(q, users[(i + 3) % 8]) for i, q in enumerate(questions)]
    askers = {q.id: q.author_id for q in questions}
    user_ids = [u.id for u in users]
    question_ids = [q.id for q in questions]
    answer_ids = [a.id for a in seeded]
    db.session.commit()
    statuses: list[tuple[str, int, str]] = []
    barrier = threading.Barrier(len(users))

    def work(n: int, user_id: int) -> None:
        rng = random.Random(n)
        client = FlaskClient(app)       # each request its own app context, so its own session
        headers = {"Authorization": f"Bearer {tokens[user_id]}"}
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
        for step in range(12):
            qid = rng.choice(question_ids)
            kind = ("answer", "vote", "vote", "comment", "accept")[step % 5]
            if kind == "answer":
                r = client.post(f"/api/v1/questions/{qid}/answers", headers=headers, json={
                    "body": f"Try resetting the adapter, then step {n}.{step} of the guide."})
                if r.status_code == 201:
                    answer_ids.append(r.get_json()["id"])
            elif kind == "vote":
                target = rng.choice(answer_ids + question_ids)
                r = client.post(f"/api/v1/posts/{target}/vote", headers=headers,
                                json={"value": rng.choice((1, 1, -1, 0))})
            elif kind == "comment":
                r = client.post(f"/api/v1/posts/{rng.choice(answer_ids)}/comments",
                                headers=headers,
                                json={"body": f"That worked for me too, thanks ({n}.{step})."})
            else:
                mine = [q for q in question_ids if askers[q] == user_id]
                target = rng.choice(answer_ids)
                r = client.post(f"/api/v1/answers/{target}/accept", headers=headers) \
                    if mine else client.get(f"/api/v1/questions/{qid}", headers=headers)
            statuses.append((kind, r.status_code, r.get_data(as_text=True)[:200]))

    threads = [threading.Thread(target=work, args=(n, uid)) for n, uid in enumerate(user_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    server_errors = [s for s in statuses if s[1] >= 500]
    assert server_errors == [], server_errors
    assert len(statuses) == 12 * len(users)
    db.session.expire_all()
    for post in db.session.scalars(select(Post)):
        votes = db.session.scalar(
            select(func.coalesce(func.sum(Vote.value), 0)).where(Vote.post_id == post.id))
        assert post.score == post.imported_score + votes, post.id
    for question in db.session.scalars(select(Question)):
        live = db.session.scalar(select(func.count()).select_from(Answer).where(
            Answer.question_id == question.id, Answer.deleted_at.is_(None)))
        assert question.answer_count == live
    assert_reputation_matches_ledger()


def test_a_deadlock_is_retried_inside_the_unit_of_work(app):
    """Two writers lock the same two posts in opposite orders: PostgreSQL kills one
    with a deadlock error, and `changes.transaction` runs that one again instead of
    failing it. Both writes land exactly once."""
    from collections import Counter

    from sqlalchemy import update

    from forum import changes

    first, second = make_question(), make_question()
    ids = {"ab": (first.id, second.id), "ba": (second.id, first.id)}
    barrier = threading.Barrier(2)
    attempts: Counter[str] = Counter()
    outcome: dict[str, object] = {}

    @changes.transaction
    def touch(name: str) -> None:
        attempts[name] += 1
        one, other = ids[name]
        db.session.execute(select(Post.id).where(Post.id == one).with_for_update()).all()
        if attempts[name] == 1:             # both hold their first row before either goes on
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=10)
        db.session.execute(select(Post.id).where(Post.id == other).with_for_update()).all()
        db.session.execute(update(Post).where(Post.id == one)
                           .values(view_count=Post.view_count + 1))

    def work(name: str) -> None:
        with app.app_context():
            try:
                touch(name)
                outcome[name] = "ok"
            except Exception as e:  # noqa: BLE001 - asserted below
                outcome[name] = e
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(name,)) for name in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcome == {"ab": "ok", "ba": "ok"}
    assert sorted(attempts.values()) == [1, 2]          # the deadlock victim ran twice
    db.session.expire_all()
    assert [db.session.get(Post, i).view_count for i in (first.id, second.id)] == [1, 1]
