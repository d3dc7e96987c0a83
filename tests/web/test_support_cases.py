"""The support desk behind the community: a thread becomes a private case between
its asker and staff, goes L1 → L2 → resolved with a missed service level flagged
and mailed on the way, and its solution is published back as an official answer.
The asker reads the conversation (without staff's internal notes); any other
member, and a moderator who is not staff, gets 404."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import (
    Answer,
    AuditEntry,
    CaseFile,
    CaseMessage,
    Notification,
    OutboxMail,
    Question,
    SlaAlert,
    SupportCase,
    utcnow,
)
from forum.services import cases
from tests.factories import make_answer, make_question, make_user
from tests.web.test_freshness import visible_text

SLA = {"default": {"first_response_hours": 8, "resolution_hours": 72, "unanswered_hours": 24},
       "Router X": {"first_response_hours": 2, "resolution_hours": 24, "unanswered_hours": 4}}


@pytest.fixture
def config_overrides():
    return {"SUPPORT_SLA": SLA}


def page(client, url: str) -> str:
    return visible_text(client.get(url).get_data(as_text=True))


def mails_to(user) -> list[str]:
    return list(db.session.scalars(select(OutboxMail.subject).where(OutboxMail.user_id == user.id)))


def test_a_case_goes_from_l1_to_l2_to_resolved_and_is_published(app, client, auth):
    asker = make_user("maria_k")
    l1 = make_user("sam_support", role="staff")
    l2 = make_user("lena_l2", role="staff")
    other = make_user("curious")
    moderator = make_user("mod_only", role="moderator")
    question = make_question(asker, title="Router X drops Wi-Fi every night at 3am")
    question.product = "Router X"
    db.session.commit()
    thread_url = f"/questions/{question.id}/{question.slug}"
    assert "Being handled by support" not in page(client, thread_url)

    # L1 opens a private case from the thread, asking for what must not be public.
    auth.login(l1)
    response = client.post(f"/questions/{question.id}/case",
                           data={"body": "Please send the serial number and the router log."})
    assert response.status_code == 303
    case = db.session.scalar(select(SupportCase))
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert (case.tier, case.state, case.requester_id, case.product) == ("L1", "open", asker.id, "Router X")
    assert case.first_response_at is not None            # staff's first message is a response
    client.post(f"/cases/{case.id}/messages",
                data={"body": "Customer is on firmware 1.2, known bad.", "internal": "1"})
    auth.logout()

    # The public thread says support has it; nothing private shows.
    text = page(client, thread_url)
    assert "Being handled by support" in text
    assert "serial number" not in text

    # The asker reads the conversation (not the internal note) and answers with a file.
    auth.login(asker)
    assert "Support opened a private case" in " ".join(
        n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == asker.id)))
    text = page(client, f"/cases/{case.id}")
    assert "Please send the serial number" in text
    assert "firmware 1.2, known bad" not in text and "Internal note" not in text
    assert f"#{case.id}" in page(client, "/cases")
    response = client.post(f"/cases/{case.id}/messages", data={
        "body": "Serial SN-4471-XZ, log attached.",
        "files": (io.BytesIO(b"03:00:01 wlan0: deauthenticated (reason 3)\n"), "router.log"),
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    stored = db.session.scalar(select(CaseFile))
    assert stored.filename == "router.log"
    download = client.get(f"/cases/{case.id}/files/{stored.id}/router.log")
    assert download.status_code == 200 and b"deauthenticated" in download.data
    assert download.headers["Cache-Control"] == "private, no-store"
    download.close()
    auth.logout()

    # Nobody else sees any of it: another member, a moderator who is not staff, anonymous.
    for outsider in (other, moderator):
        auth.login(outsider)
        assert client.get(f"/cases/{case.id}").status_code == 404
        assert client.get(f"/cases/{case.id}/files/{stored.id}/router.log").status_code == 404
        assert client.post(f"/cases/{case.id}/messages", data={"body": "hi"}).status_code == 404
        assert f"#{case.id}" not in page(client, "/cases")
        auth.logout()
    assert client.get(f"/cases/{case.id}").status_code in (302, 401)

    # The first line cannot solve it: L2, assigned to Lena. The resolution time
    # (24 h for Router X) passes; the desk flags it and Lena is mailed once.
    auth.login(l1)
    response = client.post(f"/cases/{case.id}/change",
                           data={"tier": "L2", "assignee": "lena_l2", "state": "open"})
    assert response.status_code == 303
    db.session.expire_all()
    case = db.session.get(SupportCase, case.id)
    assert (case.tier, case.assignee_id) == ("L2", l2.id)
    later = utcnow() + timedelta(hours=30)
    assert cases.case_clock(case, later).resolution_late
    assert cases.alert_overdue(now=later) >= 1
    assert cases.alert_overdue(now=later) == 0           # once per miss
    assert any(f"Case #{case.id}" in s and "resolution" in s for s in mails_to(l2))
    assert db.session.get(SlaAlert, ("case", case.id, "resolution")) is not None
    case.created_at = utcnow() - timedelta(hours=30)     # the desk reads the real clock
    db.session.commit()
    desk = page(client, "/staff")
    assert "Support cases" in desk and f"#{case.id}" in desk and "Overdue" in desk

    # L2 resolves it and publishes the solution, edited for the public, as official.
    auth.logout()
    auth.login(l2)
    response = client.post(f"/cases/{case.id}/resolve", data={
        "publish": "1",
        "publish_body": "Update the firmware to 1.3: the nightly channel scan no longer drops clients.",
    })
    assert response.status_code == 303
    db.session.expire_all()
    case = db.session.get(SupportCase, case.id)
    answer = db.session.get(Answer, case.published_answer_id)
    assert case.state == "resolved" and answer.is_official and answer.author_id == l2.id
    question = db.session.get(Question, question.id)
    assert question.official_answer_id == answer.id
    text = page(client, thread_url)
    assert "Update the firmware to 1.3" in text
    assert "Being handled by support" not in text
    assert "SN-4471-XZ" not in text

    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "case")))
    assert {"case.opened", "case.tier", "case.assigned", "case.published", "case.resolved"} <= actions

    # The asker still finds the resolved case, and their reply opens it again.
    auth.logout()
    auth.login(asker)
    assert f"#{case.id}" in page(client, "/cases") and "Resolved" in page(client, "/cases")
    client.post(f"/cases/{case.id}/messages", data={"body": "It happened again last night."})
    db.session.expire_all()
    assert db.session.get(SupportCase, case.id).state == "open"


def test_bad_input_changes_nothing(app, client, auth):
    asker = make_user("asker")
    staff = make_user("staffer", role="staff")
    member = make_user("member")
    question = make_question(asker, title="Printer offline after the update")
    auth.login(member)
    assert client.post(f"/questions/{question.id}/case", data={"body": "x"}).status_code == 403
    assert db.session.scalar(select(SupportCase)) is None
    auth.logout()
    auth.login(staff)
    client.post(f"/questions/{question.id}/case", data={})
    case = db.session.scalar(select(SupportCase))
    # A second case for the same thread while one is open: refused.
    assert client.post(f"/questions/{question.id}/case", data={}).status_code == 409
    before = db.session.scalar(select(db.func.count()).select_from(CaseMessage))
    response = client.post(f"/cases/{case.id}/messages", data={"body": "   "})
    assert response.status_code == 422 and "Write a message" in response.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/messages", data={
        "body": "installer", "files": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "tool.exe.html")},
        content_type="multipart/form-data")
    assert response.status_code in (415, 422)
    assert client.post(f"/cases/{case.id}/change", data={"tier": "L9"}).status_code == 422
    assert client.post(f"/cases/{case.id}/change", data={"assignee": "member"}).status_code == 422
    assert client.post(f"/cases/{case.id}/change", data={"state": "resolved"}).status_code == 422
    response = client.post(f"/cases/{case.id}/resolve", data={"publish": "1", "publish_body": ""})
    assert response.status_code == 422
    db.session.expire_all()
    case = db.session.get(SupportCase, case.id)
    assert (case.tier, case.assignee_id, case.state) == ("L1", None, "new")
    assert db.session.scalar(select(db.func.count()).select_from(CaseMessage)) == before
    assert db.session.scalar(select(Answer).where(Answer.question_id == question.id)) is None


def test_the_api_drives_a_case(app, api):
    asker = make_user("asker")
    staff = make_user("staffer", role="staff")
    other = make_user("other")
    question = make_question(asker, title="Dock loses network after sleep")
    response = api.post(staff, f"/api/v1/questions/{question.id}/case",
                        json={"body": "Which dock serial?"})
    assert response.status_code == 201
    body = response.get_json()["case"]
    case_id = body["id"]
    assert body["tier"] == "L1" and body["service_level"]["overdue"] is False
    api.post(staff, f"/api/v1/cases/{case_id}/messages", json={"body": "note", "internal": True})
    seen = api.get(asker, f"/api/v1/cases/{case_id}").get_json()["case"]
    assert [m["body"] for m in seen["messages"]] == ["Which dock serial?"]
    assert "tier" not in seen
    assert api.get(other, f"/api/v1/cases/{case_id}").status_code == 404
    assert api.get(other, "/api/v1/cases").get_json()["cases"] == []
    assert api.post(asker, f"/api/v1/cases/{case_id}/messages",
                    json={"body": "x", "internal": True}).status_code == 422
    response = api.patch(staff, f"/api/v1/cases/{case_id}", json={"tier": "L3", "state": "waiting"})
    assert response.get_json()["case"]["tier"] == "L3"
    assert api.patch(staff, f"/api/v1/cases/{case_id}", json={"tier": 3}).status_code == 422
    response = api.post(staff, f"/api/v1/cases/{case_id}/resolve")
    assert response.get_json()["case"]["state"] == "resolved"
    assert api.post(staff, f"/api/v1/cases/{case_id}/resolve").status_code == 409
    levels = api.get(staff, "/api/v1/support/service-levels").get_json()
    assert levels["first_response"]["cases"]["answered"] == 1
    assert api.get(asker, "/api/v1/support/service-levels").status_code == 403


def test_late_public_questions_are_flagged_and_response_times_measured(app, client, auth):
    staff = make_user("on_duty", role="staff")
    asker = make_user("asker")
    helper = make_user("helper")
    now = utcnow()
    late = make_question(asker, title="Router X reboots when streaming")
    late.product, late.created_at = "Router X", now - timedelta(hours=5)     # 4 h threshold
    fresh = make_question(asker, title="Router X web page is slow")
    fresh.product, fresh.created_at = "Router X", now - timedelta(hours=1)
    other = make_question(asker, title="Laptop fan loud after the BIOS update")
    other.created_at = now - timedelta(hours=5)                             # 24 h default
    answered = make_question(asker, title="Mesh node will not pair")
    answered.created_at = now - timedelta(hours=3)
    db.session.commit()
    reply = make_answer(answered, helper)
    reply.created_at = answered.created_at + timedelta(hours=2)
    db.session.commit()

    flagged = [q.question.id for q in cases.overdue_questions(now)]
    assert flagged == [late.id]
    assert cases.alert_overdue(now) == 1
    assert any("Router X reboots" in s for s in mails_to(staff))
    times = cases.response_times(30, now)
    assert (times.questions, times.questions_answered) == (4, 1)
    assert times.question_median == timedelta(hours=2)

    auth.login(staff)
    desk = page(client, "/staff")
    assert "Router X reboots when streaming" in desk
    assert "Unanswered past" in desk or "Overdue" in desk
