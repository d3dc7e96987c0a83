"""Asking with files: the kind a file gets (never an asker's "fix"), files chosen
before a form error, the tag field's new-tag warning, and where the preview sits."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from forum.extensions import db
from forum.models import Attachment, Question, Tag
from forum.models.finding import TagSynonym
from tests.factories import ensure_tags, make_answer, make_question, make_user
from tests.unit.test_attachments_service import png_bytes
from tests.web.test_attachments import TITLE, ask, files, post_multipart

BODY = "My printer shows offline although it is on the same network as the laptop."


@pytest.fixture
def asker(app, auth):
    ensure_tags("printing")
    user = make_user()
    auth.login(user)
    return user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def kinds() -> list[tuple[str, str]]:
    return [(a.filename, a.kind) for a in db.session.scalars(select(Attachment).order_by(Attachment.id))]


def selected_kind(page: str, prefix: str = "") -> str:
    select_html = re.search(rf'<select[^>]*id="{prefix}file_kind".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="([a-z]+)" selected>', select_html).group(1)


def kind_options(page: str, prefix: str = "") -> list[str]:
    select_html = re.search(rf'<select[^>]*id="{prefix}file_kind".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="([a-z]+)"', select_html)


# ---------------------------------------------------------------- the kind of a file

@pytest.mark.parametrize("kind", ["auto", None])
def test_asking_leaves_the_kind_to_the_file(client, asker, kind):
    data = {"title": TITLE, "body": BODY, "tags": "printing",
            "files": files((b"wlan0 down\n", "wifi.log"), (png_bytes(), "screen.png"),
                           (b"#!/bin/sh\necho hi\n", "try.sh"))}
    if kind is not None:        # None: the field is not sent at all
        data["file_kind"] = kind
    assert post_multipart(client, "/ask", data).status_code == 303
    assert kinds() == [("wifi.log", "log"), ("screen.png", "screenshot"), ("try.sh", "log")]


def test_a_member_cannot_call_a_question_file_a_fix(client, asker):
    response = ask(client, [(b"#!/bin/sh\necho hi\n", "fix.sh")], kind="fix")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "staff can label a file on a question as a fix" in page
    assert TITLE in page and BODY in page
    assert count(Question) == 0 and count(Attachment) == 0


def test_staff_may_attach_a_fix_to_a_question(client, auth, app):
    ensure_tags("printing")
    auth.login(make_user(role="staff"))
    assert ask(client, [(b"#!/bin/sh\necho hi\n", "fix.sh")], kind="fix").status_code == 303
    assert kinds() == [("fix.sh", "fix")]


def test_answers_still_take_fixes_and_default_to_them(client, asker):
    q = make_question()
    response = post_multipart(client, f"/questions/{q.id}/answers", {
        "body": "Reinstall the driver from the vendor site, then reboot.", "file_kind": "auto",
        "files": files((b"#!/bin/sh\n", "fix.sh"), (png_bytes(), "after.png"))})
    assert response.status_code == 303
    assert kinds() == [("fix.sh", "fix"), ("after.png", "screenshot")]


def test_ask_form_starts_at_auto_and_offers_no_fix_to_a_member(client, asker):
    page = client.get("/ask").get_data(as_text=True)
    assert selected_kind(page) == "auto"
    assert kind_options(page) == ["auto", "log", "screenshot", "other"]
    assert "Automatic: screenshot for an image, else log</option>" in page


def test_staff_see_fix_on_the_ask_form_but_not_chosen(client, auth, app):
    auth.login(make_user(role="staff"))
    page = client.get("/ask").get_data(as_text=True)
    assert selected_kind(page) == "auto"
    assert "fix" in kind_options(page)


def test_a_members_question_page_upload_form_offers_no_fix(client, asker):
    q = make_question(asker)
    answer = make_answer(q, asker)
    page = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    assert "fix" not in kind_options(page, f"post-{q.id}-")
    assert "fix" in kind_options(page, f"post-{answer.id}-")
    r = post_multipart(client, f"/posts/{q.id}/attachments",
                       {"file_kind": "fix", "files": files((b"x\n", "a.sh"))})
    assert r.status_code == 422 and count(Attachment) == 0


def test_api_refuses_a_members_fix_on_a_question_and_decides_auto(app, api):
    q = make_question()

    def upload(post_id, data, name, kind):
        fields = MultiDict([("file", FileStorage(io.BytesIO(data), filename=name)), ("kind", kind)])
        boundary, body = encode_multipart(fields)
        return api.post(q.author, f"/api/v1/posts/{post_id}/attachments", data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")

    r = upload(q.id, b"#!/bin/sh\n", "fix.sh", "fix")
    assert r.status_code == 422 and "kind" in r.get_json()["error"]["fields"]
    assert count(Attachment) == 0
    r = upload(q.id, png_bytes(), "shot.png", "auto")
    assert r.status_code == 201 and r.get_json()["kind"] == "screenshot"


# ---------------------------------------------------------------- files and form errors

def test_files_chosen_before_a_form_error_are_named_and_asked_for_again(client, asker):
    response = ask(client, [(b"wlan0 down\n", "wifi.log"), (png_bytes(), "screen.png")],
                   title="short")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose your files again:" in page
    assert "wifi.log, screen.png were not kept" in page
    assert 'aria-describedby="files-hint files-again"' in page
    assert count(Question) == 0 and count(Attachment) == 0


def test_preview_with_files_says_to_choose_them_again(client, asker):
    response = ask(client, [(b"wlan0 down\n", "wifi.log")], preview="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "wifi.log was not kept" in page
    assert count(Question) == 0


def test_answer_form_error_names_the_files(client, asker):
    q = make_question()
    response = post_multipart(client, f"/questions/{q.id}/answers", {
        "body": "short", "file_kind": "auto", "files": files((b"log\n", "a.log"))})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "a.log was not kept" in page


def test_no_message_without_files(client, asker):
    page = ask(client, [], title="short").get_data(as_text=True)
    assert "Choose your files again" not in page


# ---------------------------------------------------------------- new tags

def test_tag_field_warns_a_member_who_may_not_create_tags(client, asker):
    page = client.get("/ask").get_data(as_text=True)
    assert 'data-tag-check-url="/tag-check"' in page
    assert "creating a new tag needs 300 reputation" in page
    wifi = db.session.scalar(select(Tag).where(Tag.name == "printing"))
    db.session.add(TagSynonym(source="printers", tag_id=wifi.id))
    db.session.commit()
    r = client.get("/tag-check?q=printing printers, brand-new-tag Other")
    assert r.status_code == 200
    data = r.get_json()
    assert data["new"] == ["brand-new-tag", "other"]
    assert data["may_create"] is False and data["threshold"] == 300
    assert "needs 300 reputation; you have 1" in data["message"]


def test_tag_field_does_not_warn_who_may_create_tags(client, auth, app):
    auth.login(make_user(reputation_points=300))
    page = client.get("/ask").get_data(as_text=True)
    assert "data-tag-check-url" not in page
    assert client.get("/tag-check?q=brand-new").get_json()["may_create"] is True


def test_tag_check_needs_login(client, app):
    assert client.get("/tag-check?q=x").status_code in (302, 401)


# ---------------------------------------------------------------- the preview under the editor

def test_preview_sits_right_under_the_editor(client, asker):
    q = make_question()
    ask_page = client.get("/ask").get_data(as_text=True)
    assert ask_page.index('id="body"') < ask_page.index('id="ask-preview"') < ask_page.index('id="tags"')
    thread = client.get(f"/questions/{q.id}/{q.slug}").get_data(as_text=True)
    form = thread[thread.index('class="answer-form"'):]
    assert form.index('id="body"') < form.index('id="answer-preview"') < form.index('id="files"')
    assert form.index('id="answer-preview"') < form.index("</form>")
    edit = client.get(f"/posts/{q.id}/edit").get_data(as_text=True)
    assert edit.index('id="body"') < edit.index('id="edit-preview"') < edit.index('id="tags"')


def test_editing_a_question_follows_the_same_rules(client, asker):
    q = make_question(asker, tags=("printing",))
    page = client.get(f"/posts/{q.id}/edit").get_data(as_text=True)
    assert selected_kind(page) == "auto" and "fix" not in kind_options(page)
    data = {"title": q.title, "body": q.body, "tags": "printing", "comment": ""}
    r = post_multipart(client, f"/posts/{q.id}/edit",
                       {**data, "file_kind": "fix", "files": files((b"#!/bin/sh\n", "fix.sh"))})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and count(Attachment) == 0
    assert "label a file on a question as a fix" in page and "fix.sh was not kept" in page
    r = post_multipart(client, f"/posts/{q.id}/edit",
                       {**data, "title": "short", "files": files((png_bytes(), "shot.png"))})
    assert r.status_code == 422 and "shot.png was not kept" in r.get_data(as_text=True)
    r = post_multipart(client, f"/posts/{q.id}/edit",
                       {**data, "file_kind": "auto", "files": files((png_bytes(), "shot.png"))})
    assert r.status_code == 303
    assert kinds() == [("shot.png", "screenshot")]
