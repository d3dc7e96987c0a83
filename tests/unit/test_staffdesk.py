"""The staff desk's queries, the recurring CSV, and role changes by an admin."""

import csv
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from forum import changes
from forum.errors import PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import KnownIssue, MeToo, User, utcnow
from forum.services import accounts, staffdesk
from forum.services.staffdesk import DeskFilters
from forum.signals import staff_action
from tests.factories import make_answer, make_question, make_user

ALL = DeskFilters()


def me_too(question, *, days_ago: float = 0, user=None):
    """A "me too" row `days_ago` days old, and the question's all-time count."""
    user = user or make_user()
    with changes.writing():             # commits, or joins `_seed_desk`'s unit
        db.session.add(MeToo(question_id=question.id, user_id=user.id,
                             created_at=utcnow() - timedelta(days=days_ago)))
        question.me_too_count += 1


def known(question, state, marker, *, fixed_in=None, reference="ENG-1", updated_days_ago=0):
    when = utcnow() - timedelta(days=updated_days_ago)
    with changes.writing():
        db.session.add(KnownIssue(question_id=question.id, state=state, reference=reference,
                                  fixed_in=fixed_in, marked_by_id=marker.id, created_at=when,
                                  updated_at=when))


def aged(question, days: float):
    question.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return question


@contextmanager
def count_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# ---------------------------------------------------------------- unanswered

def test_unanswered_lists_open_unanswered_questions_oldest_first(app):
    newer = aged(make_question(title="Newer printer question here"), 1)
    older = aged(make_question(title="Older printer question here"), 5)
    answered = aged(make_question(), 9)
    make_answer(answered)
    closed = aged(make_question(), 8)
    closed.status = "closed"
    deleted = aged(make_question(), 7)
    deleted.deleted_at = utcnow()
    db.session.commit()
    assert [q.id for q in staffdesk.unanswered(ALL)] == [older.id, newer.id]


def test_unanswered_filters_by_tag_and_product_and_limit(app):
    wifi = aged(make_question(tags=("wifi",), product="Router X"), 3)
    aged(make_question(tags=("printing",), product="Router X"), 2)
    aged(make_question(tags=("wifi",), product="Laptop Y"), 1)
    assert [q.id for q in staffdesk.unanswered(DeskFilters(tag="wifi", product="Router X"))] == [wifi.id]
    assert len(staffdesk.unanswered(DeskFilters(tag="wifi"))) == 2
    assert len(staffdesk.unanswered(DeskFilters(product="Router X"))) == 2
    assert [q.id for q in staffdesk.unanswered(DeskFilters(limit=1))] == [wifi.id]


# ---------------------------------------------------------------- recurring

def test_recurring_counts_me_toos_inside_the_window_only(app):
    q = make_question()
    me_too(q, days_ago=1)
    me_too(q, days_ago=10)
    me_too(q, days_ago=40)
    week = staffdesk.recurring(ALL, 7)
    month = staffdesk.recurring(ALL, 30)
    assert [(r.question.id, r.recent) for r in week] == [(q.id, 1)]
    assert [(r.question.id, r.recent) for r in month] == [(q.id, 2)]
    assert month[0].question.me_too_count == 3


def test_recurring_ranks_by_recent_count_then_newest_me_too(app):
    few = make_question()
    many = make_question()
    tie_old = make_question()
    tie_new = make_question()
    for _ in range(3):
        me_too(many, days_ago=2)
    me_too(few, days_ago=1)
    for _ in range(8):              # a big all-time count that is old does not rank
        me_too(few, days_ago=20)
    me_too(tie_old, days_ago=3)
    me_too(tie_old, days_ago=3)
    me_too(tie_new, days_ago=4)
    me_too(tie_new, days_ago=0.5)
    nothing = make_question()
    rows = staffdesk.recurring(ALL, 7)
    assert [r.question.id for r in rows] == [many.id, tie_new.id, tie_old.id, few.id]
    assert nothing.id not in [r.question.id for r in rows]


def test_recurring_shows_known_state_solved_and_skips_deleted(app):
    staff = make_user(role="staff")
    q = make_question()
    me_too(q)
    known(q, "fix_planned", staff)
    answer = make_answer(q)
    q.accepted_answer_id = answer.id
    gone = make_question()
    me_too(gone)
    gone.deleted_at = utcnow()
    db.session.commit()
    [row] = staffdesk.recurring(ALL, 7)
    assert row.question.id == q.id
    assert row.known_state == "fix_planned"
    assert row.question.solved and row.question.answer_count == 1


