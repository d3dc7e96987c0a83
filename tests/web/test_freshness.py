"""Every write shows on the next anonymous read, although anonymous pages are cached.

Anonymous readers get the thread page (`/questions/<id>/<slug>`) and the question
lists (`/`) from a server-side cache (`forum.infra.page_cache`,
`forum.web.http_cache`): a page is stored under the thread's version token, and a
write must replace that token (and the lists' token) once it commits, or the
readers keep getting the page as it was before the write.

The rule tested here: for every kind of write a user can make, through the JSON
API or a page form, the very next anonymous read of the thread page and of the
front page shows the change, even though both pages were read (and so cached)
just before the write.

`WRITES` is the one list of write kinds. Each entry says how to set the thread up
(`prepare`, done before the pages are cached, so it need not invalidate anything),
how to make the write as the user who may make it (`do`), and what an anonymous
reader sees before and after (`checks`). A new kind of write is one more entry.

The checks look at the text a reader sees (tags stripped, entities decoded,
whitespace collapsed, including the visually hidden text screen readers read), not
at the database or the cache.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from forum.models import User
from tests.factories import PASSWORD, ensure_tags, make_answer, make_question, make_user

# What the thread under test says: distinct phrases, so that finding one on a page
# means exactly one thing.
TITLE = "Laptop Wi-Fi drops every few minutes since the 2.1 update"
BODY = "The wireless adapter disconnects every few minutes; reconnecting only helps briefly."
ANSWER = "Reset the adapter with the pin for ten seconds, then pair it again."

NEW_ANSWER = "Roll the adapter firmware back to 2.0 from the vendor's support page."
COMMENT = "Worked for me on firmware 2.1, thanks a lot for this."
EDITED_TITLE = "Notebook loses its wireless link hourly after installing firmware 2.1"
EDITED_BODY = "Edited: the link goes down about once an hour, and only on battery power."
ASKED_TITLE = "Bluetooth mouse stutters whenever the docking station is connected"
ASKED_BODY = "The cursor freezes for a second every few seconds while the dock is plugged in."
LOCK_REASON = "Heated argument about third-party drivers"
KNOWN_REFERENCE = "BUG-4242"
FILE_NAME = "reset-adapter.sh"
FILE_BYTES = b"#!/bin/sh\nsudo ip link set wlan0 down && sudo ip link set wlan0 up\n"
SOURCE_TITLE = "Wireless keeps disconnecting on my notebook after an update"
SOURCE_BODY = "After the latest update my notebook loses Wi-Fi several times an hour."
MOVED_ANSWER = "Turn off power saving in the adapter's advanced driver settings."


# -- the thread every write starts from ----------------------------------------------

@dataclass
class Scene:
    """One thread (a question by `asker` with an answer by `helper`), the people
    who act on it, and the pages an anonymous reader looks at, by name."""

    app: Flask
    api: object                 # the `api` fixture: api.post(user, url, json=...)
    asker: User
    helper: User                # wrote the answer
    member: User                # 200 reputation: votes up, comments, says "me too", asks
    staff: User
    moderator: User
    question_id: int
    answer_id: int
    pages: dict[str, str] = field(default_factory=dict)     # name -> URL
    ids: dict[str, int] = field(default_factory=dict)       # what `prepare` made


def make_scene(app: Flask, api) -> Scene:
    ensure_tags("wifi")
    asker, helper = make_user(), make_user()
    question = make_question(asker, title=TITLE, body=BODY, tags=("wifi",))
    answer = make_answer(question, helper, body=ANSWER)
    scene = Scene(app=app, api=api, asker=asker, helper=helper,
                  member=make_user(reputation_points=200), staff=make_user(role="staff"),
                  moderator=make_user(role="moderator"),
                  question_id=question.id, answer_id=answer.id)
    scene.pages = {"thread": f"/questions/{question.id}/{question.slug}", "front": "/"}
    return scene


def succeeded(response: TestResponse, what: str = "") -> TestResponse:
    """A 2xx, or the redirect a form answers with."""
    assert 200 <= response.status_code < 400, (
        f"{what or response.request.path}: {response.status_code} "
        f"{response.get_data(as_text=True)[:500]}")
    return response


def path_of(url: str) -> str:
    return urlsplit(url).path


def upload(scene: Scene, user: User, post_id: int, kind: str = "fix") -> TestResponse:
    """Attach FILE_NAME to a post through the API (multipart: `file`, `kind`)."""
    fields = MultiDict([("file", FileStorage(io.BytesIO(FILE_BYTES), filename=FILE_NAME)),
                        ("kind", kind)])
    boundary, body = encode_multipart(fields)
    return scene.api.post(user, f"/api/v1/posts/{post_id}/attachments", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")


def form_post(scene: Scene, user: User, url: str, data: dict | None = None) -> TestResponse:
    """POST a page form as `user`, signed in with a browser of their own."""
    browser = scene.app.test_client()
    succeeded(browser.post("/login", data={"username": user.username, "password": PASSWORD}),
              "login")
    return browser.post(url, data=data or {})


# -- what an anonymous reader sees ---------------------------------------------------

def visible_text(html: str) -> str:
    """The page's text: no scripts, styles, comments or tags; entities decoded;
    whitespace collapsed."""
    html = re.sub(r"(?is)<(script|style|template)\b.*?</\1\s*>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    return " ".join(unescape(re.sub(r"<[^>]*>", "", html)).split())


def shows(text: str, phrase: str) -> bool:
    """`phrase` is in `text` as whole words ("1 answer" is not in "1 answers")."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


