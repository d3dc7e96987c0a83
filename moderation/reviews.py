"""The review queue: edits suggested by users below the edit privilege, and the
first posts of new users.

The core creates the tasks (`forum.services.posting.suggest_edit`, and
`ask_question`/`post_answer` for a first post); reviewers decide here. Approving
a suggested edit applies it as a new revision by the suggester; the reviewer is
recorded on the task and in the audit log. A first post marked "needs a
moderator" also raises an open flag (reason "other", from the reviewer), so it
reaches the moderators' queue at /moderation with everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from forum import changes, permissions
from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import Flag, Post, Question, ReviewTask, utcnow
from forum.services import posting
from forum.services.locking import lock_post
from moderation import audit
from moderation.flags import posts_with_threads, thread_of
from moderation.inputs import REVIEW_DECISIONS, ReviewDecision

QUEUE_LIMIT = 50


@dataclass
class ReviewItem:
    task: ReviewTask
    post: Post
    question: Question | None

    @property
    def proposed_tags(self) -> list[str] | None:
        return self.task.tags.split() if self.task.tags is not None else None


def queue(reviewer, limit: int = QUEUE_LIMIT) -> list[ReviewItem]:
    """Pending tasks on posts that still exist, oldest first; never the
    reviewer's own suggestions or first posts."""
    permissions.require("review", reviewer)
    tasks = list(db.session.scalars(
        select(ReviewTask).join(Post, Post.id == ReviewTask.post_id)
        .where(ReviewTask.status == "pending", ReviewTask.author_id != reviewer.id,
               Post.deleted_at.is_(None))
        .order_by(ReviewTask.created_at, ReviewTask.id).limit(limit)))
    posts = posts_with_threads(t.post_id for t in tasks)
    return [ReviewItem(t, posts[t.post_id], thread_of(posts[t.post_id], posts))
            for t in tasks if t.post_id in posts]


def pending_count() -> int:
    return db.session.scalar(select(func.count(ReviewTask.id)).where(
        ReviewTask.status == "pending"))


def _needs_moderator_flag(reviewer, task: ReviewTask, note: str) -> None:
    """A rejected first post goes to the moderators as an open "other" flag."""
    if db.session.scalar(select(Flag.id).where(
            Flag.post_id == task.post_id, Flag.user_id == reviewer.id, Flag.status == "open")):
        return                          # the reviewer has flagged it already
    text = f"First-post review: needs a moderator. {note}".strip()
    db.session.add(Flag(post_id=task.post_id, user_id=reviewer.id, reason="other",
                        text=text[:500], status="open", created_at=utcnow()))


@changes.transaction
def decide(reviewer, task_id: int, decision: ReviewDecision) -> ReviewTask:
    """Approve or reject a pending task; one audit line either way."""
    if decision.decision not in REVIEW_DECISIONS:
        raise ValidationError({"decision": "The decision must be \"approve\" or \"reject\"."})
    permissions.require("review", reviewer)
    task = db.session.get(ReviewTask, task_id)
    if task is None:
        raise NotFound(f"Review task {task_id} does not exist.")
    if task.author_id == reviewer.id:
        raise PermissionDenied("You cannot review your own post or your own edit.")
    lock_post(task.post_id, include_deleted=True)      # serialises reviewers of the post
    db.session.refresh(task)
    if task.status != "pending":
        raise Conflict(f"This task was already {task.status}.")
    approved = decision.decision == "approve"
    if approved and task.kind == "suggested_edit":
        posting.apply_suggested_edit(task)
    elif not approved and task.kind == "first_post":
        _needs_moderator_flag(reviewer, task, decision.note)
    task.status = "approved" if approved else "rejected"
    task.decided_by_id = reviewer.id
    task.decided_at = utcnow()
    task.note = decision.note
    audit.record(reviewer, f"review.{task.status}", ("review", task.id), decision.note,
                 kind=task.kind, post_id=task.post_id, author_id=task.author_id)
    return task
