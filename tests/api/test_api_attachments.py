"""API v1: uploading files to posts and marking fix files verified."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from forum.extensions import db
from forum.models import Attachment, Blob, utcnow
from forum.services import attachments
from tests.factories import make_answer, make_question, make_user
from tests.unit.test_attachments_service import HTML, PE, png_bytes


@pytest.fixture
def config_overrides():
    return {"MAX_UPLOAD_MB": 1, "ATTACHMENTS_PER_POST": 2, "ATTACHMENT_DAILY_MB": 2}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(api, user, post_id, data: bytes, name: str, kind: str | None = "log"):
    fields = MultiDict([("file", FileStorage(io.BytesIO(data), filename=name))])
    if kind is not None:
        fields.add("kind", kind)
    boundary, body = encode_multipart(fields)
    return api.post(user, f"/api/v1/posts/{post_id}/attachments", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def question(app):
    return make_question()


def test_upload_returns_201_with_the_file(app, api, question):
    data = b"#!/bin/sh\nsudo systemctl restart NetworkManager\n"
    r = upload(api, question.author, question.id, data, "fix.sh")
    assert r.status_code == 201
    body = r.get_json()
    sha = hashlib.sha256(data).hexdigest()
    assert {k: body[k] for k in ("filename", "size", "sha256", "kind", "content_type",
                                 "downloads", "verified")} == {
        "filename": "fix.sh", "size": len(data), "sha256": sha, "kind": "log",
        "content_type": "application/x-sh", "downloads": 0, "verified": False}
    assert body["url"].endswith(f"/attachments/{body['id']}/fix.sh")
    assert r.headers["Location"] == body["url"]
    with api.get(None, body["url"]) as download:
        assert download.status_code == 200 and download.data == data
    thread = api.get(None, f"/api/v1/questions/{question.id}").get_json()
    assert [a["id"] for a in thread["attachments"]] == [body["id"]]


def test_answer_attachments_are_in_the_thread_json(app, api, question):
    answer = make_answer(question)
    r = upload(api, answer.author, answer.id, png_bytes(), "shot.png", "screenshot")
    assert r.status_code == 201
    thread = api.get(None, f"/api/v1/questions/{question.id}").get_json()
    assert thread["attachments"] == []
    assert thread["answers"][0]["attachments"][0]["content_type"] == "image/png"


def test_anonymous_gets_401(app, api, question):
    r = upload(api, None, question.id, b"x\n", "a.txt")
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"
    assert count(Attachment) == 0


@pytest.mark.parametrize("data, name, status, code", [
    (PE, "x.png", 415, "unsupported_type"),
    (HTML, "x.txt", 415, "unsupported_type"),
    (b"a" * (1024 * 1024 + 1), "big.log", 413, "too_large"),
    (PE, "tool.exe", 403, "forbidden"),
    (b"", "empty.txt", 422, "validation_failed"),
])
def test_refusals(app, api, question, data, name, status, code):
    r = upload(api, question.author, question.id, data, name)
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code
    assert count(Attachment) == 0 and count(Blob) == 0
    assert stored_files(app) == []


def test_unknown_kind_is_422(app, api, question):
    r = upload(api, question.author, question.id, b"x\n", "a.txt", "malware")
    assert r.status_code == 422
    assert "kind" in r.get_json()["error"]["fields"]


def test_missing_file_field_is_422(app, api, question):
    r = api.post(question.author, f"/api/v1/posts/{question.id}/attachments", json={})
    assert r.status_code == 422
    assert "file" in r.get_json()["error"]["fields"]


def test_staff_may_upload_an_executable(app, api, question):
    r = upload(api, make_user(role="staff"), question.id, PE, "driver-setup.exe")
    assert r.status_code == 201


def test_per_post_limit(app, api, question):
    for i in range(2):
        assert upload(api, question.author, question.id, f"{i}\n".encode(), "a.txt").status_code == 201
    r = upload(api, question.author, question.id, b"third\n", "c.txt")
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "too_many_files"
    assert count(Attachment) == 2


def test_daily_quota_is_429(app, api, question):
    author = question.author
    other = make_question(author, body="The same laptop also loses Bluetooth after sleep.")
    for post, c in ((question, b"a"), (other, b"b")):
        assert upload(api, author, post.id, c * (1024 * 1024 - 10), "big.log").status_code == 201
    r = upload(api, author, other.id, b"c" * 100, "more.log")
    assert r.status_code == 429
    assert r.get_json()["error"]["code"] == "quota_exceeded"
    assert count(Attachment) == 2 and len(stored_files(app)) == 2


def test_body_over_max_content_length_is_json_413(app, api, question):
    r = upload(api, question.author, question.id, b"a" * (3 * 1024 * 1024), "huge.log")
    assert r.status_code == 413
    assert r.mimetype == "application/json"
    assert "1 MB" in r.get_json()["error"]["message"]
    assert count(Attachment) == 0 and stored_files(app) == []


def test_same_bytes_twice_one_blob(app, api, question):
    answer = make_answer(question)
    first = upload(api, question.author, question.id, b"same\n", "a.log").get_json()
    second = upload(api, answer.author, answer.id, b"same\n", "b.log").get_json()
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    assert count(Attachment) == 2 and count(Blob) == 1 and len(stored_files(app)) == 1


# ---------------------------------------------------------------- verified

@pytest.fixture
def fix(question):
    answer = make_answer(question)      # a member's fix goes on an answer
    return attachments.attach_file(answer.author, answer.id, io.BytesIO(b"fix\n"), "fix.sh",
                                   "fix")


def _suspended_staff():
    user = make_user(role="staff")
    user.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    return user


@pytest.mark.parametrize("who, status", [
    (None, 401), ("member", 403), ("moderator", 403), ("suspended staff", 403),
])
def test_verify_refused(app, api, fix, who, status):
    user = {None: lambda: None, "member": lambda: make_user(reputation_points=5000),
            "moderator": lambda: make_user(role="moderator"),
            "suspended staff": _suspended_staff}[who]()
    for method in (api.post, api.delete):
        r = method(user, f"/api/v1/attachments/{fix.id}/verified")
        assert r.status_code == status
    assert db.session.get(Attachment, fix.id).verified_by_id is None


def test_staff_verify_and_unverify(app, api, fix):
    staff = make_user("Sofia", role="staff")
    r = api.post(staff, f"/api/v1/attachments/{fix.id}/verified")
    assert r.status_code == 200
    assert r.get_json()["verified"] is True
    assert r.get_json()["verified_by"]["username"] == "Sofia"
    r = api.delete(staff, f"/api/v1/attachments/{fix.id}/verified")
    assert r.status_code == 200 and r.get_json()["verified"] is False
    assert api.post(staff, "/api/v1/attachments/999999/verified").status_code == 404
