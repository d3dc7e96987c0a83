"""Anonymous thread pages: HTTP validators, 304s, a server-side cache that every
change to the thread invalidates, and view counts written in batches."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from forum.extensions import db
from forum.infra import view_counts
from forum.models import Question
from tests.factories import make_answer, make_question, make_user


class Statements:
    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self.seen

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, *args):
        self.seen.append(statement)


@pytest.fixture
def reader(app):
    """An anonymous browser of its own (no cookies shared with the writers)."""
    return app.test_client()


def url(q) -> str:
    return f"/questions/{q.id}/{q.slug}"


def read(reader, q) -> str:
    response = reader.get(url(q))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_page_has_validators_and_answers_304(app, reader):
    q = make_question()
    first = reader.get(url(q))
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Last-Modified"]
    assert "Set-Cookie" not in first.headers           # one copy for every anonymous reader
    assert 'name="csrf-token" content=""' in first.get_data(as_text=True)

    again = reader.get(url(q), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    since = reader.get(url(q), headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    stale = reader.get(url(q), headers={"If-None-Match": 'W/"something-else"'})
    assert stale.status_code == 200


def test_signed_in_readers_get_private_pages_and_no_304(app, client, auth):
    q = make_question()
    auth.login(make_user())
    first = client.get(url(q))
    assert first.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in first.headers
    again = client.get(url(q), headers={"If-None-Match": "*"})
    assert again.status_code == 200
    assert re.search(r'name="csrf-token" content="[^"]+"', again.get_data(as_text=True))


def test_second_anonymous_read_does_not_touch_the_database(app, reader):
    q = make_question()
    make_answer(q, make_user())
    with Statements() as first:
        read(reader, q)
    with Statements() as second:
        html = read(reader, q)
    assert q.title in html
    assert len(first) >= 3
    assert second == [], second


def test_cache_off_still_renders_and_validates(app, reader):
    app.config["CACHE_ENABLED"] = False
    from forum.infra import page_cache

    page_cache.init_app(app)           # NullCache
    q = make_question()
    with Statements() as first:
        r = reader.get(url(q))
    with Statements() as second:
        again = reader.get(url(q), headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert first and second         # rendered each time


def _etag(reader, q) -> str:
    return reader.get(url(q)).headers["ETag"]


def test_every_change_shows_on_the_next_anonymous_read(app, reader, api):
    asker = make_user(reputation_points=100)
    helper = make_user(reputation_points=100)
    voter = make_user(reputation_points=200)
    moderator = make_user(role="moderator")
    q = make_question(asker)
    q_id = q.id
    read(reader, q)
    etag = _etag(reader, q)

    def changed(response, expect_status, text):
        nonlocal etag
        assert response.status_code == expect_status, response.get_json()
        question = db.session.get(Question, q_id)
        html = read(reader, question)
        assert text in html, text
        new = _etag(reader, question)
        assert new != etag
        assert reader.get(url(question), headers={"If-None-Match": etag}).status_code == 200
        etag = new
        return html

    # an answer
    r = api.post(helper, f"/api/v1/questions/{q_id}/answers",
                 json={"body": "Reset the adapter with the pin for ten seconds, then re-pair."})
    answer_id = r.get_json()["id"]
    changed(r, 201, "Reset the adapter with the pin")
    # a comment
    changed(api.post(voter, f"/api/v1/posts/{answer_id}/comments",
                     json={"body": "Worked for me on firmware 2.1, thanks a lot."}),
            201, "Worked for me on firmware 2.1")
    # an edit
    changed(api.patch(asker, f"/api/v1/posts/{q_id}",
                      json={"body": "Edited: the adapter drops the link every hour since 2.1.",
                            "comment": "more detail"}),
            200, "Edited: the adapter drops the link every hour")
    # a vote
    html = changed(api.post(voter, f"/api/v1/posts/{answer_id}/vote", json={"value": 1}),
                   200, "Reset the adapter")
    assert re.search(r'vote-count[^>]*>\s*1\s*<', html) or ">1<" in html.replace(" ", "")
    # an accept
    changed(api.post(asker, f"/api/v1/answers/{answer_id}/accept"), 200, "ccepted")
    # a close
    changed(api.post(moderator, f"/api/v1/questions/{q_id}/close",
                     json={"reason": "not_reproducible"}), 200, "losed")


def test_views_are_counted_in_batches(app, reader):
    q = make_question()
    q_id = q.id
    with Statements() as seen:
        for _ in range(50):
            reader.get(url(q))
    updates = [s for s in seen if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) <= 2, updates
    view_counts.flush()
    db.session.expire_all()
    assert db.session.get(Question, q_id).view_count == 50
    assert view_counts.unflushed(q_id) == 0


def test_views_flush_every_n(app, reader):
    app.extensions[view_counts.EXTENSION].every = 10
    q = make_question()
    q_id = q.id
    for _ in range(25):
        reader.get(url(q))
    db.session.expire_all()
    assert db.session.get(Question, q_id).view_count == 20
    assert view_counts.unflushed(q_id) == 5


def test_views_flush_command(app, reader):
    q = make_question()
    q_id = q.id
    for _ in range(3):
        reader.get(url(q))
    out = app.test_cli_runner().invoke(args=["views", "flush"])
    assert "3 views written" in out.output
    db.session.expire_all()
    assert db.session.get(Question, q_id).view_count == 3


@pytest.mark.parametrize("path", ["/", "/questions?sort=votes&page=1", "/tags/wifi"])
def test_anonymous_lists_are_cached_until_any_thread_changes(app, reader, api, path):
    asker, voter = make_user(reputation_points=100), make_user(reputation_points=200)
    q = make_question(asker, title="Printer spooler hangs after the November update")
    first = reader.get(path)
    assert first.status_code == 200 and first.headers["Cache-Control"].startswith("public")
    with Statements() as seen:
        again = reader.get(path)
    assert again.get_data() == first.get_data() and seen == []      # no query at all
    assert reader.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    newer = make_question(title="Scanner driver refuses to install on the new laptop")
    assert "Scanner driver refuses" in reader.get(path).get_data(as_text=True)
    r = api.patch(asker, f"/api/v1/posts/{q.id}",
                  json={"title": "Printer spooler hangs after the December update",
                        "comment": "the month"})
    assert r.status_code == 200, r.get_json()
    assert "December update" in reader.get(path).get_data(as_text=True)
    assert api.post(voter, f"/api/v1/posts/{newer.id}/vote", json={"value": 1}).status_code == 200
    assert "Scanner driver refuses" in reader.get(path).get_data(as_text=True)
    deleted = api.delete(newer.author, f"/api/v1/posts/{newer.id}")
    assert deleted.status_code in (200, 204), deleted.get_json()
    assert "Scanner driver refuses" not in reader.get(path).get_data(as_text=True)


def test_signed_in_lists_are_private_and_fresh(app, client, auth):
    auth.login(make_user())
    page = client.get("/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    make_question(title="Dock firmware update bricks the USB-C ports")
    assert "Dock firmware update bricks" in client.get("/").get_data(as_text=True)


def test_pins_and_protection_show_on_the_next_anonymous_read(app, reader):
    from moderation import threads

    moderator = make_user(role="moderator")
    q = make_question(title="Read this first: how to report a driver crash")
    assert "Pinned</span>" not in reader.get("/").get_data(as_text=True)
    read(reader, q)
    threads.pin(moderator, q.id)
    assert "Pinned</span>" in reader.get("/").get_data(as_text=True)
    threads.protect(moderator, q.id)
    assert "rotected" in read(reader, q)
    threads.unpin(moderator, q.id)
    assert "Pinned</span>" not in reader.get("/").get_data(as_text=True)
    threads.unprotect(moderator, q.id)
    assert "rotected" not in read(reader, q)
