"""Official answers: staff stand behind an answer.

An answer marked official records who verified it, when, and which revision.
When someone who is not staff edits it afterwards, the verification goes stale:
the page says "verified an earlier revision" and links to what changed, until
staff confirm it again. The thread's banner links to its earliest official answer.
"""

from __future__ import annotations

from sqlalchemy import func, select

from forum import changes, permissions, signals
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.models import Answer, Question, Revision, utcnow
from forum.services import reputation
from forum.services.locking import lock_post, lock_users
from forum.signals import record_staff_action


def _lock(answer_id: int) -> tuple[Answer, Question]:
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.is_deleted:
        raise NotFound(f"Answer {answer_id} does not exist.")
    question = lock_post(answer.question_id)
    answer = lock_post(answer_id)
    return answer, question


def latest_revision(post_id: int) -> int:
    return db.session.scalar(
        select(func.max(Revision.number)).where(Revision.post_id == post_id)
    ) or 1


def refresh_thread(question: Question) -> None:
    """Point the question at its earliest official answer (or none)."""
    db.session.flush()
    question.official_answer_id = db.session.scalar(
        select(Answer.id).where(
            Answer.question_id == question.id, Answer.deleted_at.is_(None),
            Answer.official_at.is_not(None),
        ).order_by(Answer.official_at, Answer.id).limit(1)
    )


def _checked_version(question: Question, version: str | None) -> str | None:
    """The version a verification was checked against: one of the question's
    product's versions, by default the question's own."""
    from forum.services.products import version_names

    version = (version or "").strip() or question.product_version
    if version and version != question.product_version and version not in version_names(
            question.product):
        raise ValidationError({"version": f"Choose one of the listed versions of "
                                          f"{question.product or 'the product'}."})
    return version


@changes.transaction
def mark_official(user, answer_id: int, version: str | None = None) -> Answer:
    """Verify an answer, or confirm a stale verification again, recording the
    product version it was checked against (`version`, by default the question's).
    Marking an answer that is already verified and current only updates that version."""
    answer, question = _lock(answer_id)
    permissions.require("mark_official", user, answer)
    checked = _checked_version(question, version)
    if answer.is_official and not answer.official_stale:
        if version and checked != answer.official_version:
            answer.official_version = checked
            record_staff_action(user, "answer.official_version", ("post", answer.id),
                                version=checked)
        return answer
    answer.official_version = checked
    confirming = answer.is_official
    now = utcnow()
    answer.official_by_id = user.id
    answer.official_at = now
    answer.official_revision = latest_revision(answer.id)
    answer.official_stale = False
    if not confirming and answer.author_id != user.id:
        lock_users(answer.author_id)
        reputation.award(answer.author_id, reputation.ANSWER_OFFICIAL,
                         post_id=answer.id, actor_id=user.id)
        reputation.refresh(answer.author_id)
    refresh_thread(question)
    question.last_activity_at = now
    record_staff_action(user, "answer.confirmed" if confirming else "answer.official",
                        ("post", answer.id))
    if not confirming:
        signals.emit("official", actor_id=user.id, post_id=answer.id)
    return answer


@changes.transaction
def withdraw_official(user, answer_id: int) -> Answer:
    answer, question = _lock(answer_id)
    permissions.require("mark_official", user, answer)
    if not answer.is_official:
        raise Conflict("That answer is not marked official.")
    lock_users(answer.author_id)
    touched = reputation.reverse_for_post(answer.id, (reputation.ANSWER_OFFICIAL,))
    answer.official_by_id = None
    answer.official_at = None
    answer.official_revision = None
    answer.official_stale = False
    answer.official_version = None
    reputation.refresh(*touched)
    refresh_thread(question)
    record_staff_action(user, "answer.official_withdrawn", ("post", answer.id))
    return answer


def note_edit(answer: Answer, editor) -> None:
    """Called by an edit, before its revision is written: an edit by someone
    who is not staff leaves the verification pointing at an earlier revision.
    Staff who edit a verified answer stand behind the new text."""
    if not answer.is_official:
        return
    if editor.is_company_staff:
        if not answer.official_stale:
            answer.official_revision = latest_revision(answer.id) + 1
        return
    answer.official_stale = True


def changes_since_verified(answer: Answer) -> tuple[Revision | None, Revision | None]:
    """The verified revision and the current one, for the "what changed" page."""
    if not answer.is_official or answer.official_revision is None:
        return None, None
    revisions = {r.number: r for r in db.session.scalars(
        select(Revision).where(Revision.post_id == answer.id,
                               Revision.number.in_([answer.official_revision,
                                                    latest_revision(answer.id)]))
    )}
    return revisions.get(answer.official_revision), revisions.get(latest_revision(answer.id))
