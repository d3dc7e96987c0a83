"""API v1 errors: the right status, the `{"error": {"code", "message"}}` shape,
and nothing changed in the database. Plus a sweep: garbage never gets a 500."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    Comment,
    Post,
    ReputationEvent,
    Revision,
    Tag,
    User,
    Vote,
    question_tags,
)
from tests.factories import ensure_tags, make_answer, make_question, make_user

TITLE = "Printer shows offline after the latest update"
BODY = "Since yesterday's update my printer shows as offline, yet it prints a test page fine."
ANSWER = "Remove the printer, restart the spooler service and add the printer again."
GOOD_QUESTION = {"title": TITLE, "body": BODY, "tags": ["printer"]}


def snapshot() -> dict:
    """Everything a failed request must leave alone (API tokens and their
    last-used time are bookkeeping, so they are left out)."""
    db.session.expire_all()
    counts = {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Post, Comment, Vote, Revision, Tag, ReputationEvent)
    }
    counts["question_tags"] = db.session.scalar(select(func.count()).select_from(question_tags))
    posts = [
        (p.id, p.title, p.body, p.score, p.answer_count, p.accepted_answer_id, p.deleted_at,
         p.edited_at, p.comment_count, p.last_activity_at)
        for p in db.session.scalars(select(Post).order_by(Post.id))
    ]
    users = [(u.id, u.reputation, u.role) for u in db.session.scalars(select(User).order_by(User.id))]
    tags = [(t.name, t.question_count) for t in db.session.scalars(select(Tag).order_by(Tag.name))]
    return {"counts": counts, "posts": posts, "users": users, "tags": tags}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def world(app, api):
    """An asker with a question and someone else's answer, tokens already issued."""
    ensure_tags("printer")
    asker = make_user(reputation_points=20)
    answerer = make_user(reputation_points=20)
    voter = make_user(reputation_points=2000)
    question = make_question(asker, tags=("printer",))
    answer = make_answer(question, answerer, body=ANSWER)
    for user in (asker, answerer, voter):
        api._headers(user)  # issue the token before the snapshot
    return {"asker": asker, "answerer": answerer, "voter": voter,
            "q": question.id, "a": answer.id}


# ---------------------------------------------------------------- authentication

def test_write_without_token_is_401(app, api, world):
    before = snapshot()
    cases = [
        ("post", "/api/v1/questions", GOOD_QUESTION),
        ("post", f"/api/v1/questions/{world['q']}/answers", {"body": ANSWER}),
        ("post", f"/api/v1/posts/{world['q']}/comments", {"body": "A perfectly fine comment."}),
        ("post", f"/api/v1/posts/{world['q']}/vote", {"value": 1}),
        ("post", f"/api/v1/answers/{world['a']}/accept", None),
        ("delete", f"/api/v1/answers/{world['a']}/accept", None),
        ("patch", f"/api/v1/posts/{world['q']}", {"body": BODY}),
        ("delete", f"/api/v1/posts/{world['q']}", None),
    ]
    for method, url, payload in cases:
        kwargs = {} if payload is None else {"json": payload}
        error = assert_error(getattr(api, method)(None, url, **kwargs), 401, "unauthorized")
        assert "Bearer" in error["message"], url
    assert snapshot() == before


def test_anonymous_write_is_401_whatever_the_body(app, api, world):
    """Authentication comes before validation: no token, no validation messages."""
    before = snapshot()
    assert_error(api.post(None, "/api/v1/questions", json={"title": "short"}), 401)
    assert_error(api.post(None, "/api/v1/questions", data={"title": "x"}), 401)
    assert_error(api.post(None, f"/api/v1/posts/{world['q']}/vote", json={"value": 7}), 401)
    assert_error(api.patch(None, "/api/v1/posts/987654", json={}), 401)
    assert snapshot() == before


@pytest.mark.parametrize("header", [
    "Bearer cfx_not-a-real-token",
    "Bearer ",
    "Bearer",
    "Basic x",
    "Basic dXNlcjpwYXNz",
    "Token abc",
    "Bearer " + "a" * 5000,
])
def test_bad_authorization_header_is_401(app, api, world, header):
    before = snapshot()
    r = api.post(None, "/api/v1/questions", json=GOOD_QUESTION,
                 headers={"Authorization": header})
    assert_error(r, 401, "unauthorized")
    # A bad token is refused on reads too, rather than silently ignored.
    assert_error(api.get(None, "/api/v1/questions", headers={"Authorization": header}), 401)
    assert snapshot() == before


# ---------------------------------------------------------------- malformed bodies

