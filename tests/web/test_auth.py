"""Register, log in, log out, remember me, CSRF and the login rate limit."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user


def register(client, **overrides):
    data = {"username": "wifi_fixer", "email": "fixer@example.com",
            "password": "a-long-unusual-passphrase", "password_confirm": "a-long-unusual-passphrase"}
    data.update(overrides)
    return client.post("/register", data=data)


def user_count():
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_user_and_logs_in(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "wifi_fixer"))
    assert user.reputation == 1 and user.role == "member"
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert "wifi_fixer" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"username": "ab"}, "username", "3–30"),
    ({"username": "x" * 31}, "username", "3–30"),
    ({"username": "bad name!"}, "username", "letters, digits"),
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"password": "short", "password_confirm": "short"}, "password", "at least 10"),
    ({"password": "password123", "password_confirm": "password123"}, "password", "too common"),
    ({"password": "1234567890", "password_confirm": "1234567890"}, "password", "too common"),
    ({"password_confirm": "something-else-entirely"}, "password_confirm", "do not match"),
])
def test_register_refuses_bad_input(client, overrides, field, message):
    response = register(client, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert user_count() == 0


def test_usernames_are_unique_case_insensitively(client):
    make_user("WiFi_Fixer")
    response = register(client, username="wifi_fixer")
    assert response.status_code == 422
    assert "username is taken" in response.get_data(as_text=True)
    assert user_count() == 1


def test_email_is_unique(client):
    make_user("someone", email="fixer@example.com")
    response = register(client, email="FIXER@example.com")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_login_with_username_or_email_and_logout(client, auth):
    user = make_user("maria")
    assert auth.login(user).status_code == 302
    assert "maria" in client.get("/").get_data(as_text=True)
    auth.logout()
    page = client.get("/").get_data(as_text=True)
    assert "Log in" in page
    response = client.post("/login", data={"username": "MARIA@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client):
    make_user("maria")
    response = client.post("/login", data={"username": "maria", "password": "wrong-password-123"})
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


def test_remember_me_sets_a_persistent_cookie(client, auth):
    user = make_user()
    auth.login(user, remember=True)
    assert client.get_cookie("remember_token", domain="crowdfix.test") is not None


def test_login_without_remember_sets_no_remember_cookie(client, auth):
    auth.login(make_user())
    assert client.get_cookie("session", domain="crowdfix.test") is not None
    assert client.get_cookie("remember_token", domain="crowdfix.test") is None


def test_next_parameter_only_follows_local_paths(client):
    make_user("maria")
    data = {"username": "maria", "password": PASSWORD}
    response = client.post("/login?next=https://evil.example/x", data=data)
    assert response.headers["Location"] == "/"


def test_pages_that_need_login_redirect_to_login(client):
    response = client.get("/ask")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


class TestWithCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_csrf_token_is_refused(self, client):
        response = register(client)
        assert response.status_code == 400
        assert "form expired" in response.get_data(as_text=True)
        assert user_count() == 0

    def test_every_form_carries_a_csrf_token(self, client):
        page = client.get("/register").get_data(as_text=True)
        assert 'name="csrf_token"' in page


class TestLoginRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}

    def test_login_is_rate_limited(self, client):
        make_user("maria")
        statuses = [client.post("/login", data={"username": "maria", "password": "nope-nope-nope"}).status_code
                    for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert "Too many requests" in client.post("/login", data={}).get_data(as_text=True)
