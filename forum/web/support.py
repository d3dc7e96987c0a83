"""Staff and support actions on threads: official answers, known issues, me too, the
bug tracker link, "did the fix work?"."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import inputs, permissions
from forum.errors import ValidationError
from forum.markup import word_diff
from forum.services import browsing, escalation, known_issues, me_too, official, posting
from forum.web.context import question_url
from forum.web.errors import wants_json

bp = Blueprint("support", __name__)


@bp.route("/answers/<int:answer_id>/official", methods=["POST"])
@login_required
def mark_official(answer_id: int):
    if request.form.get("action") == "withdraw":
        answer = official.withdraw_official(current_user, answer_id)
    else:
        answer = official.mark_official(current_user, answer_id,
                                        version=request.form.get("version") or None)
    if request.form.get("next") == "desk":
        return redirect(url_for("staff.desk", tab="community", _anchor="awaiting"), 303)
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


# -- escalation to the bug tracker and the follow-through -------------------------------

def _back_to_issue(question_id: int):
    return redirect(question_url(posting.get_question(question_id), _anchor="known-issue"), 303)


@bp.route("/questions/<int:question_id>/bug", methods=["POST"])
@login_required
def create_bug(question_id: int):
    escalation.create_bug(current_user, question_id)
    flash("The bug is being created in the tracker; its link appears here once the "
          "tracker answers (see Tracker deliveries on the staff desk).", "success")
    return _back_to_issue(question_id)


@bp.route("/questions/<int:question_id>/bug/link", methods=["POST"])
@login_required
def link_bug(question_id: int):
    link, errors = escalation.parse_bug_link(request.form)
    try:
        if errors:
            raise ValidationError(errors)
        escalation.link_bug(current_user, question_id, link)
    except ValidationError as e:
        thread = browsing.load_thread(question_id, current_user)
        return render_template("questions/show.html", thread=thread, question=thread.question,
                               answer_form={}, errors={}, bug_form=request.form,
                               bug_errors=e.errors), 422
    flash("Linked the bug.", "success")
    return _back_to_issue(question_id)


@bp.route("/questions/<int:question_id>/known-issue/reopen", methods=["POST"])
@login_required
def reopen_known(question_id: int):
    escalation.reopen(current_user, question_id)
    flash("The known issue is under investigation again; everyone affected was told.", "success")
    if request.form.get("next") == "desk":
        return redirect(url_for("staff.desk", tab="engineering", _anchor="regressions"), 303)
    return _back_to_issue(question_id)


@bp.route("/questions/<int:question_id>/fix-check", methods=["POST"])
@login_required
def fix_check(question_id: int):
    check = escalation.answer_fix_check(current_user, question_id, request.form.get("answer", ""),
                                        request.form.get("reason", ""))
    flash("Thanks: glad it is fixed." if check.answer == "yes" else
          "Thanks: staff see that the fix did not work for you.", "success")
    return redirect(question_url(posting.get_question(question_id), _anchor="fix-check"), 303)


@bp.route("/staff/tracker")
@login_required
def tracker_deliveries():
    permissions.require("staff_desk", current_user)
    return render_template("staff/tracker.html", deliveries=escalation.deliveries(limit=100))
