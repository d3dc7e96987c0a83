"""Fixtures: an app on a database built by the migrations (SQLite by default,
PostgreSQL when TEST_DATABASE_URL is set), clients, and a login helper.

Under pytest-xdist every worker has its own: temporary folders (SQLite files,
Whoosh indexes, uploads) come from its own tmp_path_factory, and on PostgreSQL
it works in a database of its own named after TEST_DATABASE_URL's plus the
worker id (test_gw0, test_gw1, ...), created here. `make test` hands out whole
files (`--dist loadfile`): tests of one file that share state (the browser
journeys, the two-server test's database and Redis) run in order on one worker.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, make_url, text

from forum.app import create_app
from forum.extensions import db

BASE_PG_URL = os.environ.get("TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_url(url: str | None) -> str | None:
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(
        hide_password=False)


PG_URL = _worker_url(BASE_PG_URL)
TABLES_IN_ORDER = (
    "recurring_digests", "recurring_scores", "product_owners", "product_versions", "products",
    "kb_sources", "kb_revisions", "kb_articles",
    "ask_sessions", "thread_feedback", "search_log",
    "sla_alerts", "case_files", "case_messages", "support_cases",
    "answer_reminders", "fix_checks", "tracker_deliveries",
    "jobs", "search_pending", "search_words", "search_threads",
    "related_lists", "thread_vectors", "tag_synonyms",
    "user_badges", "outbox", "tag_watches", "follows", "notifications",
    "audit_log", "review_tasks", "close_votes", "flags",
    "attachments", "blobs", "me_toos", "known_issues",
    "reputation_events", "votes", "comments", "revisions", "question_tags",
    "api_tokens", "posts", "tags", "users",
)


class FreshLoginClient(FlaskClient):
    """pytest-flask keeps one app context per test, so Flask-Login's cached user
    in `g` would leak between clients; drop it before each request."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


class ProcessBytecodeCache(BytecodeCache):
    """Every test builds its own app, and so its own Jinja environment: without
    this each test would compile the templates again (a third of a page test's
    time). Keyed by template name and source checksum, so an edited template is
    compiled afresh."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = ProcessBytecodeCache()


def base_config(tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SERVER_NAME": "crowdfix.test",
    }


def migrate(url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _create_database(url: str) -> None:
    """Create the worker's PostgreSQL database (connected to the base one) if missing."""
    name = make_url(url).database
    engine = create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Run the migrations once per session: into a SQLite file that each test
    copies, or into the PostgreSQL test database that each test truncates."""
    workdir = tmp_path_factory.mktemp("migrated")
    if PG_URL:
        if PG_URL != BASE_PG_URL:
            _create_database(PG_URL)
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate(PG_URL, workdir)
        return PG_URL
    path = workdir / "template.db"
    migrate(f"sqlite:///{path}", workdir)
    return path


@pytest.fixture
def database_url(database_template, tmp_path):
    if PG_URL:
        yield PG_URL
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_ORDER)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return
    path = tmp_path / "crowdfix.db"
    shutil.copy(database_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def config_overrides():
    """Override in a test module to change settings."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, config_overrides):
    app = create_app({**base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": database_url,
                      **config_overrides})
    app.test_client_class = FreshLoginClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    yield app
    runner = app.extensions.get("crowdfix.jobs")
    if runner is not None:              # a job thread: let its batch end, then stop it
        runner.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    search_state = app.extensions.get("crowdfix.search")
    if search_state is not None:
        flusher = search_state._flusher
        if flusher is not None:         # a delayed index write still going: let it end
            flusher.idle.wait(15)
        search_state.index.close()      # open index files, the backend's own pool


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, user, password: str | None = None, remember: bool = False):
        from tests.factories import PASSWORD

        return self.client.post("/login", data={
            "username": user.username, "password": password or PASSWORD,
            "remember": "y" if remember else "",
        })

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def api(client):
    """Call the API as a user: api.post(user, '/api/v1/...', json=...)."""
    from forum.services import accounts

    class Api:
        tokens: dict[int, str] = {}

        def _headers(self, user):
            if user is None:
                return {}
            if user.id not in self.tokens:
                self.tokens[user.id] = accounts.issue_token(user)
            return {"Authorization": f"Bearer {self.tokens[user.id]}"}

        def __getattr__(self, method):
            def call(user, url, **kwargs):
                headers = {**self._headers(user), **kwargs.pop("headers", {})}
                return getattr(client, method)(url, headers=headers, **kwargs)
            return call

    return Api()
