"""API v1: official answers, known issues and "me too"."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.inputs import PostEdit
from forum.models import Answer, KnownIssue, User
from forum.services import posting
from tests.factories import make_answer, make_question, make_user


def test_staff_mark_official_and_the_question_json_shows_it(app, api):
    question = make_question()
    answer = make_answer(question)
    staff = make_user("Sofia", role="staff")
    response = api.post(staff, f"/api/v1/answers/{answer.id}/official")
    assert response.status_code == 200
    body = response.get_json()
    assert body["official"]["by"]["username"] == "Sofia" and body["official"]["stale"] is False
    data = api.get(None, f"/api/v1/questions/{question.id}").get_json()
    assert data["has_official_answer"] is True and data["solved"] is True
    assert data["official_answer_id"] == answer.id
    assert data["official"]["answer_id"] == answer.id and data["official"]["stale"] is False
    assert data["answers"][0]["official"]["by"]["id"] == staff.id
    posting.edit_post(make_user(reputation_points=2000), answer.id, PostEdit(
        title=None, tags=None, comment="",
        body="Update the wireless driver, then disable power saving and reboot twice."))
    data = api.get(None, f"/api/v1/questions/{question.id}").get_json()
    assert data["official"]["stale"] is True and data["answers"][0]["official"]["stale"] is True
    assert api.delete(staff, f"/api/v1/answers/{answer.id}/official").get_json()["official"] is None
    data = api.get(None, f"/api/v1/questions/{question.id}").get_json()
    assert data["official"] is None and data["answers"][0]["official"] is None


def test_official_refusals(app, api):
    answer = make_answer(make_question())
    assert api.post(None, f"/api/v1/answers/{answer.id}/official").status_code == 401
    for role in ("member", "moderator"):
        response = api.post(make_user(role=role), f"/api/v1/answers/{answer.id}/official")
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    staff = make_user(role="staff")
    assert api.post(staff, "/api/v1/answers/999999/official").status_code == 404
    assert api.post(staff, f"/api/v1/answers/{answer.question_id}/official").status_code == 404
    assert api.delete(staff, f"/api/v1/answers/{answer.id}/official").status_code == 409
    db.session.expire_all()
    assert db.session.get(Answer, answer.id).official_at is None


def test_known_issue_through_the_api(app, api):
    question = make_question()
    staff = make_user(role="staff")
    url = f"/api/v1/questions/{question.id}/known-issue"
    bad = api.post(staff, url, json={"state": "fixed", "reference": "BUG-9"})
    assert bad.status_code == 422 and "fixed_in" in bad.get_json()["error"]["fields"]
    assert api.post(staff, url, data="state=fixed").status_code == 415
    assert api.post(make_user(), url, json={"state": "investigating",
                                            "reference": "BUG-9"}).status_code == 403
    assert db.session.scalar(select(KnownIssue)) is None
    ok = api.post(staff, url, json={"state": "investigating", "reference": "BUG-9"})
    assert ok.status_code == 200 and ok.get_json()["known_issue"]["label"] == "Investigating"
    listed = api.get(None, "/api/v1/questions").get_json()["questions"][0]
    assert listed["known_issue"]["reference"] == "BUG-9"
    assert api.delete(staff, url).get_json() == {"question_id": question.id, "known_issue": None}
    assert api.delete(staff, url).status_code == 409


def test_me_too_through_the_api(app, api):
    question = make_question()
    user = make_user()
    url = f"/api/v1/questions/{question.id}/me-too"
    assert api.post(None, url).status_code == 401
    assert api.post(user, url).get_json() == {"question_id": question.id, "me_too_count": 1,
                                              "me_too": True}
    assert api.post(user, url).get_json()["me_too_count"] == 1
    assert api.get(user, url).get_json()["me_too"] is True
    asker = db.session.get(User, question.author_id)
    assert api.post(asker, url).status_code == 403
    assert api.delete(user, url).get_json()["me_too_count"] == 0
    assert api.get(None, f"/api/v1/questions/{question.id}").get_json()["me_too_count"] == 0
