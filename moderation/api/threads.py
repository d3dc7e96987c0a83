"""API v1 (moderation): close, reopen, lock, pin, protect, undelete, merge, rollback.

Same services and permissions as the moderation panel on the thread page.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from forum.api import api_user, json_body, serialize
from forum.errors import ValidationError
from forum.models import Post, Question
from moderation import closing, inputs, threads
from moderation.api import bp


def _optional_body() -> dict[str, Any]:
    """A JSON body when one is sent; none is fine for these actions."""
    if not request.get_data(cache=True):
        return {}
    return json_body()


def _outcome(outcome: closing.Outcome) -> dict[str, Any]:
    q = outcome.question
    return {"id": q.id, "status": outcome.status, "closed_reason": q.closed_reason,
            "duplicate_of": q.duplicate_of_id, "action": outcome.action,
            "votes": outcome.votes, "needed": outcome.needed, "changed": outcome.changed}


def _post_state(post: Post) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": post.id, "type": post.type, "deleted": post.is_deleted,
        "locked": post.is_locked, "lock_reason": post.lock_reason,
        "locked_at": serialize.iso(post.locked_at),
    }
    if isinstance(post, Question):
        data.update(status=post.status, closed_reason=post.closed_reason,
                    duplicate_of=post.duplicate_of_id, merged_into=post.merged_into_id,
                    protected=post.protected_at is not None,
                    pinned=post.pinned_at is not None,
                    pinned_tag=post.pinned_tag if post.pinned_at is not None else None,
                    url=serialize.question_url(post))
    return data


@bp.post("/questions/<int:question_id>/close")
def close(question_id: int):
    user = api_user()
    draft, errors = inputs.parse_close(json_body())
    if errors:
        raise ValidationError(errors)
    return jsonify(_outcome(closing.vote_to_close(user, question_id, draft)))


@bp.post("/questions/<int:question_id>/reopen")
def reopen(question_id: int):
    user = api_user()
    return jsonify(_outcome(closing.vote_to_reopen(user, question_id)))


@bp.delete("/questions/<int:question_id>/close-vote")
def retract(question_id: int):
    user = api_user()
    return jsonify(_outcome(closing.retract_vote(user, question_id)))


@bp.post("/posts/<int:post_id>/lock")
def lock(post_id: int):
    user = api_user()
    return jsonify(_post_state(threads.lock(user, post_id, json_body().get("reason"))))


@bp.delete("/posts/<int:post_id>/lock")
def unlock(post_id: int):
    user = api_user()
    return jsonify(_post_state(threads.unlock(user, post_id, _optional_body().get("reason"))))


@bp.post("/questions/<int:question_id>/pin")
def pin(question_id: int):
    user = api_user()
    tag = _optional_body().get("tag")
    if tag is not None and not isinstance(tag, str):
        raise ValidationError({"tag": "A tag name, or leave it out for the front page."})
    return jsonify(_post_state(threads.pin(user, question_id, tag)))


@bp.delete("/questions/<int:question_id>/pin")
def unpin(question_id: int):
    user = api_user()
    return jsonify(_post_state(threads.unpin(user, question_id)))


@bp.post("/questions/<int:question_id>/protect")
def protect(question_id: int):
    user = api_user()
    return jsonify(_post_state(threads.protect(user, question_id,
                                               _optional_body().get("reason"))))


@bp.delete("/questions/<int:question_id>/protect")
def unprotect(question_id: int):
    user = api_user()
    return jsonify(_post_state(threads.unprotect(user, question_id,
                                                 _optional_body().get("reason"))))


@bp.post("/posts/<int:post_id>/undelete")
def undelete(post_id: int):
    user = api_user()
    return jsonify(_post_state(threads.undelete(user, post_id, _optional_body().get("reason"))))


@bp.post("/questions/<int:question_id>/merge")
def merge(question_id: int):
    user = api_user()
    data = json_body()
    target = threads.merge(user, question_id, data.get("into"), data.get("reason"))
    return jsonify({"id": question_id, "merged_into": target.id,
                    "answer_count": target.answer_count,
                    "url": serialize.question_url(target)})


@bp.post("/posts/<int:post_id>/rollback")
def rollback(post_id: int):
    user = api_user()
    data = json_body()
    number = data.get("revision")
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValidationError({"revision": "Give the revision number, as an integer."})
    revision = threads.rollback(user, post_id, number)
    return jsonify({"post_id": post_id, "revision": revision.number, "rolled_back_to": number,
                    "comment": revision.comment})
