"""Request rate limits (Flask-Limiter): every limit answers 429 with a message
that says when to retry and a Retry-After header, JSON under /api; only POSTs
count; pages and the API share one budget per user; limits are per user."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import func, select

from forum.app import create_app
from forum.extensions import db
from forum.models import Answer, Comment, Flag, Post, Question, Vote
from tests.conftest import FreshLoginClient, base_config
from tests.factories import ensure_tags, make_answer, make_question, make_user

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_POST": "2 per minute",
    "RATELIMIT_COMMENT": "2 per minute",
    "RATELIMIT_VOTE": "2 per minute",
    "RATELIMIT_FLAG": "2 per minute",
    "RATELIMIT_UPLOAD": "2 per minute",
}
_n = itertools.count(1)


@pytest.fixture
def config_overrides():
    return LIMITS


@pytest.fixture(autouse=True)
def tags(app):
    ensure_tags("wifi")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def unique(text: str) -> str:
    return f"{text} (attempt {next(_n)})"


def title() -> str:
    return unique("Wi-Fi adapter drops after the laptop sleeps")


def body() -> str:
    return unique("The adapter disconnects every few minutes after waking from sleep.")


@pytest.fixture
def world(app):
    """A regular (not new) user, and posts by others to act on."""
    user = make_user("regular_rita", reputation_points=500)
    questions = [make_question() for _ in range(3)]
    answers = [make_answer(q) for q in questions]
    return {"user": user, "questions": questions, "answers": answers}


# One action per kind, on a page and through the API: (model, make a call(i)).
def page_actions(client, world):
    q, a = world["questions"], world["answers"]
    return {
        "ask": (Question, lambda i: client.post("/ask", data={
            "title": title(), "body": body(), "tags": "wifi"})),
        "answer": (Answer, lambda i: client.post(f"/questions/{q[0].id}/answers",
                                                  data={"body": body()})),
        "comment": (Comment, lambda i: client.post(f"/posts/{a[0].id}/comments",
                                                    data={"body": unique("Which driver version?")})),
        "vote": (Vote, lambda i: client.post(f"/posts/{a[i].id}/vote", data={"value": "1"})),
        "flag": (Flag, lambda i: client.post(f"/posts/{a[i].id}/flags",
                                              data={"reason": "needs_details"})),
    }


def api_actions(api, world):
    q, a, user = world["questions"], world["answers"], world["user"]
    return {
        "ask": (Question, lambda i: api.post(user, "/api/v1/questions", json={
            "title": title(), "body": body(), "tags": ["wifi"]})),
        "answer": (Answer, lambda i: api.post(user, f"/api/v1/questions/{q[0].id}/answers",
                                              json={"body": body()})),
        "comment": (Comment, lambda i: api.post(user, f"/api/v1/posts/{a[0].id}/comments",
                                                json={"body": unique("Which driver version?")})),
        "vote": (Vote, lambda i: api.post(user, f"/api/v1/posts/{a[i].id}/vote",
                                          json={"value": 1})),
        "flag": (Flag, lambda i: api.post(user, f"/api/v1/posts/{a[i].id}/flags",
                                          json={"reason": "needs_details"})),
    }


def assert_retry_after(response):
    assert 1 <= int(response.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("kind", ["ask", "answer", "comment", "vote", "flag"])
def test_page_limit_answers_429_with_a_page(client, auth, world, kind):
    auth.login(world["user"])
    model, call = page_actions(client, world)[kind]
    for i in range(2):
        assert call(i).status_code in (302, 303), kind
    rows = count(model)
    r = call(2)
    assert r.status_code == 429
    assert r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Too many requests" in page and "2 per 1 minute" in page
    assert re.search(r"try again in \d+ seconds?\.", page)
    assert_retry_after(r)
    assert count(model) == rows


@pytest.mark.parametrize("kind", ["ask", "answer", "comment", "vote", "flag"])
def test_api_limit_answers_429_as_json(api, world, kind):
    model, call = api_actions(api, world)[kind]
    for i in range(2):
        assert call(i).status_code in (200, 201), kind
    rows = count(model)
    r = call(2)
    assert r.status_code == 429
    assert r.mimetype == "application/json"
    error = r.get_json()["error"]
    assert set(r.get_json()) == {"error"}
    assert error["code"] == "rate_limited"
    assert "too often" in error["message"]
    assert re.search(r"try again in \d+ seconds?\.", error["message"])
    assert_retry_after(r)
    assert count(model) == rows


def test_questions_and_answers_share_one_budget_across_pages_and_api(client, auth, api, world):
    user = world["user"]
    auth.login(user)
    assert client.post("/ask", data={"title": title(), "body": body(),
                                     "tags": "wifi"}).status_code == 303
    assert api.post(user, f"/api/v1/questions/{world['questions'][0].id}/answers",
                    json={"body": body()}).status_code == 201
    r = api.post(user, "/api/v1/questions", json={"title": title(), "body": body(),
                                                   "tags": ["wifi"]})
    assert r.status_code == 429
    r = client.post(f"/questions/{world['questions'][1].id}/answers", data={"body": body()})
    assert r.status_code == 429


def test_limits_are_per_user(api, world):
    first, second = world["user"], make_user(reputation_points=500)
    a = world["answers"]
    for i in range(2):
        assert api.post(first, f"/api/v1/posts/{a[i].id}/vote", json={"value": 1}).status_code == 200
    assert api.post(first, f"/api/v1/posts/{a[2].id}/vote", json={"value": 1}).status_code == 429
    assert api.post(second, f"/api/v1/posts/{a[2].id}/vote", json={"value": 1}).status_code == 200


def test_get_is_never_limited(client, auth, world):
    auth.login(world["user"])
    q = world["questions"][0]
    for _ in range(2):
        client.post(f"/questions/{q.id}/answers", data={"body": body()})
    assert client.post(f"/questions/{q.id}/answers", data={"body": body()}).status_code == 429
    for _ in range(6):
        assert client.get("/ask").status_code == 200
        assert client.get(f"/questions/{q.id}/{q.slug}").status_code == 200
        assert client.get(f"/api/v1/questions/{q.id}").status_code == 200


def test_previews_are_not_counted(client, auth, world):
    auth.login(world["user"])
    for _ in range(4):
        r = client.post("/ask", data={"title": title(), "body": body(), "tags": "wifi",
                                      "preview": "1"})
        assert r.status_code == 200
    assert client.post("/ask", data={"title": title(), "body": body(),
                                     "tags": "wifi"}).status_code == 303


class TestDisabled:
    @pytest.fixture
    def config_overrides(self):
        return {**LIMITS, "RATELIMIT_ENABLED": False}

    def test_disabled_limits_never_answer_429(self, api, world):
        for _ in range(2):
            for post in world["answers"]:
                assert api.post(world["user"], f"/api/v1/posts/{post.id}/vote",
                                json={"value": 1}).status_code == 200
        for _ in range(3):
            assert api.post(world["user"], "/api/v1/questions", json={
                "title": title(), "body": body(), "tags": ["wifi"]}).status_code == 201


def test_counters_do_not_leak_into_a_new_app(app, api, world, database_url, tmp_path):
    a = world["answers"]
    for i in range(2):
        api.post(world["user"], f"/api/v1/posts/{a[i].id}/vote", json={"value": 1})
    assert api.post(world["user"], f"/api/v1/posts/{a[2].id}/vote",
                    json={"value": 1}).status_code == 429
    token = api.tokens[world["user"].id]
    other = create_app({**base_config(tmp_path / "second"), "SQLALCHEMY_DATABASE_URI": database_url,
                        **LIMITS})
    other.test_client_class = FreshLoginClient
    try:
        with other.app_context():
            r = other.test_client().post(f"/api/v1/posts/{a[2].id}/vote", json={"value": 1},
                                         headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200
            db.session.remove()
    finally:
        with other.app_context():
            db.engine.dispose()
        state = other.extensions.get("crowdfix.search")
        if state is not None:
            state.index.close()


def test_anonymous_requests_are_counted_by_address(app, client):
    statuses = [client.post("/api/v1/questions", json={}).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert count(Post) == 0


def test_uploads_are_limited_on_the_page_and_the_api(client, auth, api, world):
    import io

    from forum.models import Attachment

    user = make_user(reputation_points=500)
    question = make_question(user)
    auth.login(user)
    statuses = []
    for n in range(2):
        statuses.append(client.post(f"/posts/{question.id}/attachments", data={
            "files": (io.BytesIO(f"log line {n}\n".encode()), f"run{n}.log"), "file_kind": "log",
        }, content_type="multipart/form-data").status_code)
    assert all(s in (302, 303) for s in statuses), statuses
    refused = api.post(user, f"/api/v1/posts/{question.id}/attachments", data={
        "file": (io.BytesIO(b"third log\n"), "run3.log"), "kind": "log"},
        content_type="multipart/form-data")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert count(Attachment) == 2
