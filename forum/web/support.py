"""Staff and support actions on threads: official answers, known issues, me too."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request
from flask_login import current_user, login_required

from forum import inputs
from forum.markup import word_diff
from forum.services import browsing, known_issues, me_too, official, posting
from forum.web.context import question_url
from forum.web.errors import wants_json

bp = Blueprint("support", __name__)


@bp.route("/answers/<int:answer_id>/official", methods=["POST"])
@login_required
def mark_official(answer_id: int):
    if request.form.get("action") == "withdraw":
        answer = official.withdraw_official(current_user, answer_id)
    else:
        answer = official.mark_official(current_user, answer_id)
    return redirect(question_url(answer.question, _anchor=f"answer-{answer.id}"), 303)


@bp.route("/answers/<int:answer_id>/since-verified")
def since_verified(answer_id: int):
    """What changed in an official answer since staff verified it."""
    answer = posting.get_answer(answer_id)
    verified, current = official.changes_since_verified(answer)
    body_diff = word_diff(verified.body, current.body) if verified and current else None
    return render_template("questions/since_verified.html", answer=answer, verified=verified,
                           current=current, body_diff=body_diff,
                           thread_url=question_url(answer.question, _anchor=f"answer-{answer.id}"))


@bp.route("/questions/<int:question_id>/known-issue", methods=["POST"])
@login_required
def known_issue(question_id: int):
    if request.form.get("action") == "clear":
        known_issues.clear_known(current_user, question_id)
        return redirect(question_url(posting.get_question(question_id)), 303)
    draft, errors = inputs.parse_known_issue(request.form)
    if not errors:
        known_issues.mark_known(current_user, question_id, draft)
        return redirect(question_url(posting.get_question(question_id)), 303)
    thread = browsing.load_thread(question_id, current_user)
    return render_template("questions/show.html", thread=thread, question=thread.question,
                           answer_form={}, errors={}, known_form=request.form,
                           known_errors=errors), 422


@bp.route("/questions/<int:question_id>/me-too", methods=["POST"])
@login_required
def me_too_toggle(question_id: int):
    state = me_too.set_me_too(current_user, question_id, request.form.get("action") != "remove")
    if wants_json():
        return jsonify(question_id=state.question_id, me_too_count=state.count, me_too=state.me_too)
    return redirect(question_url(posting.get_question(question_id)), 303)
