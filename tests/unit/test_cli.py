"""The command line: users create|token|recount|role|suspend, seed-demo."""

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Answer, KnownIssue, Question, User
from forum.services import accounts, reputation
from tests.factories import make_question, make_user


def test_users_create_and_token(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "sam_support", "--email", "sam@example.com",
                                 "--password", "a-long-unusual-passphrase", "--role", "staff"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "sam_support"))
    assert user.role == "staff"
    result = runner.invoke(args=["users", "token", "sam_support"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("cfx_")
    assert accounts.user_for_token(token).id == user.id
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["username"] == "sam_support"


def test_users_create_refuses_bad_input(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "x", "--email", "nope", "--password", "short"])
    assert result.exit_code == 1
    assert "username" in result.output and "password" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_token_for_unknown_user_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["users", "token", "nobody"])
    assert result.exit_code == 1
    assert "No user" in result.output


def test_recount_repairs_cached_reputation(app):
    user = make_user(reputation_points=40)
    user.reputation = 7
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "recount"])
    assert "1 user(s) corrected" in result.output
    assert db.session.get(User, user.id).reputation == 40


def test_suspend(app):
    user = make_user("spammer")
    result = app.test_cli_runner().invoke(args=["users", "suspend", "spammer", "--days", "3",
                                                "--reason", "link spam"])
    assert result.exit_code == 0, result.output
    user = db.session.get(User, user.id)
    assert user.is_suspended and user.suspension_reason == "link spam"


def test_seed_demo_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    questions = db.session.scalar(select(func.count()).select_from(Question))
    assert questions >= 25
    assert db.session.scalar(select(func.count()).select_from(Answer)) >= 30
    solved = db.session.scalar(select(func.count()).select_from(Question)
                               .where(Question.accepted_answer_id.is_not(None)))
    assert solved >= 10
    official = db.session.scalar(select(func.count()).select_from(Question)
                                 .where(Question.official_answer_id.is_not(None)))
    assert official >= 3
    assert db.session.scalar(select(func.count()).select_from(KnownIssue)) == 2
    assert db.session.scalar(select(func.sum(Question.me_too_count))) > 0
    for user in db.session.scalars(select(User)):
        assert user.reputation == reputation.reputation_from_total(reputation.ledger_total(user.id))
    assert len({u.reputation for u in db.session.scalars(select(User))}) >= 5
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has questions" in again.output
    assert db.session.scalar(select(func.count()).select_from(Question)) == questions


def test_seed_demo_skips_when_content_exists(app):
    make_question()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "not added" in result.output