@dataclass(frozen=True)
class Seen:
    """What an anonymous reader got from one page: the final status (redirects
    followed) and the visible text."""

    url: str
    status: int
    text: str


def read(reader, url: str) -> Seen:
    response = reader.get(url, follow_redirects=True)
    assert response.status_code < 500, f"anonymous GET {url}: {response.status_code}"
    return Seen(url, response.status_code, visible_text(response.get_data(as_text=True)))


@dataclass(frozen=True)
class Shows:
    """After the write, `page` shows `phrase`; before, it did not (or, with
    `was_gone`, the page itself was not there: a 404)."""

    page: str
    phrase: str
    was_gone: bool = False

    def before(self, seen: Seen) -> None:
        if self.was_gone:
            assert seen.status == 404, f"{self.page} ({seen.url}) should be gone before"
            return
        assert seen.status == 200, f"{self.page} ({seen.url}): {seen.status} before the write"
        assert not shows(seen.text, self.phrase), (
            f"{self.page} already shows {self.phrase!r} before the write")

    def after(self, seen: Seen) -> None:
        assert seen.status == 200, f"{self.page} ({seen.url}): {seen.status} after the write"
        assert shows(seen.text, self.phrase), (
            f"stale {self.page}: the anonymous page at {seen.url} does not show "
            f"{self.phrase!r} after the write")


@dataclass(frozen=True)
class Hides:
    """Before the write, `page` shows `phrase`; after it, it does not. Without a
    phrase, the whole page goes: a 404 after the write."""

    page: str
    phrase: str | None = None

    def before(self, seen: Seen) -> None:
        assert seen.status == 200, f"{self.page} ({seen.url}): {seen.status} before the write"
        if self.phrase is not None:
            assert shows(seen.text, self.phrase), (
                f"{self.page} does not show {self.phrase!r} before the write")

    def after(self, seen: Seen) -> None:
        if self.phrase is None:
            assert seen.status == 404, (
                f"stale {self.page}: the anonymous page at {seen.url} is still there "
                f"({seen.status}) after the write")
            return
        assert seen.status == 200, f"{self.page} ({seen.url}): {seen.status} after the write"
        assert not shows(seen.text, self.phrase), (
            f"stale {self.page}: the anonymous page at {seen.url} still shows "
            f"{self.phrase!r} after the write")


Check = Shows | Hides
Responses = TestResponse | Sequence[TestResponse]


def _nothing(scene: Scene) -> None:
    pass


@dataclass(frozen=True)
class Write:
    """One kind of write: set up (`prepare`, before the pages are cached), do it
    (`do`, returning the write's response or responses), and what the anonymous
    pages show before and after (`checks`, naming pages of `Scene.pages`)."""

    name: str
    do: Callable[[Scene], Responses]
    checks: tuple[Check, ...]
    prepare: Callable[[Scene], None] = _nothing


