"""Badges are awarded by rules right after the event that earns them, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from forum import signals
from forum.extensions import db
from forum.inputs import PostEdit
from forum.models import Flag, Notification, Post, UserBadge
from forum.services import accepting, badges, official, posting, voting
from tests.factories import make_answer, make_question, make_user


def held(user) -> list[str]:
    db.session.expire_all()
    return sorted(b for b, in db.session.execute(
        select(UserBadge.badge).where(UserBadge.user_id == user.id)))


def upvote(post, n: int) -> None:
    for _ in range(n):
        voting.cast_vote(make_user(reputation_points=20), post.id, 1)


def test_student_after_the_first_upvote_and_only_once(app):
    asker = make_user()
    question = make_question(asker)
    assert held(asker) == []
    upvote(question, 2)
    assert held(asker) == ["student"]
    notes = db.session.scalars(select(Notification.text).where(
        Notification.user_id == asker.id, Notification.kind == "badge")).all()
    assert notes == ["You earned the Student badge: Asked a question with a score of 1 or more."]


def test_teacher_verified_and_answer_scores(app):
    asker, helper = make_user(), make_user()
    answer = make_answer(make_question(asker), helper)
    accepting.accept_answer(asker, answer.id)
    official.mark_official(make_user(role="staff"), answer.id)
    assert held(helper) == ["teacher", "verified"]
    upvote(answer, 10)
    assert "nice-answer" in held(helper) and "good-answer" not in held(helper)
    second = make_answer(make_question(), helper, body="Reset the router to factory settings first.")
    upvote(second, 10)
    rows = db.session.scalars(select(UserBadge.post_key).where(
        UserBadge.user_id == helper.id, UserBadge.badge == "nice-answer")).all()
    assert sorted(rows) == sorted([answer.id, second.id])      # once per answer


def test_self_accepted_answers_do_not_teach(app):
    asker = make_user()
    answer = make_answer(make_question(asker), asker, body="Found it myself: a firmware update.")
    accepting.accept_answer(asker, answer.id)
    assert "teacher" not in held(asker)


def test_editor_and_citizen_patrol(app):
    editor = make_user(reputation_points=2000)
    question = make_question()
    posting.edit_post(editor, question.id, PostEdit(
        title=None, tags=None, comment="clarify",
        body="My laptop drops the Wi-Fi connection every few minutes since the update."))
    assert held(editor) == ["editor"]
    flagger = make_user(reputation_points=20)
    db.session.add(Flag(post_id=question.id, user_id=flagger.id, reason="spam", status="helpful"))
    db.session.commit()
    signals.emit("flag_decided", actor_id=None, post_id=question.id, flagger_ids=[flagger.id],
                 outcome="helpful")
    assert held(flagger) == ["citizen-patrol"]


def test_necromancer_needs_an_old_question_and_score_5(app):
    question = make_question()
    db.session.execute(update(Post).where(Post.id == question.id)
                       .values(created_at=question.created_at - timedelta(days=61)))
    db.session.commit()
    late = make_user()
    answer = make_answer(question, late)
    upvote(answer, 4)
    assert "necromancer" not in held(late)
    upvote(answer, 1)
    assert "necromancer" in held(late)


def test_problem_solver_after_ten_accepted_answers(app):
    helper = make_user()
    for n in range(10):
        asker = make_user()
        answer = make_answer(make_question(asker), helper,
                             body=f"Fix number {n}: update the driver and reboot the machine.")
        accepting.accept_answer(asker, answer.id)
        assert ("problem-solver" in held(helper)) == (n == 9)


def test_awarding_again_adds_nothing(app):
    asker = make_user()
    upvote(make_question(asker), 1)
    before = db.session.scalar(select(func.count()).select_from(UserBadge))
    assert badges.evaluate(asker.id) == []
    assert badges.evaluate_all() == 0
    assert db.session.scalar(select(func.count()).select_from(UserBadge)) == before


def test_badge_pages(app, client):
    asker = make_user("badge_holder")
    upvote(make_question(asker), 1)
    index = client.get("/badges").get_data(as_text=True)
    assert "Student" in index and "Necromancer" in index
    page = client.get("/badges/student")
    assert page.status_code == 200 and "badge_holder" in page.get_data(as_text=True)
    assert client.get("/badges/nope").status_code == 404


def test_the_user_api_lists_badges(app, api):
    asker = make_user()
    upvote(make_question(asker), 1)
    data = api.get(None, f"/api/v1/users/{asker.id}").get_json()
    assert [b["slug"] for b in data["badges"]] == ["student"]
    assert data["badges"][0]["level"] == "bronze"
