"""Official answers, known issues and "me too" as people see them on the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.inputs import KnownIssueDraft, PostEdit
from forum.models import Answer, KnownIssue, MeToo, Question, utcnow
from forum.services import known_issues, official, posting
from tests.factories import make_answer, make_question, make_user


def page_of(client, question):
    response = client.get(f"/questions/{question.id}/{question.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def thread(app):
    question = make_question(title="Docking station monitors stay black after wake")
    answer = make_answer(question, body="Install dock firmware 1.4.2; it fixes the wake handshake.")
    return question, answer


def test_staff_see_the_button_and_mark_an_answer_official(client, auth, thread):
    question, answer = thread
    staff = make_user("Sofia", role="staff")
    auth.login(staff)
    assert "Mark as official answer" in page_of(client, question)
    response = client.post(f"/answers/{answer.id}/official")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#answer-{answer.id}")
    db.session.expire_all()
    assert db.session.get(Answer, answer.id).official_by_id == staff.id
    auth.logout()
    page = page_of(client, question)
    assert "Verified by staff" in page and "Sofia" in page
    assert "Official answer from" in page                       # the banner
    assert f'href="#answer-{answer.id}">Official answer' in page
    assert "Mark as official answer" not in page                # anonymous: no staff controls


def test_the_official_answer_is_listed_as_solved_with_its_badge(client, thread):
    question, answer = thread
    official.mark_official(make_user(role="staff"), answer.id)
    listing = client.get("/").get_data(as_text=True)
    assert "official answer" in listing
    assert "Has an official answer" in listing


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_members_and_moderators_cannot_mark_official(client, auth, thread, role):
    auth.login(make_user(role=role, reputation_points=20_000))
    assert "Mark as official answer" not in page_of(client, thread[0])
    response = client.post(f"/answers/{thread[1].id}/official")
    assert response.status_code == 403
    assert "Only" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Answer, thread[1].id).official_at is None


def test_suspended_staff_cannot_mark_official(client, auth, thread):
    staff = make_user(role="staff")
    staff.suspended_until = utcnow() + timedelta(days=2)
    db.session.commit()
    auth.login(staff)
    assert client.post(f"/answers/{thread[1].id}/official").status_code == 403


def test_a_stale_verification_says_so_and_links_to_the_changes(client, auth, thread):
    question, answer = thread
    staff = make_user("Sofia", role="staff")
    official.mark_official(staff, answer.id)
    editor = make_user(reputation_points=2000)
    posting.edit_post(editor, answer.id, PostEdit(
        title=None, tags=None, comment="",
        body="Install dock firmware 1.4.3; it fixes the wake handshake and USB-C audio."))
    page = page_of(client, question)
    assert "Verified an earlier revision" in page
    assert f"/answers/{answer.id}/since-verified" in page
    diff = client.get(f"/answers/{answer.id}/since-verified")
    assert diff.status_code == 200
    text = diff.get_data(as_text=True)
    assert "<del>1.4.2;</del>" in text and "<ins>1.4.3;</ins>" in text
    auth.login(staff)
    assert "Confirm the current revision" in page_of(client, question)
    client.post(f"/answers/{answer.id}/official")
    assert "Verified an earlier revision" not in page_of(client, question)


def test_withdraw_from_the_page(client, auth, thread):
    staff = make_user(role="staff")
    official.mark_official(staff, thread[1].id)
    auth.login(staff)
    response = client.post(f"/answers/{thread[1].id}/official", data={"action": "withdraw"})
    assert response.status_code == 303
    assert "Verified by staff" not in page_of(client, thread[0])


def test_known_issue_banner_and_staff_form(client, auth, thread):
    question, _ = thread
    staff = make_user("Sofia", role="staff")
    auth.login(staff)
    assert "Mark as a known issue" in page_of(client, question)
    response = client.post(f"/questions/{question.id}/known-issue", data={
        "state": "fixed", "reference": "https://bugs.example.com/DOCK-77", "fixed_in": "1.4.2"})
    assert response.status_code == 303
    auth.logout()
    page = page_of(client, question)
    assert "Known issue: Fixed in 1.4.2" in page
    assert 'href="https://bugs.example.com/DOCK-77" rel="nofollow noopener"' in page


def test_known_issue_form_errors_show_on_the_page_and_change_nothing(client, auth, thread):
    question, _ = thread
    auth.login(make_user(role="staff"))
    response = client.post(f"/questions/{question.id}/known-issue", data={
        "state": "fixed", "reference": "DOCK-77<script>alert(1)</script>", "fixed_in": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Say which version fixes it." in page
    assert "<script>alert(1)</script>" not in page
    assert "DOCK-77&lt;script&gt;" in page                  # what was typed is kept, escaped
    assert db.session.get(KnownIssue, question.id) is None


def test_known_issue_text_reference_is_escaped(client, thread):
    question, _ = thread
    known_issues.mark_known(make_user(role="staff"), question.id,
                            KnownIssueDraft("investigating", "<b>BUG</b>-1", None))
    page = page_of(client, question)
    assert "&lt;b&gt;BUG&lt;/b&gt;-1" in page and "<b>BUG</b>" not in page


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_only_staff_post_known_issues(client, auth, thread, role):
    auth.login(make_user(role=role))
    response = client.post(f"/questions/{thread[0].id}/known-issue",
                           data={"state": "investigating", "reference": "BUG-1"})
    assert response.status_code == 403
    assert db.session.get(KnownIssue, thread[0].id) is None


def test_me_too_button_counts_and_undoes(client, auth, thread):
    question, _ = thread
    auth.login(make_user())
    assert "I have this problem too" in page_of(client, question)
    assert client.post(f"/questions/{question.id}/me-too").status_code == 303
    client.post(f"/questions/{question.id}/me-too")                  # twice counts once
    page = page_of(client, question)
    assert "1 person has this problem" in page
    assert "You have this problem too" in page
    client.post(f"/questions/{question.id}/me-too", data={"action": "remove"})
    assert "0 people have this problem" in page_of(client, question)
    assert db.session.scalar(select(func.count()).select_from(MeToo)) == 0


def test_me_too_as_json_for_the_script(client, auth, thread):
    auth.login(make_user())
    response = client.post(f"/questions/{thread[0].id}/me-too",
                           headers={"Accept": "application/json"})
    assert response.get_json() == {"question_id": thread[0].id, "me_too_count": 1, "me_too": True}


def test_anonymous_me_too_goes_to_login(client, thread):
    response = client.post(f"/questions/{thread[0].id}/me-too")
    assert response.status_code in (302, 401)
    db.session.expire_all()
    assert db.session.get(Question, thread[0].id).me_too_count == 0
