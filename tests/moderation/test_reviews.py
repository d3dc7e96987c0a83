"""The review queue: suggested edits (below the edit privilege an edit waits for
a reviewer) and the first posts of new users; who may review; the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Flag, Post, ReviewTask, Revision, utcnow
from forum.services import reputation
from tests.factories import make_answer, make_question, make_user

NEW_BODY = ("Update the wireless driver to version 22.240 from the vendor's site, then turn off "
            "power saving for the adapter in Device Manager.")


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def tasks(**where) -> list[ReviewTask]:
    db.session.expire_all()
    stmt = select(ReviewTask).order_by(ReviewTask.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(ReviewTask, key) == value)
    return list(db.session.scalars(stmt))


def revisions_of(post_id: int) -> list[Revision]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(Revision).where(Revision.post_id == post_id).order_by(Revision.number)))


def audit_lines() -> list[tuple]:
    db.session.expire_all()
    return [(e.actor_id, e.action, e.target_type, e.target_id)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def login_as(client, auth, user):
    auth.logout()
    if user is not None:
        auth.login(user)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()["error"]


# ---------------------------------------------------------------- suggested edits

def test_a_suggested_edit_waits_for_review_and_approval_applies_it(client, auth):
    answer = make_answer(make_question())
    old_body = answer.body
    suggester = make_user("Sam", reputation_points=100)
    auth.login(suggester)
    page = client.get(f"/questions/{answer.question_id}").location
    thread = client.get(page).get_data(as_text=True)
    assert "Suggest an edit" in thread
    r = client.post(f"/posts/{answer.id}/edit", data={"body": NEW_BODY, "comment": "driver version"})
    assert r.status_code == 303
    assert "Your edit was sent for review" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert fresh(Post, answer.id).body == old_body
    assert len(revisions_of(answer.id)) == 1
    [task] = tasks(kind="suggested_edit")
    assert (task.post_id, task.author_id, task.body, task.comment, task.status) == (
        answer.id, suggester.id, NEW_BODY, "driver version", "pending")

    reviewer = make_user("Rita", reputation_points=500)
    login_as(client, auth, reviewer)
    queue = client.get("/moderation/review").get_data(as_text=True)
    assert "Suggested edit" in queue and "driver version" in queue and "<ins>" in queue
    r = client.post(f"/moderation/review/{task.id}", data={"decision": "approve"})
    assert r.status_code == 303
    post = fresh(Post, answer.id)
    assert post.body == NEW_BODY and post.edited_by_id == suggester.id
    revs = revisions_of(answer.id)
    assert [(r.number, r.author_id, r.body) for r in revs][-1] == (2, suggester.id, NEW_BODY)
    task = fresh(ReviewTask, task.id)
    assert (task.status, task.decided_by_id) == ("approved", reviewer.id)
    assert (reviewer.id, "review.approved", "review", task.id) in audit_lines()
    assert "Suggested edit" not in client.get("/moderation/review").get_data(as_text=True)


def test_a_rejected_suggestion_leaves_the_post_as_it_was(client, auth):
    question = make_question()
    old = (question.title, question.body)
    suggester = make_user(reputation_points=100)
    auth.login(suggester)
    client.post(f"/posts/{question.id}/edit", data={
        "title": "Wi-Fi drops every few minutes on battery", "body": question.body, "tags": "wifi"})
    [task] = tasks(kind="suggested_edit")
    assert task.title == "Wi-Fi drops every few minutes on battery" and task.tags == "wifi"
    reviewer = make_user(role="staff")
    login_as(client, auth, reviewer)
    r = client.post(f"/moderation/review/{task.id}", data={"decision": "reject",
                                                            "note": "The old title was clearer."})
    assert r.status_code == 303
    post = fresh(Post, question.id)
    assert (post.title, post.body) == old and post.edited_at is None
    assert len(revisions_of(question.id)) == 1
    task = fresh(ReviewTask, task.id)
    assert (task.status, task.decided_by_id, task.note) == (
        "rejected", reviewer.id, "The old title was clearer.")
    assert audit_lines() == [(reviewer.id, "review.rejected", "review", task.id)]
    # decided once: a second decision is a conflict
    assert client.post(f"/moderation/review/{task.id}", data={"decision": "approve"}).status_code == 409


def test_one_pending_suggestion_per_post(app, api):
    answer = make_answer(make_question())
    first, second = make_user(reputation_points=100), make_user(reputation_points=100)
    r = api.patch(first, f"/api/v1/posts/{answer.id}", json={"body": NEW_BODY})
    assert r.status_code == 202
    error = error_of(api.patch(second, f"/api/v1/posts/{answer.id}",
                               json={"body": NEW_BODY + " Restart."}), 409)
    assert "waiting for review" in error["message"]
    assert len(tasks(kind="suggested_edit")) == 1


def test_authors_and_1000_rep_users_still_edit_directly(app, api):
    author = make_user()
    answer = make_answer(make_question(), author)
    assert api.patch(author, f"/api/v1/posts/{answer.id}", json={"body": NEW_BODY}).status_code == 200
    editor = make_user(reputation_points=1000)
    assert api.patch(editor, f"/api/v1/posts/{answer.id}",
                     json={"body": NEW_BODY + " Then restart."}).status_code == 200
    assert tasks(kind="suggested_edit") == []
    assert fresh(Post, answer.id).body == NEW_BODY + " Then restart."


def test_suggested_edits_through_the_api(app, api):
    answer = make_answer(make_question())
    suggester = make_user(reputation_points=100)
    r = api.patch(suggester, f"/api/v1/posts/{answer.id}", json={"body": NEW_BODY})
    assert r.status_code == 202
    body = r.get_json()
    assert body["status"] == "pending" and body["review_task_id"] == tasks(kind="suggested_edit")[0].id
    assert fresh(Post, answer.id).body != NEW_BODY
    task_id = body["review_task_id"]

    error_of(api.get(None, "/api/v1/moderation/reviews"), 401)
    error_of(api.get(make_user(reputation_points=499), "/api/v1/moderation/reviews"), 403)
    reviewer = make_user(reputation_points=500)
    listed = api.get(reviewer, "/api/v1/moderation/reviews").get_json()["tasks"]
    suggestion = next(t for t in listed if t["id"] == task_id)
    assert suggestion["kind"] == "suggested_edit" and suggestion["proposed"]["body"] == NEW_BODY
    assert suggestion["post"]["id"] == answer.id

    url = f"/api/v1/reviews/{task_id}"
    error_of(api.post(None, url, json={"decision": "approve"}), 401)
    error_of(api.post(make_user(reputation_points=499), url, json={"decision": "approve"}), 403)
    error_of(api.post(reviewer, "/api/v1/reviews/987654", json={"decision": "approve"}), 404)
    assert "decision" in error_of(api.post(reviewer, url, json={"decision": "yes"}), 422)["fields"]
    r = api.post(reviewer, url, json={"decision": "approve", "note": "Good catch."})
    assert r.status_code == 200
    assert r.get_json()["status"] == "approved" and r.get_json()["note"] == "Good catch."
    assert fresh(Post, answer.id).body == NEW_BODY
    assert revisions_of(answer.id)[-1].author_id == suggester.id
    error_of(api.post(reviewer, url, json={"decision": "reject"}), 409)


def test_nobody_reviews_their_own_suggestion(app, api):
    answer = make_answer(make_question())
    suggester = make_user(reputation_points=100)
    task_id = api.patch(suggester, f"/api/v1/posts/{answer.id}",
                        json={"body": NEW_BODY}).get_json()["review_task_id"]
    # the suggester earns the review privilege meanwhile
    reputation.award(suggester.id, reputation.BONUS, post_id=None, actor_id=None, points=500)
    reputation.refresh(suggester.id)
    db.session.commit()
    tasks_seen = api.get(suggester, "/api/v1/moderation/reviews").get_json()["tasks"]
    assert task_id not in [t["id"] for t in tasks_seen]
    error_of(api.post(suggester, f"/api/v1/reviews/{task_id}", json={"decision": "approve"}), 403)
    assert fresh(ReviewTask, task_id).status == "pending"


# ---------------------------------------------------------------- first posts

def test_first_posts_create_a_review_task_once_per_user(app):
    newcomer = make_user()
    question = make_question(newcomer)
    make_question(newcomer, body="And my laptop also forgets the saved network after sleep.")
    make_answer(make_question(), newcomer)
    first = tasks(kind="first_post", author_id=newcomer.id)
    assert [(t.post_id, t.status) for t in first] == [(question.id, "pending")]
    answerer = make_user()
    answer = make_answer(question, answerer)
    assert [t.post_id for t in tasks(kind="first_post", author_id=answerer.id)] == [answer.id]
    make_question(make_user(role="staff"))
    assert {t.author.role for t in tasks(kind="first_post")} == {"member"}


def test_reviewers_pass_or_escalate_first_posts(client, auth):
    newcomer = make_user("newbie")
    fine = make_question(newcomer, title="Bluetooth mouse lags after waking the laptop")
    shady = make_answer(make_question(), make_user("shady"),
                        body="Download the fixed driver from my file share at share.example/drv.")
    fine_task = tasks(kind="first_post", post_id=fine.id)[0]
    shady_task = tasks(kind="first_post", post_id=shady.id)[0]
    reviewer = make_user(reputation_points=500)
    auth.login(reviewer)
    queue = client.get("/moderation/review").get_data(as_text=True)
    assert "Bluetooth mouse lags" in queue and "share.example/drv" in queue
    assert "Looks fine" in queue and "Needs a moderator" in queue
    client.post(f"/moderation/review/{fine_task.id}", data={"decision": "approve"})
    client.post(f"/moderation/review/{shady_task.id}",
                data={"decision": "reject", "note": "Driver from a personal file share."})
    assert fresh(ReviewTask, fine_task.id).status == "approved"
    assert fresh(ReviewTask, shady_task.id).status == "rejected"
    [flag] = db.session.scalars(select(Flag).where(Flag.post_id == shady.id)).all()
    assert (flag.user_id, flag.reason, flag.status) == (reviewer.id, "other", "open")
    assert "Driver from a personal file share." in flag.text
    assert audit_lines() == [(reviewer.id, "review.approved", "review", fine_task.id),
                             (reviewer.id, "review.rejected", "review", shady_task.id)]
    # the escalated post is in the moderators' queue with the reviewer's note
    login_as(client, auth, make_user(role="moderator"))
    page = client.get("/moderation").get_data(as_text=True)
    assert "First-post review: needs a moderator. Driver from a personal file share." in page


# ---------------------------------------------------------------- who may review

@pytest.mark.parametrize("who, status", [
    ("rep_499", 403), ("rep_500", 200), ("staff", 200), ("moderator", 200),
    ("suspended_500", 403),
])
def test_review_queue_permissions(client, auth, who, status):
    user = make_user(**{
        "rep_499": {"reputation_points": 499}, "rep_500": {"reputation_points": 500},
        "staff": {"role": "staff"}, "moderator": {"role": "moderator"},
        "suspended_500": {"reputation_points": 500},
    }[who])
    if who == "suspended_500":
        user.suspended_until = utcnow() + timedelta(days=1)
        db.session.commit()
    make_question()
    task = tasks(kind="first_post")[0]
    auth.login(user)
    assert client.get("/moderation/review").status_code == status
    r = client.post(f"/moderation/review/{task.id}", data={"decision": "approve"})
    assert r.status_code == (303 if status == 200 else 403)
    assert fresh(ReviewTask, task.id).status == ("approved" if status == 200 else "pending")


def test_review_queue_sends_anonymous_visitors_to_log_in(client):
    r = client.get("/moderation/review")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