# -- the writes ----------------------------------------------------------------------

def ask(s: Scene) -> TestResponse:
    r = s.api.post(s.member, "/api/v1/questions",
                   json={"title": ASKED_TITLE, "body": ASKED_BODY, "tags": ["wifi"]})
    if r.status_code == 201:        # the new question's own page, read after the write
        s.pages["new question"] = path_of(r.get_json()["url"])
    return r


def close(s: Scene) -> TestResponse:
    return s.api.post(s.moderator, f"/api/v1/questions/{s.question_id}/close",
                      json={"reason": "off_topic"})


def closed(s: Scene) -> None:
    succeeded(close(s))


def attach_fix(s: Scene) -> None:
    """The helper's answer carries FILE_NAME, a fix file."""
    s.ids["file"] = succeeded(upload(s, s.helper, s.answer_id)).get_json()["id"]


def delete_question(s: Scene) -> None:
    succeeded(s.api.delete(s.asker, f"/api/v1/posts/{s.question_id}"))


def delete_answer(s: Scene) -> None:
    succeeded(s.api.delete(s.helper, f"/api/v1/posts/{s.answer_id}"))


def merge_source(s: Scene) -> None:
    """Another question about the same problem, with an answer, to merge into ours."""
    source = make_question(make_user(), title=SOURCE_TITLE, body=SOURCE_BODY, tags=("wifi",))
    make_answer(source, make_user(), body=MOVED_ANSWER)
    s.ids["source"] = source.id
    s.pages["source"] = f"/questions/{source.id}/{source.slug}"


def flag_six_times(s: Scene) -> list[TestResponse]:
    """Six spam flags from six users with the flag privilege (15) hide the answer."""
    return [s.api.post(make_user(reputation_points=15), f"/api/v1/posts/{s.answer_id}/flags",
                       json={"reason": "spam"})
            for _ in range(6)]


