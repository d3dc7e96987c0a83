"""Moderator actions on threads: lock, pin, protect, delete and undelete, merge
a duplicate into its original, roll a post back to an earlier revision.

Every action checks the "moderate" rule, runs in one transaction and writes its
audit line in that transaction. Deleting, undeleting and rolling back reuse the
core's services (`posting`), which commit themselves: the audit line is added to
the session first, so it commits with the change or rolls back with it.

Merging: the duplicate's answers (with their votes, comments and files) move to
the original; the duplicate stays as a redirect. It is closed as a duplicate,
`merged_into_id` points at the original, and it is soft-deleted so it leaves
lists, tag counts and search; its page answers 301 to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from forum import changes, permissions
from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.inputs import PostEdit
from forum.models import Answer, CloseVote, Post, Question, Revision, User, utcnow
from forum.services import browsing, official, posting, reputation
from forum.services.locking import lock_post, lock_users
from moderation import audit, closing, inputs, lookup


def _question(post: Post) -> Question:
    if not isinstance(post, Question):
        raise NotFound(f"Question {post.id} does not exist.")
    return post


def clean_reason(value, *, required: bool, field_name: str = "reason") -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if required and not text:
        raise ValidationError({field_name: "Say why, in a few words."})
    limit = int(current_app.config["MODERATION_REASON_MAX"])
    if len(text) > limit:
        raise ValidationError({field_name: f"Keep the reason under {limit} characters."})
    return text


# -- lock -------------------------------------------------------------------------

@changes.transaction
def lock(user, post_id: int, reason) -> Post:
    """Lock a post (a question locks its whole thread): no votes, answers,
    comments or edits except by moderators."""
    permissions.require("moderate", user)
    reason = clean_reason(reason, required=True)
    post = lock_post(post_id)
    if post.is_locked:
        raise Conflict("This post is already locked.")
    post.locked_at = utcnow()
    post.lock_reason = reason
    audit.record(user, "post.locked", ("post", post.id), reason, kind=post.type)
    return post


@changes.transaction
def unlock(user, post_id: int, reason=None) -> Post:
    permissions.require("moderate", user)
    reason = clean_reason(reason, required=False)
    post = lock_post(post_id)
    if not post.is_locked:
        raise Conflict("This post is not locked.")
    previous = post.lock_reason
    post.locked_at = None
    post.lock_reason = None
    audit.record(user, "post.unlocked", ("post", post.id), reason, kind=post.type,
                 was=previous)
    return post


# -- pin ----------------------------------------------------------------------------

@changes.transaction
def pin(user, question_id: int, tag: str | None = None) -> Question:
    """Pin to the front page (no tag) or to the top of one of the question's tags."""
    permissions.require("moderate", user)
    question = _question(lock_post(question_id))
    tag = (tag or "").strip().lower() or None
    if tag is not None and tag not in question.tag_names:
        raise ValidationError({"tag": f"This question is not tagged '{tag}'; pin it to "
                                      "the front page or to one of its own tags."})
    if question.pinned_at is not None and question.pinned_tag == tag:
        raise Conflict("This question is already pinned there.")
    previous = question.pinned_tag if question.pinned_at else None
    question.pinned_at = utcnow()
    question.pinned_tag = tag
    audit.record(user, "question.pinned", ("post", question.id),
                 f"tag {tag}" if tag else "front page", tag=tag, moved_from=previous)
    return question


@changes.transaction
def unpin(user, question_id: int) -> Question:
    permissions.require("moderate", user)
    question = _question(lock_post(question_id, include_deleted=True))
    if question.pinned_at is None:
        raise Conflict("This question is not pinned.")
    tag = question.pinned_tag
    question.pinned_at = None
    question.pinned_tag = None
    audit.record(user, "question.unpinned", ("post", question.id),
                 f"tag {tag}" if tag else "front page", tag=tag)
    return question


# -- protect ------------------------------------------------------------------------

@changes.transaction
def protect(user, question_id: int, reason=None) -> Question:
    """Answers only from users with PROTECTED_MIN_REP reputation."""
    permissions.require("moderate", user)
    reason = clean_reason(reason, required=False)
    question = _question(lock_post(question_id))
    if question.protected_at is not None:
        raise Conflict("This question is already protected.")
    question.protected_at = utcnow()
    audit.record(user, "question.protected", ("post", question.id), reason)
    return question


