"""The job queue: what a write sets off, done after its commit, off the request path.

A request does only what the writer must see (the post, the score, the reputation
ledger) and queues the rest as jobs: the events notifications and badges listen to
(`"event"`), and the search index, vectors and related questions of the threads it
changed (`"threads"`). A job is a row of `jobs` written in the same transaction as
the change (`enqueue`, or `forum.changes` for the changed threads), so a commit and
its jobs land together and a rollback drops both.

Who runs them (`JOBS_WORKER`):

- `"thread"` (the default): a daemon thread in each web process, woken after each
  commit that queued something, and every `JOBS_POLL_SECONDS` for the rest (a
  command such as `seed-demo` leaves its jobs to the web processes or the worker);
- `"external"`: only `flask jobs work` (a process of its own: `make run` starts one,
  and a gunicorn deployment runs it as a service beside the web workers);
- `"eager"` (the default when TESTING): right after the commit, before the response.

Any number of runners can share the queue: a runner claims due rows for a lease of
`JOBS_LEASE_SECONDS` (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer
at a time), runs each job in a unit of work of its own, and deletes the row in that
same unit: the job's own writes (notifications, badges) and its removal commit
together. A runner that dies mid-job leaves the row claimed; when the lease runs out
another runner takes it. A job that raises is retried after 2, 4, 8 ... seconds
(`JOBS_RETRY_SECONDS` doubled) and after `JOBS_MAX_ATTEMPTS` tries parked as "dead"
for an admin to retry or discard (`/admin/jobs`, `flask jobs`).

Jobs of a kind registered with `batch=True` are run together: one search index
commit for every thread changed since the last run.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app
from sqlalchemy import delete, func, or_, select, update

from forum import changes
from forum.extensions import db
from forum.models import Job, utcnow
from forum.models.jobs import DEAD, QUEUED

log = logging.getLogger("crowdfix.jobs")

EXTENSION = "crowdfix.jobs"
MODES = ("thread", "external", "eager")
CLAIM_BATCH = 200
ERROR_CHARS = 2000


@dataclass(frozen=True)
class Handler:
    fn: Callable[..., Any]
    batch: bool


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, *, batch: bool = False) -> Callable[[Callable], Callable]:
    """Register the function that runs jobs of `kind`: `fn(**payload)`, or with
    `batch=True` `fn(payloads)` for every due job of the kind at once."""

    def register(fn: Callable) -> Callable:
        HANDLERS[kind] = Handler(fn, batch)
        return fn

    return register


def mode(config) -> str:
    value = config.get("JOBS_WORKER")
    if not value:
        return "eager" if config.get("TESTING") else "thread"
    if value not in MODES:
        raise RuntimeError(f"JOBS_WORKER must be one of {', '.join(MODES)}, not {value!r}")
    return value


def enqueue(kind: str, *, delay: float = 0.0, **payload: Any) -> None:
    """Queue a job with the current unit of work (a unit of its own outside one);
    `delay` seconds from now at the earliest."""
    with changes.writing() as session:
        add(session, kind, payload, delay=delay)


def add(session, kind: str, payload: dict[str, Any], *, delay: float = 0.0) -> Job:
    """Add a job row to `session` (for `forum.changes`, inside a commit)."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    now = utcnow()
    job = Job(kind=kind, payload=json.dumps(payload, sort_keys=True, default=str),
              state=QUEUED, attempts=0, run_at=now + timedelta(seconds=max(0.0, delay)),
              last_error="", created_at=now)
    session.add(job)
    changes.job_queued(job, session)
    return job


# -- after the commit ------------------------------------------------------------------

def committed(job_ids: list[int]) -> None:
    """`forum.changes` calls this after a commit that queued these jobs."""
    app = current_app._get_current_object()
    how = mode(app.config)
    if how == "eager":
        for start in range(0, len(job_ids), CLAIM_BATCH):
            run_due(only=job_ids[start:start + CLAIM_BATCH])
    elif how == "thread" and click.get_current_context(silent=True) is None:
        # Not from a command (`seed-demo`, `users create`): a short-lived process
        # would leave what its thread claimed leased until the lease runs out.
        runner(app).poke()


