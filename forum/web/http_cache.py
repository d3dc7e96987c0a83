"""HTTP caching of thread pages and question lists for anonymous readers.

Anonymous readers get a weak `ETag` (a hash of the page) and `Last-Modified`
(when the thread last changed), `Cache-Control: public, max-age=0,
must-revalidate`, and a 304 when their copy is current; the rendered page comes
from `forum.infra.page_cache` when nothing changed since it was stored.
Signed-in readers get `Cache-Control: private, no-store` and never a 304: their
page has their votes, their buttons and a CSRF token.

An anonymous page carries no CSRF token (nothing on it posts), so rendering it
writes no session cookie and one copy fits every anonymous reader.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from flask import Flask, Response, g, make_response, request, session
from flask_login import current_user

from forum.infra import page_cache, view_counts

PUBLIC = "public, max-age=0, must-revalidate"
PRIVATE = "private, no-store"


def _anonymous() -> bool:
    return (request.method in ("GET", "HEAD") and not current_user.is_authenticated
            and "_flashes" not in session)


def _not_modified(page: page_cache.CachedPage) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(page.etag)
    since = request.if_modified_since
    return since is not None and int(page.last_modified) <= since.timestamp()


def _respond(page: page_cache.CachedPage) -> Response:
    if _not_modified(page):
        response = Response(status=304)
    else:
        response = Response(page.body, mimetype=page.mimetype)
    response.set_etag(page.etag, weak=True)
    response.last_modified = datetime.fromtimestamp(int(page.last_modified), UTC)
    response.headers["Cache-Control"] = PUBLIC
    response.vary.add("Cookie")
    return response


def _anonymous_cached(scope: str, view, args, kwargs, on_read=None) -> Response:
    """The view's response for an anonymous reader, from the cache when the scope
    has not changed since it was stored."""
    variant = request.full_path
    version = page_cache.version(scope)        # before reading the database
    page = page_cache.get_page(scope, version, variant)
    if page is None:
        g.crowdfix_public_page = True
        response = make_response(view(*args, **kwargs))
        if (response.status_code != 200 or session.modified
                or "Set-Cookie" in response.headers or response.is_streamed):
            return response
        page = page_cache.make_page(response.get_data(), version, response.mimetype)
        page_cache.store_page(scope, version, variant, page)
    if on_read is not None:
        on_read()
    return _respond(page)


def _private(view, args, kwargs) -> Response:
    response = make_response(view(*args, **kwargs))
    response.headers["Cache-Control"] = PRIVATE
    return response


def thread_page(view):
    """Wrap a view whose `question_id` argument names the thread it shows."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        thread_id = kwargs["question_id"]
        if not _anonymous():
            response = _private(view, args, kwargs)
            if response.status_code == 200:
                view_counts.count_view(thread_id)
            return response
        return _anonymous_cached(page_cache.thread_scope(thread_id), view, args, kwargs,
                                 on_read=lambda: view_counts.count_view(thread_id))

    return wrapper


def list_page(view):
    """Wrap a view of a question list (front page, tag page, `/questions`)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _anonymous():
            return _private(view, args, kwargs)
        return _anonymous_cached(page_cache.LISTS, view, args, kwargs)

    return wrapper


def register(app: Flask) -> None:
    @app.context_processor
    def no_token_on_public_pages():
        # The page is shared by every anonymous reader: no per-session token in it.
        return {"csrf_token": lambda: ""} if g.get("crowdfix_public_page") else {}
