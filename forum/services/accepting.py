"""The asker accepts the answer that worked (one at a time, changeable)."""

from __future__ import annotations

from forum import changes, permissions, signals
from forum.errors import Conflict, NotFound
from forum.extensions import db
from forum.models import Answer, utcnow
from forum.services import reputation
from forum.services.locking import lock_post, lock_users


def _lock_answer_and_question(answer_id: int):
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.is_deleted:
        raise NotFound(f"Answer {answer_id} does not exist.")
    question = lock_post(answer.question_id)
    answer = lock_post(answer_id)
    return answer, question


def _reverse_acceptance(question) -> set[int]:
    if question.accepted_answer_id is None:
        return set()
    return reputation.reverse_for_post(question.accepted_answer_id, reputation.ACCEPT_KINDS)


@changes.transaction
def accept_answer(user, answer_id: int) -> Answer:
    answer, question = _lock_answer_and_question(answer_id)
    permissions.require("accept", user, answer)
    if question.accepted_answer_id == answer.id:
        return answer
    lock_users(user.id, answer.author_id, *_previous_author(question))
    touched = _reverse_acceptance(question)
    question.accepted_answer_id = answer.id
    question.last_activity_at = utcnow()
    if answer.author_id != user.id:
        reputation.award(answer.author_id, reputation.ANSWER_ACCEPTED,
                         post_id=answer.id, actor_id=user.id)
        reputation.award(user.id, reputation.ACCEPTED_ANSWER,
                         post_id=answer.id, actor_id=user.id)
        touched |= {answer.author_id, user.id}
    reputation.refresh(*touched)
    signals.emit("accepted", actor_id=user.id, post_id=answer.id)
    return answer


@changes.transaction
def unaccept_answer(user, answer_id: int) -> Answer:
    answer, question = _lock_answer_and_question(answer_id)
    permissions.require("accept", user, answer)
    if question.accepted_answer_id != answer.id:
        raise Conflict("That answer is not the accepted one.")
    lock_users(user.id, answer.author_id)
    touched = _reverse_acceptance(question)
    question.accepted_answer_id = None
    reputation.refresh(*touched)
    return answer


def _previous_author(question) -> list[int]:
    if question.accepted_answer_id is None:
        return []
    previous = db.session.get(Answer, question.accepted_answer_id)
    return [previous.author_id] if previous else []