def test_form_encoded_body_is_415(app, api, world):
    before = snapshot()
    r = api.post(world["asker"], "/api/v1/questions",
                 data={"title": TITLE, "body": BODY, "tags": "printer"})
    assert_error(r, 415, "unsupported_media_type")
    r = api.post(world["voter"], f"/api/v1/posts/{world['q']}/vote", data="value=1",
                 content_type="text/plain")
    assert_error(r, 415, "unsupported_media_type")
    assert snapshot() == before


@pytest.mark.parametrize("raw", [
    "{not json",
    "{'title': 'single quotes'}",
    "",
    "\xff\xfe",
])
def test_invalid_json_text_is_400(app, api, world, raw):
    before = snapshot()
    r = api.post(world["asker"], "/api/v1/questions", data=raw, content_type="application/json")
    assert_error(r, 400, "invalid_json")
    assert snapshot() == before


@pytest.mark.parametrize("raw", ['["title", "body"]', "null", '"a string"', "42", "true"])
def test_json_that_is_not_an_object_is_400(app, api, world, raw):
    before = snapshot()
    r = api.post(world["asker"], "/api/v1/questions", data=raw, content_type="application/json")
    error = assert_error(r, 400, "invalid_json")
    assert "object" in error["message"]
    assert snapshot() == before


def test_deeply_nested_json_is_400(app, api, world):
    before = snapshot()
    raw = "[" * 100_000 + "]" * 100_000
    r = api.post(world["asker"], "/api/v1/questions", data=raw, content_type="application/json")
    assert_error(r, 400, "invalid_json")
    raw = '{"body": ' + "[" * 100_000 + "]" * 100_000 + "}"
    r = api.post(world["asker"], f"/api/v1/questions/{world['q']}/answers", data=raw,
                 content_type="application/json")
    assert_error(r, 400, "invalid_json")
    assert snapshot() == before


