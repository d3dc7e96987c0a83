"""Flags: who may flag, what a flag needs, the hiding threshold, moderators'
decisions (flag rows, visibility, reputation, audit lines), what flaggers see,
and the moderation queue (permissions, content, a fixed number of queries)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from forum.extensions import db
from forum.models import AuditEntry, Flag, Post, User, utcnow
from forum.services import reputation, voting
from tests.factories import make_answer, make_question, make_user

SPAM = {"reason": "spam"}


# ---------------------------------------------------------------- helpers

def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def flags_on(post_id: int) -> list[Flag]:
    db.session.expire_all()
    return list(db.session.scalars(select(Flag).where(Flag.post_id == post_id).order_by(Flag.id)))


def audit_actions(target_type: str | None = None) -> list[tuple]:
    db.session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    return [(e.actor_id, e.action, e.target_type, e.target_id) for e in db.session.scalars(stmt)]


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()["error"]


def flaggers(n: int, rep: int = 15) -> list[User]:
    return [make_user(reputation_points=rep) for _ in range(n)]


def login_as(client, auth, user):
    auth.logout()
    if user is not None:
        auth.login(user)


def suspend(user, reason="posting links to a phishing site"):
    user.suspended_until = utcnow() + timedelta(days=1)
    user.suspension_reason = reason
    db.session.commit()


def assert_ledger_matches(*users):
    db.session.expire_all()
    for user in users:
        row = db.session.get(User, user.id)
        assert row.reputation == reputation.reputation_from_total(reputation.ledger_total(user.id))


@contextmanager
def counting_queries():
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


# ---------------------------------------------------------------- who may flag

@pytest.mark.parametrize("rep, status", [(14, 403), (15, 201)])
def test_flagging_needs_15_reputation(app, api, rep, status):
    question = make_question()
    r = api.post(make_user(reputation_points=rep), f"/api/v1/posts/{question.id}/flags", json=SPAM)
    assert r.status_code == status, r.get_data(as_text=True)
    if status == 403:
        assert "15 reputation" in r.get_json()["error"]["message"]
        assert flags_on(question.id) == []
    else:
        body = r.get_json()
        assert body == {"id": body["id"], "post_id": question.id, "reason": "spam",
                        "status": "open"}
        assert [f.status for f in flags_on(question.id)] == ["open"]


def test_cannot_flag_own_post(app, api):
    author = make_user(reputation_points=500)
    question = make_question(author)
    error = error_of(api.post(author, f"/api/v1/posts/{question.id}/flags", json=SPAM), 403)
    assert "your own post" in error["message"]
    assert flags_on(question.id) == []


def test_suspended_user_cannot_flag_and_is_told_why(app, api):
    user = make_user(reputation_points=500)
    suspend(user)
    question = make_question()
    error = error_of(api.post(user, f"/api/v1/posts/{question.id}/flags", json=SPAM), 403)
    assert "suspended" in error["message"] and "phishing site" in error["message"]
    assert flags_on(question.id) == []


def test_api_flag_errors(app, api):
    question = make_question()
    user = make_user(reputation_points=15)
    error_of(api.post(None, f"/api/v1/posts/{question.id}/flags", json=SPAM), 401)
    error_of(api.post(user, "/api/v1/posts/987654/flags", json=SPAM), 404)
    error_of(api.post(user, f"/api/v1/posts/{question.id}/flags", data="reason=spam"), 415)
    error = error_of(api.post(user, f"/api/v1/posts/{question.id}/flags",
                              json={"reason": "boring"}), 422)
    assert "reason" in error["fields"]
    assert flags_on(question.id) == []


def test_one_open_flag_per_user_per_post(app, api):
    answer = make_answer(make_question())
    user = make_user(reputation_points=15)
    assert api.post(user, f"/api/v1/posts/{answer.id}/flags", json=SPAM).status_code == 201
    error = error_of(api.post(user, f"/api/v1/posts/{answer.id}/flags",
                              json={"reason": "abusive"}), 409)
    assert "already flagged" in error["message"]
    assert [(f.user_id, f.reason) for f in flags_on(answer.id)] == [(user.id, "spam")]


def test_duplicate_flag_needs_a_valid_original(app, api):
    original = make_question()
    question = make_question()
    answer = make_answer(question)
    gone = make_question()
    gone.deleted_at = utcnow()
    db.session.commit()
    user = make_user(reputation_points=15)
    url = f"/api/v1/posts/{question.id}/flags"
    for payload in ({"reason": "duplicate"}, {"reason": "duplicate", "duplicate_of": "soon"},
                    {"reason": "duplicate", "duplicate_of": 987654},
                    {"reason": "duplicate", "duplicate_of": question.id},
                    {"reason": "duplicate", "duplicate_of": answer.id},
                    {"reason": "duplicate", "duplicate_of": gone.id}):
        error = error_of(api.post(user, url, json=payload), 422)
        assert "duplicate_of" in error["fields"], payload
    # an answer cannot duplicate its own thread either
    error = error_of(api.post(user, f"/api/v1/posts/{answer.id}/flags",
                              json={"reason": "duplicate", "duplicate_of": question.id}), 422)
    assert "itself" in error["fields"]["duplicate_of"]
    assert flags_on(question.id) == [] and flags_on(answer.id) == []
    r = api.post(user, url, json={"reason": "duplicate", "duplicate_of": f"/questions/{original.id}/x"})
    assert r.status_code == 201
    assert [f.duplicate_of_id for f in flags_on(question.id)] == [original.id]


def test_other_needs_10_to_500_characters_of_text(app, api):
    question = make_question()
    user = make_user(reputation_points=15)
    url = f"/api/v1/posts/{question.id}/flags"
    for text in (None, "", "too short", "x" * 501):
        payload = {"reason": "other", **({"text": text} if text is not None else {})}
        assert "text" in error_of(api.post(user, url, json=payload), 422)["fields"]
    assert flags_on(question.id) == []
    assert api.post(user, url, json={"reason": "other", "text": "Wrong product."}).status_code == 201
    assert [f.text for f in flags_on(question.id)] == ["Wrong product."]


def test_flag_from_the_thread_page(client, auth):
    question = make_question()
    user = make_user(reputation_points=15)
    auth.login(user)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert f'action="/posts/{question.id}/flags"' in page and "Rude or abusive" in page
    r = client.post(f"/posts/{question.id}/flags", data={"reason": "other", "text": "short"})
    assert r.status_code == 303
    assert "Flag not sent" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert flags_on(question.id) == []
    r = client.post(f"/posts/{question.id}/flags",
                    data={"reason": "needs_details", "text": "", "duplicate_of": ""})
    assert r.status_code == 303
    assert "a moderator will look at your flag" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert [(f.user_id, f.reason) for f in flags_on(question.id)] == [(user.id, "needs_details")]


def test_flag_control_shows_only_to_those_who_may_flag(client, auth):
    author = make_user()
    question = make_question(author)
    url = f"/questions/{question.id}/{question.slug}"
    form = f'action="/posts/{question.id}/flags"'
    assert form not in client.get(url).get_data(as_text=True)            # anonymous
    for user, shown in ((make_user(reputation_points=14), False), (author, False),
                        (make_user(reputation_points=15), True)):
        login_as(client, auth, user)
        assert (form in client.get(url).get_data(as_text=True)) is shown


# ---------------------------------------------------------------- hiding

def test_six_spam_or_abuse_flags_from_distinct_users_hide_a_question(client, auth, api):
    author = make_user()
    question = make_question(author)
    url = f"/questions/{question.id}/{question.slug}"
    people = flaggers(6)
    for user in people[:5]:
        assert api.post(user, f"/api/v1/posts/{question.id}/flags", json=SPAM).status_code == 201
    # the same user twice never counts twice
    assert api.post(people[0], f"/api/v1/posts/{question.id}/flags",
                    json={"reason": "abusive"}).status_code == 409
    other = make_user(reputation_points=15)
    assert api.post(other, f"/api/v1/posts/{question.id}/flags",
                    json={"reason": "needs_details"}).status_code == 201
    assert fresh(Post, question.id).hidden_at is None
    assert client.get(url).status_code == 200
    assert audit_actions() == []

    assert api.post(people[5], f"/api/v1/posts/{question.id}/flags",
                    json={"reason": "abusive"}).status_code == 201
    assert fresh(Post, question.id).hidden_at is not None
    assert audit_actions() == [(None, "post.hidden_by_flags", "post", question.id)]
    assert client.get(url).status_code == 404                           # anonymous
    assert question.title not in client.get("/").get_data(as_text=True)
    assert api.get(None, f"/api/v1/questions/{question.id}").status_code == 404
    for viewer, status in ((make_user(reputation_points=20000), 404), (people[0], 404),
                           (make_user(role="moderator"), 200), (author, 200)):
        login_as(client, auth, viewer)
        assert client.get(url).status_code == status, viewer


def test_a_hidden_answer_is_missing_from_the_thread_but_not_for_moderators_and_its_author(
        client, auth, api):
    question = make_question()
    answerer = make_user()
    answer = make_answer(question, answerer, body="Buy cheap watches at spam.example, best prices!")
    for user in flaggers(6):
        api.post(user, f"/api/v1/posts/{answer.id}/flags", json=SPAM)
    assert fresh(Post, answer.id).is_hidden
    url = f"/questions/{question.id}/{question.slug}"
    for viewer, shown in ((None, False), (make_user(), False), (make_user(role="moderator"), True),
                          (answerer, True)):
        login_as(client, auth, viewer)
        page = client.get(url)
        assert page.status_code == 200
        assert ("cheap watches" in page.get_data(as_text=True)) is shown, viewer


# ---------------------------------------------------------------- decisions

def spam_answer_with_an_upvote(api):
    question = make_question()
    answerer = make_user()
    answer = make_answer(question, answerer, body="Buy cheap watches at spam.example, best prices!")
    voter = make_user(reputation_points=15)
    voting.cast_vote(voter, answer.id, 1)
    people = flaggers(6)
    for user in people:
        assert api.post(user, f"/api/v1/posts/{answer.id}/flags", json=SPAM).status_code == 201
    return question, answer, answerer, voter, people


def test_helpful_on_spam_deletes_the_post_and_reverses_its_reputation(client, auth, api):
    question, answer, answerer, voter, people = spam_answer_with_an_upvote(api)
    assert fresh(User, answerer.id).reputation == 11
    moderator = make_user(role="moderator")
    auth.login(moderator)
    r = client.post(f"/moderation/posts/{answer.id}/decision", data={"decision": "helpful",
                                                                    "note": "link farm"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/moderation")
    rows = flags_on(answer.id)
    assert {(f.status, f.decided_by_id, f.decision_note) for f in rows} == {
        ("helpful", moderator.id, "link farm")}
    assert all(f.decided_at is not None for f in rows)
    post = fresh(Post, answer.id)
    assert post.is_deleted and post.is_hidden
    assert fresh(User, answerer.id).reputation == 1
    assert_ledger_matches(answerer, voter, moderator, *people)
    assert audit_actions("flag") == [(moderator.id, "flag.helpful", "flag", f.id) for f in rows]
    assert (moderator.id, "post.deleted", "post", answer.id) in audit_actions("post")
    login_as(client, auth, None)
    assert "cheap watches" not in client.get(
        f"/questions/{question.id}/{question.slug}").get_data(as_text=True)


def test_decline_marks_flags_declined_and_shows_the_post_again(client, auth, api):
    question, answer, answerer, voter, people = spam_answer_with_an_upvote(api)
    moderator = make_user(role="admin")
    auth.login(moderator)
    assert client.post(f"/moderation/posts/{answer.id}/decision",
                       data={"decision": "declined"}).status_code == 303
    assert {f.status for f in flags_on(answer.id)} == {"declined"}
    post = fresh(Post, answer.id)
    assert not post.is_hidden and not post.is_deleted
    assert fresh(User, answerer.id).reputation == 11
    assert_ledger_matches(answerer, voter, *people)
    assert [a for _, a, _, _ in audit_actions()].count("flag.declined") == 6
    assert (moderator.id, "post.unhidden", "post", answer.id) in audit_actions("post")
    login_as(client, auth, None)
    assert "cheap watches" in client.get(
        f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    # a decided post has nothing left to decide
    login_as(client, auth, moderator)
    assert client.post(f"/moderation/posts/{answer.id}/decision",
                       data={"decision": "helpful"}).status_code == 409


def test_helpful_on_other_reasons_keeps_the_post(client, auth, api):
    question = make_question()
    api.post(make_user(reputation_points=15), f"/api/v1/posts/{question.id}/flags",
             json={"reason": "needs_details"})
    auth.login(make_user(role="moderator"))
    client.post(f"/moderation/posts/{question.id}/decision", data={"decision": "helpful"})
    assert [f.status for f in flags_on(question.id)] == ["helpful"]
    assert not fresh(Post, question.id).is_deleted


def test_per_flag_decisions(client, auth, api):
    question = make_question()
    people = flaggers(6)
    for user in people:
        api.post(user, f"/api/v1/posts/{question.id}/flags", json=SPAM)
    assert fresh(Post, question.id).is_hidden
    moderator = make_user(role="moderator")
    first, second = flags_on(question.id)[:2]
    auth.login(moderator)
    assert client.post(f"/moderation/posts/{question.id}/decision",
                       data={"decision": "helpful", "flag_id": first.id}).status_code == 303
    assert client.post(f"/moderation/posts/{question.id}/decision",
                       data={"decision": "decline", "flag_id": second.id}).status_code == 303
    assert [f.status for f in flags_on(question.id)] == ["helpful", "declined"] + ["open"] * 4
    post = fresh(Post, question.id)
    assert not post.is_deleted and not post.is_hidden       # 4 open spam flags < 6
    assert audit_actions("flag") == [(moderator.id, "flag.helpful", "flag", first.id),
                                     (moderator.id, "flag.declined", "flag", second.id)]
    # a flag of another post, or decided already
    assert client.post(f"/moderation/posts/{question.id + 1000}/decision",
                       data={"decision": "helpful", "flag_id": first.id}).status_code == 404
    assert client.post(f"/moderation/posts/{question.id}/decision",
                       data={"decision": "helpful", "flag_id": first.id}).status_code == 409


def test_only_moderators_decide(client, auth, api):
    question = make_question()
    api.post(make_user(reputation_points=15), f"/api/v1/posts/{question.id}/flags", json=SPAM)
    auth.login(make_user(role="staff"))
    assert client.post(f"/moderation/posts/{question.id}/decision",
                       data={"decision": "helpful"}).status_code == 403
    assert [f.status for f in flags_on(question.id)] == ["open"]
    assert audit_actions() == []


def test_flaggers_see_what_became_of_their_flags(client, auth, api):
    flagger = make_user(reputation_points=15)
    spam_q, fine_q, open_q = make_question(), make_question(), make_question()
    for q in (spam_q, fine_q, open_q):
        api.post(flagger, f"/api/v1/posts/{q.id}/flags", json=SPAM)
    moderator = make_user(role="moderator")
    auth.login(moderator)
    client.post(f"/moderation/posts/{spam_q.id}/decision", data={"decision": "helpful"})
    client.post(f"/moderation/posts/{fine_q.id}/decision",
                data={"decision": "declined", "note": "Looks like a real problem."})
    login_as(client, auth, flagger)
    page = client.get("/flags/mine").get_data(as_text=True)
    assert page.count("Helpful") == 1 and page.count("Declined") == 1 and "Open" in page
    assert "Looks like a real problem." in page
    assert f'/questions/{fine_q.id}/{fine_q.slug}"' in page
    assert f'/questions/{open_q.id}/{open_q.slug}"' in page
    assert f'/questions/{spam_q.id}/' not in page             # deleted: no link
    mine = api.get(flagger, "/api/v1/flags/mine").get_json()["flags"]
    assert {f["post_id"]: f["status"] for f in mine} == {
        spam_q.id: "helpful", fine_q.id: "declined", open_q.id: "open"}
    assert {f["post"]["deleted"] for f in mine if f["post_id"] == spam_q.id} == {True}
    error_of(api.get(None, "/api/v1/flags/mine"), 401)
    login_as(client, auth, None)
    assert client.get("/flags/mine").status_code == 302


# ---------------------------------------------------------------- the queue

@pytest.mark.parametrize("who, status", [
    ("member", 403), ("high_rep", 403), ("staff", 403), ("suspended_moderator", 403),
    ("moderator", 200), ("admin", 200),
])
def test_moderation_page_permissions(client, auth, api, who, status):
    user = {
        "member": lambda: make_user(),
        "high_rep": lambda: make_user(reputation_points=20000),
        "staff": lambda: make_user(role="staff"),
        "suspended_moderator": lambda: make_user(role="moderator"),
        "moderator": lambda: make_user(role="moderator"),
        "admin": lambda: make_user(role="admin"),
    }[who]()
    if who == "suspended_moderator":
        suspend(user)
    auth.login(user)
    assert client.get("/moderation").status_code == status
    assert api.get(user, "/api/v1/moderation/flags").status_code == status


def test_moderation_page_sends_anonymous_visitors_to_log_in(client, api):
    r = client.get("/moderation")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    error_of(api.get(None, "/api/v1/moderation/flags"), 401)


def test_queue_groups_flags_by_post_most_flagged_first_with_the_authors_history(client, auth, api):
    author = make_user("Troll", reputation_points=40)
    earlier = make_question(author)
    once = make_question(author, title="Printer offline after update, any fix?",
                         body="My printer says offline since the update, but it prints a test page.")
    twice = make_question()
    moderator = make_user(role="moderator")
    # an earlier flag on the author's posts that a moderator declined
    api.post(make_user(reputation_points=15), f"/api/v1/posts/{earlier.id}/flags", json=SPAM)
    api.post(moderator, f"/api/v1/posts/{earlier.id}/flags/decision", json={"decision": "declined"})
    api.post(make_user(reputation_points=15), f"/api/v1/posts/{once.id}/flags",
             json={"reason": "other", "text": "Posted the same thing in five tags."})
    for user in flaggers(2):
        api.post(user, f"/api/v1/posts/{twice.id}/flags", json=SPAM)
    suspend(fresh(User, author.id), "spam")
    auth.login(moderator)
    page = client.get("/moderation").get_data(as_text=True)
    assert page.index(twice.title) < page.index(once.title)
    assert earlier.title not in page                        # nothing open there any more
    assert "Posted the same thing in five tags." in page
    assert "Something else</strong> × 1" in page and "Spam</strong> × 2" in page
    section = page[page.index(once.title):]
    assert "Troll" in section and "<dd>40</dd>" in section and "<dd>2</dd>" in section
    assert "0 helpful, 1 declined" in section and "<strong>yes</strong>" in section
    assert 'name="decision" value="helpful"' in page and 'name="decision" value="declined"' in page

    data = api.get(moderator, "/api/v1/moderation/flags").get_json()["posts"]
    assert [g["post"]["id"] for g in data] == [twice.id, once.id]
    assert data[0]["flag_count"] == 2 and data[0]["reasons"] == {"spam": 2}
    assert data[1]["author"]["flags_declined"] == 1 and data[1]["author"]["posts"] == 2
    assert data[1]["author"]["suspended"] is True


def test_the_queue_takes_the_same_number_of_queries_for_one_flag_or_many(client, auth, api):
    moderator = make_user(role="moderator")
    auth.login(moderator)
    api.post(make_user(reputation_points=15), f"/api/v1/posts/{make_question().id}/flags",
             json=SPAM)
    client.get("/moderation")                               # warm up
    db.session.expire_all()
    with counting_queries() as few:
        assert client.get("/moderation").status_code == 200
    people = flaggers(4)
    for n in range(4):
        q = make_question()
        a = make_answer(q, body=f"Reinstall the driver, then restart the router {n} times.")
        for user in people:
            api.post(user, f"/api/v1/posts/{q.id}/flags", json={"reason": "needs_details"})
            api.post(user, f"/api/v1/posts/{a.id}/flags", json={"reason": "other",
                                                                "text": "Not an answer at all."})
    assert db.session.scalar(select(func.count(Flag.id))) == 33
    db.session.expire_all()
    with counting_queries() as many:
        page = client.get("/moderation")
    assert page.status_code == 200 and page.get_data(as_text=True).count('class="mod-item"') == 9
    assert len(many) == len(few), "\n".join(many)


# ---------------------------------------------------------------- the API decision

def test_api_decisions_and_their_errors(app, api):
    question = make_question()
    people = flaggers(6)
    for user in people:
        api.post(user, f"/api/v1/posts/{question.id}/flags", json={"reason": "abusive"})
    moderator = make_user(role="moderator")
    url = f"/api/v1/posts/{question.id}/flags/decision"
    error_of(api.post(None, url, json={"decision": "helpful"}), 401)
    error_of(api.post(make_user(reputation_points=20000), url, json={"decision": "helpful"}), 403)
    error_of(api.post(moderator, "/api/v1/posts/987654/flags/decision",
                      json={"decision": "helpful"}), 404)
    assert "decision" in error_of(api.post(moderator, url, json={"decision": "maybe"}), 422)["fields"]
    r = api.post(moderator, url, json={"decision": "helpful", "note": "Insults."})
    assert r.status_code == 200
    body = r.get_json()
    assert body["post"] == {"deleted": True, "hidden": True}
    assert {f["status"] for f in body["flags"]} == {"helpful"} and len(body["flags"]) == 6
    assert error_of(api.post(moderator, url, json={"decision": "declined"}), 409)
    assert_ledger_matches(*people, moderator)
