"""Actions on any post: vote, accept, comment, edit, delete, history, preview."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request
from flask_login import current_user, login_required

from forum import inputs, permissions
from forum.errors import ForumError, ValidationError
from forum.extensions import limiter
from forum.markup import render_markdown, word_diff
from forum.models import Question
from forum.services import accepting, attachments, posting, voting
from forum.web.context import question_url
from forum.web.errors import json_error, wants_json
from forum.web.limits import limited

bp = Blueprint("posts", __name__)


def _thread_url(post, anchor: bool = True) -> str:
    if isinstance(post, Question):
        return question_url(post)
    return question_url(post.question, _anchor=f"answer-{post.id}" if anchor else None)


@bp.route("/posts/<int:post_id>/vote", methods=["POST"])
@login_required
@limited("RATELIMIT_VOTE")
def vote(post_id: int):
    value, errors = inputs.parse_vote(request.form)
    if errors:
        raise ValidationError(errors)
    result = voting.cast_vote(current_user, post_id, value)
    if wants_json():
        return jsonify(post_id=result.post_id, score=result.score, my_vote=result.my_vote)
    return redirect(_thread_url(posting.get_post(post_id)), 303)


@bp.route("/answers/<int:answer_id>/accept", methods=["POST"])
@login_required
def accept(answer_id: int):
    if request.form.get("action") == "unaccept":
        answer = accepting.unaccept_answer(current_user, answer_id)
    else:
        answer = accepting.accept_answer(current_user, answer_id)
    return redirect(_thread_url(answer), 303)


@bp.route("/posts/<int:post_id>/comments", methods=["POST"])
@login_required
@limited("RATELIMIT_COMMENT")
def comment(post_id: int):
    post = posting.get_post(post_id)
    body, errors = inputs.parse_comment(request.form)
    if errors:
        if wants_json():
            raise ValidationError(errors)
        flash(f"Comment not added: {errors['body']}", "error")
        return redirect(_thread_url(post), 303)
    created = posting.add_comment(current_user, post_id, body)
    if wants_json():
        return jsonify(id=created.id, body_html=created.body_html), 201
    return redirect(_thread_url(post), 303)


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete_comment(comment_id: int):
    posting.delete_comment(current_user, comment_id)
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url) else "/", 303)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = posting.get_post_for_edit(current_user, post_id, may_suggest=True)
    is_question = isinstance(post, Question)
    if request.method == "GET":
        form = {"title": post.title, "body": post.body,
                "tags": " ".join(post.tag_names) if is_question else ""}
        return render_template("posts/edit.html", post=post, form=form, errors={}, preview=None,
                               tag_check=posting.tag_check(current_user))
    data = {k: request.form.get(k, "") for k in ("body", "comment")}
    if is_question:
        data.update(title=request.form.get("title", ""), tags=request.form.get("tags", ""))
    edit_draft, errors = inputs.parse_edit(data, is_question)
    if not errors and not request.form.get("preview") and permissions.can("suggest_edit", current_user, post):
        try:        # below the edit privilege: the edit waits for a reviewer
            posting.suggest_edit(current_user, post_id, edit_draft)
        except ValidationError as e:
            errors = e.errors
        else:
            flash("Your edit was sent for review: it will show once a reviewer approves it.",
                  "success")
            return redirect(_thread_url(post), 303)
    files = attachments.present(request.files.getlist("files"))
    file_kind = request.form.get("file_kind", attachments.AUTO_KIND)
    status = 422
    if files and not request.form.get("preview"):
        try:        # refused files are refused before the edit is saved
            attachments.check_files(current_user, files, file_kind, post)
        except ForumError as e:
            status = 422 if errors else e.status
            errors = {**errors, **attachments.form_errors(e)}
    if not errors and not request.form.get("preview"):
        try:
            if not (files and _unchanged(post, edit_draft)):     # files alone are an edit too
                posting.edit_post(current_user, post_id, edit_draft)
        except ValidationError as e:
            errors = e.errors
        else:
            for message in attachments.attach_files(current_user, post.id, files, file_kind):
                flash(f"Your edit was saved, but a file was not attached: {message}", "error")
            return redirect(_thread_url(post), 303)
    preview = render_markdown(request.form.get("body", "")) if request.form.get("preview") else None
    return render_template("posts/edit.html", post=post, form=request.form, errors=errors,
                           preview=preview, chosen_files=attachments.chosen_names(files),
                           tag_check=posting.tag_check(current_user)), (status if errors else 200)


def _unchanged(post, draft: inputs.PostEdit) -> bool:
    """True when the edit leaves the text and tags as they are."""
    return (draft.body in (None, post.body) and draft.title in (None, post.title)
            and (draft.tags is None or set(draft.tags) == set(post.tag_names)))


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_id: int):
    post = posting.delete_post(current_user, post_id)
    if isinstance(post, Question):
        return redirect("/", 303)
    return redirect(_thread_url(post, anchor=False), 303)


@bp.route("/posts/<int:post_id>/revisions")
def revisions(post_id: int):
    post = posting.get_post(post_id)
    revs = posting.revisions(post_id)
    steps = []
    previous = None
    for rev in revs:
        steps.append({
            "rev": rev,
            "title_diff": word_diff(previous.title or "", rev.title or "") if previous and rev.title != previous.title else None,
            "tags_diff": word_diff(previous.tags or "", rev.tags or "") if previous and rev.tags != previous.tags else None,
            "body_diff": word_diff(previous.body, rev.body) if previous else None,
        })
        previous = rev
    steps.reverse()
    return render_template("posts/revisions.html", post=post, steps=steps,
                           thread_url=_thread_url(post))


@bp.route("/tag-check")
@login_required
@limiter.limit("120 per minute")
def tag_check():
    """Which of the typed tags would be new, for the tag field's warning while
    typing: {new: [...], may_create, threshold, message}."""
    rule = posting.tag_check(current_user)
    names = request.args.get("q", "")[:400].replace(",", " ").split()
    return jsonify(new=posting.new_tag_names(names), may_create=rule.may_create,
                   threshold=rule.threshold, message=rule.message)


@bp.route("/preview", methods=["POST"])
@login_required
@limiter.limit("60 per minute")
def preview():
    text = request.form.get("body", "")
    if len(text) > 60_000:
        return json_error(413, "Too long to preview.")
    return jsonify(html=render_markdown(text))
