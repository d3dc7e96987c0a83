"""Forgot password, end to end in Chromium: the login page's "Forgot password?",
the mail delivered by `flask mail send` to a real SMTP server (aiosmtpd) on
127.0.0.1, its link, the new password, logging in with it; the used link then
refuses. A small server of its own (no demo seed), so mail can go to the test
SMTP server."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading

import pytest

from tests.browser.conftest import AXE_JS, screenshot

PASSWORD = "the-old-long-passphrase"
NEW_PASSWORD = "a-brand-new-long-passphrase"


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    from flask_migrate import upgrade
    from werkzeug.serving import WSGIRequestHandler, make_server

    from forum.app import create_app
    from forum.extensions import db
    from forum.inputs import Registration
    from forum.services import accounts

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code="-", size="-"):
            pass

    controller, _ = smtp
    tmp = tmp_path_factory.mktemp("reset")
    app = create_app({
        "TESTING": False, "SECRET_KEY": "reset-browser-secret", "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False, "JOBS_WORKER": "eager",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'crowdfix.db'}",
        "INSTANCE_PATH": str(tmp / "instance"), "SEARCH_INDEX_DIR": str(tmp / "index"),
        "UPLOAD_DIR": str(tmp / "uploads"), "MAIL_URL": f"smtp://127.0.0.1:{controller.port}",
    })
    http = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    app.config["SITE_URL"] = f"http://127.0.0.1:{http.server_port}"
    with app.app_context():
        upgrade()
        accounts.register_user(Registration(username="maria_k", email="maria@example.com", password=PASSWORD))
        olga = accounts.register_user(Registration(username="olga_t", email="olga@example.com",
                                                   password=PASSWORD))
        from tests.factories import ensure_tags, make_answer, make_question

        ensure_tags("printer")
        question = make_question(olga, title="Printer offline after the firmware update",
                                 tags=["printer"])
        make_answer(question, olga, body="Power-cycle the printer, then re-add it by its address.")
        app.config["QUESTION_PATH"] = f"/questions/{question.id}"
        db.session.remove()
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        http.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def deliver(app) -> None:
    """What cron does every minute: `flask mail send`."""
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def serious_axe(page, include: str | None = None) -> list[str]:
    """axe-core's serious and critical findings on the page, or on the parts that
    match `include`."""
    if not AXE_JS.exists():
        return []
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("""async (sel) => await axe.run(
        sel ? {include: sel.split(",").map((one) => [one.trim()])} : document,
        {resultTypes: ['violations']})""", include)
    return [f"{v['id']}: {v['help']} at {[n['html'][:120] for n in v['nodes'][:3]]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")]


def test_password_reset_end_to_end(browser, server, smtp):
    app, url = server
    _, inbox = smtp
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(url + "/login")
        page.get_by_role("link", name="Forgot password?").click()
        page.wait_for_url(url + "/forgot-password")
        assert serious_axe(page) == []
        screenshot(page, "forgot-password-1366")
        page.get_by_label("Email").fill("Maria@Example.com")
        page.get_by_role("button", name="Mail me a link").click()
        assert "If an account uses" in page.locator("main").inner_text()

        # An unknown address gets the same page, and no mail.
        page.goto(url + "/forgot-password")
        page.get_by_label("Email").fill("nobody@example.com")
        page.get_by_role("button", name="Mail me a link").click()
        assert "If an account uses" in page.locator("main").inner_text()

        deliver(app)
        assert len(inbox.messages) == 1
        message = inbox.messages[0]
        assert message.rcpt_tos == ["maria@example.com"]
        parsed = email.message_from_bytes(message.content, policy=email.policy.default)
        assert "Reset your password" in parsed["Subject"]
        link = re.search(r"http://127\.0\.0\.1:\d+/reset-password/\S+", parsed.get_content()).group(0)

        page.goto(link)
        assert serious_axe(page) == []
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill("not-the-same-passphrase")
        page.get_by_role("button", name="Save the new password").click()
        assert "differ" in page.locator("main").inner_text()
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Save the new password").click()
        page.wait_for_url(url + "/login")
        assert "Your password is changed" in page.locator("body").inner_text()

        page.get_by_label("Username or email").fill("maria_k")
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        assert page.locator(".user-area__name").inner_text() == "maria_k"

        # The link worked once.
        page.goto(link)
        assert "used already" in page.locator("main").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 390])
def test_reset_pages_fit_a_phone(browser, server, width):
    _, url = server
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        for path, name in (("/forgot-password", "forgot-password"), ("/login", "login-forgot")):
            page.goto(url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} at {width} px scrolls sideways by {overflow} px"
            screenshot(page, f"{name}-{width}")
    finally:
        context.close()


@pytest.mark.parametrize("width", [1366, 390, 360])
def test_settings_and_avatars_look_right(browser, server, width):
    """Settings (picture, email, your data, delete) and the thread's author cards
    with their generated avatars: no sideways scrolling, no serious axe findings."""
    app, url = server
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto(url + "/login")
        page.get_by_label("Username or email").fill("olga_t")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        # On the thread, only the author cards and the header are ours to check.
        for path, name, part in (("/settings", "settings-account", None),
                                 (app.config["QUESTION_PATH"], "thread-avatars",
                                  ".author-card, .site-header")):
            page.goto(url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} at {width} px scrolls sideways by {overflow} px"
            avatars = page.locator("img.avatar")
            assert avatars.count() >= 2
            for src in set(page.eval_on_selector_all("img.avatar", "els => els.map(e => e.src)")):
                picture = page.request.get(src)
                assert picture.ok and picture.headers["content-type"].startswith("image/"), src
            if width != 360:
                assert serious_axe(page, part) == []
            screenshot(page, f"{name}-{width}")
        assert "nofollow" not in page.content()
    finally:
        context.close()