def test_unpaired_surrogate_in_text_is_400(app, api, world):
    before = snapshot()
    raw = json.dumps({"title": "\ud800" + TITLE, "body": BODY, "tags": ["printer"]})
    r = api.post(world["asker"], "/api/v1/questions", data=raw, content_type="application/json")
    assert_error(r, 400, "invalid_json")
    raw = json.dumps({"body": ANSWER + "\udfff"})
    r = api.post(world["asker"], f"/api/v1/questions/{world['q']}/answers", data=raw,
                 content_type="application/json")
    assert_error(r, 400, "invalid_json")
    assert snapshot() == before


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize(("payload", "field"), [
    ({**GOOD_QUESTION, "title": "Too short"}, "title"),
    ({**GOOD_QUESTION, "title": "x" * 151}, "title"),
    ({**GOOD_QUESTION, "title": "   "}, "title"),
    ({**GOOD_QUESTION, "title": 12345678901234567890}, "title"),
    ({**GOOD_QUESTION, "title": ["a list", "of strings"]}, "title"),
    ({**GOOD_QUESTION, "body": ""}, "body"),
    ({**GOOD_QUESTION, "body": "Too short body."}, "body"),
    ({**GOOD_QUESTION, "body": "x" * 30_001}, "body"),
    ({**GOOD_QUESTION, "tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
    ({**GOOD_QUESTION, "tags": ["Bad Tag!"]}, "tags"),
    ({**GOOD_QUESTION, "tags": ["printer", "x" * 36]}, "tags"),
    ({**GOOD_QUESTION, "tags": []}, "tags"),
    ({**GOOD_QUESTION, "tags": 5}, "tags"),
    ({**GOOD_QUESTION, "tags": [1, 2]}, "tags"),
    ({**GOOD_QUESTION, "tags": {"printer": True}}, "tags"),
    ({"body": BODY, "tags": ["printer"]}, "title"),
])
def test_invalid_question_is_422_with_fields(app, api, world, payload, field):
    before = snapshot()
    r = api.post(world["voter"], "/api/v1/questions", json=payload)
    error = assert_error(r, 422, "validation_failed")
    assert field in error["fields"]
    assert isinstance(error["fields"][field], str) and error["fields"][field]
    assert snapshot() == before


def test_several_bad_fields_are_all_reported(app, api, world):
    r = api.post(world["voter"], "/api/v1/questions",
                 json={"title": "short", "body": "", "tags": ["Bad Tag!"]})
    error = assert_error(r, 422, "validation_failed")
    assert set(error["fields"]) == {"title", "body", "tags"}


@pytest.mark.parametrize("payload", [{"body": ""}, {"body": "Too short."}, {"body": 42}, {}])
def test_invalid_answer_is_422(app, api, world, payload):
    before = snapshot()
    r = api.post(world["voter"], f"/api/v1/questions/{world['q']}/answers", json=payload)
    assert "body" in assert_error(r, 422, "validation_failed")["fields"]
    assert snapshot() == before


@pytest.mark.parametrize("payload", [{"body": "short"}, {"body": "x" * 601}, {"body": None}])
def test_invalid_comment_is_422(app, api, world, payload):
    before = snapshot()
    r = api.post(world["voter"], f"/api/v1/posts/{world['q']}/comments", json=payload)
    assert "body" in assert_error(r, 422, "validation_failed")["fields"]
    assert snapshot() == before


@pytest.mark.parametrize("value", [2, -2, "x", None, True, [1], {"v": 1}, 0.5, "1.0"])
def test_invalid_vote_value_is_422(app, api, world, value):
    before = snapshot()
    r = api.post(world["voter"], f"/api/v1/posts/{world['q']}/vote", json={"value": value})
    assert "value" in assert_error(r, 422, "validation_failed")["fields"]
    assert snapshot() == before


def test_vote_with_no_value_is_422(app, api, world):
    before = snapshot()
    r = api.post(world["voter"], f"/api/v1/posts/{world['q']}/vote", json={})
    assert "value" in assert_error(r, 422, "validation_failed")["fields"]
    assert snapshot() == before


# ---------------------------------------------------------------- permissions

def test_voting_on_own_post_is_403(app, api, world):
    before = snapshot()
    r = api.post(world["asker"], f"/api/v1/posts/{world['q']}/vote", json={"value": 1})
    assert "own post" in assert_error(r, 403, "forbidden")["message"]
    r = api.post(world["answerer"], f"/api/v1/posts/{world['a']}/vote", json={"value": 1})
    assert_error(r, 403, "forbidden")
    assert snapshot() == before


def test_downvote_without_125_reputation_is_403(app, api, world):
    before = snapshot()
    r = api.post(world["answerer"], f"/api/v1/posts/{world['q']}/vote", json={"value": -1})
    assert "125" in assert_error(r, 403, "forbidden")["message"]
    assert snapshot() == before


def test_accepting_on_someone_elses_question_is_403(app, api, world):
    before = snapshot()
    for user in ("answerer", "voter"):
        assert_error(api.post(world[user], f"/api/v1/answers/{world['a']}/accept"),
                     403, "forbidden")
    assert snapshot() == before


def test_suspended_user_writes_are_403(app, api, world):
    from datetime import timedelta

    from forum.models import utcnow

    voter = db.session.get(User, world["voter"].id)
    voter.suspended_until = utcnow() + timedelta(days=3)
    voter.suspension_reason = "spam"
    db.session.commit()
    before = snapshot()
    r = api.post(world["voter"], f"/api/v1/posts/{world['q']}/vote", json={"value": 1})
    assert "suspended" in assert_error(r, 403, "forbidden")["message"]
    assert_error(api.post(world["voter"], "/api/v1/questions", json=GOOD_QUESTION), 403)
    assert snapshot() == before


# ---------------------------------------------------------------- not found / routing

@pytest.mark.parametrize(("method", "url", "payload"), [
    ("get", "/api/v1/questions/987654", None),
    ("get", "/api/v1/users/987654", None),
    ("get", "/api/v1/posts/987654/revisions", None),
    ("post", "/api/v1/questions/987654/answers", {"body": ANSWER}),
    ("post", "/api/v1/posts/987654/comments", {"body": "A perfectly fine comment."}),
    ("post", "/api/v1/posts/987654/vote", {"value": 1}),
    ("post", "/api/v1/answers/987654/accept", None),
    ("delete", "/api/v1/answers/987654/accept", None),
    ("patch", "/api/v1/posts/987654", {"body": BODY}),
    ("delete", "/api/v1/posts/987654", None),
    # Ids beyond any INTEGER column must be a 404, not a database overflow.
    ("get", f"/api/v1/questions/{2**63}", None),
    ("get", f"/api/v1/questions/{2**31}", None),
    ("get", f"/api/v1/users/{2**64}", None),
    ("post", f"/api/v1/posts/{2**63}/vote", {"value": 1}),
    ("patch", f"/api/v1/posts/{10**30}", {"body": BODY}),
    ("get", "/api/v1/questions/0", None),
])
def test_unknown_ids_are_404(app, api, world, method, url, payload):
    before = snapshot()
    kwargs = {} if payload is None else {"json": payload}
    assert_error(getattr(api, method)(world["voter"], url, **kwargs), 404, "not_found")
    assert snapshot() == before


def test_unknown_api_route_is_json_404(app, api, world):
    for url in ("/api/v1/nope", "/api/v1/questions/abc", "/api/v2/questions"):
        assert_error(api.get(None, url), 404, "not_found")
    assert_error(api.post(world["voter"], "/api/v1/nope", json={}), 404, "not_found")


def test_wrong_method_is_json_405(app, api, world):
    before = snapshot()
    r = api.put(world["voter"], "/api/v1/questions", json=GOOD_QUESTION)
    assert_error(r, 405, "method_not_allowed")
    assert set(r.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert_error(api.delete(world["voter"], f"/api/v1/questions/{world['q']}"), 405)
    assert_error(api.get(world["voter"], f"/api/v1/posts/{world['q']}/vote"), 405)
    assert snapshot() == before


# ---------------------------------------------------------------- never a 500

WRITE_ENDPOINTS = [
    # (method, url template, who calls it: chosen so the request gets past permissions)
    ("post", "/api/v1/questions", "voter"),
    ("post", "/api/v1/questions/{q}/answers", "voter"),
    ("post", "/api/v1/posts/{q}/comments", "voter"),
    ("post", "/api/v1/posts/{a}/comments", "asker"),
    ("post", "/api/v1/posts/{q}/vote", "voter"),
    ("post", "/api/v1/posts/{a}/vote", "asker"),
    ("post", "/api/v1/answers/{a}/accept", "asker"),
    ("delete", "/api/v1/answers/{a}/accept", "asker"),
    ("patch", "/api/v1/posts/{q}", "asker"),
    ("patch", "/api/v1/posts/{a}", "answerer"),
    ("delete", "/api/v1/posts/{a}", "answerer"),
]

GARBAGE = [
    "null", "[]", '"str"', "0", "{}",
    '{"title": null}', '{"body": {"a": 1}}', '{"tags": [1, 2]}', '{"value": null}',
    '{"title": 1e400, "body": -1e400}', '{"value": NaN}', '{"value": 1e999}',
    '{"value": 99999999999999999999999999}', '{"value": "-0"}', '{"value": "+1"}',
    '{"tags": "printer, wifi", "title": "\\u0000\\u0000\\u0000", "body": "\\u0000"}',
    '{"tags": ["' + "a" * 10_000 + '"]}', '{"body": "' + "é" * 40_000 + '"}',
    '{"comment": 5, "body": "A body that is long enough to be an edit."}',
    '{"title": "\\ud83d\\ude00 An emoji title of decent length", "body": "' + "🙂" * 40 + '"}',
    '{"body": "a"} trailing', "\x00", "{" * 5000,
]


@pytest.mark.parametrize(("method", "template", "who"), WRITE_ENDPOINTS,
                         ids=[f"{m.upper()} {t}" for m, t, _ in WRITE_ENDPOINTS])
@pytest.mark.parametrize("raw", GARBAGE, ids=[g[:30] for g in GARBAGE])
def test_garbage_never_gets_a_500(app, api, world, method, template, who, raw):
    url = template.format(q=world["q"], a=world["a"])
    r = getattr(api, method)(world[who], url, data=raw, content_type="application/json")
    assert r.status_code < 500, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    if r.status_code >= 400:
        assert_error(r, r.status_code)


@pytest.mark.parametrize(("method", "template", "who"), WRITE_ENDPOINTS,
                         ids=[f"{m.upper()} {t}" for m, t, _ in WRITE_ENDPOINTS])
def test_form_and_empty_bodies_never_get_a_500(app, api, world, method, template, who):
    url = template.format(q=world["q"], a=world["a"])
    for kwargs in ({"data": {"title": "x", "value": "1"}}, {"data": b"\xff\xfe\x00"}, {}):
        r = getattr(api, method)(world[who], url, **kwargs)
        assert r.status_code < 500, r.get_data(as_text=True)
        if r.status_code >= 400:
            assert_error(r, r.status_code)


@pytest.mark.parametrize("value", ["\u00b2", "\u2460", "\u0661", " +1 x"])
def test_vote_value_with_unicode_or_odd_digits_is_422(app, api, world, value):
    """str.isdigit() accepts '²' and '①', which int() rejects: that was a 500."""
    before = snapshot()
    r = api.post(world["voter"], f"/api/v1/posts/{world['q']}/vote", json={"value": value})
    assert_error(r, 422, "validation_failed")
    assert snapshot() == before