@changes.transaction
def unprotect(user, question_id: int, reason=None) -> Question:
    permissions.require("moderate", user)
    reason = clean_reason(reason, required=False)
    question = _question(lock_post(question_id))
    if question.protected_at is None:
        raise Conflict("This question is not protected.")
    question.protected_at = None
    audit.record(user, "question.unprotected", ("post", question.id), reason)
    return question


# -- delete / undelete ----------------------------------------------------------------

def delete(user, post_id: int, reason=None) -> Post:
    """A moderator's soft delete (the core's, which reverses the post's
    reputation), with an audit line."""
    permissions.require("moderate", user)
    reason = clean_reason(reason, required=False)
    # The core logs a moderator's deletion of someone else's post (staff_action).
    return posting.delete_post(user, post_id, reason=reason or "")


def undelete(user, post_id: int, reason=None) -> Post:
    """Undelete: moderators any post (audited); authors what they deleted themselves."""
    reason = clean_reason(reason, required=False)
    # The core logs a moderator's undeletion of someone else's post (staff_action).
    return posting.undelete_post(user, post_id, reason=reason or "")


# -- merge --------------------------------------------------------------------------

@dataclass
class MergePlan:
    """What a merge would do, for the confirmation page."""

    source: Question
    target: Question
    answers: list[Answer] = field(default_factory=list)
    keeps_acceptance: bool = False      # the source's accepted answer stays accepted


def _merge_pair(source_id: int, target_id, *, lock: bool = True) -> tuple[Question, Question]:
    given, target_id = target_id, inputs.question_id_of(target_id)
    if target_id is None and inputs.original_title(given):
        target_id = lookup.original_by_title(inputs.original_title(given), exclude=source_id,
                                             field="into").id
    if target_id is None:
        raise ValidationError({"into": "Give the number, the address or the title of the "
                                       "question to merge into."})
    locked: dict[int, Post | None] = {}
    for post_id in sorted({source_id, target_id}):      # posts lock in id order
        if not lock:
            locked[post_id] = db.session.get(Post, post_id)
            continue
        try:
            locked[post_id] = lock_post(post_id, include_deleted=True)
        except NotFound:
            locked[post_id] = None
    source, target = locked[source_id], locked[target_id]
    if not isinstance(source, Question) or source.is_deleted:
        raise NotFound(f"Question {source_id} does not exist.")
    if target_id == source_id:
        raise ValidationError({"into": "A question cannot be merged into itself."})
    if not isinstance(target, Question) or target.is_deleted:
        raise ValidationError({"into": f"There is no question {target_id}."})
    if target.duplicate_of_id == source.id or target.merged_into_id is not None:
        raise ValidationError({"into": f"Question {target.id} is itself a duplicate of this one."})
    if target.status == "closed" and target.closed_reason == "duplicate":
        pointer = f" Merge into question {target.duplicate_of_id} instead." if target.duplicate_of_id else ""
        raise ValidationError({"into": f"Question {target.id} is itself closed as a duplicate.{pointer}"})
    return source, target


def plan_merge(user, source_id: int, target_id) -> MergePlan:
    """Check a merge without doing it (nothing is written, nothing locked)."""
    permissions.require("moderate", user)
    source, target = _merge_pair(source_id, target_id, lock=False)
    answers = list(db.session.scalars(
        select(Answer).where(Answer.question_id == source.id).order_by(Answer.id)))
    keeps = source.accepted_answer_id is not None and target.accepted_answer_id is None
    return MergePlan(source=source, target=target, answers=answers, keeps_acceptance=keeps)


