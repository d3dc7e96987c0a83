"""Two app servers at once (issue 7, "Caching and scale-out").

Starts two real gunicorn processes (`gunicorn -c gunicorn.conf.py wsgi:app`) on
two ports against one PostgreSQL database (`crowdfix_scaleout`, dropped and
recreated here; never the suite's `test` database) and one Redis (database 15
for rate limits, 14 for the page cache), and shows that what is done through
one server is seen through the other: a post is readable and searchable
(SEARCH_BACKEND=postgres), a rate limit counts across both, and an edit
invalidates the anonymous page the other server cached.

Skipped when PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) does not
answer, or when gunicorn is not installed in .venv.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
GUNICORN = BIN / "gunicorn"
FLASK = BIN / "flask"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "crowdfix_scaleout"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
RATELIMIT_REDIS = "redis://127.0.0.1:6379/15"
CACHE_REDIS = "redis://127.0.0.1:6379/14"
VOTE_LIMIT = 3
PASSWORD = "Scale-out passphrase 7319"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _why_skip() -> str | None:
    if not GUNICORN.exists() or not FLASK.exists():
        return f"gunicorn is not installed in {BIN} (pip install -e '.[dev]')"
    if not _answers("127.0.0.1", 5432):
        return "PostgreSQL does not answer on 127.0.0.1:5432"
    if not _answers("127.0.0.1", 6379):
        return "Redis does not answer on 127.0.0.1:6379"
    try:
        import psycopg
        import redis
    except ImportError as e:
        return f"{e.name} is not installed"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            pass
    except psycopg.Error as e:
        return f"cannot connect to {PG_ADMIN_URL}: {e}"
    try:
        with redis.Redis.from_url(RATELIMIT_REDIS, socket_timeout=3) as r:
            r.ping()
    except redis.RedisError as e:
        return f"Redis on 127.0.0.1:6379 does not answer PING: {e}"
    return None


_SKIP = _why_skip()
if _SKIP:
    pytest.skip(_SKIP, allow_module_level=True)

import psycopg  # noqa: E402
import redis  # noqa: E402

# Settings the servers must not inherit from whoever runs the tests.
_INHERITED_PREFIXES = ("FLASK_", "GUNICORN_", "RATELIMIT_", "CACHE_", "SEARCH_", "VIEWS_",
                       "SEMANTIC_")
_INHERITED = {"SECRET_KEY", "DATABASE_URL", "TEST_DATABASE_URL", "UPLOAD_DIR", "PORT",
              "WEB_CONCURRENCY", "REQUEST_LOG", "MAX_UPLOAD_MB", "PRODUCTS", "MAIL_URL",
              "SITE_URL"}


def _environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in _INHERITED and not k.startswith(_INHERITED_PREFIXES)}
    env.update({
        "SECRET_KEY": "scaleout-test-secret-key-not-for-production",
        "DATABASE_URL": DATABASE_URL,
        "SEARCH_BACKEND": "postgres",
        "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": RATELIMIT_REDIS,
        "RATELIMIT_VOTE": f"{VOTE_LIMIT} per minute",
        "CACHE_ENABLED": "true",
        "CACHE_REDIS_URL": CACHE_REDIS,
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "PYTHONUNBUFFERED": "1",
        # Related questions after the commit, before the response: a page then
        # does not change under the ETag checks when a background thread stores
        # them a moment later (tests/search/test_finding_writes.py covers that).
        "SEMANTIC_DELAY": "0",
        # Notifications and the index after the commit, before the response, for
        # the same reason (tests/unit/test_jobs.py covers the worker).
        "JOBS_WORKER": "eager",
    })
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Server:
    name: str
    port: int
    log: Path
    process: subprocess.Popen | None = None
    log_file: object = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, *, token: str | None = None, data=None,
                headers: dict[str, str] | None = None) -> Response:
        url = path if path.startswith("http") else self.base + path
        send = dict(headers or {})
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            send["Content-Type"] = "application/json"
        if token:
            send["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(url, data=body, method=method, headers=send)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return Response(r.status, dict(r.headers), r.read(), r.url)
        except urllib.error.HTTPError as e:
            with e:
                return Response(e.code, dict(e.headers), e.read(), url)

    def start(self, env: dict[str, str]) -> None:
        # gunicorn >= 25.1 opens a control socket in $XDG_RUNTIME_DIR (else ~/.gunicorn):
        # one directory per server, so the two do not take each other's (or yours).
        runtime = self.log.parent / f"run-{self.name.lower()}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        self.log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                 "XDG_RUNTIME_DIR": str(runtime)},
            stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


@dataclass
class Cluster:
    a: Server
    b: Server
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def why(self, message: str) -> str:
        """An assertion message with the end of both servers' logs."""
        parts = [message]
        for server in (self.a, self.b):
            parts.append(f"--- gunicorn {server.name} ({server.base}), {server.log}:\n"
                         f"{_tail(server.log)}")
        return "\n".join(parts)

    def flask(self, *args: str) -> str:
        done = subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, (f"flask {' '.join(args)} failed ({done.returncode}):\n"
                                      f"{done.stdout}\n{done.stderr}")
        return done.stdout

    def ask(self, server: Server, word: str) -> dict:
        r = server.request("POST", "/api/v1/questions", token=self.tokens["author"], data={
            "title": f"Router {word} keeps dropping the connection",
            "body": f"Since the last update the {word} router drops every connection "
                    f"after about ten minutes. What can I check?",
            "tags": ["networking"],
        })
        assert r.status == 201, self.why(f"asking through {server.name}: {r.status} {r.text}")
        return r.json()


