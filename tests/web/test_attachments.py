"""Attachments through the pages: uploading with a post, downloading safely,
verifying fixes, removing files."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from forum.extensions import db
from forum.models import Answer, Attachment, Blob, Post, Question, utcnow
from forum.services import attachments, posting
from tests.factories import ensure_tags, make_answer, make_question, make_user
from tests.unit.test_attachments_service import HTML, PE, png_bytes

BODY = "My printer shows offline although it is on the same network as the laptop."
TITLE = "PrintJet 3200 shows offline on Windows 11"


@pytest.fixture
def config_overrides():
    return {"MAX_UPLOAD_MB": 1, "ATTACHMENTS_PER_POST": 3, "ATTACHMENT_DAILY_MB": 2}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def files(*pairs):
    return [FileStorage(io.BytesIO(data), filename=name) for data, name in pairs]


def post_multipart(client, url, data: dict):
    """Encoded in memory: the test client would spool a large body to a temporary
    file it never closes (a ResourceWarning under filterwarnings=error)."""
    fields = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            fields.add(key, item)
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def ask(client, file_pairs=(), kind="log", **overrides):
    data = {"title": TITLE, "body": BODY, "tags": "printing", "file_kind": kind,
            "files": files(*file_pairs)}
    data.update(overrides)
    return post_multipart(client, "/ask", data)


def attach(user, post, data=b"fixed it\n", name="fix.sh", kind="auto"):
    return attachments.attach_file(user, post.id, io.BytesIO(data), name, kind)


@pytest.fixture
def asker(app, auth):
    ensure_tags("printing")
    user = make_user()
    auth.login(user)
    return user


# ---------------------------------------------------------------- uploading with a post

def test_ask_with_files_attaches_them(client, app, asker):
    response = ask(client, [(b"wlan0 down\n", "wifi.log"), (png_bytes(), "screen.png")])
    assert response.status_code == 303
    question = db.session.scalar(select(Question))
    rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [(a.post_id, a.filename, a.kind) for a in rows] == [
        (question.id, "wifi.log", "log"), (question.id, "screen.png", "log")]
    assert len(stored_files(app)) == 2


def test_ask_without_files_still_works(client, asker):
    response = client.post("/ask", data={"title": TITLE, "body": BODY, "tags": "printing"})
    assert response.status_code == 303
    assert count(Attachment) == 0


@pytest.mark.parametrize("pairs, status, message", [
    ([(PE, "driver.png")], 415, "not a .png file"),
    ([(HTML, "notes.txt")], 415, "HTML or SVG"),
    ([(b"x", "page.html")], 415, ".html files cannot be attached"),
    ([(PE, "driver.exe")], 403, "staff"),
    ([(b"a" * (1024 * 1024 + 1), "big.log")], 413, "at most 1 MB"),
    ([(f"{i}\n".encode(), f"{i}.txt") for i in range(4)], 422, "at most 3 files"),
])
def test_refused_file_creates_nothing_and_keeps_the_text(client, app, asker, pairs, status,
                                                         message):
    response = ask(client, pairs)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page
    assert TITLE in page and BODY in page            # never lose a post
    assert count(Question) == 0 and count(Attachment) == 0 and count(Blob) == 0
    assert stored_files(app) == []


def test_quota_refusal_on_ask(client, app, asker):
    q = make_question(asker)
    for c in (b"a", b"b"):
        attach(asker, q, c * (1024 * 1024 - 100), "big.log", "log")
    response = ask(client, [(b"c" * 500, "c.log")])
    assert response.status_code == 429
    assert BODY in response.get_data(as_text=True)
    assert count(Question) == 1 and count(Attachment) == 2


def test_staff_may_attach_an_executable(client, auth, app):
    ensure_tags("printing")
    auth.login(make_user(role="staff"))
    response = ask(client, [(PE, "driver.exe")], kind="fix")
    assert response.status_code == 303
    a = db.session.scalar(select(Attachment))
    assert (a.filename, a.kind) == ("driver.exe", "fix")


def test_file_failing_after_the_post_keeps_the_post(client, app, asker, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")
    monkeypatch.setattr(attachments, "_record", disk_full)
    response = ask(client, [(b"log\n", "a.log")])
    assert response.status_code == 303
    assert count(Question) == 1 and count(Attachment) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your question was posted, but a file was not attached" in page


def test_answer_with_a_file(client, app, asker):
    q = make_question()
    response = post_multipart(client, f"/questions/{q.id}/answers", {"body": "Reinstall the driver from the vendor site, then reboot.",
                                 "file_kind": "fix", "files": files((b"#!/bin/sh\n", "fix.sh"))})
    assert response.status_code == 303
    answer = db.session.scalar(select(Answer))
    assert db.session.scalar(select(Attachment)).post_id == answer.id


def test_answer_with_a_refused_file_keeps_the_text(client, asker):
    q = make_question()
    body = "Reinstall the driver from the vendor site, then reboot."
    response = post_multipart(client, f"/questions/{q.id}/answers", {"body": body, "file_kind": "fix",
                                 "files": files((PE, "fix.png"))})
    assert response.status_code == 415
    assert body in response.get_data(as_text=True)
    assert count(Answer) == 0 and count(Attachment) == 0


def test_edit_can_add_files_without_changing_the_text(client, asker):
    q = make_question(asker)
    response = post_multipart(client, f"/posts/{q.id}/edit", {"title": q.title, "body": q.body, "tags": "wifi",
                                 "file_kind": "log", "files": files((b"log\n", "a.log"))})
    assert response.status_code == 303
    assert count(Attachment, Attachment.post_id == q.id) == 1


def test_edit_with_a_refused_file_saves_nothing(client, asker):
    q = make_question(asker)
    response = post_multipart(client, f"/posts/{q.id}/edit", {"title": q.title, "body": q.body + " More detail here.",
                                 "tags": "wifi", "file_kind": "log",
                                 "files": files((HTML, "a.txt"))})
    assert response.status_code == 415
    assert "More detail here." in response.get_data(as_text=True)
    assert db.session.get(Post, q.id).edited_at is None


def test_upload_form_on_the_question_page(client, asker):
    q = make_question(asker)
    response = post_multipart(client, f"/posts/{q.id}/attachments", {"file_kind": "log", "files": files((b"log\n", "a.log"))})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Attached 1 file." in page and "a.log" in page


def test_upload_form_refusal_shows_the_rule_status(client, app, asker):
    q = make_question(asker)
    response = post_multipart(client, f"/posts/{q.id}/attachments", {"file_kind": "log", "files": files((PE, "x.png"))})
    assert response.status_code == 415
    assert stored_files(app) == [] and count(Attachment) == 0


def test_upload_to_someone_elses_post_is_forbidden(client, asker):
    q = make_question()
    response = post_multipart(client, f"/posts/{q.id}/attachments", {"file_kind": "log", "files": files((b"log\n", "a.log"))})
    assert response.status_code == 403


def test_request_over_max_content_length_is_413(client, asker):
    q = make_question(asker)
    response = post_multipart(client, f"/posts/{q.id}/attachments", {"files": files((b"a" * (3 * 1024 * 1024), "a.log"))})
    assert response.status_code == 413
    assert "at most 1 MB" in response.get_data(as_text=True)


# ---------------------------------------------------------------- the page

def test_page_shows_name_size_sha_and_downloads(client, app):
    q = make_question()
    data = b"x" * 2048
    a = attach(q.author, q, data, "wifi-fix.sh")
    attachments.count_download(a.id)
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    assert "wifi-fix.sh" in page
    assert "2.0 KB" in page
    assert f"<code class=\"attachment__sha\" translate=\"no\">{hashlib.sha256(data).hexdigest()}</code>" in page
    assert "<dt>Downloads</dt> <dd>1</dd>" in page
    assert f"/attachments/{a.id}/wifi-fix.sh" in page
    assert "Mark as verified fix" not in page                # anonymous


def test_page_shows_verified_mark_and_staff_button(client, auth):
    q = make_question()
    answer = make_answer(q)
    a = attach(answer.author, answer)            # a fix: a member's fix goes on an answer
    staff = make_user("helpdesk", role="staff")
    attachments.set_verified(staff, a.id, True)
    auth.login(make_user(role="staff"))
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    assert "Verified fix" in page and "checked by helpdesk" in page
    assert "Remove verified mark" in page


def test_filename_is_escaped_on_the_page(client):
    q = make_question()
    attach(q.author, q, b"x\n", "<img src=x onerror=alert(1)>.txt")
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    assert "<img src=x" not in page


# ---------------------------------------------------------------- downloading

@pytest.fixture
def fix(app):
    answer = make_answer(make_question())
    return attach(answer.author, answer, b"#!/bin/sh\necho fixed\n" * 50, "fix wifi ✓.sh")


def download_url(a) -> str:
    return f"/attachments/{a.id}/{a.filename}"


def downloads(a) -> int:
    db.session.expire_all()
    return db.session.get(Attachment, a.id).download_count


def test_download_headers(client, fix):
    data = b"#!/bin/sh\necho fixed\n" * 50
    with client.get(download_url(fix)) as r:
        assert r.status_code == 200
        assert r.data == data
        disposition = r.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''fix%20wifi%20%E2%9C%93.sh" in disposition
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Security-Policy"] == "sandbox"
        assert r.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
        assert r.headers["Content-Length"] == str(len(data))
        assert r.headers["Accept-Ranges"] == "bytes"
        assert "public" not in r.headers.get("Cache-Control", "")
    assert downloads(fix) == 1


def test_range_request(client, fix):
    with client.get(download_url(fix), headers={"Range": "bytes=10-19"}) as r:
        assert r.status_code == 206
        assert r.data == (b"#!/bin/sh\necho fixed\n" * 50)[10:20]
        assert r.headers["Content-Range"] == f"bytes 10-19/{fix.size}"
        assert r.headers["Content-Length"] == "10"
    assert downloads(fix) == 0                      # a continuation is not a new download


def test_if_none_match_is_304_and_not_counted(client, fix):
    with client.get(download_url(fix), headers={"If-None-Match": f'"{fix.sha256}"'}) as r:
        assert r.status_code == 304
        assert r.data == b""
    assert downloads(fix) == 0


def test_wrong_filename_redirects_to_the_right_one(client, fix):
    r = client.get(f"/attachments/{fix.id}/other.sh")
    assert r.status_code == 301
    assert r.headers["Location"].endswith(f"/attachments/{fix.id}/fix%20wifi%20%E2%9C%93.sh")
    assert downloads(fix) == 0


def test_missing_attachment_is_404(client):
    assert client.get("/attachments/12345/x.txt").status_code == 404


def test_images_inline_only_when_sniffed_as_images(client):
    q = make_question()
    image = attach(q.author, q, png_bytes(), "shot.png", "screenshot")
    text = attach(q.author, q, b"plain\n", "notes.txt", "other")
    with client.get(download_url(image)) as r:
        assert r.headers["Content-Disposition"].startswith("inline;")
        assert r.mimetype == "image/png"
    with client.get(download_url(text)) as r:
        assert r.headers["Content-Disposition"].startswith("attachment;")


def test_deleted_post_files_are_hidden_except_from_moderators(client, auth, fix):
    posting.delete_post(make_user(role="moderator"), fix.post_id)
    url = download_url(fix)
    assert client.get(url).status_code == 404                    # anonymous
    auth.login(make_user())
    assert client.get(url).status_code == 404                    # member
    auth.logout()
    auth.login(make_user(role="moderator"))
    with client.get(url) as r:
        assert r.status_code == 200


def test_deleted_attachment_is_gone_from_the_page(client, auth):
    q = make_question()
    a = attach(q.author, q)
    auth.login(q.author)
    r = client.post(f"/attachments/{a.id}/delete")
    assert r.status_code == 303
    assert db.session.get(Attachment, a.id).deleted_at is not None
    assert f"/attachments/{a.id}/" not in client.get(f"/questions/{q.id}/{q.slug}").get_data(
        as_text=True)
    auth.logout()
    assert client.get(download_url(a)).status_code == 404


def test_others_cannot_delete_a_file(client, auth):
    q = make_question()
    a = attach(q.author, q)
    auth.login(make_user(reputation_points=5000))
    assert client.post(f"/attachments/{a.id}/delete").status_code == 403
    assert db.session.get(Attachment, a.id).deleted_at is None


# ---------------------------------------------------------------- verifying

def _suspended(role):
    user = make_user(role=role)
    user.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    return user


@pytest.mark.parametrize("who, status", [
    ("member", 403), ("moderator", 403), ("suspended staff", 403), ("staff", 303),
    ("admin", 303),
])
def test_verify_permissions(client, auth, fix, who, status):
    user = {"member": lambda: make_user(reputation_points=5000),
            "moderator": lambda: make_user(role="moderator"),
            "suspended staff": lambda: _suspended("staff"),
            "staff": lambda: make_user(role="staff"),
            "admin": lambda: make_user(role="admin")}[who]()
    auth.login(user)
    r = client.post(f"/attachments/{fix.id}/verify", data={"verified": "1"})
    assert r.status_code == status
    db.session.expire_all()
    verified_by = db.session.get(Attachment, fix.id).verified_by_id
    assert verified_by == (user.id if status == 303 else None)


def test_verify_needs_login(client, fix):
    r = client.post(f"/attachments/{fix.id}/verify", data={"verified": "1"})
    assert r.status_code in (302, 401)
    assert db.session.get(Attachment, fix.id).verified_by_id is None


def test_staff_unverify(client, auth, fix):
    staff = make_user(role="staff")
    attachments.set_verified(staff, fix.id, True)
    auth.login(staff)
    assert client.post(f"/attachments/{fix.id}/verify", data={"verified": "0"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Attachment, fix.id).verified_by_id is None


def test_answer_files_show_on_the_page(client):
    q = make_question()
    a = make_answer(q)
    attach(a.author, a, b"answer file\n", "answer.txt", "fix")
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    assert "answer.txt" in page


# ---------------------------------------------------------------- counting and pictures

def test_a_range_from_the_start_is_not_a_second_download(client, fix):
    with client.get(download_url(fix)) as r:
        assert r.status_code == 200
    assert downloads(fix) == 1
    for header in ("bytes=0-", "bytes=0-99", f"bytes=0-{fix.size - 1}"):
        with client.get(download_url(fix), headers={"Range": header}) as r:
            assert r.status_code == 206
            assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert downloads(fix) == 1


def test_a_picture_shown_in_a_page_is_not_a_download(client):
    q = make_question()
    image = attach(q.author, q, png_bytes(), "shot.png", "screenshot")
    with client.get(download_url(image), headers={"Sec-Fetch-Dest": "image"}) as r:
        assert r.status_code == 200 and r.mimetype == "image/png"
    assert downloads(image) == 0
    with client.get(download_url(image), headers={"Sec-Fetch-Dest": "document"}) as r:
        assert r.status_code == 200
    assert downloads(image) == 1


def test_an_image_row_whose_bytes_are_not_an_image_is_a_download(client):
    q = make_question()
    text = attach(q.author, q, b"not a picture at all\n", "notes.txt", "other")
    db.session.execute(update(Attachment).where(Attachment.id == text.id)
                       .values(content_type="image/png"))
    db.session.commit()
    with client.get(download_url(text)) as r:
        assert r.status_code == 200
        assert r.headers["Content-Disposition"].startswith("attachment;")
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_screenshot_shows_as_a_thumbnail_linking_to_full_size(client):
    q = make_question()
    image = attach(q.author, q, png_bytes(), "wifi settings.png", "screenshot")
    log = attach(q.author, q, b"2026-12-01 event 5005\n", "wlan.log", "log")
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    url = re.escape(f"/attachments/{image.id}/wifi%20settings.png")
    assert re.search(rf'<a class="attachment__preview" href="{url}">\s*<img src="{url}" '
                     r'alt="wifi settings.png \(open full size\)" width="240"', page)
    url = f"/attachments/{image.id}/wifi%20settings.png"
    assert page.count("<img src=\"/attachments/") == 1          # not the log
    assert f"/attachments/{log.id}/wlan.log" in page
    with client.get(url) as r:                                  # full size, inline
        assert r.status_code == 200 and r.data == png_bytes()
        assert r.headers["Content-Disposition"].startswith("inline;")
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_a_post_can_show_its_own_attachment_as_an_image(client, auth):
    q = make_question()
    image = attach(q.author, q, png_bytes(), "shot.png", "screenshot")
    auth.login(q.author)
    body = f"Here is what I see:\n\n![The Wi-Fi settings](/attachments/{image.id}/shot.png)"
    r = client.post(f"/questions/{q.id}/answers", data={"body": body})
    assert r.status_code in (302, 303)
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    assert f'<img alt="The Wi-Fi settings" src="/attachments/{image.id}/shot.png">' in page


def test_the_demo_wifi_thread_shows_its_screenshot_and_log(client):
    from PIL import Image

    from forum import seeding

    seeding.seed_demo()
    q = db.session.scalar(select(Question).where(Question.title.contains("AeroBook 14 Wi-Fi")))
    files = {a.filename: a for a in attachments.attachments_for([q.id])[q.id]}
    assert {(a.kind, a.content_type) for a in files.values()} == {
        ("screenshot", "image/png"), ("log", "text/plain")}
    shot, log = files["event-viewer-5005.png"], files["wlan-events.log"]
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    assert f'<img src="/attachments/{shot.id}/event-viewer-5005.png"' in page
    assert f'href="/attachments/{log.id}/wlan-events.log"' in page
    with client.get(download_url(shot)) as r:
        assert r.headers["Content-Disposition"].startswith("inline;")
        assert Image.open(io.BytesIO(r.data)).size == (760, 360)
    with client.get(download_url(log)) as r:
        assert r.headers["Content-Disposition"].startswith("attachment;")
        assert b"Event 5005" in r.data
