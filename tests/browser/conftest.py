"""Browser tests: the real app served on a free local port, driven by Debian's
Chromium through Playwright, on a migrated SQLite file with the demo content.

Everything here is session-scoped (one server, one browser); each test opens
its own browser contexts so cookies never leak between users."""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
AXE_JS = HERE.parents[1] / "node_modules" / "axe-core" / "axe.min.js"


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "browser tests skipped: /usr/bin/chromium not found — apt-get install chromium"
    if importlib.util.find_spec("playwright") is None:
        return "browser tests skipped: playwright is not importable — make install"
    return None


SKIP_REASON = _missing()


@pytest.fixture(scope="session", autouse=True)
def _needs_browser():           # session scope: runs before the server is built
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)


@dataclass
class Site:
    """The running server and what the demo content gave us to point at."""

    url: str
    thread_path: str                 # a demo thread with answers (Wi-Fi drops)
    vote_thread_path: str            # a demo thread the no-JS test votes and answers on
    profile_path: str                # maria_k's profile
    users: dict[str, int] = field(default_factory=dict)

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    from flask_migrate import upgrade
    from sqlalchemy import select
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code="-", size="-"):     # keep failure output readable
            pass

    from forum import changes
    from forum.app import create_app
    from forum.extensions import db
    from forum.models import Question, User
    from forum.seeding import seed_demo
    from forum.services import searching

    tmp = tmp_path_factory.mktemp("browser")
    app = create_app({
        "TESTING": False,
        "SECRET_KEY": "browser-test-secret",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'crowdfix.db'}",
        "INSTANCE_PATH": str(tmp / "instance"),
        "SEARCH_INDEX_DIR": str(tmp / "index"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        # Side effects before the response, so a page shows them on the next step.
        "JOBS_WORKER": "eager",
    })
    with app.app_context():
        upgrade()
        # Seeding commits ~500 times; indexing after each commit would take most
        # of the folder's time budget. Seed with the index job and the cache
        # listeners off, then rebuild the index once, as `flask search reindex` does.
        listeners = app.extensions.pop(changes.EXTENSION, [])
        thread_job = app.extensions.pop(changes.THREAD_JOB, None)
        try:
            seed_demo()
        finally:
            app.extensions[changes.EXTENSION] = listeners
            app.extensions[changes.THREAD_JOB] = thread_job
        searching.reindex()
        questions = {q.title: q.id for q in db.session.scalars(select(Question))}
        users = {u.username: u.id for u in db.session.scalars(select(User))}
        db.session.remove()

    def find(words: str) -> int:
        return next(i for t, i in questions.items() if words in t)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="crowdfix-browser-server",
                              daemon=True)
    thread.start()
    try:
        yield Site(
            url=f"http://127.0.0.1:{server.server_port}",
            thread_path=f"/questions/{find('AeroBook 14 Wi-Fi drops')}",
            vote_thread_path=f"/questions/{find('Two-sided printing from macOS')}",
            profile_path=f"/users/{users['maria_k']}",
            users=users,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        search_state = app.extensions.get("crowdfix.search")
        if search_state is not None:
            search_state.index.close()


@pytest.fixture(scope="session")
def browser():
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox"])
    except Exception:
        playwright.stop()
        raise
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture(scope="session")
def login_states(browser, site):
    """Log each demo user in once through the real form; contexts reuse the cookies."""
    from forum.seeding import DEMO_PASSWORD

    states: dict[str, dict] = {}

    def state_for(username: str, password: str = DEMO_PASSWORD) -> dict:
        if username not in states:
            context = browser.new_context()
            try:
                page = context.new_page()
                log_in(page, site, username, password)
                states[username] = context.storage_state()
            finally:
                context.close()
        return states[username]

    return state_for


def log_in(page, site: Site, username: str, password: str) -> None:
    page.goto(site("/login"))
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator(".user-area__name").inner_text() == username


@pytest.fixture
def new_context(browser, login_states):
    """new_context(user=None, **options): a fresh context, signed in as `user`;
    closed after the test."""
    opened = []

    def make(user: str | None = None, **options):
        if user is not None:
            options["storage_state"] = login_states(user)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
