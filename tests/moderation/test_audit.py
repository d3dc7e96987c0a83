"""The audit log: staff actions in the core reach it, and it is append-only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.inputs import KnownIssueDraft
from forum.models import AuditEntry
from forum.models.moderation import AppendOnly
from forum.services import known_issues, official
from moderation import audit, inputs
from tests.factories import make_answer, make_question, make_user


def test_staff_actions_in_the_core_are_logged(app):
    staff = make_user("Sofia", role="staff")
    question = make_question()
    answer = make_answer(question)
    official.mark_official(staff, answer.id)
    known_issues.mark_known(staff, question.id, KnownIssueDraft("investigating", "BUG-7", None))
    official.withdraw_official(staff, answer.id)
    rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(r.actor_id, r.action, r.target_type, r.target_id) for r in rows] == [
        (staff.id, "answer.official", "post", answer.id),
        (staff.id, "question.known_issue", "post", question.id),
        (staff.id, "answer.official_withdrawn", "post", answer.id),
    ]
    assert rows[1].reason == "investigating: BUG-7"


def test_the_log_is_append_only(app):
    entry = audit.record(make_user(role="moderator"), "post.locked", ("post", 1), "heated",
                         days=3)
    db.session.commit()
    assert json.loads(entry.details) == {"days": 3}
    entry.reason = "rewritten"
    with pytest.raises(AppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AppendOnly):
        db.session.delete(db.session.get(AuditEntry, entry.id))
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).reason == "heated"


def test_filters(app):
    mod, other = make_user("mod_a", role="moderator"), make_user("mod_b", role="moderator")
    audit.record(mod, "post.locked", ("post", 1))
    audit.record(mod, "user.suspended", ("user", 5), "spam")
    audit.record(other, "post.locked", ("post", 2))
    db.session.commit()
    rows, total = audit.entries(inputs.LogFilter(actor="MOD_A"))
    assert total == 2 and {r.action for r in rows} == {"post.locked", "user.suspended"}
    rows, total = audit.entries(inputs.LogFilter(action="post."))
    assert total == 2 and [r.target_id for r in rows] == [2, 1]
    rows, total = audit.entries(inputs.LogFilter(target_type="user", target_id=5))
    assert total == 1 and rows[0].reason == "spam"


def test_a_moderator_deleting_through_the_core_button_is_logged_once(app, client, auth):
    from forum.services import posting

    author = make_user()
    question = make_question(author)
    moderator = make_user(role="moderator")
    auth.login(moderator)
    assert client.post(f"/posts/{question.id}/delete").status_code == 303
    posting.delete_post(author, make_question(author).id)       # the author's own: not logged
    posting.undelete_post(moderator, question.id, reason="deleted by mistake")
    rows = [(r.action, r.target_id, r.reason) for r in
            db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert rows == [("post.deleted", question.id, ""),
                    ("post.undeleted", question.id, "deleted by mistake")]
