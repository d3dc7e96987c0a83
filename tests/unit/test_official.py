"""Official answers, known issues and "me too", through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import signals
from forum.errors import Conflict, PermissionDenied
from forum.extensions import db
from forum.inputs import KnownIssueDraft, PostEdit, parse_known_issue
from forum.models import Answer, KnownIssue, MeToo, Question, ReputationEvent, User, utcnow
from forum.services import accepting, browsing, known_issues, me_too, official, posting, reputation
from tests.factories import make_answer, make_question, make_user


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def suspended_staff():
    user = make_user(role="staff")
    user.suspended_until = utcnow() + timedelta(days=3)
    user.suspension_reason = "testing"
    db.session.commit()
    return user


@pytest.fixture
def thread(app):
    question = make_question()
    answer = make_answer(question)
    return question, answer


@pytest.fixture
def staff(app):
    return make_user("Sofia", role="staff")


# -------------------------------------------------------------- official

def test_staff_mark_official_records_who_when_and_the_revision(thread, staff):
    question, answer = thread
    official.mark_official(staff, answer.id)
    answer = fresh(Answer, answer.id)
    assert answer.is_official and answer.official_by_id == staff.id
    assert answer.official_revision == 1 and answer.official_stale is False
    question = fresh(Question, question.id)
    assert question.official_answer_id == answer.id
    assert question.solved and question.has_official_answer


def test_official_gives_the_author_reputation_once_and_withdraw_takes_it_back(thread, staff):
    _, answer = thread
    author_id = answer.author_id
    before = fresh(User, author_id).reputation
    official.mark_official(staff, answer.id)
    official.mark_official(staff, answer.id)          # again: nothing changes
    assert fresh(User, author_id).reputation == before + 15
    assert reputation.ledger_total(author_id) + 1 == fresh(User, author_id).reputation
    official.withdraw_official(staff, answer.id)
    assert fresh(User, author_id).reputation == before
    assert fresh(Question, answer.question_id).official_answer_id is None
    assert not fresh(Question, answer.question_id).solved


def test_staff_marking_their_own_answer_earns_nothing(staff):
    question = make_question()
    answer = make_answer(question, staff)
    official.mark_official(staff, answer.id)
    assert fresh(User, staff.id).reputation == 1
    assert db.session.scalar(select(func.count()).select_from(ReputationEvent).where(
        ReputationEvent.kind == reputation.ANSWER_OFFICIAL)) == 0


def test_withdrawing_an_answer_that_is_not_official_is_a_conflict(thread, staff):
    with pytest.raises(Conflict):
        official.withdraw_official(staff, thread[1].id)


@pytest.mark.parametrize("who", ["member", "moderator", "suspended staff", "high-rep member"])
def test_only_active_staff_mark_official(thread, who):
    user = {"member": lambda: make_user(),
            "moderator": lambda: make_user(role="moderator"),
            "suspended staff": suspended_staff,
            "high-rep member": lambda: make_user(reputation_points=50_000)}[who]()
    with pytest.raises(PermissionDenied):
        official.mark_official(user, thread[1].id)
    assert fresh(Answer, thread[1].id).official_at is None


def test_admins_are_staff_too(thread):
    official.mark_official(make_user(role="admin"), thread[1].id)
    assert fresh(Answer, thread[1].id).is_official


def test_an_edit_by_a_member_makes_the_verification_stale_until_staff_confirm(thread, staff):
    _, answer = thread
    official.mark_official(staff, answer.id)
    editor = make_user(reputation_points=2000)
    posting.edit_post(editor, answer.id, PostEdit(
        title=None, tags=None, comment="",
        body="Update the wireless driver, then disable power saving and reboot twice."))
    answer = fresh(Answer, answer.id)
    assert answer.official_stale and answer.official_revision == 1
    verified, current = official.changes_since_verified(answer)
    assert (verified.number, current.number) == (1, 2)
    author_rep = fresh(User, answer.author_id).reputation
    official.mark_official(staff, answer.id)            # confirm again
    answer = fresh(Answer, answer.id)
    assert not answer.official_stale and answer.official_revision == 2
    assert fresh(User, answer.author_id).reputation == author_rep   # no second award


def test_an_edit_by_staff_keeps_the_verification_current(thread, staff):
    _, answer = thread
    official.mark_official(staff, answer.id)
    posting.edit_post(staff, answer.id, PostEdit(
        title=None, tags=None, comment="",
        body="Update the wireless driver to 22.1 and turn off power saving for the adapter."))
    answer = fresh(Answer, answer.id)
    assert not answer.official_stale and answer.official_revision == 2


def test_answers_sort_official_then_accepted_then_score(app, staff):
    asker = make_user()
    question = make_question(asker)
    plain = make_answer(question)
    accepted = make_answer(question)
    verified = make_answer(question)
    voter = make_user(reputation_points=100)
    from forum.services import voting
    voting.cast_vote(voter, plain.id, 1)
    accepting.accept_answer(asker, accepted.id)
    official.mark_official(staff, verified.id)
    order = [a.id for a in browsing.load_thread(question.id).answers]
    assert order == [verified.id, accepted.id, plain.id]


def test_deleting_the_official_answer_clears_the_banner(thread, staff):
    question, answer = thread
    official.mark_official(staff, answer.id)
    posting.delete_post(make_user(role="moderator"), answer.id)
    assert fresh(Question, question.id).official_answer_id is None


def test_staff_actions_reach_the_staff_action_signal(thread, staff):
    seen = []

    def receiver(actor, **kw):
        seen.append((actor.id, kw["action"], kw["target"]))

    signals.staff_action.connect(receiver)
    try:
        official.mark_official(staff, thread[1].id)
        known_issues.mark_known(staff, thread[0].id, KnownIssueDraft("investigating", "BUG-1", None))
    finally:
        signals.staff_action.disconnect(receiver)
    assert seen == [(staff.id, "answer.official", ("post", thread[1].id)),
                    (staff.id, "question.known_issue", ("post", thread[0].id))]


# -------------------------------------------------------------- known issues

@pytest.mark.parametrize(("data", "field"), [
    ({"state": "broken", "reference": "BUG-1"}, "state"),
    ({"state": "investigating", "reference": ""}, "reference"),
    ({"state": "investigating", "reference": "x" * 301}, "reference"),
    ({"state": "investigating", "reference": "javascript://alert(1)"}, "reference"),
    ({"state": "fixed", "reference": "BUG-1"}, "fixed_in"),
    ({"state": "fixed", "reference": "BUG-1", "fixed_in": "v" * 51}, "fixed_in"),
    ({"state": ["fixed"], "reference": "BUG-1"}, "state"),
])
def test_known_issue_input_is_checked(app, data, field):
    draft, errors = parse_known_issue(data)
    assert draft is None and field in errors


def test_mark_update_and_clear_a_known_issue(thread, staff):
    question, _ = thread
    known_issues.mark_known(staff, question.id, KnownIssueDraft("investigating", "BUG-1234", None))
    known_issues.mark_known(staff, question.id,
                            KnownIssueDraft("fixed", "https://bugs.example.com/1234", "4.2.1"))
    issue = fresh(KnownIssue, question.id)
    assert (issue.state, issue.fixed_in, issue.state_label) == ("fixed", "4.2.1", "Fixed in 4.2.1")
    assert issue.reference_is_url
    assert db.session.scalar(select(func.count()).select_from(KnownIssue)) == 1
    known_issues.clear_known(staff, question.id)
    assert fresh(KnownIssue, question.id) is None
    with pytest.raises(Conflict):
        known_issues.clear_known(staff, question.id)


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_only_staff_mark_known_issues(thread, role):
    with pytest.raises(PermissionDenied):
        known_issues.mark_known(make_user(role=role), thread[0].id,
                                KnownIssueDraft("investigating", "BUG-1", None))
    with pytest.raises(PermissionDenied):
        known_issues.mark_known(suspended_staff(), thread[0].id,
                                KnownIssueDraft("investigating", "BUG-1", None))
    assert fresh(KnownIssue, thread[0].id) is None


# -------------------------------------------------------------- me too

def test_me_too_counts_once_per_user_and_can_be_undone(thread):
    question, _ = thread
    alice, bob = make_user(), make_user()
    assert me_too.set_me_too(alice, question.id, True).count == 1
    assert me_too.set_me_too(alice, question.id, True).count == 1
    assert me_too.set_me_too(bob, question.id, True).count == 2
    assert me_too.set_me_too(alice, question.id, False).count == 1
    assert fresh(Question, question.id).me_too_count == 1
    assert db.session.scalar(select(func.count()).select_from(MeToo)) == 1
    assert me_too.has_me_too(bob, question.id) and not me_too.has_me_too(alice, question.id)


def test_me_too_refuses_the_asker_and_suspended_users(thread):
    question, _ = thread
    with pytest.raises(PermissionDenied):
        me_too.set_me_too(fresh(User, question.author_id), question.id, True)
    with pytest.raises(PermissionDenied):
        me_too.set_me_too(suspended_staff(), question.id, True)
    assert fresh(Question, question.id).me_too_count == 0


def test_me_too_on_an_answer_id_is_not_found(thread):
    from forum.errors import NotFound

    with pytest.raises(NotFound):
        me_too.set_me_too(make_user(), thread[1].id, True)


