"""Closing and reopening questions by vote.

Users with the close privilege vote with a reason (`CLOSE_REASONS`); a duplicate
vote names the original. `CLOSE_VOTES_NEEDED` live votes close the question with
the most common reason (ties go to the reason voted first; for a duplicate, the
original named most often, ties again to the earliest). A vote from staff, a
moderator or an admin is binding and closes at once with its own reason.
Reopening works the same way, without a reason.

Each user has at most one live vote per question and action (the partial unique
index `uq_close_votes_live`). When the question changes state the round's votes
are spent (`spent_at`), so the next round starts from zero.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum import changes, permissions
from forum.errors import Conflict, NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import CLOSE_REASONS, CloseVote, Post, Question, utcnow
from forum.services.locking import lock_post
from moderation import audit, flags, lookup
from moderation.inputs import CloseDraft

REASON_LABELS = {
    "duplicate": "Duplicate: this question already has an answer",
    "needs_details": "Needs details: device, OS, version or steps to reproduce are missing",
    "not_reproducible": "Cannot reproduce, or resolved elsewhere",
    "off_topic": "Off-topic",
}
SHORT_LABELS = {
    "duplicate": "duplicate",
    "needs_details": "needs details",
    "not_reproducible": "cannot reproduce",
    "off_topic": "off-topic",
}
ACTIONS = ("close", "reopen")


@dataclass
class Outcome:
    """Where a question stands after a vote: its state and the round's count."""

    question: Question
    action: str          # the action of the round voted in (close | reopen)
    votes: int           # live votes in this round (the deciding round's, when it changed)
    needed: int
    changed: bool        # this vote closed or reopened the question

    @property
    def status(self) -> str:
        return self.question.status or "open"


def votes_needed() -> int:
    return int(current_app.config["CLOSE_VOTES_NEEDED"])


def live_votes(question_id: int, action: str | None = None) -> list[CloseVote]:
    """The votes of the current round, earliest first."""
    stmt = select(CloseVote).where(CloseVote.question_id == question_id,
                                   CloseVote.spent_at.is_(None))
    if action is not None:
        stmt = stmt.where(CloseVote.action == action)
    return list(db.session.scalars(stmt.order_by(CloseVote.created_at, CloseVote.id)))


def current_action(question: Question) -> str:
    return "reopen" if question.status == "closed" else "close"


def _lock_question(question_id: int) -> Question:
    question = lock_post(question_id)
    if not isinstance(question, Question):
        raise NotFound(f"Question {question_id} does not exist.")
    return question


def check_original(question: Question, original_id: int | None) -> Question:
    """The question a duplicate points at: an existing, undeleted, different
    question that is not itself closed as a duplicate."""
    if original_id is None:
        raise ValidationError({"duplicate_of": "Name the question this one duplicates."})
    original = db.session.get(Post, original_id)
    if not isinstance(original, Question) or original.is_deleted or original.is_hidden:
        raise ValidationError({"duplicate_of": f"There is no question {original_id}."})
    if original.id == question.id:
        raise ValidationError({"duplicate_of": "A question cannot duplicate itself."})
    if original.duplicate_of_id == question.id:
        raise ValidationError({"duplicate_of": (
            f"Question {original.id} is itself closed as a duplicate of this one.")})
    if original.status == "closed" and original.closed_reason == "duplicate":
        pointer = (f" Point at its original, question {original.duplicate_of_id}, instead."
                   if original.duplicate_of_id else "")
        raise ValidationError({"duplicate_of": (
            f"Question {original.id} is itself closed as a duplicate.{pointer}")})
    return original


def _winner(votes: list[CloseVote]) -> tuple[str, int | None]:
    """The most common reason, ties to the one voted first; for a duplicate
    the original named most often, ties likewise."""
    reasons = Counter(v.reason for v in votes)
    order = {}
    for i, v in enumerate(votes):
        order.setdefault(v.reason, i)
    reason = max(reasons, key=lambda r: (reasons[r], -order[r]))
    if reason != "duplicate":
        return reason, None
    dupes = [v for v in votes if v.reason == "duplicate" and v.duplicate_of_id]
    counts = Counter(v.duplicate_of_id for v in dupes)
    first = {}
    for i, v in enumerate(dupes):
        first.setdefault(v.duplicate_of_id, i)
    if not counts:
        return reason, None
    return reason, max(counts, key=lambda o: (counts[o], -first[o]))


def _add_vote(user, question: Question, action: str, reason: str | None = None,
              duplicate_of_id: int | None = None) -> CloseVote:
    mine = db.session.scalar(select(CloseVote.id).where(
        CloseVote.question_id == question.id, CloseVote.user_id == user.id,
        CloseVote.action == action, CloseVote.spent_at.is_(None)))
    if mine is not None:
        raise Conflict(f"You have already voted to {action} this question.")
    vote = CloseVote(question_id=question.id, user_id=user.id, action=action, reason=reason,
                     duplicate_of_id=duplicate_of_id, binding=bool(user.is_staff),
                     created_at=utcnow())
    db.session.add(vote)
    try:
        db.session.flush()
    except IntegrityError:      # a concurrent request of the same user won the race
        raise Conflict(f"You have already voted to {action} this question.") from None
    return vote