def _reset_database() -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def _flush_redis() -> None:
    for url in (RATELIMIT_REDIS, CACHE_REDIS):
        with redis.Redis.from_url(url, socket_timeout=5) as r:
            r.flushdb()


def _wait_healthy(cluster: Cluster, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    waiting = [cluster.a, cluster.b]
    while waiting and time.monotonic() < deadline:
        for server in list(waiting):
            if server.process.poll() is not None:
                raise RuntimeError(cluster.why(
                    f"gunicorn {server.name} exited with {server.process.returncode}"))
            try:
                if server.request("GET", "/healthz").status == 200:
                    waiting.remove(server)
            except (urllib.error.URLError, OSError):
                pass
        time.sleep(0.2)
    if waiting:
        raise RuntimeError(cluster.why(
            f"{', '.join(s.name for s in waiting)} did not answer /healthz in {timeout:.0f} s"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scaleout")
    env = _environment(tmp)
    _reset_database()
    _flush_redis()
    a = Server("A", _free_port(), tmp / "gunicorn-a.log")
    b = Server("B", _free_port(), tmp / "gunicorn-b.log")
    cluster = Cluster(a, b, env)
    cluster.flask("db", "upgrade")
    try:
        a.start(env)
        b.start(env)
        # Staff: no reputation needed to vote, no new-user pacing between questions.
        for name in ("author", "voter"):
            cluster.flask("users", "create", f"scale_{name}", "--email",
                          f"{name}@scaleout.test", "--password", PASSWORD, "--role", "staff")
            cluster.tokens[name] = cluster.flask("users", "token", f"scale_{name}").strip()
        _wait_healthy(cluster)
        yield cluster
    finally:
        a.stop()
        b.stop()


def test_a_post_made_through_one_server_is_read_and_found_through_the_other(cluster):
    question = cluster.ask(cluster.a, "zyxoquartz")

    r = cluster.b.request("GET", f"/api/v1/questions/{question['id']}")
    assert r.status == 200, cluster.why(f"reading through B: {r.status} {r.text}")
    assert r.json()["title"] == question["title"]

    r = cluster.b.request("GET", "/api/v1/search?q=zyxoquartz")
    assert r.status == 200, cluster.why(f"searching through B: {r.status} {r.text}")
    assert [hit["id"] for hit in r.json()["results"]] == [question["id"]], cluster.why(r.text)


def test_both_servers_are_ready(cluster):
    for server in (cluster.a, cluster.b):
        r = server.request("GET", "/readyz")
        assert (r.status, r.json()["status"]) == (200, "ok"), cluster.why(
            f"/readyz on {server.name}: {r.status} {r.text}")


def test_a_rate_limit_counted_on_one_server_limits_on_the_other(cluster):
    question = cluster.ask(cluster.a, "ratelimitcheck")
    path = f"/api/v1/posts/{question['id']}/vote"
    statuses = []
    # Up, undo, up, undo, up: each one a change the rules accept, alternating servers.
    for i, value in enumerate((1, 0, 1, 0, 1)):
        server = (cluster.a, cluster.b)[i % 2]
        r = server.request("POST", path, token=cluster.tokens["voter"], data={"value": value})
        statuses.append((server.name, r.status))
    expected = [("A", 200), ("B", 200), ("A", 200), ("B", 429), ("A", 429)]
    assert statuses == expected, cluster.why(f"votes (limit {VOTE_LIMIT} per minute): {statuses}")


def test_an_edit_through_one_server_reaches_the_page_the_other_cached(cluster):
    question = cluster.ask(cluster.a, "cachecheck")

    first = cluster.b.request("GET", f"/questions/{question['id']}")
    assert first.status == 200, cluster.why(f"anonymous page through B: {first.status}")
    page_url = first.url        # the slugged address the short one redirects to
    etag = first.headers.get("ETag")
    assert etag, cluster.why(f"no ETag on the anonymous page: {first.headers}")
    assert "Set-Cookie" not in first.headers
    with redis.Redis.from_url(CACHE_REDIS) as r:
        stored = r.keys(f"*thread-page:{question['id']}:*")
    assert stored, "B did not store the rendered page in the shared cache"

    again = cluster.b.request("GET", page_url)
    assert (again.status, again.headers.get("ETag")) == (200, etag)
    assert cluster.b.request("GET", page_url, headers={"If-None-Match": etag}).status == 304

    edit = cluster.a.request("PATCH", f"/api/v1/posts/{question['id']}",
                             token=cluster.tokens["author"], data={
                                 "body": "Update: the quixotelemetry log shows the router "
                                         "reboots itself every ten minutes.",
                                 "comment": "more detail"})
    assert edit.status == 200, cluster.why(f"editing through A: {edit.status} {edit.text}")

    after = cluster.b.request("GET", page_url, headers={"If-None-Match": etag})
    assert after.status == 200, cluster.why(
        f"B answered {after.status} to the old ETag after the edit through A")
    assert "quixotelemetry" in after.text
    assert after.headers.get("ETag") != etag
