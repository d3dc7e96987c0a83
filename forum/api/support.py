"""API v1: official answers, known issues, me too."""

from __future__ import annotations

from flask import jsonify, request

from forum import inputs
from forum.api import api_user, bp, json_body, serialize
from forum.errors import ValidationError
from forum.services import known_issues, me_too, official, posting


def _answer_state(answer):
    return jsonify(answer_id=answer.id, question_id=answer.question_id,
                   official=serialize.official(answer))


@bp.post("/answers/<int:answer_id>/official")
def mark_official(answer_id: int):
    user = api_user()
    version = json_body().get("version") if request.content_length else None
    if version is not None and not isinstance(version, str):
        raise ValidationError({"version": "version must be text."})
    return _answer_state(official.mark_official(user, answer_id, version=version))


@bp.delete("/answers/<int:answer_id>/official")
def withdraw_official(answer_id: int):
    return _answer_state(official.withdraw_official(api_user(), answer_id))


@bp.put("/questions/<int:question_id>/known-issue")
@bp.post("/questions/<int:question_id>/known-issue")
def mark_known(question_id: int):
    user = api_user()
    draft, errors = inputs.parse_known_issue(json_body())
    if errors:
        raise ValidationError(errors)
    issue = known_issues.mark_known(user, question_id, draft)
    return jsonify(question_id=question_id, known_issue=serialize.known_issue(issue))


@bp.delete("/questions/<int:question_id>/known-issue")
def clear_known(question_id: int):
    known_issues.clear_known(api_user(), question_id)
    return jsonify(question_id=question_id, known_issue=None)


def _me_too_state(state):
    return jsonify(question_id=state.question_id, me_too_count=state.count, me_too=state.me_too)


@bp.post("/questions/<int:question_id>/me-too")
def add_me_too(question_id: int):
    return _me_too_state(me_too.set_me_too(api_user(), question_id, True))


@bp.delete("/questions/<int:question_id>/me-too")
def remove_me_too(question_id: int):
    return _me_too_state(me_too.set_me_too(api_user(), question_id, False))


@bp.get("/questions/<int:question_id>/me-too")
def get_me_too(question_id: int):
    question = posting.get_question(question_id)
    user = api_user()
    return jsonify(question_id=question.id, me_too_count=question.me_too_count,
                   me_too=me_too.has_me_too(user, question.id))