def _spend(votes: list[CloseVote]) -> None:
    now = utcnow()
    for vote in votes:
        vote.spent_at = now


def _voters(votes: list[CloseVote]) -> list[dict[str, Any]]:
    return [{"id": v.user_id, "username": v.user.username, "binding": v.binding,
             "reason": v.reason, "duplicate_of": v.duplicate_of_id} for v in votes]


def _close(user, question: Question, votes: list[CloseVote], deciding: CloseVote) -> None:
    if deciding.binding:
        reason, original_id = deciding.reason, deciding.duplicate_of_id
    else:
        reason, original_id = _winner(votes)
    now = utcnow()
    question.status = "closed"
    question.closed_reason = reason
    question.closed_at = now
    question.duplicate_of_id = original_id if reason == "duplicate" else None
    question.last_activity_at = now
    _spend(votes)
    audit.record(user, "question.closed", ("post", question.id), SHORT_LABELS[reason],
                 reason_code=reason, duplicate_of=question.duplicate_of_id,
                 binding=deciding.binding, voters=_voters(votes))
    if question.duplicate_of_id is not None:
        # The flags were right: marked helpful by whoever closed it (the system, for a vote).
        flags.resolve_duplicate_flags(user if deciding.binding else None, question,
                                      question.duplicate_of_id)


def _reopen(user, question: Question, votes: list[CloseVote], deciding: CloseVote) -> None:
    previous = question.closed_reason
    question.status = "open"
    question.closed_reason = None
    question.closed_at = None
    question.duplicate_of_id = None
    question.last_activity_at = utcnow()
    _spend(votes)
    audit.record(user, "question.reopened", ("post", question.id),
                 f"was closed as {SHORT_LABELS.get(previous, previous or 'closed')}",
                 binding=deciding.binding, voters=_voters(votes))


def _decide(user, question: Question, action: str, vote: CloseVote) -> Outcome:
    votes = live_votes(question.id, action)
    needed = votes_needed()
    changed = vote.binding or len(votes) >= needed
    if changed:
        (_close if action == "close" else _reopen)(user, question, votes, vote)
    return Outcome(question=question, action=action, votes=len(votes), needed=needed,
                   changed=changed)


@changes.transaction
def vote_to_close(user, question_id: int, draft: CloseDraft) -> Outcome:
    question = _lock_question(question_id)
    permissions.require("close", user, question)
    if draft.reason not in CLOSE_REASONS:
        raise ValidationError({"reason": "Choose a reason: " + ", ".join(CLOSE_REASONS)})
    original_id = None
    if draft.reason == "duplicate":
        named = lookup.resolve_original(draft.duplicate_of, draft.duplicate_title,
                                        exclude=question.id)
        original_id = check_original(question, named).id
    vote = _add_vote(user, question, "close", draft.reason, original_id)
    outcome = _decide(user, question, "close", vote)
    return outcome


@changes.transaction
def vote_to_reopen(user, question_id: int) -> Outcome:
    question = _lock_question(question_id)
    permissions.require("reopen", user, question)
    vote = _add_vote(user, question, "reopen")
    outcome = _decide(user, question, "reopen", vote)
    return outcome


@changes.transaction
def retract_vote(user, question_id: int) -> Outcome:
    """Take back your live vote in the current round (to close an open question,
    or to reopen a closed one)."""
    question = _lock_question(question_id)
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
    action = current_action(question)
    mine = db.session.scalar(select(CloseVote).where(
        CloseVote.question_id == question.id, CloseVote.user_id == user.id,
        CloseVote.action == action, CloseVote.spent_at.is_(None)))
    if mine is None:
        raise NotFound(f"You have no vote to {action} this question to take back.")
    db.session.delete(mine)
    db.session.flush()
    outcome = Outcome(question=question, action=action,
                      votes=len(live_votes(question.id, action)), needed=votes_needed(),
                      changed=False)
    return outcome


@dataclass
class Tally:
    """The current round on a question, for its page."""

    action: str
    votes: list[CloseVote]
    needed: int
    mine: CloseVote | None
    originals: dict[int, Question] = field(default_factory=dict)   # duplicate votes' targets

    @property
    def count(self) -> int:
        return len(self.votes)


def tally(question: Question, viewer=None) -> Tally:
    action = current_action(question)
    votes = live_votes(question.id, action)
    viewer_id = getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None
    mine = next((v for v in votes if v.user_id == viewer_id), None)
    named = {v.duplicate_of_id for v in votes if v.duplicate_of_id}
    originals = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_(named)))} if named else {}
    return Tally(action=action, votes=votes, needed=votes_needed(), mine=mine,
                 originals=originals)