WRITES = [
    Write("ask", ask, (Shows("front", ASKED_TITLE), Shows("new question", ASKED_TITLE))),
    Write("answer",
          lambda s: s.api.post(s.helper, f"/api/v1/questions/{s.question_id}/answers",
                               json={"body": NEW_ANSWER}),
          (Shows("thread", NEW_ANSWER), Shows("front", "2 answers"))),
    Write("comment",
          lambda s: s.api.post(s.member, f"/api/v1/posts/{s.answer_id}/comments",
                               json={"body": COMMENT}),
          (Shows("thread", COMMENT),)),
    Write("edit",          # title and body; the slug changes, the old address redirects
          lambda s: s.api.patch(s.asker, f"/api/v1/posts/{s.question_id}",
                                json={"title": EDITED_TITLE, "body": EDITED_BODY,
                                      "comment": "clearer title, more detail"}),
          (Shows("thread", EDITED_TITLE), Shows("thread", EDITED_BODY), Hides("thread", BODY),
           Shows("front", EDITED_TITLE), Hides("front", TITLE))),
    Write("vote",          # on the question: its score shows on both pages
          lambda s: s.api.post(s.member, f"/api/v1/posts/{s.question_id}/vote",
                               json={"value": 1}),
          (Shows("thread", "Score: 1"), Shows("front", "1 vote"))),
    Write("accept",
          lambda s: s.api.post(s.asker, f"/api/v1/answers/{s.answer_id}/accept"),
          (Shows("thread", "Accepted answer"), Shows("front", "1 answer, solved"))),
    Write("official",
          lambda s: s.api.post(s.staff, f"/api/v1/answers/{s.answer_id}/official"),
          (Shows("thread", "Verified by staff"), Shows("front", "official answer"))),
    Write("attach",
          lambda s: upload(s, s.helper, s.answer_id),
          (Shows("thread", FILE_NAME),)),
    Write("verify file",
          lambda s: s.api.post(s.staff, f"/api/v1/attachments/{s.ids['file']}/verified"),
          (Shows("thread", "Verified fix"),),
          prepare=attach_fix),
    Write("delete file",   # no API route for this: the page's Remove button
          lambda s: form_post(s, s.helper, f"/attachments/{s.ids['file']}/delete"),
          (Hides("thread", FILE_NAME),),
          prepare=attach_fix),
    Write("me too",
          lambda s: s.api.post(s.member, f"/api/v1/questions/{s.question_id}/me-too"),
          (Shows("thread", "1 person has this problem"),)),
    Write("known issue",
          lambda s: s.api.post(s.staff, f"/api/v1/questions/{s.question_id}/known-issue",
                               json={"state": "investigating", "reference": KNOWN_REFERENCE}),
          (Shows("thread", "Known issue: Investigating"), Shows("thread", KNOWN_REFERENCE),
           Shows("front", "Known issue: Investigating"))),
    Write("close", close, (Shows("thread", "Closed"), Shows("front", "closed"))),
    Write("reopen",
          lambda s: s.api.post(s.moderator, f"/api/v1/questions/{s.question_id}/reopen"),
          (Hides("thread", "Closed"), Hides("front", "closed")),
          prepare=closed),
    Write("lock",
          lambda s: s.api.post(s.moderator, f"/api/v1/posts/{s.question_id}/lock",
                               json={"reason": LOCK_REASON}),
          (Shows("thread", "Locked"), Shows("thread", LOCK_REASON))),
    Write("pin",           # an anonymous thread page says nothing of pins: only the list
          lambda s: s.api.post(s.moderator, f"/api/v1/questions/{s.question_id}/pin"),
          (Shows("front", "Pinned"),)),
    Write("protect",
          lambda s: s.api.post(s.moderator, f"/api/v1/questions/{s.question_id}/protect"),
          (Shows("thread", "Protected"),)),
    Write("delete question",
          lambda s: s.api.delete(s.asker, f"/api/v1/posts/{s.question_id}"),
          (Hides("thread"), Hides("front", TITLE))),
    Write("delete answer",
          lambda s: s.api.delete(s.helper, f"/api/v1/posts/{s.answer_id}"),
          (Hides("thread", ANSWER), Shows("front", "0 answers"))),
    Write("undelete question",
          lambda s: s.api.post(s.moderator, f"/api/v1/posts/{s.question_id}/undelete"),
          (Shows("thread", TITLE, was_gone=True), Shows("front", TITLE)),
          prepare=delete_question),
    Write("undelete answer",
          lambda s: s.api.post(s.moderator, f"/api/v1/posts/{s.answer_id}/undelete"),
          (Shows("thread", ANSWER), Shows("front", "1 answer")),
          prepare=delete_answer),
    Write("merge",         # the source's answer moves here; its page leads here
          lambda s: s.api.post(s.moderator, f"/api/v1/questions/{s.ids['source']}/merge",
                               json={"into": s.question_id}),
          (Shows("thread", MOVED_ANSWER), Shows("front", "2 answers"),
           Hides("front", SOURCE_TITLE), Shows("source", BODY)),
          prepare=merge_source),
    Write("flag that hides", flag_six_times, (Hides("thread", ANSWER),)),
]


# -- the test ------------------------------------------------------------------------

@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_the_next_anonymous_read_shows_the_write(app, api, write: Write):
    scene = make_scene(app, api)
    write.prepare(scene)
    reader = app.test_client()          # anonymous: no cookies shared with the writers

    # Read every page (so it is cached) and check what it shows before the write.
    before = {name: read(reader, url) for name, url in scene.pages.items()}
    for check in write.checks:
        if check.page in before:        # "new question" only exists after the write
            check.before(before[check.page])

    done = write.do(scene)
    for response in [done] if isinstance(done, TestResponse) else done:
        succeeded(response, write.name)

    # The very next anonymous read of each page shows the change. Every check runs,
    # so a failure says which pages are stale, not just the first.
    after = {name: read(reader, url) for name, url in scene.pages.items()}
    stale = []
    for check in write.checks:
        try:
            check.after(after[check.page])
        except AssertionError as e:
            stale.append(str(e).splitlines()[0])
    assert not stale, f"{write.name}: " + "; ".join(stale)
