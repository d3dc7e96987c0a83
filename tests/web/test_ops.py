"""Health checks, request ids and the request log."""

from __future__ import annotations

import json
import logging

import pytest

from forum.infra import health


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_readyz_when_database_and_search_answer(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"status": "ok"}


@pytest.mark.parametrize("part", ["database", "search"])
def test_readyz_names_the_part_that_failed(client, monkeypatch, part):
    monkeypatch.setattr(health, f"check_{part}", lambda *_: "OperationalError")
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.get_json()["failed"] == {part: "OperationalError"}


def test_request_id_is_echoed_when_sane_and_made_otherwise(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123.x"}).headers[
        "X-Request-ID"] == "abc-123.x"
    for bad in ("", "has space", "x" * 200, "<script>"):
        made = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert made != bad and len(made) == 32
    a = client.get("/healthz").headers["X-Request-ID"]
    b = client.get("/healthz").headers["X-Request-ID"]
    assert a != b


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def request_log():
    logger = logging.getLogger("crowdfix.request")
    handler = Lines()
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(old)


def test_no_request_log_in_testing_by_default(client, request_log):
    client.get("/healthz")
    assert request_log == []


@pytest.mark.parametrize("config_overrides", [{"REQUEST_LOG": True}])
def test_one_json_line_per_request(client, auth, request_log, config_overrides):
    from tests.factories import make_user

    client.get("/healthz", headers={"X-Request-ID": "req-1"})
    (line,) = request_log
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 200
    assert entry["request_id"] == "req-1" and entry["user_id"] is None
    assert entry["duration_ms"] >= 0
    user = make_user()
    auth.login(user)
    request_log.clear()
    client.get("/healthz")
    assert json.loads(request_log[-1])["user_id"] == user.id


@pytest.mark.parametrize("config_overrides", [{"REQUEST_LOG": True}])
def test_the_request_log_names_api_token_users(client, api, request_log, config_overrides):
    from tests.factories import make_user

    user = make_user()
    api.get(user, "/api/v1/me")
    assert json.loads(request_log[-1])["user_id"] == user.id


@pytest.mark.parametrize("config_overrides", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for(
        app, client, config_overrides):
    from flask import request

    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["203.0.113.9"]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, client):
    from flask import request

    seen = []
    app.before_request(lambda: seen.append(request.remote_addr))
    client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1"]
