"""The support loop: a problem many people have becomes a known issue, a bug is
created in the tracker (a real local HTTP receiver checks the signature), GitHub's
signed webhook says it is fixed, everyone affected is told and asked whether the
fix worked, a "no" shows on the staff desk and staff reopen the issue. Bad
signatures, replays and unknown bugs change nothing."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.infra import jobs
from forum.models import (
    FixCheck,
    Follow,
    KnownIssue,
    Notification,
    OutboxMail,
    TrackerDelivery,
    utcnow,
)
from forum.services import escalation, followup, me_too, notifications, official
from tests.factories import make_answer, make_question, make_user
from tests.web.test_freshness import visible_text

SECRET = "tracker-test-secret"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "github"
BUG_URL = "https://github.com/Codertocat/Hello-World/issues/1"     # the samples' issue


class Receiver:
    """A bug tracker on 127.0.0.1: records each POST, answers from a script."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.answers: list[tuple[int, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                status, answer = (receiver.answers.pop(0) if receiver.answers
                                  else (201, {"html_url": BUG_URL, "number": 1}))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/bugs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def config_overrides(receiver):
    return {"TRACKER_WEBHOOK_URL": receiver.url, "TRACKER_WEBHOOK_SECRET": SECRET,
            "TRACKER_RETRY_SECONDS": 1}


def github_payload(action: str) -> bytes:
    """GitHub's documented sample; "closed" as the published schema describes it."""
    if action == "reopened":
        return (SAMPLES / "issues.reopened.json").read_bytes()
    data = copy.deepcopy(json.loads((SAMPLES / "issues.reopened.json").read_text()))
    milestone = json.loads((SAMPLES / "issues.milestoned.json").read_text())["issue"]["milestone"]
    data["issue"]["milestone"] = milestone          # "v1.0"
    data["action"] = "closed"
    data["issue"]["state"] = "closed"
    data["issue"]["closed_at"] = "2026-12-07T08:00:00Z"
    return json.dumps(data).encode()


def send_github(client, body: bytes, *, delivery: str | None = None, secret: str | None = SECRET,
                event: str = "issues"):
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
               "Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = escalation.sign(secret, body)
    return client.post("/api/v1/hooks/github", data=body, headers=headers)


def kinds_of(user) -> list[str]:
    db.session.expire_all()
    return sorted(n.kind for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)))


def state_of(question_id: int) -> tuple[str, str | None]:
    db.session.expire_all()
    issue = db.session.get(KnownIssue, question_id)
    return issue.state, issue.fixed_in


