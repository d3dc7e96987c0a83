"""Moderator actions on threads: lock, pin, protect, delete and undelete, merge,
rollback; who may do each; the audit line each leaves; the API for each."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.errors import Conflict, PermissionDenied, ValidationError
from forum.extensions import db
from forum.inputs import PostEdit
from forum.models import Answer, AuditEntry, Post, Question, ReputationEvent, Tag, User, utcnow
from forum.services import accepting, posting, reputation, voting
from moderation import closing, inputs, threads
from tests.factories import ensure_tags, make_answer, make_question, make_user


def reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def audit_actions(target_id: int) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_id == target_id).order_by(AuditEntry.id)))


def page_text(client, question) -> str:
    q = reload(Question, question.id)
    r = client.get(f"/questions/{q.id}/{q.slug}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def login(auth, user):
    """Sign in as someone else (a signed-in session is not replaced by logging in)."""
    auth.logout()
    return auth.login(user)


def assert_ledgers_match() -> None:
    db.session.expire_all()
    for user in db.session.scalars(select(User)):
        total = db.session.scalar(select(func.coalesce(func.sum(ReputationEvent.points), 0))
                                  .where(ReputationEvent.user_id == user.id))
        assert user.reputation == reputation.reputation_from_total(total), user.username


# -- lock ----------------------------------------------------------------------------

def test_lock_freezes_the_thread_for_members_but_not_for_moderators(client, auth):
    asker = make_user()
    question = make_question(asker)
    answer = make_answer(question)
    moderator = make_user(role="moderator")
    threads.lock(moderator, question.id, "Heated argument")
    assert audit_actions(question.id) == ["post.locked"]
    member = make_user(reputation_points=2000)
    login(auth, member)
    assert "Heated argument" in page_text(client, question)
    assert client.post(f"/posts/{answer.id}/vote", data={"value": "1"}).status_code == 403
    assert client.post(f"/questions/{question.id}/answers",
                       data={"body": "Try turning the router off and on again, twice."}
                       ).status_code == 403
    assert client.post(f"/posts/{answer.id}/comments",
                       data={"body": "Did that work for you in the end?"}).status_code == 403
    assert client.get(f"/posts/{question.id}/edit").status_code == 403
    assert reload(Question, question.id).answer_count == 1
    login(auth, moderator)
    r = client.post(f"/posts/{question.id}/edit", data={
        "title": question.title, "tags": "wifi", "comment": "tidy",
        "body": "My laptop drops the Wi-Fi connection every few minutes (moderator edit)."})
    assert r.status_code == 303
    assert "moderator edit" in reload(Question, question.id).body
    with pytest.raises(Conflict):
        threads.lock(moderator, question.id, "again")
    with pytest.raises(ValidationError):
        threads.lock(moderator, answer.id, "   ")
    threads.unlock(moderator, question.id)
    assert not reload(Question, question.id).is_locked
    assert audit_actions(question.id) == ["post.locked", "post.unlocked"]


def test_lock_and_unlock_from_the_panel(client, auth):
    question = make_question()
    login(auth, make_user(role="moderator"))
    assert "Lock" in page_text(client, question)
    r = client.post(f"/moderation/posts/{question.id}/lock", data={"reason": "Off the rails"})
    assert r.status_code == 303
    page = page_text(client, question)
    assert "Locked" in page and "Off the rails" in page and "Unlock" in page
    r = client.post(f"/moderation/posts/{question.id}/lock", data={"reason": "x"},
                    follow_redirects=True)
    assert "already locked" in r.get_data(as_text=True)
    client.post(f"/moderation/posts/{question.id}/unlock")
    assert not reload(Question, question.id).is_locked


# -- pin -----------------------------------------------------------------------------

def test_pinned_questions_lead_the_front_page_and_their_tag_page(client, app):
    ensure_tags("printing")
    front = make_question(title="Read this first: how to ask a good question")
    tagged = make_question(title="Printer FAQ: drivers, queues and spoolers", tags=("printing",))
    rest = [make_question(tags=("printing",)) for _ in range(3)]
    moderator = make_user(role="moderator")
    threads.pin(moderator, front.id)
    threads.pin(moderator, tagged.id, "printing")
    assert audit_actions(front.id) == ["question.pinned"]
    app.config["QUESTIONS_PER_PAGE"] = 2

    def titles(url):
        html = client.get(url).get_data(as_text=True)
        order = [q for q in [front, tagged, *rest] if f'>{q.title}</a>' in html]
        return sorted(order, key=lambda q: html.index(f'>{q.title}</a>')), html

    shown, html = titles("/")
    assert shown[0].id == front.id and html.count("Pinned</span>") == 1
    assert [q.id for q in shown[1:]] == [rest[2].id, rest[1].id]     # newest two, pin excluded
    shown, html = titles("/?page=2")
    assert front.id not in [q.id for q in shown] and "Pinned</span>" not in html
    shown, _ = titles("/?sort=active")
    assert shown[0].id == front.id
    shown, _ = titles("/?sort=votes")
    assert front.id not in [q.id for q in shown[:1]] or len(shown) == 2
    shown, html = titles("/tags/printing")
    assert shown[0].id == tagged.id and html.count("Pinned</span>") == 1
    # every question appears on exactly one page of the tag list
    seen = []
    for n in (1, 2, 3):
        seen += [q.id for q in titles(f"/tags/printing?page={n}")[0]]
    assert sorted(seen) == sorted([tagged.id, *(q.id for q in rest)])
    with pytest.raises(ValidationError, match="not tagged"):
        threads.pin(moderator, front.id, "printing")
    with pytest.raises(Conflict):
        threads.pin(moderator, front.id)
    threads.unpin(moderator, front.id)
    assert "Pinned</span>" not in client.get("/").get_data(as_text=True)


def test_api_lists_pinned_questions_first(app, api):
    first = make_question()
    make_question()
    threads.pin(make_user(role="moderator"), first.id)
    data = api.get(None, "/api/v1/questions").get_json()
    assert data["questions"][0]["id"] == first.id and data["questions"][0]["pinned"] is True
    assert [q["id"] for q in data["questions"]].count(first.id) == 1
    assert data["total"] == 2


# -- protect -------------------------------------------------------------------------

def test_protected_question_needs_reputation_to_answer(client, auth):
    question = make_question()
    moderator = make_user(role="moderator")
    threads.protect(moderator, question.id)
    assert audit_actions(question.id) == ["question.protected"]
    assert "Protected" in page_text(client, question)
    login(auth, make_user(reputation_points=5))
    r = client.post(f"/questions/{question.id}/answers",
                    data={"body": "Reinstall the wireless driver from the vendor site."})
    assert r.status_code == 403
    login(auth, make_user(reputation_points=10))
    r = client.post(f"/questions/{question.id}/answers",
                    data={"body": "Reinstall the wireless driver from the vendor site."})
    assert r.status_code == 303
    assert reload(Question, question.id).answer_count == 1
    threads.unprotect(moderator, question.id)
    assert reload(Question, question.id).protected_at is None
    with pytest.raises(Conflict):
        threads.unprotect(moderator, question.id)


# -- delete / undelete ---------------------------------------------------------------------

def test_moderator_deletes_and_undeletes_a_question(client, auth):
    question = make_question()
    moderator = make_user(role="moderator")
    login(auth, moderator)
    r = client.post(f"/moderation/posts/{question.id}/delete", data={"reason": "spam"})
    assert r.status_code == 303
    assert reload(Question, question.id).is_deleted
    page = page_text(client, question)
    assert "This question was deleted" in page and "Undelete" in page
    login(auth, make_user(reputation_points=20000))
    assert client.get(f"/questions/{question.id}/{question.slug}").status_code == 404
    auth.logout()
    assert client.get(f"/questions/{question.id}/{question.slug}").status_code == 404
    login(auth, moderator)
    assert client.post(f"/moderation/posts/{question.id}/undelete").status_code == 303
    assert not reload(Question, question.id).is_deleted
    assert audit_actions(question.id) == ["post.deleted", "post.undeleted"]


def test_deleted_answers_are_listed_for_moderators(client, auth):
    question = make_question()
    answer = make_answer(question, body="Delete the saved network and join it again.")
    moderator = make_user(role="moderator")
    threads.delete(moderator, answer.id, "wrong")
    member = make_user(reputation_points=20000)
    login(auth, member)
    assert "Delete the saved network" not in page_text(client, question)
    login(auth, moderator)
    page = page_text(client, question)
    assert "1 deleted answer" in page and "Delete the saved network" in page
    assert f"Undelete answer {answer.id}" in page
    client.post(f"/moderation/posts/{answer.id}/undelete")
    assert reload(Question, question.id).answer_count == 1
    assert audit_actions(answer.id) == ["post.deleted", "post.undeleted"]


# -- merge ----------------------------------------------------------------------------------

def _thread_with_votes(accept: bool):
    asker = make_user()
    question = make_question(asker)
    authors = [make_user(), make_user()]
    answers = [make_answer(question, authors[0], body="Roll back the driver to version 21.4."),
               make_answer(question, authors[1], body="Switch the band to 5 GHz in settings.")]
    voter = make_user(reputation_points=200)
    voting.cast_vote(voter, answers[0].id, 1)
    voting.cast_vote(voter, question.id, 1)
    if accept:
        accepting.accept_answer(asker, answers[0].id)
    return question, answers


def test_merge_moves_answers_and_keeps_acceptance_when_the_original_has_none(client, app):
    source, answers = _thread_with_votes(accept=True)
    target = make_question()
    make_answer(target, body="Check the router's firmware for updates first.")
    before = {a.author_id: reload(User, a.author_id).reputation for a in answers}
    moderator = make_user(role="moderator")
    threads.merge(moderator, source.id, target.id, "same problem")
    t, s = reload(Question, target.id), reload(Question, source.id)
    assert t.answer_count == 3 and t.accepted_answer_id == answers[0].id
    assert {a.question_id for a in (reload(Answer, a.id) for a in answers)} == {target.id}
    assert (s.status, s.closed_reason, s.duplicate_of_id, s.merged_into_id) == (
        "closed", "duplicate", target.id, target.id)
    assert s.is_deleted and s.answer_count == 0 and s.accepted_answer_id is None
    assert reload(Post, answers[0].id).score == 1          # votes stay on their posts
    assert {a.author_id: reload(User, a.author_id).reputation for a in answers} == before
    assert_ledgers_match()
    r = client.get(f"/questions/{source.id}/{source.slug}")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/questions/{target.id}/{t.slug}")
    assert client.get(f"/questions/{source.id}").status_code == 301
    assert audit_actions(source.id) == ["question.merged"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.merged"))
    assert json.loads(entry.details)["acceptance_kept"] is True
    page = page_text(client, t)
    assert "Switch the band to 5 GHz" in page


def test_merge_into_a_thread_with_an_accepted_answer_unaccepts_the_moved_one(app):
    source, answers = _thread_with_votes(accept=True)
    target_asker = make_user()
    target = make_question(target_asker)
    own = make_answer(target, body="Disable the power saving mode of the adapter.")
    accepting.accept_answer(target_asker, own.id)
    author = reload(User, answers[0].author_id)
    assert author.reputation == 1 + 10 + 15
    threads.merge(make_user(role="moderator"), source.id, target.id)
    t = reload(Question, target.id)
    assert t.accepted_answer_id == own.id and t.answer_count == 3
    assert reload(User, answers[0].author_id).reputation == 1 + 10      # acceptance reversed
    assert_ledgers_match()
    assert reputation.recount_all() == 0


def test_merge_refuses_bad_targets(app):
    source, other, dup = make_question(), make_question(), make_question()
    moderator = make_user(role="moderator")
    closing.vote_to_close(moderator, dup.id, inputs.CloseDraft("duplicate", other.id))
    for into, message in [(source.id, "itself"), (999999, "no question"), ("x", "number"),
                          (dup.id, f"question {other.id} instead")]:
        with pytest.raises(ValidationError, match=message):
            threads.merge(moderator, source.id, into)
    assert not reload(Question, source.id).is_deleted


def test_merge_page_confirms_first(client, auth):
    source, answers = _thread_with_votes(accept=False)
    target = make_question()
    login(auth, make_user(role="moderator"))
    r = client.get(f"/moderation/questions/{source.id}/merge?into={target.id}")
    assert r.status_code == 200 and "2 answers move to the original" in r.get_data(as_text=True)
    assert not reload(Question, source.id).is_deleted
    r = client.post(f"/moderation/questions/{source.id}/merge", data={"into": str(target.id)})
    assert r.status_code == 303 and reload(Question, target.id).answer_count == 2


# -- rollback --------------------------------------------------------------------------------

def test_rollback_adds_a_revision_equal_to_the_old_one(client, auth):
    author = make_user()
    question = make_question(author, title="Wi-Fi keeps disconnecting on my laptop today",
                             body="My laptop drops the Wi-Fi connection every few minutes.")
    ensure_tags("laptop")
    posting.edit_post(author, question.id, PostEdit(
        title="WIFI BROKEN!!! HELP NOW PLEASE", tags=("laptop",), comment="vandal",
        body="Nobody here knows anything, this product is rubbish and so are you."))
    moderator = make_user(role="moderator")
    login(auth, moderator)
    page = client.get(f"/posts/{question.id}/revisions").get_data(as_text=True)
    assert page.count("Roll back to this") == 1
    r = client.post(f"/moderation/posts/{question.id}/rollback", data={"revision": "1"})
    assert r.status_code == 303
    revs = posting.revisions(question.id)
    assert [r.number for r in revs] == [1, 2, 3]
    first, last = revs[0], revs[-1]
    assert (last.title, last.body, last.tags) == (first.title, first.body, first.tags)
    assert last.comment == "Rolled back to revision 1" and last.author_id == moderator.id
    q = reload(Question, question.id)
    assert q.title == first.title and q.tag_names == ["wifi"]
    assert db.session.get(Tag, db.session.scalar(select(Tag.id).where(Tag.name == "laptop"))
                          ).question_count == 0
    assert audit_actions(question.id) == ["post.rolled_back"]
    with pytest.raises(Conflict):
        threads.rollback(moderator, question.id, 3)
    with pytest.raises(Conflict):
        threads.rollback(moderator, question.id, 1)       # already reads as revision 1
    login(auth, make_user(reputation_points=20000))
    page = client.get(f"/posts/{question.id}/revisions").get_data(as_text=True)
    assert "Roll back to this" not in page
    assert client.post(f"/moderation/posts/{question.id}/rollback",
                       data={"revision": "2"}).status_code == 403


# -- who may do what -------------------------------------------------------------------------

def _suspended_moderator():
    user = make_user(role="moderator")
    user.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    return user


ACTORS = {
    "member": lambda: make_user(reputation_points=1),
    "high_rep": lambda: make_user(reputation_points=20000),
    "staff": lambda: make_user(role="staff"),
    "moderator": lambda: make_user(role="moderator"),
    "suspended_moderator": _suspended_moderator,
}


def _answer_of(question):
    return make_answer(question, body="Update the firmware and reset the adapter.")


ACTIONS = {
    "lock": lambda u, q: threads.lock(u, q.id, "calm down"),
    "pin": lambda u, q: threads.pin(u, q.id),
    "protect": lambda u, q: threads.protect(u, q.id),
    "delete": lambda u, q: threads.delete(u, q.id),
    "undelete": lambda u, q: (posting.delete_post(make_user(role="moderator"), q.id),
                              threads.undelete(u, q.id)),
    "merge": lambda u, q: threads.merge(u, q.id, make_question().id),
    "rollback": lambda u, q: (posting.edit_post(q.author, q.id, PostEdit(
        None, "A different body that is long enough to be a body.", None, "")),
        threads.rollback(u, q.id, 1)),
    "close": lambda u, q: closing.vote_to_close(u, q.id, inputs.CloseDraft("off_topic")),
}
ALLOWED = {
    "member": set(),
    "high_rep": {"close"},
    "staff": {"close"},
    "moderator": set(ACTIONS),
    "suspended_moderator": set(),
}
AUDITED = {"lock": "post.locked", "pin": "question.pinned", "protect": "question.protected",
           "delete": "post.deleted", "undelete": "post.undeleted", "merge": "question.merged",
           "rollback": "post.rolled_back"}


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(app, who, action):
    user = ACTORS[who]()
    question = make_question()
    if action in ALLOWED[who]:
        ACTIONS[action](user, question)
        if action in AUDITED:
            assert AUDITED[action] in audit_actions(question.id)
        if action == "close":
            q = reload(Question, question.id)
            assert q.status == ("closed" if user.is_staff else "open")
    else:
        with pytest.raises(PermissionDenied):
            ACTIONS[action](user, question)
        assert AUDITED.get(action) not in audit_actions(question.id)


# -- API ---------------------------------------------------------------------------------------

def test_api_lock_pin_protect(app, api):
    question = make_question(tags=("wifi",))
    moderator, member = make_user(role="moderator"), make_user(reputation_points=20000)
    url = f"/api/v1/posts/{question.id}/lock"
    assert api.post(None, url, json={"reason": "x"}).status_code == 401
    assert api.post(member, url, json={"reason": "x"}).status_code == 403
    assert api.post(moderator, "/api/v1/posts/999999/lock", json={"reason": "x"}).status_code == 404
    assert api.post(moderator, url, json={}).status_code == 422
    r = api.post(moderator, url, json={"reason": "flame war"})
    assert r.status_code == 200 and r.get_json()["locked"] is True
    assert r.get_json()["lock_reason"] == "flame war"
    assert api.post(moderator, url, json={"reason": "again"}).status_code == 409
    assert api.get(None, f"/api/v1/questions/{question.id}").get_json()["locked"] is True
    assert api.delete(member, url).status_code == 403
    assert api.delete(moderator, url).get_json()["locked"] is False

    pin = f"/api/v1/questions/{question.id}/pin"
    assert api.post(None, pin).status_code == 401
    assert api.post(member, pin).status_code == 403
    assert api.post(moderator, pin, json={"tag": "printing"}).status_code == 422
    r = api.post(moderator, pin, json={"tag": "wifi"})
    assert r.status_code == 200 and (r.get_json()["pinned"], r.get_json()["pinned_tag"]) == (True, "wifi")
    assert api.post(moderator, pin, json={"tag": "wifi"}).status_code == 409
    r = api.post(moderator, pin)                     # move it to the front page
    assert r.get_json()["pinned_tag"] is None
    assert api.delete(moderator, pin).get_json()["pinned"] is False
    assert api.delete(moderator, pin).status_code == 409

    protect = f"/api/v1/questions/{question.id}/protect"
    assert api.post(member, protect).status_code == 403
    assert api.post(moderator, protect).get_json()["protected"] is True
    assert api.get(None, f"/api/v1/questions/{question.id}").get_json()["protected"] is True
    assert api.post(moderator, protect).status_code == 409
    assert api.delete(moderator, protect).get_json()["protected"] is False
    assert audit_actions(question.id) == ["post.locked", "post.unlocked", "question.pinned",
                                          "question.pinned", "question.unpinned",
                                          "question.protected", "question.unprotected"]


def test_api_undelete_merge_rollback(app, api):
    moderator, member = make_user(role="moderator"), make_user(reputation_points=20000)
    question = make_question()
    posting.delete_post(moderator, question.id)
    url = f"/api/v1/posts/{question.id}/undelete"
    assert api.post(None, url).status_code == 401
    assert api.post(member, url).status_code == 403
    assert api.post(moderator, "/api/v1/posts/999999/undelete").status_code == 404
    r = api.post(moderator, url)
    assert r.status_code == 200 and r.get_json()["deleted"] is False
    assert api.post(moderator, url).status_code == 403          # not deleted any more

    source, _ = _thread_with_votes(accept=False)
    merge = f"/api/v1/questions/{source.id}/merge"
    assert api.post(None, merge, json={"into": question.id}).status_code == 401
    assert api.post(member, merge, json={"into": question.id}).status_code == 403
    assert api.post(moderator, merge, json={}).status_code == 422
    assert api.post(moderator, merge, json={"into": source.id}).status_code == 422
    r = api.post(moderator, merge, json={"into": question.id})
    assert r.status_code == 200
    assert r.get_json()["merged_into"] == question.id and r.get_json()["answer_count"] == 2
    assert api.post(moderator, merge, json={"into": question.id}).status_code == 404

    rollback = f"/api/v1/posts/{question.id}/rollback"
    posting.edit_post(moderator, question.id, PostEdit(
        None, "Something else entirely, written over the original text.", None, ""))
    assert api.post(None, rollback, json={"revision": 1}).status_code == 401
    assert api.post(member, rollback, json={"revision": 1}).status_code == 403
    assert api.post(moderator, rollback, json={"revision": "one"}).status_code == 422
    assert api.post(moderator, rollback, json={"revision": 9}).status_code == 404
    assert api.post(moderator, rollback, json={"revision": 2}).status_code == 409
    r = api.post(moderator, rollback, json={"revision": 1})
    assert r.status_code == 200 and r.get_json()["revision"] == 3
    assert reload(Question, question.id).body == posting.revisions(question.id)[0].body
