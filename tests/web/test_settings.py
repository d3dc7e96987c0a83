"""/settings: profile, email, notification mail, password with the current one, API tokens."""

from __future__ import annotations

import re

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