def test_the_whole_loop(app, client, auth, api, receiver):
    asker = make_user(reputation_points=50)
    first, second = make_user(reputation_points=50), make_user(reputation_points=50)
    follower, staff = make_user(), make_user(role="staff")
    question = make_question(asker, title="Router reboots every night at 3 am", body=(
        "Since the last update the router restarts every night.\n\n"
        "Firmware: 2.1.4\nOS: RouterOS 7\n\nThe log shows a watchdog reset."))
    for person in (first, second):
        me_too.set_me_too(person, question.id, True)
    notifications.set_follow(follower, question.id, True)
    # Saying "me too" follows the thread.
    assert {f.user_id for f in db.session.scalars(
        select(Follow).where(Follow.question_id == question.id))} >= {first.id, second.id}

    # Staff create the bug from the thread: the tracker receives a signed description.
    response = api.post(staff, f"/api/v1/questions/{question.id}/bug")
    assert response.status_code == 202, response.get_json()
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert headers["X-Hub-Signature-256"] == escalation.sign(SECRET, body)
    sent = json.loads(body)["question"]
    assert sent["title"] == "Router reboots every night at 3 am"
    assert sent["me_too_count"] == 2
    assert sent["environment"] == {"firmware": "2.1.4", "os": "RouterOS 7"}
    assert sent["url"].endswith(f"/questions/{question.id}/{question.slug}")
    db.session.expire_all()
    issue = db.session.get(KnownIssue, question.id)
    assert (issue.state, issue.tracker_kind, issue.tracker_id, issue.tracker_url) == (
        "investigating", "github", "Codertocat/Hello-World#1", BUG_URL)
    delivery = db.session.scalars(select(TrackerDelivery)).one()
    assert (delivery.status, delivery.response_status, delivery.attempts) == ("delivered", 201, 1)
    assert "Tracked as GitHub Codertocat/Hello-World#1" in visible_text(
        client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True))

    # GitHub says the bug is closed, milestone v1.0: fixed in v1.0.
    closed = github_payload("closed")
    delivery_id = str(uuid.uuid4())
    response = send_github(client, closed, delivery=delivery_id)
    assert response.status_code == 200 and response.get_json()["outcome"] == "applied"
    assert state_of(question.id) == ("fixed", "v1.0")
    for person in (asker, first, second):
        assert "fix_check" in kinds_of(person)
    assert "known_issue" in kinds_of(follower) and "fix_check" not in kinds_of(follower)
    assert db.session.scalar(select(OutboxMail).where(OutboxMail.user_id == first.id)) is not None

    # One says yes, one says no (with why), through the page and the API.
    auth.login(first)
    page = visible_text(client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True))
    assert "Did v1.0 fix it for you?" in page
    client.post(f"/questions/{question.id}/fix-check", data={"answer": "yes"})
    auth.logout()
    answer = api.post(second, f"/api/v1/questions/{question.id}/fix-check",
                      json={"answer": "no", "reason": "Still reboots at 3 am on 2.1.5"})
    assert answer.get_json() == {"question_id": question.id, "answer": "no", "fixed_in": "v1.0",
                                 "yes": 1, "no": 1}
    assert api.post(follower, f"/api/v1/questions/{question.id}/fix-check",
                    json={"answer": "no"}).status_code == 404       # never asked

    # The regression shows on the staff desk; staff reopen it in one step.
    auth.login(staff)
    desk = visible_text(client.get("/staff?tab=engineering").get_data(as_text=True))
    assert "Fix did not work" in desk and "Still reboots at 3 am on 2.1.5" in desk
    response = client.post(f"/questions/{question.id}/known-issue/reopen", data={"next": "desk"})
    assert response.status_code == 303
    assert state_of(question.id) == ("investigating", None)
    assert kinds_of(second).count("known_issue") == 2          # escalated, then reopened
    auth.logout()

    # A replay of the closed delivery changes nothing; nor does a bad signature.
    replay = send_github(client, closed, delivery=delivery_id)
    assert replay.status_code == 200 and replay.get_json()["outcome"] == "replayed"
    assert state_of(question.id) == ("investigating", None)
    for bad in (send_github(client, closed, secret="wrong-secret"),
                send_github(client, closed, secret=None)):
        assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "bad_signature"
    assert state_of(question.id) == ("investigating", None)
    # GitHub reopening a closed bug: back to investigating (already there: no news).
    assert send_github(client, github_payload("reopened")).get_json()["outcome"] == "ignored"


def test_an_unknown_bug_is_accepted_logged_and_changes_nothing(app, client):
    question = make_question(title="Printer forgets its Wi-Fi password")
    body = github_payload("closed")
    response = send_github(client, body)
    assert response.status_code == 202 and response.get_json()["outcome"] == "unknown"
    row = db.session.scalars(select(TrackerDelivery)).one()
    assert (row.direction, row.status, row.question_id) == ("in", "unknown", None)
    assert db.session.get(KnownIssue, question.id) is None
    # Other events are acknowledged and ignored; a body that is not JSON is a 400.
    assert send_github(client, b'{"zen": "hi"}', event="ping").get_json()["outcome"] == "ignored"
    assert send_github(client, b"not json").status_code == 400