@changes.transaction
def merge(user, source_id: int, target_id, reason=None) -> Question:
    """Move every answer of `source` to `target`, close `source` as its duplicate
    and keep it (soft-deleted) as a redirect. Returns the target."""
    permissions.require("moderate", user)
    reason = clean_reason(reason, required=False)
    source, target = _merge_pair(source_id, target_id)
    now = utcnow()
    answers = list(db.session.scalars(
        select(Answer).where(Answer.question_id == source.id).order_by(Answer.id)))
    touched: set[int] = set()
    accepted = source.accepted_answer_id
    kept = accepted is not None and target.accepted_answer_id is None
    if accepted is not None and not kept:      # the original's own acceptance wins
        touched |= reputation.reverse_for_post(accepted, reputation.ACCEPT_KINDS)
    for answer in answers:
        answer.question_id = target.id
    if kept:
        target.accepted_answer_id = accepted
    source.accepted_answer_id = None
    db.session.flush()
    official.refresh_thread(target)
    official.refresh_thread(source)
    target.answer_count = posting.count_answers(target.id)
    target.last_activity_at = now
    # The duplicate: closed, pointing at the original, deleted like any
    # deleted question (its own votes' reputation is reversed).
    source.answer_count = 0
    source.status = "closed"
    source.closed_reason = "duplicate"
    source.closed_at = source.closed_at or now
    source.duplicate_of_id = target.id
    source.merged_into_id = target.id
    source.pinned_at = None
    source.pinned_tag = None
    for vote in db.session.scalars(select(CloseVote).where(
            CloseVote.question_id == source.id, CloseVote.spent_at.is_(None))):
        vote.spent_at = now
    # Questions closed as duplicates of the merged one now point at the original.
    repointed = list(db.session.scalars(select(Question).where(
        Question.duplicate_of_id == source.id, Question.id != source.id)))
    for other in repointed:
        other.duplicate_of_id = target.id
    lock_users(*touched)
    reputation.refresh(*touched)
    # Deleted like any deleted question (its own votes' reputation reversed); the
    # merge's own audit line below says so, so the deletion adds none.
    posting.delete_post(user, source.id, reason=reason or "", audited=False)
    audit.record(user, "question.merged", ("post", source.id), reason, into=target.id,
                 answers=[a.id for a in answers], accepted_answer=accepted,
                 acceptance_kept=kept, repointed_duplicates=[q.id for q in repointed])
    return target


# -- rollback -------------------------------------------------------------------------

@changes.transaction
def rollback(user, post_id: int, number) -> Revision:
    """Make revision `number` current again, as a new revision."""
    permissions.require("moderate", user)
    if isinstance(number, bool) or not isinstance(number, int | str) or not str(number).isdigit():
        raise ValidationError({"revision": "Give the number of the revision to roll back to."})
    number = int(number)
    post = posting.get_post(post_id)
    revisions = posting.revisions(post.id)
    target = next((r for r in revisions if r.number == number), None)
    if target is None:
        raise NotFound(f"Post {post.id} has no revision {number}.")
    if target.number == revisions[-1].number:
        raise Conflict(f"Revision {number} is the current one.")
    is_question = isinstance(post, Question)
    tags = tuple(target.tags.split()) if is_question and target.tags else None
    if (target.body == post.body and (not is_question or (
            target.title == post.title and set(tags or ()) == set(post.tag_names)))):
        raise Conflict(f"The post already reads as revision {number}.")
    edit = PostEdit(title=target.title if is_question else None, body=target.body,
                    tags=tags if is_question else None,
                    comment=f"Rolled back to revision {number}")
    audit.record(user, "post.rolled_back", ("post", post.id), f"to revision {number}",
                 revision=number, new_revision=revisions[-1].number + 1)
    posting.edit_post(user, post.id, edit)       # joins this unit: one commit with the audit line
    return posting.revisions(post.id)[-1]


# -- what the thread page shows ------------------------------------------------------

@dataclass
class ThreadState:
    """Moderation facts of one thread for its page."""

    original: Question | None            # the question this one duplicates
    merged_into: Question | None
    duplicates: list[Question]           # questions closed as duplicates of this one
    tally: closing.Tally | None
    deleted_answers: list[Answer]        # moderators only
    deleted_by: str | None = None


def thread_state(question: Question, viewer=None) -> ThreadState:
    original = None
    if question.duplicate_of_id:
        found = db.session.get(Post, question.duplicate_of_id)
        if isinstance(found, Question) and not found.is_deleted:
            original = found
    merged_into = db.session.get(Post, question.merged_into_id) if question.merged_into_id else None
    signed_in = getattr(viewer, "is_authenticated", False)
    moderator = signed_in and viewer.is_moderator
    tally = None
    if signed_in and not question.is_deleted and permissions.has_privilege(viewer, "close"):
        tally = closing.tally(question, viewer)
    deleted = []
    deleted_by = None
    if moderator:
        deleted = list(db.session.scalars(select(Answer).where(
            Answer.question_id == question.id, Answer.deleted_at.is_not(None))
            .order_by(Answer.deleted_at.desc())))
        if question.deleted_by_id:
            who = db.session.get(User, question.deleted_by_id)
            deleted_by = who.username if who else None
    return ThreadState(original=original, merged_into=merged_into,
                       duplicates=browsing.linked_duplicates(question.id), tally=tally,
                       deleted_answers=deleted, deleted_by=deleted_by)


def require_moderator(user) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
    permissions.require("moderate", user)
