"""The demo shows the moderators' and staff's daily pages with something on them:
open flags in the queue, a closed duplicate, a thread whose official and accepted
answers differ, and an audit log that reads as sentences."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from forum.extensions import db
from forum.models import Flag, Question, User
from forum.seeding import seed_demo
from tests.factories import PASSWORD


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.expire_all()


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username_lower == name))


def test_the_demo_shows_the_moderators_pages_with_something_on_them(demo, client, auth):
    closed = list(db.session.scalars(select(Question).where(
        Question.status == "closed", Question.closed_reason == "duplicate")))
    assert [q.title for q in closed] == [
        "AeroBook 14 keeps disconnecting from Wi-Fi and reconnecting by itself"]
    original = db.session.get(Question, closed[0].duplicate_of_id)
    assert original.title.startswith("AeroBook 14 Wi-Fi drops every few minutes")
    [resolved] = db.session.scalars(select(Flag).where(Flag.post_id == closed[0].id))
    assert resolved.status == "helpful"

    open_flags = list(db.session.scalars(select(Flag).where(Flag.status == "open")))
    assert len({f.post_id for f in open_flags}) >= 3
    assert any(f.reason == "duplicate" for f in open_flags)

    differing = list(db.session.scalars(select(Question).where(
        Question.official_answer_id.is_not(None), Question.accepted_answer_id.is_not(None),
        Question.official_answer_id != Question.accepted_answer_id)))
    assert any("battery overnight" in q.title for q in differing)

    # The demo moderator sees titles in the queue and sentences in the log (one
    # test with the one above: seeding the demo takes most of a minute).
    priya = user("priya.n")       # the auth fixture logs in with the factories' password
    priya.password_hash = generate_password_hash(PASSWORD)
    db.session.commit()
    auth.login(priya)
    queue = client.get("/moderation").get_data(as_text=True)
    assert "PrintJet 3200 goes offline in Windows although it prints a test page" in queue
    assert "Close as duplicate" in queue
    assert not re.search(r">question \d+<", queue)
    log = " ".join(re.sub(r"<[^>]+>", "", client.get("/moderation/log").get_data(as_text=True))
                   .split())
    assert ("priya.n (moderator) closed “AeroBook 14 keeps disconnecting from Wi-Fi and "
            "reconnecting by itself” as a duplicate of “AeroBook 14 Wi-Fi drops every few "
            "minutes") in log
    assert "marked netgeek_42’s duplicate flag on" in log
