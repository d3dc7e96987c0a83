"""Duplicates from the moderator's side: flags resolved by the close, the original
found by its title (with and without JavaScript), the queue's one set of actions
with "Close as duplicate", and the binding close vote that says so."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Flag, Question
from moderation import closing, flags
from moderation.inputs import CloseDraft, FlagDraft
from tests.factories import make_answer, make_question, make_user


def fresh_flags(post_id: int) -> list[Flag]:
    db.session.expire_all()
    return list(db.session.scalars(select(Flag).where(Flag.post_id == post_id).order_by(Flag.id)))


def card_of(page: str, post_id: int) -> str:
    """The queue card of one post."""
    start = page.index(f'id="post-{post_id}"')
    end = page.find('<li class="mod-item"', start)
    return page[start:end if end != -1 else page.index("</ol>", start)]


def reload(question_id: int) -> Question:
    db.session.expire_all()
    return db.session.get(Question, question_id)


@pytest.fixture
def printers(app):
    original = make_question(title="PrintJet 200 shows offline after the 4.2 update")
    other = make_question(title="PrintJet 300 prints blank pages after a cartridge change")
    dupe = make_question(title="My printer went offline when it updated itself")
    return original, other, dupe


# -- a close resolves the duplicate flags ------------------------------------------

def test_a_moderators_close_marks_the_flags_that_named_the_same_original_helpful(printers):
    original, other, dupe = printers
    right, wrong, spam = (make_user(reputation_points=20) for _ in range(3))
    flags.flag_post(right, dupe.id, FlagDraft("duplicate", duplicate_of=original.id))
    flags.flag_post(wrong, dupe.id, FlagDraft("duplicate", duplicate_of=other.id))
    flags.flag_post(spam, dupe.id, FlagDraft("needs_details"))
    moderator = make_user(role="moderator")
    closing.vote_to_close(moderator, dupe.id, CloseDraft("duplicate", original.id))

    by_user = {f.user_id: f for f in fresh_flags(dupe.id)}
    assert by_user[right.id].status == "helpful"
    assert by_user[right.id].decided_by_id == moderator.id
    assert by_user[wrong.id].status == "open"           # named another original
    assert by_user[spam.id].status == "open"            # another reason
    audited = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "flag.helpful"))
    assert [(e.actor_id, e.target_id) for e in audited] == [(moderator.id, by_user[right.id].id)]


def test_a_community_close_resolves_them_too_without_naming_a_decider(printers):
    original, _, dupe = printers
    flagger = make_user(reputation_points=20)
    flags.flag_post(flagger, dupe.id, FlagDraft("duplicate", duplicate_of=original.id))
    for voter in (make_user(reputation_points=600) for _ in range(3)):
        closing.vote_to_close(voter, dupe.id, CloseDraft("duplicate", original.id))
    [flag] = fresh_flags(dupe.id)
    assert (flag.status, flag.decided_by_id) == ("helpful", None)


def test_a_close_for_another_reason_leaves_duplicate_flags_open(printers):
    original, _, dupe = printers
    flags.flag_post(make_user(reputation_points=20), dupe.id,
                    FlagDraft("duplicate", duplicate_of=original.id))
    closing.vote_to_close(make_user(role="moderator"), dupe.id, CloseDraft("off_topic"))
    assert [f.status for f in fresh_flags(dupe.id)] == ["open"]


# -- finding the original by title -------------------------------------------------

def test_the_api_closes_with_the_originals_exact_title_in_any_case(api, printers):
    original, _, dupe = printers
    moderator = make_user(role="moderator")
    r = api.post(moderator, f"/api/v1/questions/{dupe.id}/close",
                 json={"reason": "duplicate",
                       "duplicate_of": "  printjet 200 shows OFFLINE after the 4.2 update "})
    assert r.status_code == 200, r.get_json()
    assert reload(dupe.id).duplicate_of_id == original.id


def test_a_title_matching_several_names_them_and_changes_nothing(api, printers):
    original, other, dupe = printers
    moderator = make_user(role="moderator")
    r = api.post(moderator, f"/api/v1/questions/{dupe.id}/close",
                 json={"reason": "duplicate", "duplicate_of": "PrintJet"})
    assert r.status_code == 422
    message = r.get_json()["error"]["fields"]["duplicate_of"]
    assert "Several questions match “PrintJet”" in message
    assert f"“{original.title}” (#{original.id})" in message
    assert f"“{other.title}” (#{other.id})" in message
    assert reload(dupe.id).status != "closed"


def test_a_title_matching_nothing_says_so(api, printers):
    _, _, dupe = printers
    r = api.post(make_user(role="moderator"), f"/api/v1/questions/{dupe.id}/close",
                 json={"reason": "duplicate", "duplicate_of": "Zigbee bulbs vanish"})
    assert r.status_code == 422
    assert "No question has a title like “Zigbee bulbs vanish”" in \
        r.get_json()["error"]["fields"]["duplicate_of"]
    assert reload(dupe.id).status != "closed"


def test_a_unique_part_of_a_title_is_enough_and_never_the_question_itself(api, printers):
    original, _, dupe = printers
    flagger = make_user(reputation_points=20)
    r = api.post(flagger, f"/api/v1/posts/{dupe.id}/flags",
                 json={"reason": "duplicate", "duplicate_of": "offline after the 4.2"})
    assert r.status_code == 201, r.get_json()
    assert [f.duplicate_of_id for f in fresh_flags(dupe.id)] == [original.id]
    # "went offline when it updated" is only in the flagged question's own title
    r = api.post(make_user(reputation_points=20), f"/api/v1/posts/{dupe.id}/flags",
                 json={"reason": "duplicate", "duplicate_of": "went offline when it updated"})
    assert r.status_code == 422


def test_the_thread_close_form_takes_a_title_without_javascript(client, auth, printers):
    original, _, dupe = printers
    moderator = make_user(role="moderator")
    auth.login(moderator)
    r = client.post(f"/moderation/questions/{dupe.id}/close",
                    data={"reason": "duplicate", "duplicate_of": original.title})
    assert r.status_code == 303
    assert reload(dupe.id).duplicate_of_id == original.id
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "The question is closed (duplicate)." in page


def test_the_flag_form_says_when_a_title_matches_several(client, auth, printers):
    _, _, dupe = printers
    auth.login(make_user(reputation_points=20))
    r = client.post(f"/posts/{dupe.id}/flags",
                    data={"reason": "duplicate", "duplicate_of": "PrintJet"},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Flag not sent" in page and "Several questions match" in page
    assert fresh_flags(dupe.id) == []


def test_forms_offer_the_title_lookup(client, auth, printers):
    _, _, dupe = printers
    auth.login(make_user(role="moderator"))
    page = client.get(f"/questions/{dupe.id}/{dupe.slug}").get_data(as_text=True)
    assert page.count("data-question-lookup") == 3     # the flag, close and merge forms
    assert f'data-lookup-exclude="{dupe.id}"' in page
    assert "js/moderation.js" in page
    assert "title, number or address" in page


# -- the binding vote says so ----------------------------------------------------

def test_a_moderators_close_button_says_it_closes_at_once(client, auth, printers):
    _, _, dupe = printers
    auth.login(make_user(role="moderator"))
    page = client.get(f"/questions/{dupe.id}/{dupe.slug}").get_data(as_text=True)
    assert "Your vote is binding: it closes the question at once." in page
    assert ">Close now</button>" in page and "Vote to close" not in page


def test_a_members_close_button_is_a_vote(client, auth, printers):
    _, _, dupe = printers
    auth.login(make_user(reputation_points=600))
    page = client.get(f"/questions/{dupe.id}/{dupe.slug}").get_data(as_text=True)
    assert ">Vote to close</button>" in page and "binding" not in page


# -- the queue -------------------------------------------------------------------

def test_queue_cards_name_originals_by_title_with_one_set_of_actions(client, auth, printers):
    original, _, dupe = printers
    flags.flag_post(make_user("carla", reputation_points=20), dupe.id,
                    FlagDraft("duplicate", duplicate_of=original.id))
    answer = make_answer(original)
    flags.flag_post(make_user(reputation_points=20), answer.id, FlagDraft("spam"))
    auth.login(make_user(role="moderator"))
    page = client.get("/moderation").get_data(as_text=True)
    card = card_of(page, dupe.id)
    assert f"Question:</span>\n          <a href=\"/questions/{dupe.id}/" in card
    assert f">{original.title}</a>" in card and f"question {original.id}" not in card
    assert card.count("<form") == 1                            # one set of actions
    assert 'value="helpful"' in card and 'value="declined"' in card
    assert f'formaction="/moderation/posts/{dupe.id}/close-duplicate"' in card
    assert f'value="/questions/{original.id}/' in card          # the flags' original, filled in
    answer_card = card_of(page, answer.id)
    assert "Answer to:" in answer_card and "close-duplicate" not in answer_card


def test_close_as_duplicate_from_the_queue(client, auth, printers):
    original, other, dupe = printers
    flags.flag_post(make_user(reputation_points=20), dupe.id,
                    FlagDraft("duplicate", duplicate_of=original.id))
    flags.flag_post(make_user(reputation_points=20), dupe.id, FlagDraft("needs_details"))
    moderator = make_user(role="moderator")
    auth.login(moderator)
    r = client.post(f"/moderation/posts/{dupe.id}/close-duplicate",
                    data={"duplicate_of": f"/questions/{original.id}/x", "decision": "helpful"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/moderation#post-{dupe.id}")
    q = reload(dupe.id)
    assert (q.status, q.closed_reason, q.duplicate_of_id) == ("closed", "duplicate", original.id)
    assert [f.status for f in fresh_flags(dupe.id)] == ["helpful", "open"]
    page = client.get("/moderation").get_data(as_text=True)
    assert f"Closed “{dupe.title}” as a duplicate of “{original.title}”" in page
    # the needs-details flag is still waiting, now without the close action
    assert "close-duplicate" not in card_of(page, dupe.id)


@pytest.mark.parametrize("given, message", [
    ("", "Give the number, the address or the title"),
    ("PrintJet", "Several questions match"),
    ("nothing like this at all", "No question has a title like"),
])
def test_close_as_duplicate_from_the_queue_refuses_a_bad_original(client, auth, printers,
                                                                  given, message):
    _, _, dupe = printers
    flags.flag_post(make_user(reputation_points=20), dupe.id, FlagDraft("needs_details"))
    auth.login(make_user(role="moderator"))
    r = client.post(f"/moderation/posts/{dupe.id}/close-duplicate", data={"duplicate_of": given},
                    follow_redirects=True)
    assert r.status_code == 200
    assert "Not closed:" in r.get_data(as_text=True)
    assert message in r.get_data(as_text=True)
    assert reload(dupe.id).status != "closed"


@pytest.mark.parametrize("role, rep", [("member", 20_000), ("staff", 1)])
def test_only_moderators_close_from_the_queue(client, auth, printers, role, rep):
    original, _, dupe = printers
    auth.login(make_user(role=role, reputation_points=rep))
    r = client.post(f"/moderation/posts/{dupe.id}/close-duplicate",
                    data={"duplicate_of": str(original.id)})
    assert r.status_code == 403
    assert reload(dupe.id).status != "closed"


# -- the flaggers hear of it -------------------------------------------------------

def test_flaggers_are_told_what_became_of_their_flags(printers):
    from forum.models import Notification

    original, other, dupe = printers
    right, wrong = make_user(reputation_points=20), make_user(reputation_points=20)
    flags.flag_post(right, dupe.id, FlagDraft("duplicate", duplicate_of=original.id))
    flags.flag_post(wrong, other.id, FlagDraft("spam"))
    moderator = make_user(role="moderator")
    closing.vote_to_close(moderator, dupe.id, CloseDraft("duplicate", original.id))
    flags.decide_post(moderator, other.id, "declined")
    db.session.expire_all()
    told = {n.user_id: n.text for n in db.session.scalars(
        select(Notification).where(Notification.kind == "flag"))}
    assert told[right.id] == f"A moderator marked your flag helpful: {dupe.title}"
    assert told[wrong.id] == f"A moderator marked your flag declined: {other.title}"


def test_merge_finds_its_target_by_title(client, auth, printers):
    original, _, dupe = printers
    auth.login(make_user(role="moderator"))
    page = client.get(f"/moderation/questions/{dupe.id}/merge",
                      query_string={"into": "printjet 200 shows offline"}).get_data(as_text=True)
    assert f'<a href="/questions/{original.id}/' in page and "Merge" in page
    r = client.get(f"/moderation/questions/{dupe.id}/merge", query_string={"into": "PrintJet"},
                   follow_redirects=True)
    assert "Several questions match “PrintJet”" in r.get_data(as_text=True)


def test_the_queue_api_names_the_original(api, printers):
    original, _, dupe = printers
    flags.flag_post(make_user(reputation_points=20), dupe.id,
                    FlagDraft("duplicate", duplicate_of=original.id))
    data = api.get(make_user(role="moderator"), "/api/v1/moderation/flags").get_json()
    [flag] = data["posts"][0]["flags"]
    assert (flag["duplicate_of"], flag["duplicate_of_title"]) == (original.id, original.title)