def test_recurring_filters_by_tag_and_product(app):
    a = make_question(tags=("wifi",), product="Router X")
    b = make_question(tags=("printing",), product="Router X")
    for q in (a, b):
        me_too(q)
    assert [r.question.id for r in staffdesk.recurring(DeskFilters(tag="wifi"), 7)] == [a.id]
    assert {r.question.id for r in staffdesk.recurring(DeskFilters(product="Router X"), 7)} == {a.id, b.id}
    assert staffdesk.recurring(DeskFilters(product="Other"), 7) == []


# ---------------------------------------------------------------- known issues

def test_known_issues_are_grouped_by_state_newest_update_first(app):
    staff = make_user(username="engineer", role="staff")
    a, b, c, d = (make_question() for _ in range(4))
    known(a, "investigating", staff, updated_days_ago=3)
    known(b, "investigating", staff, updated_days_ago=1)
    known(c, "fixed", staff, fixed_in="2.4.1", reference="https://bugs.example.com/77")
    known(d, "fixed", staff)
    d.deleted_at = utcnow()
    db.session.commit()
    groups = staffdesk.known_issues(ALL)
    assert list(groups) == ["investigating", "fix_planned", "fixed"]
    assert [r.question.id for r in groups["investigating"]] == [b.id, a.id]
    assert groups["fix_planned"] == []
    [fixed] = groups["fixed"]
    assert fixed.question.id == c.id
    assert (fixed.issue.fixed_in, fixed.issue.reference, fixed.issue.marked_by.username) == (
        "2.4.1", "https://bugs.example.com/77", "engineer")
    assert [r.question.id for r in staffdesk.known_issues(DeskFilters(tag="nope"))["investigating"]] == []


# ---------------------------------------------------------------- awaiting verification

def test_awaiting_verification_lists_trusted_unverified_answers_by_score(app):
    staff = make_user(role="staff")
    q = make_question()
    accepted = make_answer(q)                 # score 0 but accepted
    q.accepted_answer_id = accepted.id
    high = make_answer(q)
    high.score = 9
    five = make_answer(q)
    five.score = 5
    four = make_answer(q)                     # below the threshold, not accepted
    four.score = 4
    official = make_answer(q)
    official.score = 20
    official.official_at, official.official_by_id = utcnow(), staff.id
    deleted = make_answer(q)
    deleted.score = 12
    deleted.deleted_at = utcnow()
    on_deleted = make_question()
    orphan = make_answer(on_deleted)
    orphan.score = 30
    on_deleted.deleted_at = utcnow()
    db.session.commit()
    assert [a.id for a in staffdesk.awaiting_verification(ALL)] == [high.id, five.id, accepted.id]


@pytest.mark.parametrize("config_overrides", [{"STAFF_VERIFY_MIN_SCORE": 2}])
def test_awaiting_verification_threshold_comes_from_config(app, config_overrides):
    q = make_question(tags=("wifi",))
    two = make_answer(q)
    two.score = 2
    other = make_question(tags=("printing",))
    three = make_answer(other)
    three.score = 3
    db.session.commit()
    assert [a.id for a in staffdesk.awaiting_verification(ALL)] == [three.id, two.id]
    assert [a.id for a in staffdesk.awaiting_verification(DeskFilters(tag="wifi"))] == [two.id]


# ---------------------------------------------------------------- CSV

