"""/moderation/log: moderators read the audit log as sentences, with filters."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import utcnow
from moderation import audit, closing, suspensions
from moderation.inputs import CloseDraft, FlagDraft, Suspension
from tests.factories import make_answer, make_question, make_user


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


def visible_text(page: str) -> str:
    body = page[page.index('class="audit-list"'):] if 'class="audit-list"' in page else ""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


def test_moderators_read_the_log_newest_first(client, auth, logged):
    auth.login(logged[0])
    response = client.get("/moderation/log")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = visible_text(page)
    assert (text.index("Marked an answer official") < text.index("Locked a post")
            < text.index("Suspended a user"))
    assert "Reason: flame war" in text
    assert "&lt;b&gt;spam&lt;/b&gt; links" in page and "<b>spam</b>" not in page
    assert "3 actions" in page


def test_entries_read_as_sentences_with_titles_times_and_no_raw_details(client, auth):
    moderator = make_user("priya", role="moderator")
    voters = [make_user(f"voter{i}", reputation_points=600) for i in range(3)]
    original = make_question(title="PrintJet 200 shows offline after the 4.2 update")
    dupe = make_question(title="Printer says offline since yesterday's update")
    for voter in voters:
        closing.vote_to_close(voter, dupe.id, CloseDraft("duplicate", original.id))
    spammer = make_user("spammer42")
    suspensions.suspend_user(moderator, spammer.id, Suspension(3, "Posting phishing links"))
    answer = make_answer(original)
    from moderation import threads
    threads.lock(moderator, answer.id, "Heated argument")

    auth.login(moderator)
    page = client.get("/moderation/log").get_data(as_text=True)
    text = visible_text(page)
    assert ("voter2 closed “Printer says offline since yesterday's update” as a duplicate of "
            "“PrintJet 200 shows offline after the 4.2 update”.") in text
    assert "After votes from voter0, voter1 and voter2." in text
    assert "priya (moderator) suspended spammer42 for 3 days." in text
    assert "Reason: Posting phishing links" in text
    assert ("priya (moderator) locked an answer to “PrintJet 200 shows offline after the 4.2 "
            "update”.") in text
    # Titles link to the threads; the answer to its place in the thread.
    assert f'href="/questions/{original.id}/' in page
    assert f'#answer-{answer.id}"' in page
    # The server writes UTC in a <time datetime> element the script localises.
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" data-local-time>'
                     r'\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>', page)
    assert "Until" in text
    # No raw dictionaries or codes.
    for raw in ("voters:", "'binding'", "{", "reason code", "question.closed", "user.suspended"):
        assert raw not in text, raw


def test_a_community_close_resolves_the_duplicate_flags_and_the_log_says_so(client, auth):
    moderator = make_user("priya", role="moderator")
    original = make_question(title="HomeHub loses Zigbee devices after reboot")
    dupe = make_question(title="Zigbee bulbs vanish when the HomeHub restarts")
    flagger = make_user("carla", reputation_points=20)
    from moderation import flags
    flags.flag_post(flagger, dupe.id, FlagDraft("duplicate", duplicate_of=original.id))
    closing.vote_to_close(moderator, dupe.id, CloseDraft("duplicate", original.id))
    auth.login(moderator)
    text = visible_text(client.get("/moderation/log").get_data(as_text=True))
    assert ("priya (moderator) marked carla’s duplicate flag on “Zigbee bulbs vanish when the "
            "HomeHub restarts” helpful.") in text
    assert "The flag named “HomeHub loses Zigbee devices after reboot” as the original." in text
    assert "Note: closed as a duplicate of the question the flag named" in text
    assert "A binding vote: it took effect at once." in text


def test_the_action_filter_offers_human_names(client, auth, logged):
    auth.login(logged[0])
    page = client.get("/moderation/log").get_data(as_text=True)
    assert '<option value="post.locked">Locked a post</option>' in page
    assert '<option value="user.suspended">Suspended a user</option>' in page


@pytest.mark.parametrize(("query", "present", "absent"), [
    ("actor=sam_staff", ["Marked an answer official"], ["Locked a post"]),
    ("action=post.locked", ["flame war"], ["Marked an answer official"]),
    ("target=user:7", ["Suspended a user"], ["Locked a post"]),
    ("days=30", ["Locked a post", "Marked an answer official"], ["spam"]),
])
def test_filters(client, auth, logged, query, present, absent):
    auth.login(logged[0])
    text = visible_text(client.get(f"/moderation/log?{query}").get_data(as_text=True))
    for phrase in present:
        assert phrase in text
    for phrase in absent:
        assert phrase not in text


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


def test_support_case_actions_read_as_sentences(client, auth):
    from forum.services import cases

    staff = make_user("sam_support", role="staff")
    question = make_question(title="SecureTunnel fails with ST-4012 on my home network")
    case = cases.open_case(staff, question.id, "Please attach the client log here, privately.")
    sentence = (f"sam_support (staff) opened the support case #{case.id} on “SecureTunnel "
                "fails with ST-4012 on my home network”.")
    auth.login(make_user("boss", role="admin"))       # an admin is company staff too
    page = client.get("/moderation/log").get_data(as_text=True)
    assert sentence in visible_text(page) and "case: opened" not in visible_text(page)
    assert "Opened a support case" in page                   # the action filter offers it
    # Cases are private: a moderator who is not staff does not learn of them here.
    auth.logout()
    auth.login(make_user("priya", role="moderator"))
    page = client.get("/moderation/log").get_data(as_text=True)
    assert "support case" not in visible_text(page)
    assert "Opened a support case" not in page
    assert "support case" not in visible_text(client.get(
        "/moderation/log", query_string={"action": "case.opened"}).get_data(as_text=True))
