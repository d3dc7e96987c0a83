"""The embedded default served the way the README deploys it: gunicorn with two
workers, SQLite, Whoosh, and no Redis. Each worker keeps its own copy of the
anonymous pages, but the version tokens they check live in files both read
(`CACHE_VERSION_DIR`), so a write made through one worker shows on the next
anonymous read from either.

Skipped when gunicorn is not installed in .venv.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
READS = 16          # anonymous reads each time: with two workers, both serve some

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason=f"{GUNICORN} is not installed")

_INHERITED_PREFIXES = ("FLASK_", "GUNICORN_", "RATELIMIT_", "CACHE_", "SEARCH_", "VIEWS_")
_INHERITED = {"SECRET_KEY", "DATABASE_URL", "TEST_DATABASE_URL", "UPLOAD_DIR", "PORT",
              "WEB_CONCURRENCY", "REQUEST_LOG", "MAIL_URL", "SITE_URL"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, *, method: str = "GET", token: str | None = None, data=None):
    headers = {"Connection": "close"}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode()


@pytest.fixture
def server(tmp_path):
    """Two gunicorn workers on a migrated SQLite file; yields (base URL, token)."""
    from flask_migrate import upgrade

    from forum.app import create_app
    from forum.extensions import db
    from forum.services import accounts
    from tests.factories import make_user

    settings = {
        "SECRET_KEY": "two-workers-test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'crowdfix.db'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "CACHE_VERSION_DIR": str(tmp_path / "cache-versions"),
    }
    app = create_app({"SQLALCHEMY_DATABASE_URI": settings["DATABASE_URL"],
                      "INSTANCE_PATH": str(tmp_path / "instance"), "RATELIMIT_ENABLED": False,
                      **settings})
    with app.app_context():
        upgrade()
        token = accounts.issue_token(make_user("asker", reputation_points=500))
        db.session.remove()
        db.engine.dispose()

    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in _INHERITED and not k.startswith(_INHERITED_PREFIXES)}
    env.update(settings, RATELIMIT_ENABLED="false", CACHE_ENABLED="true", WEB_CONCURRENCY="2",
               GUNICORN_THREADS="1", GUNICORN_BIND=f"127.0.0.1:{port}",
               XDG_RUNTIME_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    log = (tmp_path / "gunicorn.log").open("ab")
    process = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                               env=env, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if _request(base + "/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz in 30 s"
            time.sleep(0.2)
        yield base, token
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_a_write_through_one_worker_shows_on_every_workers_next_read(server):
    base, token = server
    status, body = _request(base + "/api/v1/questions", method="POST", token=token, data={
        "title": "Printer spooler stops after the driver update",
        "body": "Since the driver update the print spooler stops after every job.",
        "tags": ["printing"]})
    assert status == 201, body
    question = json.loads(body)
    page = f"{base}/questions/{question['id']}"

    before = [_request(page)[1] for _ in range(READS)]      # every worker caches it
    assert all("Printer spooler stops" in b for b in before)
    assert not any("Restart the spooler service" in b for b in before)
    front_before = [_request(base + "/")[1] for _ in range(READS)]
    assert not any("stat--answered" in b for b in front_before)     # 0 answers

    status, body = _request(f"{base}/api/v1/questions/{question['id']}/answers", method="POST",
                            token=token, data={"body": "Restart the spooler service, then "
                                                        "reinstall the driver package."})
    assert status == 201, body

    after = [_request(page)[1] for _ in range(READS)]
    stale = sum("Restart the spooler service" not in b for b in after)
    assert stale == 0, f"{stale} of {READS} anonymous reads still showed the page before the answer"
    front = [_request(base + "/")[1] for _ in range(READS)]
    assert all("stat--answered" in b for b in front), "a worker served the front page from before"