def test_recurring_csv_has_header_rows_and_neutralises_formulas(app):
    staff = make_user(role="staff")
    evil = make_question(title="=HYPERLINK(\"http://evil.example\")", tags=("wifi",),
                         product="@Router")
    plain = make_question(title="Printer is offline after update", tags=("printing", "windows"))
    me_too(evil, days_ago=2)
    me_too(evil, days_ago=12)
    me_too(plain, days_ago=1)
    known(plain, "fixed", staff, fixed_in="1.2")
    rows = list(csv.reader(io.StringIO(staffdesk.recurring_csv(ALL, 30))))
    assert rows[0] == ["question_id", "title", "url", "tags", "product", "me_too_last_30_days",
                       "me_too_total", "answers", "solved", "known_state", "created_at"]
    first, second = rows[1], rows[2]
    assert first[0] == str(evil.id)
    assert first[1] == "'=HYPERLINK(\"http://evil.example\")"
    assert first[2] == f"/questions/{evil.id}/{evil.slug}"
    assert first[4] == "'@Router"
    assert first[5:10] == ["2", "2", "0", "no", ""]
    assert second[1] == "Printer is offline after update"
    assert second[3] == "printing windows"
    assert second[5:10] == ["1", "1", "0", "no", "fixed"]
    assert second[10] == plain.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    week = list(csv.reader(io.StringIO(staffdesk.recurring_csv(ALL, 7))))
    assert week[0][5] == "me_too_last_7_days"
    assert [r[5] for r in week[1:]] == ["1", "1"]


# ---------------------------------------------------------------- query counts

def _seed_desk(n: int, staff):
    with changes.writing():                  # one commit for all of it
        for i in range(n):
            q = make_question(tags=("wifi", f"t{i}"))
            me_too(q)
            answer = make_answer(q)
            answer.score = 6
            known(q, ("investigating", "fix_planned", "fixed")[i % 3], staff)
            make_question(tags=("wifi",))        # unanswered


@pytest.mark.parametrize("call", [
    lambda: staffdesk.unanswered(ALL),
    lambda: staffdesk.recurring(ALL, 7),
    lambda: staffdesk.known_issues(ALL),
    lambda: staffdesk.awaiting_verification(ALL),
    lambda: staffdesk.recurring_csv(ALL, 30),
], ids=["unanswered", "recurring", "known", "awaiting", "csv"])
def test_each_list_runs_a_fixed_number_of_queries(app, call):
    staff = make_user(role="staff")
    _seed_desk(3, staff)                     # one known issue in each state
    db.session.expire_all()
    with count_queries() as few:
        call()
    _seed_desk(15, staff)
    db.session.expire_all()
    with count_queries() as many:
        result = call()
    assert result
    assert len(many) == len(few), (len(few), len(many))


# ---------------------------------------------------------------- roles

@pytest.fixture
def staff_actions():
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs))

    staff_action.connect(receiver)
    yield received
    staff_action.disconnect(receiver)


def test_set_role_by_an_admin_changes_the_role_and_sends_staff_action(app, staff_actions):
    admin = make_user(role="admin")
    member = make_user()
    accounts.set_role(member, "staff", actor=admin)
    assert db.session.get(User, member.id).role == "staff"
    [(sender, details)] = staff_actions
    assert sender.id == admin.id
    assert details["action"] == "user.role"
    assert details["target"] == ("user", member.id)
    assert details["reason"] == "member -> staff"


def test_set_role_without_actor_is_the_cli_path_and_sends_nothing(app, staff_actions):
    member = make_user()
    accounts.set_role(member, "moderator")
    assert db.session.get(User, member.id).role == "moderator"
    assert staff_actions == []


@pytest.mark.parametrize("role", ["member", "staff", "moderator"])
def test_set_role_by_a_non_admin_is_refused(app, staff_actions, role):
    actor = make_user(role=role)
    target = make_user()
    with pytest.raises(PermissionDenied):
        accounts.set_role(target, "admin", actor=actor)
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "member"
    assert staff_actions == []


def test_set_role_refuses_unknown_role(app):
    admin = make_user(role="admin")
    target = make_user()
    with pytest.raises(ValidationError) as e:
        accounts.set_role(target, "superuser", actor=admin)
    assert "role" in e.value.errors
    assert db.session.get(User, target.id).role == "member"


def test_last_admin_cannot_give_up_the_role_but_one_of_two_can(app, staff_actions):
    admin = make_user(role="admin")
    with pytest.raises(ValidationError, match="last admin"):
        accounts.set_role(admin, "member", actor=admin)
    assert db.session.get(User, admin.id).role == "admin"
    other = make_user(role="admin")
    accounts.set_role(admin, "staff", actor=admin)
    assert db.session.get(User, admin.id).role == "staff"
    assert db.session.get(User, other.id).role == "admin"
    assert [d["reason"] for _, d in staff_actions] == ["admin -> staff"]
