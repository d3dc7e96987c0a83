"""Forgot password (a signed, expiring, single-use link by mail; the same answer
whether or not the address has an account; rate limited), confirming the email
address from a mailed link, and sign-up/log-in returning to the question."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select
from werkzeug.security import check_password_hash

from forum.extensions import db
from forum.models import AuditEntry, OutboxMail, User
from tests.factories import PASSWORD, ensure_tags, make_question, make_user

NEW_PASSWORD = "a-brand-new-long-passphrase"


def fresh(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id)


def outbox(to_addr=None):
    db.session.expire_all()
    query = select(OutboxMail).order_by(OutboxMail.id)
    if to_addr:
        query = query.where(OutboxMail.to_addr == to_addr)
    return list(db.session.scalars(query))


def link_in(mail, path):
    match = re.search(rf"http://[^/\s]+(/{path}/[^\s]+)", mail.body)
    assert match, mail.body
    return match.group(1)


def ask_reset(client, email):
    return client.post("/forgot-password", data={"email": email})


def reset_with(client, path, new=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"new_password": new,
                                   "confirm_password": new if confirm is None else confirm})


class TestForgotPassword:
    def test_login_page_links_to_forgot_password(self, client):
        page = client.get("/login").get_data(as_text=True)
        assert 'href="/forgot-password"' in page and "Forgot password?" in page

    def test_same_answer_whether_or_not_the_address_has_an_account(self, client):
        make_user("maria", email="maria@example.com")
        known = ask_reset(client, "Maria@Example.com")
        unknown = ask_reset(client, "nobody@example.com")
        assert known.status_code == unknown.status_code == 200

        def without_address(r):
            return r.get_data(as_text=True).replace("Maria@Example.com", "X").replace(
                "nobody@example.com", "X")

        body = without_address(known)
        assert "If an account uses" in body
        # The pages differ only by the CSRF token of the layout's forms.
        strip = re.compile(r'name="csrf_token" value="[^"]*"|content="[^"]*" name="csrf-token"')
        assert strip.sub("", body) == strip.sub("", without_address(unknown))
        assert [m.to_addr for m in outbox()] == ["maria@example.com"]

    def test_empty_address_is_a_form_error(self, client):
        response = ask_reset(client, "  ")
        assert response.status_code == 422
        assert "Enter the email address of your account" in response.get_data(as_text=True)
        assert outbox() == []

    def test_the_link_sets_a_new_password_once(self, client, auth):
        maria = make_user("maria", email="maria@example.com")
        ask_reset(client, "maria@example.com")
        (mail,) = outbox()
        assert "Reset your password" in mail.subject
        path = link_in(mail, "reset-password")
        form = client.get(path)
        assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
        done = reset_with(client, path)
        assert done.status_code == 303 and done.headers["Location"].endswith("/login")
        assert check_password_hash(fresh(maria.id).password_hash, NEW_PASSWORD)
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.target_id == maria.id)) == "user.password_reset"
        # Used once: the same link now says so and changes nothing.
        again = client.get(path)
        assert again.status_code == 400 and "used already" in again.get_data(as_text=True)
        assert reset_with(client, path, "yet-another-long-passphrase").status_code == 400
        assert check_password_hash(fresh(maria.id).password_hash, NEW_PASSWORD)
        assert auth.login(maria, PASSWORD).status_code == 401
        assert auth.login(maria, NEW_PASSWORD).status_code == 302

    def test_the_link_expires(self, client, monkeypatch):
        maria = make_user("maria", email="maria@example.com")
        # A link signed 61 minutes ago (PASSWORD_RESET_MINUTES is 60).
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 61 * 60)
        ask_reset(client, "maria@example.com")
        monkeypatch.undo()
        path = link_in(outbox()[0], "reset-password")
        response = client.get(path)
        assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
        assert reset_with(client, path).status_code == 400
        assert check_password_hash(fresh(maria.id).password_hash, PASSWORD)

    @pytest.mark.parametrize("token", ["not-a-token", "eyJ1IjoxLCJwIjoiYWJjIn0.aaaa.bbbb"])
    def test_a_forged_link_is_refused(self, client, token):
        maria = make_user("maria", email="maria@example.com")
        response = client.get(f"/reset-password/{token}")
        assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
        assert reset_with(client, f"/reset-password/{token}").status_code == 400
        assert check_password_hash(fresh(maria.id).password_hash, PASSWORD)

    def test_a_weak_or_mismatched_new_password_changes_nothing(self, client):
        maria = make_user("maria", email="maria@example.com")
        ask_reset(client, "maria@example.com")
        path = link_in(outbox()[0], "reset-password")
        short = reset_with(client, path, "short")
        assert short.status_code == 422 and "at least 10" in short.get_data(as_text=True)
        differ = reset_with(client, path, NEW_PASSWORD, "something-else-entirely")
        assert differ.status_code == 422 and "differ" in differ.get_data(as_text=True)
        assert check_password_hash(fresh(maria.id).password_hash, PASSWORD)
        assert reset_with(client, path).status_code == 303      # the link still works

    def test_a_reset_logs_out_the_other_sessions(self, app, client, auth):
        maria = make_user("maria", email="maria@example.com")
        auth.login(maria)
        assert client.get("/settings").status_code == 200
        other = app.test_client()
        ask_reset(other, "maria@example.com")
        reset_with(other, link_in(outbox()[0], "reset-password"))
        response = client.get("/settings")
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    def test_a_deleted_account_gets_no_mail(self, client):
        maria = make_user("maria", email="maria@example.com")
        with db.session.begin_nested():
            fresh(maria.id).deleted_at = fresh(maria.id).created_at
        db.session.commit()
        assert ask_reset(client, "maria@example.com").status_code == 200
        assert outbox() == []


class TestForgotPasswordRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_PASSWORD_RESET": "2 per hour"}

    def test_asking_for_links_is_rate_limited(self, client):
        make_user("maria", email="maria@example.com")
        statuses = [ask_reset(client, "maria@example.com").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert len(outbox()) == 2


def sign_up(client, next_url=None, **overrides):
    data = {"username": "wifi_fixer", "email": "fixer@example.com",
            "password": "a-long-unusual-passphrase", "password_confirm": "a-long-unusual-passphrase"}
    if next_url is not None:
        data["next"] = next_url
    data.update(overrides)
    return client.post("/register", data=data)


class TestEmailVerification:
    def test_sign_up_mails_a_link_and_the_link_confirms_the_address(self, client):
        response = sign_up(client)
        assert response.status_code == 302
        user = db.session.scalar(select(User).where(User.username == "wifi_fixer"))
        assert user.email_verified_at is None
        settings = client.get("/settings").get_data(as_text=True)
        assert "fixer@example.com is not confirmed yet" in settings
        assert "Send the link again" in settings
        (mail,) = outbox("fixer@example.com")
        assert "Confirm your email address" in mail.subject
        done = client.get(link_in(mail, "verify-email"))
        assert done.status_code == 303
        assert fresh(user.id).email_verified_at is not None
        assert "fixer@example.com is confirmed" in client.get("/settings").get_data(as_text=True)

    @pytest.mark.parametrize(("verified", "status"), [(False, 422), (True, 303)])
    def test_until_verified_a_member_posts_with_the_new_member_limits(self, app, client, auth,
                                                                       verified, status):
        app.config["RATELIMIT_ENABLED"] = True
        ensure_tags("printer")
        member = make_user(reputation_points=50)           # past NEW_USER_REP
        if not verified:
            fresh(member.id).email_verified_at = None
            db.session.commit()
        auth.login(member)
        body = ("These pages did not help: https://a.example/1 https://b.example/2 "
                "https://c.example/3 and my printer still drops off the network.")
        response = client.post("/ask", data={"title": "Printer drops off the network each night",
                                             "body": body, "tags": "printer"})
        assert response.status_code == status
        if not verified:
            page = response.get_data(as_text=True)
            assert "New members can put at most 2 links" in page
            assert "until they confirm their email address" in page

    def test_resend_mails_a_new_link(self, client):
        sign_up(client)
        response = client.post("/settings/verify-email")
        assert response.status_code == 303
        assert len(outbox("fixer@example.com")) == 2

    def test_resend_for_a_verified_address_sends_nothing(self, client, auth):
        auth.login(make_user("maria", email="maria@example.com"))
        client.post("/settings/verify-email")
        assert outbox() == []

    def test_a_link_for_an_old_address_does_not_confirm_the_new_one(self, client):
        sign_up(client)
        path = link_in(outbox("fixer@example.com")[0], "verify-email")
        client.post("/settings", data={"form": "email", "email": "new@example.com",
                                       "current_password": "a-long-unusual-passphrase"})
        response = client.get(path)
        assert response.status_code == 400 and "no longer uses" in response.get_data(as_text=True)
        user = db.session.scalar(select(User).where(User.username == "wifi_fixer"))
        assert fresh(user.id).email_verified_at is None
        assert client.get(link_in(outbox("new@example.com")[0], "verify-email")).status_code == 303
        assert fresh(user.id).email_verified_at is not None

    def test_a_verified_member_who_changes_address_must_confirm_it(self, client, auth):
        maria = make_user("maria", email="maria@example.com")
        auth.login(maria)
        client.post("/settings", data={"form": "email", "email": "maria@new.example",
                                       "current_password": PASSWORD})
        assert fresh(maria.id).email_verified_at is None
        assert len(outbox("maria@new.example")) == 1

    def test_a_forged_link_is_refused(self, client):
        response = client.get("/verify-email/garbage")
        assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)


class TestReturnToTheQuestion:
    def test_sign_up_from_a_question_returns_to_it(self, client):
        question = make_question(title="Printer offline after the firmware update")
        page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
        link = re.search(r'href="(/register\?next=([^"]+))"', page)
        assert link, "the question's sign-up link carries next"
        target = link.group(2).replace("%2F", "/")
        assert target.startswith(f"/questions/{question.id}/printer-offline")
        form = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert f'name="next" value="{target}"' in form
        response = sign_up(client, next_url=target)
        assert response.status_code == 302 and response.headers["Location"] == target

    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                        "/\\evil.example", "javascript:alert(1)"])
    def test_sign_up_never_leaves_the_site(self, client, target):
        response = sign_up(client, next_url=target)
        assert response.status_code == 302 and response.headers["Location"] == "/"

    def test_the_login_page_passes_next_on_to_sign_up(self, client):
        page = client.get("/login?next=/questions/7").get_data(as_text=True)
        assert 'href="/register?next=/questions/7"' in page
