"""Suspensions: who may suspend whom, what a suspended user can and cannot do,
the banner, the CLI, the API, and the moderator's page about a user."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Flag, Post, Question, User, Vote, utcnow
from forum.services import posting
from moderation import audit
from tests.factories import make_answer, make_question, make_user
from tests.web.test_query_count import count_queries

REASON = "Posting links to a phishing site"


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def suspend_directly(user, days=1, reason=REASON):
    user.suspended_until = utcnow() + timedelta(days=days)
    user.suspension_reason = reason
    db.session.commit()
    return user


def audit_lines(action=None):
    db.session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


def make_actor(kind):
    return {
        "member": lambda: make_user(),
        "high_rep": lambda: make_user(reputation_points=20000),
        "staff": lambda: make_user(role="staff"),
        "moderator": lambda: make_user(role="moderator"),
        "admin": lambda: make_user(role="admin"),
    }[kind]()


# ---------------------------------------------------------------- who may suspend whom

@pytest.mark.parametrize("actor_kind, target_role, allowed", [
    ("member", "member", False),
    ("high_rep", "member", False),
    ("staff", "member", False),
    ("moderator", "member", True),
    ("moderator", "staff", True),
    ("moderator", "moderator", False),
    ("moderator", "admin", False),
    ("admin", "moderator", True),
    ("admin", "admin", True),
])
def test_suspend_permissions_on_the_page(client, auth, actor_kind, target_role, allowed):
    actor = make_actor(actor_kind)
    target = make_user(role=target_role)
    auth.login(actor)
    r = client.post(f"/moderation/users/{target.id}/suspend",
                    data={"days": "7", "reason": REASON})
    user = fresh(User, target.id)
    if allowed:
        assert r.status_code == 303
        assert user.is_suspended and user.suspension_reason == REASON
        assert timedelta(days=6, hours=23) < user.suspended_until - utcnow() <= timedelta(days=7)
        [line] = audit_lines("user.suspended")
        assert (line.actor_id, line.target_type, line.target_id) == (actor.id, "user", target.id)
        assert line.reason == REASON and audit.details_of(line)["days"] == 7
    else:
        assert r.status_code == 403
        assert user.suspended_until is None and user.suspension_reason is None
        assert audit_lines() == []


def test_nobody_suspends_themselves(client, auth):
    admin = make_user(role="admin")
    auth.login(admin)
    r = client.post(f"/moderation/users/{admin.id}/suspend", data={"days": "1", "reason": REASON})
    assert r.status_code == 403
    assert "cannot suspend yourself" in r.get_data(as_text=True)
    assert fresh(User, admin.id).suspended_until is None


@pytest.mark.parametrize("data, field", [
    ({"days": "0", "reason": REASON}, "days"),
    ({"days": "3651", "reason": REASON}, "days"),
    ({"days": "two", "reason": REASON}, "days"),
    ({"days": "3", "reason": "rude"}, "reason"),
    ({"days": "3", "reason": "x" * 501}, "reason"),
    ({"days": "3"}, "reason"),
])
def test_bad_suspension_input_is_a_form_error(client, auth, data, field):
    mod, target = make_user(role="moderator"), make_user()
    auth.login(mod)
    r = client.post(f"/moderation/users/{target.id}/suspend", data=data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert fresh(User, target.id).suspended_until is None and audit_lines() == []


def test_unsuspend_clears_the_suspension_and_is_logged(client, auth):
    mod, target = make_user(role="moderator"), make_user()
    suspend_directly(target, days=10)
    auth.login(mod)
    r = client.post(f"/moderation/users/{target.id}/unsuspend", data={"note": "Appealed: a mistake"})
    assert r.status_code == 303
    user = fresh(User, target.id)
    assert user.suspended_until is None and user.suspension_reason is None
    [line] = audit_lines("user.unsuspended")
    assert line.actor_id == mod.id and line.target_id == target.id
    assert line.reason == "Appealed: a mistake" and audit.details_of(line)["days"] == 10
    # Lifting it again is a conflict and writes nothing.
    r = client.post(f"/moderation/users/{target.id}/unsuspend", data={})
    assert r.status_code == 409
    assert len(audit_lines()) == 1


def test_a_moderator_cannot_unsuspend_a_moderator(client, auth):
    mod, other = make_user(role="moderator"), make_user(role="moderator")
    suspend_directly(other)
    auth.login(mod)
    assert client.post(f"/moderation/users/{other.id}/unsuspend").status_code == 403
    assert fresh(User, other.id).is_suspended


# ---------------------------------------------------------------- what a suspended user can do

def test_suspended_user_reads_but_cannot_write_on_pages(client, auth):
    author = make_user(reputation_points=500)
    question = make_question()
    answer = make_answer(question)
    suspend_directly(author)
    auth.login(author)
    before = db.session.scalar(select(func.count()).select_from(Post))

    page = client.get(f"/questions/{question.id}/{question.slug}")
    assert page.status_code == 200 and question.title in page.get_data(as_text=True)
    assert client.get("/").status_code == 200

    refusals = [
        client.post("/ask", data={"title": "Bluetooth mouse lags after waking up",
                                  "body": "The mouse lags for a minute after the laptop wakes.",
                                  "tags": "wifi"}),
        client.post(f"/questions/{question.id}/answers",
                    data={"body": "Reinstall the Bluetooth driver from the vendor site."}),
        client.post(f"/posts/{answer.id}/vote", data={"value": "1"}),
        client.post(f"/posts/{answer.id}/comments", data={"body": "Which version did you use?"}),
    ]
    for r in refusals:
        assert r.status_code == 403, r.request.path
        text = r.get_data(as_text=True)
        assert "suspended until" in text and REASON in text, r.request.path
    assert db.session.scalar(select(func.count()).select_from(Post)) == before
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
    assert fresh(Post, answer.id).comment_count == 0


def test_suspended_user_is_refused_by_the_api_with_the_reason(api):
    user = make_user(reputation_points=500)
    answer = make_answer(make_question())
    suspend_directly(user)
    questions = db.session.scalar(select(func.count()).select_from(Question))
    r = api.post(user, "/api/v1/questions", json={
        "title": "Bluetooth mouse lags after waking up",
        "body": "The mouse lags for a minute after the laptop wakes.", "tags": ["wifi"]})
    assert r.status_code == 403
    error = r.get_json()["error"]
    assert error["code"] == "forbidden"
    assert "suspended until" in error["message"] and REASON in error["message"]
    r = api.post(user, f"/api/v1/posts/{answer.id}/vote", json={"value": 1})
    assert r.status_code == 403 and REASON in r.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Question)) == questions
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
    assert fresh(Post, answer.id).score == 0
    # Reading still works.
    assert api.get(user, f"/api/v1/questions/{answer.question_id}").status_code == 200


def test_the_suspended_user_sees_a_banner_on_every_page(client, auth):
    user = suspend_directly(make_user(), days=3)
    question = make_question()
    auth.login(user)
    until = fresh(User, user.id).suspended_until.strftime("%Y-%m-%d %H:%M")
    for url in ("/", f"/questions/{question.id}/{question.slug}", "/tags"):
        page = client.get(url).get_data(as_text=True)
        assert "Your account is suspended" in page, url
        assert REASON in page and until in page, url


def test_no_banner_when_not_suspended_or_expired(client, auth):
    user = make_user()
    user.suspended_until = utcnow() - timedelta(minutes=1)
    user.suspension_reason = REASON
    db.session.commit()
    auth.login(user)
    assert "Your account is suspended" not in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- the CLI

def test_cli_suspend_and_unsuspend_write_audit_lines(app):
    user = make_user("troll_42")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "suspend", "troll_42", "--days", "5",
                                 "--reason", REASON])
    assert result.exit_code == 0, result.output
    assert fresh(User, user.id).is_suspended
    [line] = audit_lines("user.suspended")
    assert line.actor_id is None and (line.target_type, line.target_id) == ("user", user.id)
    assert line.reason == REASON and json.loads(line.details)["days"] == 5

    result = runner.invoke(args=["users", "unsuspend", "troll_42", "--reason", "Appeal granted"])
    assert result.exit_code == 0, result.output
    assert fresh(User, user.id).suspended_until is None
    [line] = audit_lines("user.unsuspended")
    assert line.reason == "Appeal granted" and line.target_id == user.id

    result = runner.invoke(args=["users", "unsuspend", "troll_42"])
    assert result.exit_code == 1 and "not suspended" in result.output
    assert len(audit_lines()) == 2


# ---------------------------------------------------------------- the API

def test_api_suspend_and_unsuspend(api):
    mod, target = make_user(role="moderator"), make_user()
    r = api.post(mod, f"/api/v1/users/{target.id}/suspension", json={"days": 2, "reason": REASON})
    assert r.status_code == 200
    data = r.get_json()
    assert data["id"] == target.id and data["reason"] == REASON
    user = fresh(User, target.id)
    assert data["suspended_until"] == user.suspended_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [a.action for a in audit_lines()] == ["user.suspended"]

    r = api.delete(mod, f"/api/v1/users/{target.id}/suspension")
    assert r.status_code == 200
    assert r.get_json() == {"id": target.id, "suspended_until": None, "reason": None}
    assert fresh(User, target.id).suspended_until is None
    assert [a.action for a in audit_lines()] == ["user.suspended", "user.unsuspended"]


@pytest.mark.parametrize("who, status", [
    (None, 401), ("member", 403), ("high_rep", 403), ("staff", 403),
])
def test_api_suspension_needs_a_moderator(api, who, status):
    target = make_user()
    actor = make_actor(who) if who else None
    r = api.post(actor, f"/api/v1/users/{target.id}/suspension",
                 json={"days": 2, "reason": REASON})
    assert r.status_code == status
    assert r.get_json()["error"]["code"] in ("unauthorized", "forbidden")
    suspend_directly(target)
    assert api.delete(actor, f"/api/v1/users/{target.id}/suspension").status_code == status
    assert fresh(User, target.id).is_suspended
    assert audit_lines() == []


def test_api_suspension_errors(api):
    mod, other_mod = make_user(role="moderator"), make_user(role="moderator")
    target = make_user()
    r = api.post(mod, "/api/v1/users/999999/suspension", json={"days": 2, "reason": REASON})
    assert r.status_code == 404
    r = api.post(mod, f"/api/v1/users/{target.id}/suspension", json={"days": 0, "reason": "x"})
    assert r.status_code == 422
    assert set(r.get_json()["error"]["fields"]) == {"days", "reason"}
    r = api.post(mod, f"/api/v1/users/{target.id}/suspension", json={"days": True, "reason": REASON})
    assert r.status_code == 422
    r = api.post(mod, f"/api/v1/users/{other_mod.id}/suspension", json={"days": 2, "reason": REASON})
    assert r.status_code == 403 and "admins" in r.get_json()["error"]["message"]
    r = api.delete(mod, f"/api/v1/users/{target.id}/suspension")
    assert r.status_code == 409
    db.session.expire_all()
    assert not fresh(User, target.id).suspended_until and not fresh(User, other_mod.id).suspended_until
    assert audit_lines() == []


# ---------------------------------------------------------------- the moderator's user page

def test_user_page_shows_posts_flags_and_the_log(client, auth):
    mod = make_user("mod_maria", role="moderator")
    target = make_user("spammy_sam", reputation_points=40)
    flagger = make_user("careful_cat", reputation_points=100)
    kept = make_question(target, title="Printer queue stuck on a paused job forever")
    gone = make_question(target, title="Scanner driver refuses to install on Windows")
    hidden = make_answer(make_question(title="Webcam is black in video calls since update"),
                         target, body="Buy the miracle fixer at my shop, it always works.")
    posting.delete_post(target, gone.id)
    db.session.get(Post, hidden.id).hidden_at = utcnow()
    other_post = make_question(flagger, title="Keyboard backlight stays off after sleep")
    db.session.add_all([
        Flag(post_id=hidden.id, user_id=flagger.id, reason="spam", status="helpful",
             decided_by_id=mod.id, decided_at=utcnow(), decision_note="clear spam"),
        Flag(post_id=other_post.id, user_id=target.id, reason="abusive", status="declined",
             decided_by_id=mod.id, decided_at=utcnow()),
    ])
    db.session.commit()
    audit.record(mod, "user.suspended", ("user", target.id), "spam links", days=3)
    audit.record(target, "post.locked", ("post", kept.id), "by them")
    audit.record(mod, "post.locked", ("post", other_post.id), "not about them")
    db.session.commit()
    suspend_directly(fresh(User, target.id), days=3, reason="spam links")

    auth.login(mod)
    r = client.get(f"/moderation/users/{target.id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    for text in ("spammy_sam", "member", "Suspended", "spam links", "Printer queue stuck",
                 "Scanner driver refuses", "deleted", "hidden by flags",
                 "Webcam is black in video calls", "Keyboard backlight stays off",
                 "declined", "helpful", "clear spam", "careful_cat", "user.suspended",
                 "by them", "Lift the suspension", 'name="days"'):
        assert text in page, text
    assert "not about them" not in page


def test_public_profile_links_to_the_moderator_view_for_moderators_only(client, auth):
    target = make_user()
    link = f"/moderation/users/{target.id}"
    auth.login(make_user(reputation_points=20000))
    assert link not in client.get(f"/users/{target.id}/{target.username}").get_data(as_text=True)
    auth.logout()
    auth.login(make_user(role="moderator"))
    assert link in client.get(f"/users/{target.id}/{target.username}").get_data(as_text=True)


@pytest.mark.parametrize("who", ["member", "high_rep", "staff"])
def test_user_page_is_for_moderators_only(client, auth, who):
    target = make_user()
    auth.login(make_actor(who))
    assert client.get(f"/moderation/users/{target.id}").status_code == 403


def test_user_page_needs_login_and_an_existing_user(client, auth):
    target = make_user()
    r = client.get(f"/moderation/users/{target.id}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    auth.login(make_user(role="moderator"))
    assert client.get("/moderation/users/999999").status_code == 404


def test_user_page_asks_admins_for_moderators(client, auth):
    mod, other = make_user(role="moderator"), make_user(role="moderator")
    auth.login(mod)
    page = client.get(f"/moderation/users/{other.id}").get_data(as_text=True)
    assert "Only admins can suspend moderators" in page and 'name="days"' not in page


def test_user_page_queries_do_not_grow(client, auth):
    mod = make_user(role="moderator")
    target = make_user(reputation_points=100)
    others = [make_user(reputation_points=100) for _ in range(3)]
    n = iter(range(1000))

    def add_one_of_each():
        i = next(n)
        question = make_question(target, body=f"Case {i}: the fan spins up at idle all day.")
        answer = make_answer(make_question(others[i % 3]), target,
                             body=f"Answer number {i}: reset the adapter and reboot twice.")
        theirs = make_question(others[i % 3], body=f"Case {i}: my dock drops the screens.")
        db.session.add_all([
            Flag(post_id=answer.id, user_id=others[i % 3].id, reason="spam", status="declined",
                 decided_by_id=mod.id, decided_at=utcnow()),
            Flag(post_id=question.id, user_id=others[(i + 1) % 3].id, reason="needs_details"),
            Flag(post_id=theirs.id, user_id=target.id, reason="abusive", status="helpful",
                 decided_by_id=mod.id, decided_at=utcnow()),
        ])
        audit.record(mod, "user.role", ("user", target.id), f"line {i}")
        audit.record(target, "post.locked", ("post", theirs.id), f"by them {i}")
        db.session.commit()
        if i % 2:
            posting.delete_post(target, question.id)

    def queries() -> int:
        db.session.expire_all()         # as in a fresh request: nothing cached
        with count_queries() as statements:
            assert client.get(f"/moderation/users/{target.id}").status_code == 200
        return len(statements)

    add_one_of_each()
    auth.login(mod)
    few = queries()
    for _ in range(8):
        add_one_of_each()
    assert queries() <= few <= 12
