"""The permission matrix: who may do what (DESIGN.md, Privileges)."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from forum import permissions
from forum.extensions import db
from forum.models import utcnow
from tests.factories import make_answer, make_question, make_user

ACTORS = {
    "anonymous": None,
    "new": {"reputation_points": 1},
    "rep15": {"reputation_points": 15},
    "rep50": {"reputation_points": 50},
    "rep125": {"reputation_points": 125},
    "rep300": {"reputation_points": 300},
    "rep1000": {"reputation_points": 1000},
    "staff": {"role": "staff"},
    "moderator": {"role": "moderator"},
    "suspended": {"reputation_points": 5000, "suspended": True},
}

# action -> the actors allowed (on someone else's post)
EXPECTED = {
    "ask": {"new", "rep15", "rep50", "rep125", "rep300", "rep1000", "staff", "moderator"},
    "answer": {"new", "rep15", "rep50", "rep125", "rep300", "rep1000", "staff", "moderator"},
    "upvote": {"rep15", "rep50", "rep125", "rep300", "rep1000", "staff", "moderator"},
    "comment": {"rep50", "rep125", "rep300", "rep1000", "staff", "moderator"},
    "downvote": {"rep125", "rep300", "rep1000", "staff", "moderator"},
    "create_tag": {"rep300", "rep1000", "staff", "moderator"},
    "edit": {"rep1000", "staff", "moderator"},
    "delete": {"moderator"},
    "accept": set(),
}


def make_actor(name):
    spec = ACTORS[name]
    if spec is None:
        return AnonymousUserMixin()
    spec = dict(spec)
    suspended = spec.pop("suspended", False)
    user = make_user(**spec)
    if suspended:
        user.suspended_until = utcnow() + timedelta(days=7)
        user.suspension_reason = "posting spam links"
        db.session.commit()
    return user


def check(action, actor, question, answer):
    return {
        "ask": lambda: permissions.can("ask", actor),
        "answer": lambda: permissions.can("answer", actor, question),
        "upvote": lambda: permissions.can("vote", actor, answer, 1),
        "downvote": lambda: permissions.can("vote", actor, answer, -1),
        "comment": lambda: permissions.can("comment", actor, answer),
        "create_tag": lambda: permissions.can("create_tag", actor),
        "edit": lambda: permissions.can("edit", actor, answer),
        "delete": lambda: permissions.can("delete", actor, answer),
        "accept": lambda: permissions.can("accept", actor, answer),
    }[action]()


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("action", EXPECTED)
def test_permission_matrix(app, action, actor_name):
    question = make_question(make_user())
    answer = make_answer(question, make_user())
    actor = make_actor(actor_name)
    assert check(action, actor, question, answer) == (actor_name in EXPECTED[action])


def test_authors_may_edit_delete_and_comment_on_their_own_posts(app):
    author = make_user()
    question = make_question(author)
    assert permissions.can("edit", author, question)
    assert permissions.can("delete", author, question)
    assert permissions.can("comment", author, question)
    assert not permissions.can("vote", author, question, 1)


def test_suspended_user_is_told_why(app):
    user = make_actor("suspended")
    assert "posting spam links" in permissions.deny_ask(user)


def test_closed_question_takes_no_answers(app):
    question = make_question()
    question.status = "closed"
    db.session.commit()
    assert "closed" in permissions.deny_answer(make_user(), question)
