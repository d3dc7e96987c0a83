"""Votes, acceptance and the reputation ledger (DESIGN.md, Domain rules)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import Post, Question, ReputationEvent, User, Vote
from forum.services import accepting, posting, reputation, voting
from tests.factories import make_answer, make_question, make_user


def rep(user) -> int:
    return db.session.get(User, user.id).reputation


def ledger_matches(user) -> bool:
    fresh = db.session.get(User, user.id)
    return fresh.reputation == reputation.reputation_from_total(reputation.ledger_total(user.id))


def score(post) -> int:
    return db.session.scalar(select(Post.score).where(Post.id == post.id))


def test_upvote_on_question_gives_author_ten(app):
    asker = make_user()
    voter = make_user(reputation_points=15)
    q = make_question(asker)
    result = voting.cast_vote(voter, q.id, 1)
    assert result.score == 1
    assert rep(asker) == 11
    assert ledger_matches(asker)


def test_upvote_needs_fifteen_reputation(app):
    q = make_question()
    voter = make_user(reputation_points=14)
    with pytest.raises(PermissionDenied, match="15 reputation"):
        voting.cast_vote(voter, q.id, 1)
    assert score(q) == 0
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_downvote_answer_costs_voter_one_and_author_two(app):
    answerer = make_user(reputation_points=100)
    voter = make_user(reputation_points=200)
    a = make_answer(make_question(), answerer)
    voting.cast_vote(voter, a.id, -1)
    assert score(a) == -1
    assert rep(answerer) == 98
    assert rep(voter) == 199


def test_downvoting_a_question_costs_voter_nothing(app):
    voter = make_user(reputation_points=200)
    asker = make_user(reputation_points=50)
    q = make_question(asker)
    voting.cast_vote(voter, q.id, -1)
    assert rep(voter) == 200
    assert rep(asker) == 48


def test_downvote_needs_125_reputation(app):
    a = make_answer(make_question())
    with pytest.raises(PermissionDenied, match="125"):
        voting.cast_vote(make_user(reputation_points=124), a.id, -1)


def test_cannot_vote_on_own_post(app):
    author = make_user(reputation_points=500)
    q = make_question(author)
    with pytest.raises(PermissionDenied, match="own post"):
        voting.cast_vote(author, q.id, 1)
    assert score(q) == 0


def test_changing_vote_reverses_the_old_events(app):
    answerer = make_user(reputation_points=100)
    voter = make_user(reputation_points=200)
    a = make_answer(make_question(), answerer)
    voting.cast_vote(voter, a.id, 1)
    assert rep(answerer) == 110
    voting.cast_vote(voter, a.id, -1)
    assert score(a) == -1
    assert rep(answerer) == 98
    assert rep(voter) == 199
    voting.cast_vote(voter, a.id, 0)
    assert score(a) == 0
    assert rep(answerer) == 100
    assert rep(voter) == 200
    assert ledger_matches(answerer) and ledger_matches(voter)


def test_repeating_the_same_vote_changes_nothing(app):
    voter = make_user(reputation_points=20)
    q = make_question()
    voting.cast_vote(voter, q.id, 1)
    events = db.session.scalar(select(func.count()).select_from(ReputationEvent))
    assert voting.cast_vote(voter, q.id, 1).score == 1
    assert db.session.scalar(select(func.count()).select_from(ReputationEvent)) == events


def test_score_is_always_the_sum_of_votes(app):
    q = make_question()
    voters = [make_user(reputation_points=200) for _ in range(5)]
    for i, v in enumerate(voters):
        voting.cast_vote(v, q.id, 1 if i % 2 == 0 else -1)
    voting.cast_vote(voters[1], q.id, 1)
    total = db.session.scalar(select(func.sum(Vote.value)).where(Vote.post_id == q.id))
    assert score(q) == total == 3


def test_reputation_never_below_one(app):
    author = make_user()
    q = make_question(author)
    for _ in range(3):
        voting.cast_vote(make_user(reputation_points=200), q.id, -1)
    assert rep(author) == 1
    assert reputation.ledger_total(author.id) == -6


def test_daily_cap_on_vote_earned_points(app):
    app.config["REP_DAILY_VOTE_CAP"] = 25
    author = make_user()
    q = make_question(author)
    for _ in range(4):
        voting.cast_vote(make_user(reputation_points=20), q.id, 1)
    assert score(q) == 4
    assert rep(author) == 26  # 1 + 10 + 10 + 5 (capped) + 0
    assert ledger_matches(author)


def test_daily_cap_counts_only_today(app):
    app.config["REP_DAILY_VOTE_CAP"] = 10
    author = make_user()
    q = make_question(author)
    voting.cast_vote(make_user(reputation_points=20), q.id, 1)
    for event in db.session.scalars(select(ReputationEvent)):
        event.created_at -= timedelta(days=1)
    db.session.commit()
    voting.cast_vote(make_user(reputation_points=20), q.id, 1)
    assert rep(author) == 21


def test_vote_value_must_be_one_minus_one_or_zero(app):
    q = make_question()
    with pytest.raises(ValidationError):
        voting.cast_vote(make_user(reputation_points=200), q.id, 2)


def test_vote_on_unknown_post_is_not_found(app):
    with pytest.raises(NotFound):
        voting.cast_vote(make_user(reputation_points=200), 9999, 1)


def test_accept_gives_fifteen_and_two(app):
    asker = make_user()
    answerer = make_user()
    q = make_question(asker)
    a = make_answer(q, answerer)
    accepting.accept_answer(asker, a.id)
    assert rep(answerer) == 16
    assert rep(asker) == 3
    assert db.session.get(Post, q.id).accepted_answer_id == a.id


def test_accept_requires_question_author(app):
    q = make_question()
    a = make_answer(q)
    with pytest.raises(PermissionDenied, match="asked"):
        accepting.accept_answer(make_user(reputation_points=5000), a.id)
    assert db.session.get(Post, q.id).accepted_answer_id is None


def test_changing_accepted_answer_moves_the_reputation(app):
    asker = make_user()
    first, second = make_user(), make_user()
    q = make_question(asker)
    a1, a2 = make_answer(q, first), make_answer(q, second)
    accepting.accept_answer(asker, a1.id)
    accepting.accept_answer(asker, a2.id)
    assert rep(first) == 1
    assert rep(second) == 16
    assert rep(asker) == 3
    accepting.unaccept_answer(asker, a2.id)
    assert rep(second) == 1 and rep(asker) == 1
    assert db.session.get(Post, q.id).accepted_answer_id is None


def test_self_answer_accept_earns_nothing(app):
    asker = make_user()
    q = make_question(asker)
    a = make_answer(q, asker)
    accepting.accept_answer(asker, a.id)
    assert rep(asker) == 1
    assert db.session.get(Post, q.id).accepted_answer_id == a.id


def test_unaccept_of_answer_that_is_not_accepted_conflicts(app):
    asker = make_user()
    q = make_question(asker)
    a = make_answer(q)
    with pytest.raises(Conflict):
        accepting.unaccept_answer(asker, a.id)


def test_deleting_a_post_reverses_its_reputation(app):
    answerer = make_user()
    asker = make_user()
    q = make_question(asker)
    a = make_answer(q, answerer)
    voting.cast_vote(make_user(reputation_points=20), a.id, 1)
    accepting.accept_answer(asker, a.id)
    assert rep(answerer) == 26
    posting.delete_post(answerer, a.id)
    assert rep(answerer) == 1
    assert rep(asker) == 1
    fresh = db.session.get(Post, q.id)
    assert fresh.accepted_answer_id is None
    assert fresh.answer_count == 0
    assert ledger_matches(answerer) and ledger_matches(asker)


def test_recount_rebuilds_cached_reputation(app):
    author = make_user()
    q = make_question(author)
    voting.cast_vote(make_user(reputation_points=20), q.id, 1)
    db.session.get(User, author.id).reputation = 999
    db.session.commit()
    assert reputation.recount_all() == 1
    assert rep(author) == 11


def test_suspended_user_cannot_vote(app):
    voter = make_user(reputation_points=500)
    voter.suspended_until = voter.created_at + timedelta(days=3650)
    voter.suspension_reason = "spam"
    db.session.commit()
    with pytest.raises(PermissionDenied, match="suspended.*spam"):
        voting.cast_vote(voter, make_question().id, 1)


def test_imported_score_is_the_base_votes_add_to(app):
    """An imported post keeps its original score; votes add to it, undoing subtracts."""
    q = make_question()
    db.session.get(Question, q.id).imported_score = 19
    db.session.get(Question, q.id).score = 19
    db.session.commit()
    voter = make_user(reputation_points=200)
    assert voting.cast_vote(voter, q.id, 1).score == 20
    assert voting.cast_vote(voter, q.id, -1).score == 18
    assert voting.cast_vote(voter, q.id, 0).score == 19
