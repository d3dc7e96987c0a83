"""/moderation/log: moderators read the audit log, with filters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import utcnow
from moderation import audit
from tests.factories import make_user


@pytest.fixture
def logged(app):
    mod = make_user("mod_anna", role="moderator")
    staff = make_user("sam_staff", role="staff")
    audit.record(mod, "post.locked", ("post", 12), "flame war", days=3)
    audit.record(staff, "answer.official", ("post", 14))
    old = audit.record(mod, "user.suspended", ("user", 7), "<b>spam</b> links")
    old.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    return mod, staff


def test_moderators_read_the_log_newest_first(client, auth, logged):
    auth.login(logged[0])
    response = client.get("/moderation/log")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("answer.official") < page.index("post.locked") < page.index("user.suspended")
    assert "flame war" in page and "days:</span> 3" in page
    assert "&lt;b&gt;spam&lt;/b&gt; links" in page and "<b>spam</b>" not in page
    assert "3 actions" in page


@pytest.mark.parametrize(("query", "present", "absent"), [
    ("actor=sam_staff", ["answer.official"], ["post.locked"]),
    ("action=post.locked", ["flame war"], ["answer.official"]),
    ("target=user:7", ["user.suspended"], ["post.locked"]),
    ("days=30", ["post.locked", "answer.official"], ["spam"]),
])
def test_filters(client, auth, logged, query, present, absent):
    auth.login(logged[0])
    page = client.get(f"/moderation/log?{query}").get_data(as_text=True)
    tbody = page[page.index("<tbody>"):] if "<tbody>" in page else ""
    for text in present:
        assert text in tbody
    for text in absent:
        assert text not in tbody


def test_a_bad_filter_says_so(client, auth, logged):
    auth.login(logged[0])
    response = client.get("/moderation/log?target=post&days=abc")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "type:id" in page and "whole number" in page


@pytest.mark.parametrize("role", ["member", "staff"])
def test_only_moderators_read_it(client, auth, logged, role):
    auth.login(make_user(role=role, reputation_points=20_000))
    assert client.get("/moderation/log").status_code == 403


def test_anonymous_goes_to_login(client, logged):
    response = client.get("/moderation/log")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
