"""View counts without a write per request.

A read adds one to a counter in memory (or in Redis, `HINCRBY`, when
`CACHE_REDIS_URL` is set, so every process and machine adds to the same tally);
the counts reach `posts.view_count` in batches: after `VIEWS_FLUSH_EVERY` views
in this process, after `VIEWS_FLUSH_SECONDS`, and on `flask views flush` (run it
from cron or a systemd timer, and gunicorn's worker exit hook runs it too). A
flush is one `UPDATE ... SET view_count = view_count + n` per thread, so a hot
thread takes one row lock per batch, not one per reader.

Counts still in memory when a process is killed are lost: a view count is a
rough figure, not a ledger.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import bindparam, update

from forum.extensions import db
from forum.models import Post

EXTENSION = "crowdfix.views"
REDIS_KEY = "crowdfix:views"
log = logging.getLogger("crowdfix.views")


@dataclass
class _Counter:
    every: int
    seconds: float
    redis: object | None = None
    counts: dict[int, int] = field(default_factory=dict)
    pending: int = 0                     # views since this process last flushed
    last_flush: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    redis_client = None
    if app.config.get("CACHE_REDIS_URL"):
        import redis

        redis_client = redis.Redis.from_url(app.config["CACHE_REDIS_URL"])
    app.extensions[EXTENSION] = _Counter(every=int(app.config.get("VIEWS_FLUSH_EVERY", 100)),
                                         seconds=float(app.config.get("VIEWS_FLUSH_SECONDS", 60)),
                                         redis=redis_client)


def _state() -> _Counter:
    return current_app.extensions[EXTENSION]


def count_view(question_id: int) -> None:
    """One read of a thread; flushes when a batch is due."""
    state = _state()
    due = False
    try:
        if state.redis is not None:
            state.redis.hincrby(REDIS_KEY, str(question_id), 1)
        with state.lock:
            if state.redis is None:
                state.counts[question_id] = state.counts.get(question_id, 0) + 1
            state.pending += 1
            due = (state.pending >= state.every
                   or time.monotonic() - state.last_flush >= state.seconds)
    except Exception:       # noqa: BLE001 - a lost view is no reason to fail a page
        log.exception("could not count a view of %s", question_id)
    if due:
        flush()


def _take(state: _Counter) -> dict[int, int]:
    with state.lock:
        state.pending = 0
        state.last_flush = time.monotonic()
        if state.redis is None:
            counts, state.counts = state.counts, {}
            return counts
    # Move the tally aside atomically so views counted meanwhile start a new one.
    batch_key = f"{REDIS_KEY}:flushing:{time.time_ns()}"
    try:
        state.redis.rename(REDIS_KEY, batch_key)
    except Exception as e:          # noqa: BLE001 - nothing counted since the last flush
        if "no such key" in str(e).lower():
            return {}
        raise
    raw = state.redis.hgetall(batch_key)
    state.redis.delete(batch_key)
    return {int(k): int(v) for k, v in raw.items()}


def flush() -> int:
    """Write the counted views to the database; returns how many views were written."""
    state = _state()
    try:
        counts = _take(state)
    except Exception:       # noqa: BLE001
        log.exception("could not read the view counts")
        return 0
    if not counts:
        return 0
    rows = [{"qid": qid, "n": n} for qid, n in sorted(counts.items())]
    stmt = (update(Post.__table__).where(Post.__table__.c.id == bindparam("qid"))
            .values(view_count=Post.__table__.c.view_count + bindparam("n")))
    try:
        # Its own connection and transaction: a flush never commits the request's session.
        with db.engine.begin() as conn:
            conn.execute(stmt, rows)
    except Exception:       # noqa: BLE001
        log.exception("could not write %d view counts", len(rows))
        _give_back(state, counts)
        return 0
    return sum(counts.values())


def _give_back(state: _Counter, counts: dict[int, int]) -> None:
    try:
        if state.redis is not None:
            for qid, n in counts.items():
                state.redis.hincrby(REDIS_KEY, str(qid), n)
        else:
            with state.lock:
                for qid, n in counts.items():
                    state.counts[qid] = state.counts.get(qid, 0) + n
    except Exception:       # noqa: BLE001
        log.exception("lost %d view counts", sum(counts.values()))


def unflushed(question_id: int) -> int:
    """Views counted but not yet written (for tests and the operator)."""
    state = _state()
    if state.redis is not None:
        return int(state.redis.hget(REDIS_KEY, str(question_id)) or 0)
    with state.lock:
        return state.counts.get(question_id, 0)
