"""Flags, the moderation queue and the review queue (suggested edits, first posts)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import Conflict, ValidationError
from forum.markup import word_diff
from forum.models import Question
from forum.services import posting
from forum.web.context import question_url
from forum.web.errors import wants_json
from forum.web.limits import limited
from moderation import closing, flags, inputs, reviews

bp = Blueprint("mod_flags", __name__)


def _post_url(post) -> str:
    if isinstance(post, Question):
        return question_url(post)
    return question_url(post.question, _anchor=f"answer-{post.id}")


@bp.route("/posts/<int:post_id>/flags", methods=["POST"])
@login_required
@limited("RATELIMIT_FLAG")
def flag(post_id: int):
    post = posting.get_post(post_id)
    draft, errors = inputs.parse_flag(request.form)
    if not errors:
        try:
            flags.flag_post(current_user, post_id, draft)
        except ValidationError as e:
            errors = e.errors
    if errors:
        if wants_json():
            raise ValidationError(errors)
        flash("Flag not sent: " + " ".join(errors.values()), "error")
        return redirect(_post_url(post), 303)
    flash("Thanks: a moderator will look at your flag. See what became of it under My flags.",
          "success")
    return redirect(_post_url(post), 303)


@bp.route("/flags/mine")
@login_required
def my_flags():
    return render_template("moderation/my_flags.html", items=flags.my_flags(current_user),
                           labels=flags.REASON_LABELS)


@bp.route("/moderation")
@login_required
def queue():
    groups = flags.queue(current_user)
    return render_template("moderation/queue.html", groups=groups, labels=flags.REASON_LABELS,
                           pending_reviews=reviews.pending_count())


@bp.route("/moderation/posts/<int:post_id>/decision", methods=["POST"])
@login_required
def decide(post_id: int):
    decision, errors = inputs.parse_flag_decision(request.form)
    if errors:
        raise ValidationError(errors)
    decided = flags.decide(current_user, post_id, decision)
    what = "flag" if decision.flag_id is not None else f"{len(decided)} flag(s)"
    flash(f"Marked {what} {decision.decision}.", "success")
    return redirect(url_for("mod_flags.queue"), 303)


@bp.post("/moderation/posts/<int:post_id>/close-duplicate")
@login_required
def close_duplicate(post_id: int):
    """The queue card's "Close as duplicate": a moderator's binding close vote;
    the duplicate flags that named the same original become helpful."""
    permissions.require("moderate", current_user)
    back = redirect(url_for("mod_flags.queue", _anchor=f"post-{post_id}"), 303)
    draft, errors = inputs.parse_close({"reason": "duplicate",
                                        "duplicate_of": request.form.get("duplicate_of")})
    try:
        if errors:
            raise ValidationError(errors)
        outcome = closing.vote_to_close(current_user, post_id, draft)
    except ValidationError as e:
        flash("Not closed: " + " ".join(e.errors.values()), "error")
        return back
    except Conflict as e:
        flash("Not closed: " + e.message, "error")
        return back
    question = outcome.question
    original = posting.get_post(question.duplicate_of_id) if question.duplicate_of_id else None
    flash(f"Closed “{question.title}” as a duplicate of “{original.title if original else ''}”; "
          "the duplicate flags that named it are marked helpful.", "success")
    return back


@bp.route("/moderation/review")
@login_required
def review():
    items = reviews.queue(current_user)
    diffs = {item.task.id: _edit_diff(item) for item in items
             if item.task.kind == "suggested_edit"}
    return render_template("moderation/review.html", items=items, diffs=diffs,
                           can_moderate=permissions.can("moderate", current_user))


def _edit_diff(item: reviews.ReviewItem) -> dict:
    """What a suggested edit changes: word diffs of the title, tags and body."""
    task, post = item.task, item.post
    diff = {}
    if task.title is not None and task.title != post.title:
        diff["title"] = word_diff(post.title or "", task.title)
    if task.tags is not None and set(task.tags.split()) != set(post.tag_names):
        diff["tags"] = word_diff(" ".join(post.tag_names), task.tags)
    if task.body is not None and task.body != post.body:
        diff["body"] = word_diff(post.body, task.body)
    return diff


@bp.route("/moderation/review/<int:task_id>", methods=["POST"])
@login_required
def review_decide(task_id: int):
    decision, errors = inputs.parse_review_decision(request.form)
    if errors:
        raise ValidationError(errors)
    task = reviews.decide(current_user, task_id, decision)
    flash({"approved": "Approved: the edit is applied." if task.kind == "suggested_edit"
           else "Marked as looking fine.",
           "rejected": "Rejected: the post is unchanged." if task.kind == "suggested_edit"
           else "Sent to the moderators."}[task.status], "success")
    return redirect(url_for("mod_flags.review"), 303)