# -- running -----------------------------------------------------------------------------

@dataclass
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def claim(worker: str, *, limit: int = CLAIM_BATCH, only: list[int] | None = None,
          now: datetime | None = None, lease: float | None = None) -> list[Claimed]:
    """Take up to `limit` due jobs for `lease` seconds; each claim counts an attempt."""
    now = now or utcnow()
    lease = float(current_app.config.get("JOBS_LEASE_SECONDS", 60) if lease is None else lease)
    table = Job.__table__
    due = (select(table.c.id)
           .where(table.c.state == QUEUED, table.c.run_at <= now,
                  or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
           .order_by(table.c.id).limit(limit).with_for_update(skip_locked=True))
    if only is not None:
        if not only:
            return []
        due = due.where(table.c.id.in_(only))
    stmt = (update(table).where(table.c.id.in_(due.scalar_subquery()))
            .values(claimed_by=worker, claimed_until=now + timedelta(seconds=lease),
                    attempts=table.c.attempts + 1)
            .returning(table.c.id, table.c.kind, table.c.payload, table.c.attempts))
    with changes.writing() as session:
        rows = session.connection().execute(stmt).all()
    return sorted((Claimed(r.id, r.kind, _loads(r.payload), r.attempts) for r in rows),
                  key=lambda c: c.id)


def _loads(payload: str) -> dict[str, Any]:
    try:
        value = json.loads(payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def run_due(*, only: list[int] | None = None, now: datetime | None = None,
            limit: int = CLAIM_BATCH) -> int:
    """Claim the due jobs (or just `only`) and run them; the number that succeeded."""
    worker = worker_name()
    jobs = claim(worker, limit=limit, only=only, now=now)
    by_kind: dict[str, list[Claimed]] = defaultdict(list)
    for job in jobs:
        by_kind[job.kind].append(job)
    done = 0
    for kind, group in by_kind.items():
        found = HANDLERS.get(kind)
        if found is None:
            _failed(group, f"no handler for job kind {kind!r}", now, final=True)
            continue
        runs = [group] if found.batch else [[job] for job in group]
        for run in runs:
            done += _run(found, run, worker, now)
    return done


def drain(now: datetime | None = None) -> int:
    """Run until nothing is due (what queued jobs queue is run too)."""
    total = 0
    while True:
        done = run_due(now=now)
        total += done
        if not done:
            return total


def _run(found: Handler, group: list[Claimed], worker: str, now: datetime | None) -> int:
    ids = [job.id for job in group]
    try:
        with changes.writing() as session:
            if found.batch:
                found.fn([job.payload for job in group])
            else:
                found.fn(**group[0].payload)
            session.execute(delete(Job).where(Job.id.in_(ids), Job.claimed_by == worker))
    except Exception as error:  # noqa: BLE001 - retried, then parked for an admin
        log.exception("job %s %s failed", group[0].kind, ids)
        _failed(group, f"{type(error).__name__}: {error}", now)
        return 0
    return len(group)


def _failed(group: list[Claimed], error: str, now: datetime | None, final: bool = False) -> None:
    now = now or utcnow()
    config = current_app.config
    attempts_max = int(config.get("JOBS_MAX_ATTEMPTS", 5))
    base = float(config.get("JOBS_RETRY_SECONDS", 2))
    with changes.writing() as session:
        for job in group:
            values: dict[str, Any] = {"claimed_by": None, "claimed_until": None,
                                      "last_error": error[:ERROR_CHARS]}
            if final or job.attempts >= attempts_max:
                values["state"] = DEAD
            else:
                values["run_at"] = now + timedelta(seconds=min(base * 2 ** (job.attempts - 1), 3600))
            session.execute(update(Job).where(Job.id == job.id).values(**values))


# -- the dead-letter list -----------------------------------------------------------------

@dataclass
class QueueState:
    queued: int
    dead: int
    oldest_queued: datetime | None
    parked: list[Job]


def queue_state(limit: int = 100) -> QueueState:
    queued, oldest = db.session.execute(
        select(func.count(), func.min(Job.created_at)).where(Job.state == QUEUED)).one()
    dead = db.session.scalar(select(func.count()).where(Job.state == DEAD)) or 0
    parked = list(db.session.scalars(
        select(Job).where(Job.state == DEAD).order_by(Job.id.desc()).limit(limit)))
    return QueueState(queued=queued or 0, dead=dead, oldest_queued=oldest, parked=parked)


@changes.transaction
def retry(job_ids: list[int] | None = None) -> int:
    """Put parked jobs (these, or all) back in the queue with fresh attempts."""
    stmt = update(Job).where(Job.state == DEAD)
    if job_ids is not None:
        stmt = stmt.where(Job.id.in_(job_ids))
    return db.session.execute(stmt.values(state=QUEUED, attempts=0, run_at=utcnow(),
                                          claimed_by=None, claimed_until=None)).rowcount


@changes.transaction
def discard(job_ids: list[int] | None = None) -> int:
    """Drop parked jobs (these, or all)."""
    stmt = delete(Job).where(Job.state == DEAD)
    if job_ids is not None:
        stmt = stmt.where(Job.id.in_(job_ids))
    return db.session.execute(stmt).rowcount


# -- runners ------------------------------------------------------------------------------

class Runner:
    """Runs the queue in a daemon thread of this process (JOBS_WORKER=thread)."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.stopped = threading.Event()
        self.pid: int | None = None
        self.lock = threading.Lock()

    def stop(self, timeout: float = 15) -> None:
        """Let the running batch end, then stop (tests; the process exiting does too)."""
        self.idle.wait(timeout)
        self.stopped.set()
        self.wake.set()

    def poke(self) -> None:
        with self.lock:
            if self.pid != os.getpid():     # first use in this process (after a fork)
                self.pid = os.getpid()
                threading.Thread(target=self._loop, name="crowdfix-jobs", daemon=True).start()
        self.idle.clear()
        self.wake.set()

    def _loop(self) -> None:
        poll = float(self.app.config.get("JOBS_POLL_SECONDS", 1))
        gather = float(self.app.config.get("JOBS_GATHER_SECONDS", 0.2))
        while not self.stopped.is_set():
            if self.wake.wait(timeout=poll) and not self.stopped.is_set():
                time.sleep(gather)          # what else commits meanwhile runs in the batch
            self.wake.clear()
            if self.stopped.is_set():
                break
            work(self.app)
            if not self.wake.is_set():
                self.idle.set()


def work(app: Flask) -> int:
    """Run what is due, in a fresh app context; never raises."""
    with app.app_context():
        try:
            if not _any_due():
                return 0
            return drain()
        except Exception:  # noqa: BLE001 - the rows stay queued for the next round
            log.exception("running queued jobs failed")
            return 0
        finally:
            db.session.remove()


def _any_due() -> bool:
    """A read, so idle runners do not take SQLite's write lock to find nothing."""
    now = utcnow()
    return db.session.execute(
        select(Job.id).where(Job.state == QUEUED, Job.run_at <= now,
                             or_(Job.claimed_until.is_(None), Job.claimed_until < now))
        .limit(1)).first() is not None


def serve(app: Flask, *, once: bool = False, stop: threading.Event | None = None) -> int:
    """`flask jobs work`: run the queue in this process until stopped."""
    poll = float(app.config.get("JOBS_POLL_SECONDS", 1))
    stop = stop or threading.Event()
    total = 0
    while not stop.is_set():
        total += work(app)
        if once:
            break
        stop.wait(poll)
    return total


def runner(app: Flask) -> Runner:
    with _RUNNER_LOCK:
        found = app.extensions.get(EXTENSION)
        if found is None:
            found = app.extensions[EXTENSION] = Runner(app)
    return found


_RUNNER_LOCK = threading.Lock()
