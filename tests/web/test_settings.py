"""/settings: profile, email, notification mail, password with the current one, API tokens."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from forum.extensions import db
from forum.models import ApiToken, User
from tests.factories import PASSWORD, make_user


def fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_settings_needs_login(client):
    response = client.get("/settings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_profile_and_notifications(client, auth):
    user = make_user()
    auth.login(user)
    assert client.post("/settings", data={"form": "profile", "about": "Printer whisperer.",
                                          "website": "https://example.com/me"}).status_code == 303
    assert fresh(user).website == "https://example.com/me"
    bad = client.post("/settings", data={"form": "profile", "about": "x",
                                         "website": "javascript:alert(1)"})
    assert bad.status_code == 422 and "http:// or https://" in bad.get_data(as_text=True)
    assert fresh(user).website == "https://example.com/me"
    client.post("/settings", data={"form": "notifications", "email_notifications": "daily"})
    assert fresh(user).email_notifications == "daily"
    assert client.post("/settings", data={"form": "notifications",
                                          "email_notifications": "hourly"}).status_code == 422
    assert fresh(user).email_notifications == "daily"


def test_password_change_needs_the_current_password(client, auth):
    user = make_user()
    auth.login(user)
    wrong = client.post("/settings", data={"form": "password", "current_password": "nope",
                                           "new_password": "a-much-better-secret",
                                           "confirm_password": "a-much-better-secret"})
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)
    assert check_password_hash(fresh(user).password_hash, PASSWORD)
    mismatch = client.post("/settings", data={"form": "password", "current_password": PASSWORD,
                                              "new_password": "a-much-better-secret",
                                              "confirm_password": "a-much-better-secreT"})
    assert mismatch.status_code == 422
    ok = client.post("/settings", data={"form": "password", "current_password": PASSWORD,
                                        "new_password": "a-much-better-secret",
                                        "confirm_password": "a-much-better-secret"})
    assert ok.status_code == 303
    assert check_password_hash(fresh(user).password_hash, "a-much-better-secret")


def test_email_change(client, auth):
    user, other = make_user(), make_user(email="taken@example.com")
    auth.login(user)
    taken = client.post("/settings", data={"form": "email", "email": "TAKEN@example.com",
                                           "current_password": PASSWORD})
    assert taken.status_code == 422
    client.post("/settings", data={"form": "email", "email": "New@Example.com",
                                   "current_password": PASSWORD})
    assert fresh(user).email == "new@example.com" and fresh(other).email == "taken@example.com"


def test_tokens_are_shown_once_and_revoked(client, auth, api):
    user = make_user()
    auth.login(user)
    page = client.post("/settings", data={"form": "token", "label": "my script"}).get_data(as_text=True)
    token = re.search(r"(cfx_[A-Za-z0-9_-]+)", page).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "my script"))
    assert token not in client.get("/settings").get_data(as_text=True)
    intruder = make_user()
    auth.logout()
    auth.login(intruder)
    assert client.post(f"/settings/tokens/{row.id}/revoke").status_code == 404
    auth.logout()
    auth.login(user)
    assert client.post(f"/settings/tokens/{row.id}/revoke").status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


# -- no developer wording, data export, account deletion, avatars ------------------

def test_settings_page_speaks_to_people_not_developers(client, auth):
    auth.login(make_user())
    page = client.get("/settings").get_data(as_text=True)
    assert "nofollow" not in page
    for section in ("Picture", "Your data", "Delete my account"):
        assert f">{section}</h2>" in page


def _thread_with_everything():
    """maria asks with a file, answers herself elsewhere, comments and votes."""
    import io

    from forum.services import attachments, voting
    from tests.factories import ensure_tags, make_answer, make_question
    from tests.unit.test_attachments_service import png_bytes

    ensure_tags("printer")
    maria = make_user("maria", email="maria@example.com", reputation_points=200)
    other = make_user("olga", reputation_points=200)
    mine = make_question(maria, title="Printer offline after the firmware update")
    theirs = make_question(other, title="Scanner shows a blank page after sleep")
    answer = make_answer(theirs, maria, body="Turn off deep sleep in the scanner's own menu.")
    voting.cast_vote(maria, theirs.id, 1)
    voting.cast_vote(other, answer.id, 1)
    shared = png_bytes(1)
    solo = png_bytes(2)
    attachments.attach_file(maria, mine.id, io.BytesIO(solo), "screen.png", "screenshot")
    attachments.attach_file(maria, mine.id, io.BytesIO(shared), "same.png", "screenshot")
    attachments.attach_file(other, theirs.id, io.BytesIO(shared), "theirs.png", "screenshot")
    return maria, other, mine, theirs, answer, solo, shared


def test_export_downloads_my_posts_votes_files_and_settings(client, auth):
    import json

    maria, other, mine, theirs, answer, _, _ = _thread_with_everything()
    auth.login(maria)
    response = client.get("/settings/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["username"] == "maria" and data["account"]["email"] == "maria@example.com"
    assert "password_hash" not in json.dumps(data)
    assert data["settings"]["email_notifications"] == "immediate"
    assert {(p["id"], p["type"]) for p in data["posts"]} == {(mine.id, "question"),
                                                            (answer.id, "answer")}
    assert data["votes"] == [{"post_id": theirs.id, "value": 1,
                              "created_at": data["votes"][0]["created_at"]}]
    assert sorted(f["filename"] for f in data["files"]) == ["same.png", "screen.png"]
    assert all(len(f["sha256"]) == 64 for f in data["files"])


def test_export_needs_login(client):
    response = client.get("/settings/export")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_delete_account_keeps_posts_under_a_placeholder(app, client, auth):
    import hashlib
    from pathlib import Path

    from forum import storage
    from forum.models import Attachment, AuditEntry, Post, Vote
    from forum.services import accounts

    maria, other, mine, theirs, answer, solo, shared = _thread_with_everything()
    token = accounts.issue_token(maria, "cli")
    auth.login(maria)
    upload_dir = Path(app.config["UPLOAD_DIR"])
    solo_sha, shared_sha = hashlib.sha256(solo).hexdigest(), hashlib.sha256(shared).hexdigest()
    assert storage.exists(upload_dir, solo_sha) and storage.exists(upload_dir, shared_sha)

    response = client.post("/settings/delete", data={"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 303

    db.session.expire_all()
    gone = db.session.get(User, maria.id)
    assert gone.deleted_at is not None
    assert "maria" not in gone.username and gone.email != "maria@example.com"
    placeholder = db.session.get(User, db.session.get(Post, mine.id).author_id)
    assert placeholder.username == "Former member"
    assert db.session.get(Post, answer.id).author_id == placeholder.id
    page = client.get(f"/questions/{mine.id}", follow_redirects=True).get_data(as_text=True)
    assert "Printer offline after the firmware update" in page and "Former member" in page
    # Files: hers hidden; bytes only she used are removed, shared bytes stay.
    assert all(a.deleted_at is not None for a in db.session.scalars(
        select(Attachment).where(Attachment.uploader_id == maria.id)))
    assert not storage.exists(upload_dir, solo_sha)
    assert storage.exists(upload_dir, shared_sha)
    # Votes still add up; sessions and tokens are gone.
    assert db.session.scalar(select(func.count()).select_from(Vote)
                             .where(Vote.user_id == maria.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(ApiToken)
                             .where(ApiToken.user_id == maria.id)) == 0
    assert client.get("/settings").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert auth.login(maria).status_code == 401
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "user.delete", AuditEntry.target_id == maria.id)) == "user.delete"


def test_a_second_deleted_account_reuses_the_placeholder(app, client, auth):
    from forum.services import accounts
    from tests.factories import make_question

    first, second = make_user(), make_user()
    make_question(first, title="Printer offline after the firmware update")
    make_question(second, title="Scanner shows a blank page after sleep")
    accounts.delete_account(first, PASSWORD)
    accounts.delete_account(db.session.get(User, second.id), PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.username == "Former member")) == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"password": "not-my-password", "confirm": "yes"}, "not your password"),
    ({"password": PASSWORD}, "Tick the box"),
])
def test_delete_account_refuses_without_password_and_confirmation(client, auth, data, message):
    maria = make_user("maria")
    auth.login(maria)
    response = client.post("/settings/delete", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fresh(maria).deleted_at is None and fresh(maria).username == "maria"
    assert client.get("/settings").status_code == 200


def test_the_last_admin_cannot_delete_their_account(client, auth):
    admin = make_user(role="admin")
    auth.login(admin)
    response = client.post("/settings/delete", data={"password": PASSWORD, "confirm": "yes"})
    assert response.status_code == 422 and "last admin" in response.get_data(as_text=True)
    assert fresh(admin).deleted_at is None


def _image(fmt="JPEG", size=(640, 480), exif=True) -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        meta = Image.Exif()
        meta[0x010F] = "SecretCam"          # Make
        meta[0x8825] = {2: (51.0, 30.0, 0.0)}   # GPS latitude
        image.save(out, fmt, exif=meta)
    else:
        image.save(out, fmt)
    return out.getvalue()


def upload_avatar(client, data: bytes, name="me.jpg"):
    import io

    return client.post("/settings", data={"form": "avatar", "avatar": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_everyone_has_a_generated_avatar(client):
    user = make_user()
    response = client.get(f"/avatars/{user.id}")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "<script" not in svg and "http" not in svg.replace(
        "http://www.w3.org/2000/svg", "")
    assert client.get(f"/avatars/{user.id}").get_data() == response.get_data()      # stable
    assert client.get(f"/avatars/{make_user().id}").get_data() != response.get_data()
    assert client.get("/avatars/999999").status_code == 404


def test_uploaded_avatar_is_resized_and_stripped(app, client, auth):
    import io

    from PIL import Image

    user = make_user()
    auth.login(user)
    assert b"SecretCam" in _image()
    assert upload_avatar(client, _image()).status_code == 303
    sha = fresh(user).avatar_sha256
    assert sha
    response = client.get(f"/avatars/{user.id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    body = response.get_data()
    assert b"SecretCam" not in body
    with Image.open(io.BytesIO(body)) as picture:
        assert picture.format == "PNG" and picture.size == (128, 128)
        assert not picture.getexif() and "exif" not in picture.info
    page = client.get(f"/users/{user.id}", follow_redirects=True).get_data(as_text=True)
    assert f"/avatars/{user.id}?v={sha[:12]}" in page
    # Back to the generated one; the stored picture is removed.
    from forum import storage

    assert storage.exists(app.config["UPLOAD_DIR"], sha)
    client.post("/settings", data={"form": "avatar_remove"})
    assert fresh(user).avatar_sha256 is None
    assert not storage.exists(app.config["UPLOAD_DIR"], sha)
    assert client.get(f"/avatars/{user.id}").mimetype == "image/svg+xml"


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "me.png",
     "not a picture"),
    (b"MZ\x90\x00" + b"\x00" * 200, "me.jpg", "not a picture"),
    (b"", "me.png", "Choose a picture"),
])
def test_an_avatar_that_is_not_an_image_is_refused(client, auth, data, name, message):
    user = make_user()
    auth.login(user)
    response = upload_avatar(client, data, name)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert fresh(user).avatar_sha256 is None


def test_an_avatar_over_the_size_limit_is_refused(app, client, auth):
    app.config["AVATAR_MAX_KB"] = 1
    user = make_user()
    auth.login(user)
    response = upload_avatar(client, _image(size=(400, 400)))
    assert response.status_code == 422 and "at most 1 KB" in response.get_data(as_text=True)
    assert fresh(user).avatar_sha256 is None


def test_avatars_show_on_posts_and_in_the_header(client, auth):
    from tests.factories import make_question

    asker = make_user()
    question = make_question(asker, title="Printer offline after the firmware update")
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'src="/avatars/{asker.id}?v=generated"' in page
    auth.login(asker)
    assert f'src="/avatars/{asker.id}?v=generated"' in client.get("/settings").get_data(as_text=True)
