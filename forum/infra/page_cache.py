"""A server-side cache of what anonymous readers see.

Each thread has a version token in the cache. A rendered page is stored under
the token current when its rendering began, so a change only has to replace the
token: every later read misses and renders afresh, and the old entries expire on
their own. Tokens are replaced after a commit, from the same hook that keeps the
search index in step (`forum.changes`), so every write that changes
what a thread shows invalidates it, through whichever page, API route or command
it came.

Question lists (the front page, tag pages, `/questions`) share one more token,
which every change to any thread replaces. Their anonymous renders and their
counts (the total behind "page 50 of 5,000", a scan of the whole table) are
kept under it, for at most `LIST_TIMEOUT` seconds, which also bounds how long a
list shows an author's old name.

A missing token (never read, evicted, Redis restarted) is a miss, never a stale
page. With `CACHE_REDIS_URL` set, Redis keeps both the tokens and the pages,
shared by every process and machine. Without it (the embedded default) the pages
stay in each process (`SimpleCache`) but the tokens live in files under
`CACHE_VERSION_DIR` (default `<instance>/cache-versions`), which every worker of
the machine reads: a change made through one gunicorn worker replaces the token
the others check before serving their own copy, so no worker serves a page older
than the last commit. Reading a token is one small file read (see
`tests/bench/cache_versions.py`). `CACHE_ENABLED=false` turns the store off (pages
are rendered on each read; HTTP validators still work).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from cachelib import BaseCache, FileSystemCache, NullCache
from flask import Flask, current_app

from forum.extensions import cache

T = TypeVar("T")
log = logging.getLogger("crowdfix.cache")

LISTS = "lists"
LIST_TIMEOUT = 60       # seconds a list page or count is kept
VERSIONS = "crowdfix.cache_versions"


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
    app.extensions[VERSIONS] = _version_store(app, cache_type)


def _version_store(app: Flask, cache_type: str) -> BaseCache | None:
    """Where version tokens live: Redis (None: the page cache itself, which is
    Redis), files every worker shares, or nowhere when caching is off."""
    if cache_type == "RedisCache":
        return None
    if cache_type == "NullCache":
        return NullCache()
    directory = app.config.get("CACHE_VERSION_DIR") or f"{app.instance_path}/cache-versions"
    # threshold=0: never prune (a token per changed thread, a few dozen bytes each)
    return FileSystemCache(directory, threshold=0, default_timeout=0, mode=0o600)


def _versions():
    """The token store of the current app (the page cache when it is Redis)."""
    store = current_app.extensions.get(VERSIONS)
    return cache if store is None else store


def thread_scope(thread_id: int) -> str:
    return f"thread:{thread_id}"


def _version_key(scope: str) -> str:
    # "thread-version:<id>" is the key earlier releases wrote; kept so a rolling
    # deploy shares tokens with them.
    return scope.replace("thread:", "thread-version:") if scope.startswith("thread:") \
        else f"{scope}-version"


def _new_version() -> Version:
    return Version(token=secrets.token_hex(8), changed_at=time.time())


def version(scope: str) -> Version:
    """The scope's current version; a scope not seen yet gets one now."""
    key = _version_key(scope)
    store = _versions()
    try:
        found = store.get(key)
        if isinstance(found, Version):
            return found
        fresh = _new_version()
        if store.add(key, fresh, timeout=0):
            return fresh
        found = store.get(key)
        return found if isinstance(found, Version) else fresh
    except Exception:       # noqa: BLE001 - a cache that does not answer is a miss
        return _new_version()


def list_counts(name: str, count: Callable[[], T]) -> T:
    """`count()` for the list named `name`, computed once per change of any thread."""
    try:
        key = f"list-count:{version(LISTS).token}:{name}"
        found = cache.get(key)
    except Exception:       # noqa: BLE001 - a cache that does not answer is a miss
        return count()
    if found is not None:
        return found
    value = count()
    with contextlib.suppress(Exception):
        cache.set(key, value, timeout=LIST_TIMEOUT)
    return value


def threads_changed(thread_ids: set[int], lists: bool = True) -> None:
    """After a commit: every page of these threads, and every list, is out of date
    (`lists=False`: the threads' own pages only, e.g. their related questions)."""
    scopes = [thread_scope(i) for i in thread_ids] + ([LISTS] if thread_ids and lists else [])
    store = _versions()
    for scope in scopes:
        try:
            store.set(_version_key(scope), _new_version(), timeout=0)
        except Exception:   # noqa: BLE001
            log.exception("could not invalidate %s", scope)


def _page_key(scope: str, version: Version, variant: str) -> str:
    digest = hashlib.sha1(variant.encode(), usedforsecurity=False).hexdigest()[:16]
    if scope.startswith("thread:"):
        return f"thread-page:{scope[7:]}:{version.token}:{digest}"
    return f"{scope}-page:{version.token}:{digest}"


def get_page(scope: str, version: Version, variant: str) -> CachedPage | None:
    try:
        found = cache.get(_page_key(scope, version, variant))
    except Exception:       # noqa: BLE001
        return None
    return found if isinstance(found, CachedPage) else None


def make_page(body: bytes, version: Version, mimetype: str) -> CachedPage:
    etag = hashlib.sha1(body, usedforsecurity=False).hexdigest()[:24]
    return CachedPage(body=body, etag=etag, last_modified=version.changed_at, mimetype=mimetype)


def store_page(scope: str, version: Version, variant: str, page: CachedPage) -> None:
    timeout = LIST_TIMEOUT if scope == LISTS else None
    with contextlib.suppress(Exception):       # a cache that does not answer stores nothing
        cache.set(_page_key(scope, version, variant), page, timeout=timeout)
