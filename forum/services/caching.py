"""A server-side cache of what anonymous readers see of a thread.

Each thread has a version token in the cache. A rendered page is stored under
the token current when its rendering began, so a change only has to replace the
token: every later read misses and renders afresh, and the old entries expire on
their own. Tokens are replaced after a commit, from the same hook that keeps the
search index in step (`search_sync.thread_changed`), so every write that changes
what a thread shows invalidates it, through whichever page, API route or command
it came.

A missing token (never read, evicted, Redis restarted) is a miss, never a stale
page. The backend is Redis when `CACHE_REDIS_URL` is set (shared by every process
and machine), else a cache inside the process (`SimpleCache`): with several
processes and no Redis, a page another process cached may lag a change made
through this one by up to `CACHE_DEFAULT_TIMEOUT` seconds. `CACHE_ENABLED=false`
turns the store off (pages are rendered on each read; HTTP validators still work).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import Flask

from forum.extensions import cache


@dataclass(frozen=True)
class Version:
    token: str
    changed_at: float       # when the thread last changed (or was first seen)


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    etag: str
    last_modified: float
    mimetype: str


def init_app(app: Flask) -> None:
    config = app.config
    if not config.get("CACHE_ENABLED", True):
        cache_type = "NullCache"
    elif config.get("CACHE_REDIS_URL"):
        cache_type = "RedisCache"
    else:
        cache_type = "SimpleCache"
    cache.init_app(app, config={
        "CACHE_TYPE": cache_type,
        "CACHE_REDIS_URL": config.get("CACHE_REDIS_URL") or None,
        "CACHE_DEFAULT_TIMEOUT": int(config.get("CACHE_DEFAULT_TIMEOUT", 300)),
        "CACHE_KEY_PREFIX": config.get("CACHE_KEY_PREFIX", "crowdfix:"),
        "CACHE_THRESHOLD": int(config.get("CACHE_THRESHOLD", 2000)),
        "CACHE_NO_NULL_WARNING": True,      # CACHE_ENABLED=false is meant
    })


def _version_key(thread_id: int) -> str:
    return f"thread-version:{thread_id}"


def _new_version() -> Version:
    return Version(token=secrets.token_hex(8), changed_at=time.time())


def thread_version(thread_id: int) -> Version:
    """The thread's current version; a thread not seen yet gets one now."""
    try:
        found = cache.get(_version_key(thread_id))
        if isinstance(found, Version):
            return found
        fresh = _new_version()
        if cache.add(_version_key(thread_id), fresh, timeout=0):
            return fresh
        found = cache.get(_version_key(thread_id))
        return found if isinstance(found, Version) else fresh
    except Exception:       # noqa: BLE001 - a cache that does not answer is a miss
        return _new_version()


def threads_changed(thread_ids: set[int]) -> None:
    """After a commit: every page of these threads is out of date."""
    for thread_id in thread_ids:
        try:
            cache.set(_version_key(thread_id), _new_version(), timeout=0)
        except Exception:   # noqa: BLE001
            import logging

            logging.getLogger("crowdfix.cache").exception("could not invalidate thread %s",
                                                          thread_id)


def _page_key(thread_id: int, version: Version, variant: str) -> str:
    digest = hashlib.sha1(variant.encode(), usedforsecurity=False).hexdigest()[:16]
    return f"thread-page:{thread_id}:{version.token}:{digest}"


def get_page(thread_id: int, version: Version, variant: str) -> CachedPage | None:
    try:
        found = cache.get(_page_key(thread_id, version, variant))
    except Exception:       # noqa: BLE001
        return None
    return found if isinstance(found, CachedPage) else None


def make_page(body: bytes, version: Version, mimetype: str) -> CachedPage:
    etag = hashlib.sha1(body, usedforsecurity=False).hexdigest()[:24]
    return CachedPage(body=body, etag=etag, last_modified=version.changed_at, mimetype=mimetype)


def store_page(thread_id: int, version: Version, variant: str, page: CachedPage) -> None:
    with contextlib.suppress(Exception):       # a cache that does not answer stores nothing
        cache.set(_page_key(thread_id, version, variant), page)
