"""Known issues: staff escalate a thread to engineering and say where it stands."""

from __future__ import annotations

from forum import changes, permissions
from forum.errors import Conflict
from forum.extensions import db
from forum.inputs import KnownIssueDraft
from forum.models import KnownIssue, Question, utcnow
from forum.services import escalation
from forum.services.locking import lock_post
from forum.services.posting import get_question
from forum.signals import record_staff_action


@changes.transaction
def mark_known(user, question_id: int, draft: KnownIssueDraft) -> KnownIssue:
    """Mark a thread as a known issue, or update its state and reference."""
    question = lock_post(question_id)
    if not isinstance(question, Question):
        get_question(question_id)       # raises NotFound
    permissions.require("mark_known", user, question)
    issue = db.session.get(KnownIssue, question.id)
    new = issue is None
    if new:
        issue = KnownIssue(question_id=question.id, created_at=utcnow())
        db.session.add(issue)
    issue.reference = draft.reference
    issue.marked_by_id = user.id
    # Everyone affected hears of a new state; "fixed in X" asks them whether it did.
    escalation.change_state(question, issue, draft.state, draft.fixed_in, user.id, new=new)
    issue.updated_at = question.last_activity_at = utcnow()
    record_staff_action(user, "question.known_issue", ("post", question.id),
                        reason=f"{draft.state}: {draft.reference}")
    return issue


@changes.transaction
def clear_known(user, question_id: int) -> None:
    question = lock_post(question_id)
    permissions.require("mark_known", user, question)
    issue = db.session.get(KnownIssue, question.id)
    if issue is None:
        raise Conflict("This thread is not marked as a known issue.")
    db.session.delete(issue)
    record_staff_action(user, "question.known_issue_cleared", ("post", question.id))