def test_a_failing_tracker_is_retried_with_backoff_and_every_attempt_logged(app, api, receiver):
    staff, question = make_user(role="staff"), make_question(title="Dock flickers on battery")
    receiver.answers = [(503, {"message": "maintenance"})]
    assert api.post(staff, f"/api/v1/questions/{question.id}/bug").status_code == 202
    delivery = db.session.scalars(select(TrackerDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("retrying", 1, 503)
    assert "maintenance" in delivery.response_body
    assert api.post(staff, f"/api/v1/questions/{question.id}/bug").status_code == 409
    assert jobs.drain(now=utcnow() + timedelta(minutes=5)) == 1
    db.session.expire_all()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 2, 201)
    listed = api.get(staff, "/api/v1/tracker/deliveries").get_json()["deliveries"]
    assert [d["status"] for d in listed] == ["delivered"]
    assert api.get(make_user(), "/api/v1/tracker/deliveries").status_code == 403


def test_any_tracker_can_say_a_linked_bug_is_fixed(app, client, api):
    staff, asker = make_user(role="staff"), make_user()
    question = make_question(asker, title="Scanner app crashes on launch")
    linked = api.put(staff, f"/api/v1/questions/{question.id}/bug", json={
        "tracker_kind": "jira", "tracker_url": "https://acme.atlassian.net/browse/SCAN-42"})
    assert linked.get_json()["tracker"] == {"kind": "jira", "id": "SCAN-42",
                                            "url": "https://acme.atlassian.net/browse/SCAN-42"}
    body = json.dumps({"delivery": "jira-1", "bug": {"kind": "jira", "id": "SCAN-42"},
                       "state": "fixed", "fixed_in": "5.2"}).encode()
    response = client.post("/api/v1/hooks/tracker", data=body, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": escalation.sign(SECRET, body)})
    assert response.status_code == 200, response.get_json()
    assert state_of(question.id) == ("fixed", "5.2")
    assert db.session.get(FixCheck, (question.id, asker.id)).fixed_in == "5.2"
    assert "fix_check" in kinds_of(asker)
    bad = client.post("/api/v1/hooks/tracker", data=body.replace(b"5.2", b"6.0"), headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": escalation.sign(SECRET, body)})
    assert bad.status_code == 401 and state_of(question.id) == ("fixed", "5.2")
    refused = api.put(staff, f"/api/v1/questions/{question.id}/bug",
                      json={"tracker_kind": "svn", "tracker_url": "ftp://x"})
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) >= {"tracker_kind", "tracker_url"}


def test_marking_an_answer_official_tells_the_asker_and_followers(app):
    asker, helper, follower, staff = make_user(), make_user(), make_user(), make_user(role="staff")
    question = make_question(asker, title="Laptop fan runs at full speed when idle")
    answer = make_answer(question, helper, body="Update the EC firmware to 1.8 from the support page.")
    notifications.set_follow(follower, question.id, True)
    official.mark_official(staff, answer.id)
    assert "official" in kinds_of(helper)
    assert "official" in kinds_of(asker) and "official" in kinds_of(follower)


def test_an_asker_who_accepted_nothing_is_reminded_once(app):
    asker, helper = make_user(), make_user()
    question = make_question(asker, title="Headset echo in every call")
    make_answer(question, helper, body="Turn off the sidetone in the headset app.")
    assert followup.send_reminders() == 0                    # too early
    later = utcnow() + timedelta(days=app.config["ANSWER_REMINDER_DAYS"], hours=1)
    assert followup.send_reminders(later) == 1
    assert kinds_of(asker).count("reminder") == 1
    assert followup.send_reminders(later) == 0               # once a thread
    result = app.test_cli_runner().invoke(args=["support", "remind"])
    assert result.exit_code == 0 and "0 asker(s) reminded." in result.output


def test_a_tracker_answer_that_is_not_a_web_address_never_becomes_a_link(app, client, api, receiver):
    staff, question = make_user(role="staff"), make_question(title="Camera app freezes on start")
    receiver.answers = [(201, {"html_url": "javascript:alert(document.cookie)", "number": 7})]
    assert api.post(staff, f"/api/v1/questions/{question.id}/bug").status_code == 202
    db.session.expire_all()
    issue = db.session.get(KnownIssue, question.id)
    assert (issue.tracker_url, issue.tracker_id) == (None, "7")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "javascript:" not in page
