"""Close and reopen votes, duplicates and where search sends people who find one."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.inputs import SearchRequest
from forum.models import AuditEntry, CloseVote, Question, utcnow
from forum.services import posting, searching
from moderation import closing, inputs
from moderation.inputs import CloseDraft
from tests.factories import make_question, make_user

needs_pg = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                              reason="needs PostgreSQL (TEST_DATABASE_URL)")


def voters(n: int = 3, rep: int = 500):
    return [make_user(reputation_points=rep) for _ in range(n)]


def reload(question_id: int) -> Question:
    db.session.expire_all()
    return db.session.get(Question, question_id)


def audit_rows(action: str, target_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_id == target_id)))


def close(user, question, reason="needs_details", duplicate_of=None):
    return closing.vote_to_close(user, question.id, CloseDraft(reason, duplicate_of))


# -- counting -----------------------------------------------------------------------

def test_two_votes_leave_it_open_and_the_third_closes_with_the_majority_reason(app):
    question = make_question()
    a, b, c = voters()
    assert close(a, question, "off_topic").status == "open"
    second = close(b, question, "needs_details")
    assert (second.status, second.votes, second.needed, second.changed) == ("open", 2, 3, False)
    assert reload(question.id).status == "open"
    third = close(c, question, "needs_details")
    assert third.changed and third.votes == 3
    q = reload(question.id)
    assert (q.status, q.closed_reason, q.duplicate_of_id) == ("closed", "needs_details", None)
    assert q.closed_at is not None
    votes = list(db.session.scalars(select(CloseVote).where(CloseVote.question_id == q.id)))
    assert len(votes) == 3 and all(v.spent_at is not None for v in votes)
    [entry] = audit_rows("question.closed", q.id)
    details = json.loads(entry.details)
    assert entry.actor_id == c.id and details["reason_code"] == "needs_details"
    assert {v["username"] for v in details["voters"]} == {a.username, b.username, c.username}


def test_a_tie_goes_to_the_reason_voted_first(app):
    question = make_question()
    a, b, c = voters()
    close(a, question, "not_reproducible")
    close(b, question, "off_topic")
    close(c, question, "needs_details")
    assert reload(question.id).closed_reason == "not_reproducible"


def test_duplicate_closes_on_the_original_named_most(app):
    question = make_question()
    first, second = make_question(), make_question()
    a, b, c = voters()
    close(a, question, "duplicate", first.id)
    close(b, question, "duplicate", second.id)
    close(c, question, "duplicate", second.id)
    q = reload(question.id)
    assert (q.closed_reason, q.duplicate_of_id) == ("duplicate", second.id)


@pytest.mark.parametrize("role", ["moderator", "staff", "admin"])
def test_a_vote_from_staff_or_a_moderator_binds(app, role):
    question = make_question()
    member = voters(1)[0]
    close(member, question, "off_topic")
    outcome = close(make_user(role=role), question, "needs_details")
    assert outcome.changed
    q = reload(question.id)
    assert (q.status, q.closed_reason) == ("closed", "needs_details")     # the binding reason
    [entry] = audit_rows("question.closed", q.id)
    assert json.loads(entry.details)["binding"] is True


def test_499_reputation_cannot_vote(app):
    question = make_question()
    with pytest.raises(PermissionDenied, match="500 reputation"):
        close(make_user(reputation_points=499), question)
    assert closing.live_votes(question.id) == []


def test_one_live_vote_per_user_and_action(app):
    question = make_question()
    a = voters(1)[0]
    close(a, question, "off_topic")
    with pytest.raises(Conflict):
        close(a, question, "needs_details")
    assert len(closing.live_votes(question.id)) == 1


def test_a_voter_can_retract(app):
    question = make_question()
    a, b, c = voters()
    close(a, question)
    close(b, question)
    assert closing.retract_vote(a, question.id).votes == 1
    with pytest.raises(NotFound):
        closing.retract_vote(a, question.id)
    close(c, question)                       # two live votes again: still open
    assert reload(question.id).status == "open"
    close(a, question)                       # and the retracted voter may vote again
    assert reload(question.id).status == "closed"


def test_reopen_round_and_spent_votes_do_not_count_again(app):
    original = make_question()
    question = make_question()
    a, b, c = voters()
    for v in (a, b, c):
        close(v, question, "duplicate", original.id)
    assert reload(question.id).duplicate_of_id == original.id
    with pytest.raises(PermissionDenied, match="already closed"):
        close(make_user(reputation_points=500), question)
    assert closing.vote_to_reopen(a, question.id).status == "closed"
    assert closing.vote_to_reopen(b, question.id).votes == 2
    outcome = closing.vote_to_reopen(c, question.id)
    assert outcome.changed and outcome.status == "open"
    q = reload(question.id)
    assert (q.status, q.closed_reason, q.duplicate_of_id, q.closed_at) == ("open", None, None, None)
    assert audit_rows("question.reopened", q.id)
    # A new round: the three spent close votes count for nothing.
    outcome = close(a, question)
    assert (outcome.status, outcome.votes) == ("open", 1)
    close(b, question)
    assert reload(question.id).status == "open"


def test_suspended_moderator_cannot_vote(app):
    question = make_question()
    moderator = make_user(role="moderator")
    moderator.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    with pytest.raises(PermissionDenied, match="suspended"):
        close(moderator, question)


# -- duplicate validation ------------------------------------------------------------

def test_duplicate_needs_a_real_other_question(app):
    question = make_question()
    deleted = make_question()
    mod = make_user(role="moderator")
    posting.delete_post(mod, deleted.id)
    a = voters(1)[0]
    for target, message in [(None, "Name the question"), (999999, "no question 999999"),
                            (question.id, "cannot duplicate itself"),
                            (deleted.id, f"no question {deleted.id}")]:
        with pytest.raises(ValidationError, match=message):
            close(a, question, "duplicate", target)
    assert closing.live_votes(question.id) == []


def test_duplicate_of_a_duplicate_points_at_its_original(app):
    original, copy, question = make_question(), make_question(), make_question()
    mod = make_user(role="moderator")
    close(mod, copy, "duplicate", original.id)
    with pytest.raises(ValidationError, match=f"question {original.id}, instead"):
        close(voters(1)[0], question, "duplicate", copy.id)
    # and the original cannot be closed as a duplicate of its own duplicate
    with pytest.raises(ValidationError, match="duplicate of this one"):
        close(mod, original, "duplicate", copy.id)


def test_parse_close():
    assert inputs.parse_close({"reason": "off_topic"}) == (CloseDraft("off_topic"), {})
    assert inputs.parse_close({"reason": "duplicate", "duplicate_of": "/questions/12/x"}) == (
        CloseDraft("duplicate", 12), {})
    assert inputs.parse_close({"reason": "duplicate", "duplicate_of": 7})[0].duplicate_of == 7
    assert "duplicate_of" in inputs.parse_close({"reason": "duplicate", "duplicate_of": "x"})[1]
    assert "reason" in inputs.parse_close({"reason": "boring"})[1]
    assert "reason" in inputs.parse_close({})[1]


# -- pages ---------------------------------------------------------------------------

def test_panel_counts_votes_and_closing_by_form(client, auth):
    question = make_question()
    a, b, c = voters()
    close(a, question)
    auth.login(b)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "1 of 3 votes to close" in page and "Vote to close" in page
    r = client.post(f"/moderation/questions/{question.id}/close", data={"reason": "needs_details"})
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "2 of 3 votes to close" in page and "Take back my vote" in page
    r = client.post(f"/moderation/questions/{question.id}/close", data={"reason": "off_topic"},
                    follow_redirects=True)
    assert "already voted" in r.get_data(as_text=True)
    assert len(closing.live_votes(question.id)) == 2


def test_low_reputation_sees_no_panel_and_gets_403(client, auth):
    question = make_question()
    auth.login(make_user(reputation_points=499))
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "votes to close" not in page
    r = client.post(f"/moderation/questions/{question.id}/close", data={"reason": "off_topic"})
    assert r.status_code == 403
    assert closing.live_votes(question.id) == []


def test_duplicate_banner_and_linked_duplicates_box(client, auth):
    original = make_question(title="Bluetooth mouse lags after the latest update")
    copy = make_question(title="My Bluetooth mouse stutters since updating")
    auth.login(make_user(role="moderator"))
    r = client.post(f"/moderation/questions/{copy.id}/close",
                    data={"reason": "duplicate", "duplicate_of": str(original.id)})
    assert r.status_code == 303
    page = client.get(f"/questions/{copy.id}/{copy.slug}").get_data(as_text=True)
    assert "This question already has an answer here:" in page
    assert f'href="/questions/{original.id}/{original.slug}"' in page
    page = client.get(f"/questions/{original.id}/{original.slug}").get_data(as_text=True)
    assert "Linked duplicates" in page and copy.title in page
    assert "already has an answer here" not in page


def test_closed_banner_names_the_reason(client):
    question = make_question()
    close(make_user(role="moderator"), question, "needs_details")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Closed: needs details" in page and "steps that lead to it" in page


# -- search sends people to the original -------------------------------------------------

backends = pytest.mark.parametrize("config_overrides", [
    {"SEARCH_BACKEND": "whoosh"}, pytest.param({"SEARCH_BACKEND": "postgres"}, marks=needs_pg)])


@backends
def test_search_finds_the_original_through_its_duplicate(app, api):
    original = make_question(title="Scanner button does nothing on the PrintJet",
                             body="Pressing the scan key on the kestrelmark panel has no effect.")
    copy = make_question(title="Zebrafinch error 0x77 when pairing headphones",
                         body="Pairing fails with zebrafinch code 0x77 on the kestrelmark dock.")
    ids = [f.question.id for f in searching.search_threads(SearchRequest(q="zebrafinch")).items]
    assert ids == [copy.id]
    close(make_user(role="moderator"), copy, "duplicate", original.id)
    page = searching.search_threads(SearchRequest(q="zebrafinch"))
    assert [(f.question.id, f.via and f.via.id) for f in page.items] == [(original.id, copy.id)]
    assert page.total == 1
    # the original is a hit too: it shows once, as itself
    page = searching.search_threads(SearchRequest(q="kestrelmark"))
    assert [(f.question.id, f.via) for f in page.items] == [(original.id, None)]
    assert page.total == 1
    # asking for closed threads shows the duplicate itself
    assert [f.question.id for f in searching.search_threads(
        SearchRequest(q="zebrafinch is:closed")).items] == [copy.id]
    # similar-question suggestions and the API say the same
    assert [q.id for q in searching.similar_threads("zebrafinch error 0x77 pairing")][:1] == [
        original.id]
    data = api.get(None, "/api/v1/search?q=zebrafinch").get_json()
    assert [(r["id"], r["via_duplicate"]) for r in data["results"]] == [
        (original.id, {"id": copy.id, "title": copy.title})]


@backends
def test_results_page_marks_the_duplicate(client):
    original = make_question(title="Scanner button does nothing on the PrintJet")
    copy = make_question(title="Quokkabyte tool crashes on start")
    close(make_user(role="moderator"), copy, "duplicate", original.id)
    page = client.get("/search?q=quokkabyte").get_data(as_text=True)
    assert original.title in page
    assert "via duplicate:" in page and copy.title in page


@backends
def test_an_original_no_longer_visible_leaves_the_duplicate_as_it_is(app):
    original = make_question(title="Scanner button does nothing on the PrintJet")
    copy = make_question(title="Wombatcore driver refuses to install")
    mod = make_user(role="moderator")
    close(mod, copy, "duplicate", original.id)
    posting.delete_post(mod, original.id)
    page = searching.search_threads(SearchRequest(q="wombatcore"))
    assert [(f.question.id, f.via) for f in page.items] == [(copy.id, None)]


# -- API ----------------------------------------------------------------------------------

def test_api_close_and_reopen(app, api):
    question = make_question()
    url = f"/api/v1/questions/{question.id}/close"
    a, b, c = voters()
    assert api.post(None, url, json={"reason": "off_topic"}).status_code == 401
    assert api.post(make_user(reputation_points=499), url,
                    json={"reason": "off_topic"}).status_code == 403
    assert api.post(a, "/api/v1/questions/999999/close",
                    json={"reason": "off_topic"}).status_code == 404
    r = api.post(a, url, json={"reason": "bored"})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = api.post(a, url, json={"reason": "duplicate"})
    assert r.status_code == 422 and "duplicate_of" in r.get_json()["error"]["fields"]
    assert api.post(a, url, data="reason=off_topic").status_code == 415
    r = api.post(a, url, json={"reason": "off_topic"})
    assert r.status_code == 200
    assert r.get_json() == {"id": question.id, "status": "open", "closed_reason": None,
                            "duplicate_of": None, "action": "close", "votes": 1, "needed": 3,
                            "changed": False}
    assert api.post(a, url, json={"reason": "off_topic"}).status_code == 409
    r = api.delete(a, f"/api/v1/questions/{question.id}/close-vote")
    assert r.status_code == 200 and r.get_json()["votes"] == 0
    assert api.delete(a, f"/api/v1/questions/{question.id}/close-vote").status_code == 404
    original = make_question()
    r = api.post(make_user(role="staff"), url,
                 json={"reason": "duplicate", "duplicate_of": original.id})
    assert r.status_code == 200
    assert r.get_json()["status"] == "closed" and r.get_json()["duplicate_of"] == original.id
    thread = api.get(None, f"/api/v1/questions/{question.id}").get_json()
    assert (thread["closed_reason"], thread["duplicate_of"]) == ("duplicate", original.id)
    reopen = f"/api/v1/questions/{question.id}/reopen"
    assert api.post(None, reopen).status_code == 401
    r = api.post(b, reopen)
    assert r.status_code == 200 and r.get_json()["votes"] == 1 and r.get_json()["status"] == "closed"
    assert api.post(b, reopen).status_code == 409
    r = api.post(make_user(role="moderator"), reopen)
    assert r.get_json()["status"] == "open" and r.get_json()["changed"] is True
    assert api.post(c, reopen).status_code == 403        # not closed any more
