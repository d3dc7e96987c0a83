"""Closing and reopening, duplicates, locks, pins, protection, deletion, merging and rollback.

The forms live in the thread page's moderation panel
(templates/_macros/thread_moderation.html). Each action posts here and comes
back to the thread with a message; a refusal for lack of rights is a 403 page,
a missing post a 404, and a bad or conflicting request a message on the thread.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import current_user, login_required

from forum.errors import Conflict, ValidationError
from forum.models import Question
from forum.services import posting
from forum.web.context import question_url
from moderation import closing, inputs, threads

bp = Blueprint("mod_threads", __name__, url_prefix="/moderation")


@bp.app_context_processor
def _panel_state():
    return {"moderation_state": _state, "close_reason_labels": closing.REASON_LABELS,
            "close_reason_short": closing.SHORT_LABELS}


def _state(question) -> threads.ThreadState:
    """Computed once per request, however often the page's macros ask."""
    cache = request.environ.setdefault("crowdfix.moderation_state", {})
    if question.id not in cache:
        cache[question.id] = threads.thread_state(question, current_user)
    return cache[question.id]


def _back_to(post, anchor: bool = True):
    if isinstance(post, Question):
        return redirect(question_url(post), 303)
    return redirect(question_url(post.question, _anchor=f"answer-{post.id}" if anchor else None), 303)


def _attempt(post_id: int, action: Callable[[], str | None]):
    """Run an action; a refused input or a state conflict goes back to the
    thread as an error message (rights and missing posts raise as usual)."""
    try:
        message = action()
    except (ValidationError, Conflict) as e:
        flash(e.message if not isinstance(e, ValidationError) else "; ".join(e.errors.values()),
              "error")
    else:
        if message:
            flash(message, "success")
    return _back_to(posting.get_post(post_id, include_deleted=True))


def _vote_message(outcome: closing.Outcome) -> str:
    if outcome.changed and outcome.status == "closed":
        label = closing.SHORT_LABELS.get(outcome.question.closed_reason, "")
        return f"The question is closed ({label})."
    if outcome.changed:
        return "The question is open again."
    return (f"Your vote to {outcome.action} is counted: {outcome.votes} of "
            f"{outcome.needed} votes.")


@bp.post("/questions/<int:question_id>/close")
@login_required
def close(question_id: int):
    def act():
        draft, errors = inputs.parse_close(request.form)
        if errors:
            raise ValidationError(errors)
        return _vote_message(closing.vote_to_close(current_user, question_id, draft))
    return _attempt(question_id, act)


@bp.post("/questions/<int:question_id>/reopen")
@login_required
def reopen(question_id: int):
    return _attempt(question_id, lambda: _vote_message(
        closing.vote_to_reopen(current_user, question_id)))


@bp.post("/questions/<int:question_id>/retract")
@login_required
def retract(question_id: int):
    def act():
        outcome = closing.retract_vote(current_user, question_id)
        return f"Your vote to {outcome.action} is withdrawn."
    return _attempt(question_id, act)


@bp.post("/posts/<int:post_id>/lock")
@login_required
def lock(post_id: int):
    return _attempt(post_id, lambda: threads.lock(current_user, post_id,
                                                   request.form.get("reason")) and "Locked.")


@bp.post("/posts/<int:post_id>/unlock")
@login_required
def unlock(post_id: int):
    return _attempt(post_id, lambda: threads.unlock(current_user, post_id,
                                                     request.form.get("reason")) and "Unlocked.")


@bp.post("/questions/<int:question_id>/pin")
@login_required
def pin(question_id: int):
    def act():
        question = threads.pin(current_user, question_id, request.form.get("tag"))
        where = f"the top of [{question.pinned_tag}]" if question.pinned_tag else "the front page"
        return f"Pinned to {where}."
    return _attempt(question_id, act)


@bp.post("/questions/<int:question_id>/unpin")
@login_required
def unpin(question_id: int):
    return _attempt(question_id, lambda: threads.unpin(current_user, question_id) and "Unpinned.")


@bp.post("/questions/<int:question_id>/protect")
@login_required
def protect(question_id: int):
    return _attempt(question_id, lambda: threads.protect(
        current_user, question_id, request.form.get("reason")) and "Protected.")


@bp.post("/questions/<int:question_id>/unprotect")
@login_required
def unprotect(question_id: int):
    return _attempt(question_id, lambda: threads.unprotect(
        current_user, question_id, request.form.get("reason")) and "No longer protected.")


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    return _attempt(post_id, lambda: threads.delete(
        current_user, post_id, request.form.get("reason")) and "Deleted.")


@bp.post("/posts/<int:post_id>/undelete")
@login_required
def undelete(post_id: int):
    return _attempt(post_id, lambda: threads.undelete(
        current_user, post_id, request.form.get("reason")) and "Undeleted.")


@bp.route("/questions/<int:question_id>/merge", methods=["GET", "POST"])
@login_required
def merge(question_id: int):
    into = request.values.get("into", "")
    if request.method == "GET":
        try:
            plan = threads.plan_merge(current_user, question_id, into)
        except ValidationError as e:
            flash("; ".join(e.errors.values()), "error")
            return _back_to(posting.get_question(question_id))
        return render_template("moderation/merge.html", plan=plan)
    try:
        target = threads.merge(current_user, question_id, into, request.form.get("reason"))
    except ValidationError as e:
        flash("; ".join(e.errors.values()), "error")
        return _back_to(posting.get_question(question_id))
    flash(f"Merged question {question_id} into this one: its answers are here now.", "success")
    return redirect(question_url(target), 303)


@bp.post("/posts/<int:post_id>/rollback")
@login_required
def rollback(post_id: int):
    def act():
        revision = threads.rollback(current_user, post_id, request.form.get("revision", ""))
        return f"Rolled back: revision {revision.number} is a copy of the earlier one."
    return _attempt(post_id, act)
