"""Question lists, a thread, asking and answering."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request
from flask_login import current_user, login_required

import forum.services.deflection as deflection
from forum import inputs
from forum.errors import ForumError, ValidationError
from forum.markup import render_markdown
from forum.services import (
    attachments,
    browsing,
    cases,
    escalation,
    knowledge_base,
    posting,
    searching,
)
from forum.web.context import question_url
from forum.web.http_cache import list_page, thread_page
from forum.web.limits import limited, previewing

bp = Blueprint("questions", __name__)


@bp.route("/")
@list_page
def index():
    query = inputs.parse_list_query(request.args, current_app.config["QUESTIONS_PER_PAGE"])
    page = browsing.list_questions(query)
    return render_template("questions/index.html", page=page, query=query,
                           tags=browsing.popular_tags(limit=30))


@bp.route("/questions")
def listing():
    return index()


@bp.route("/questions/<int:question_id>")
@bp.route("/questions/<int:question_id>/<slug>")
@thread_page
def show(question_id: int, slug: str | None = None):
    try:
        thread = browsing.load_thread(question_id, current_user, follow_merges=True,
                                      include_deleted=browsing.may_see_deleted(current_user))
    except browsing.Merged as merged:
        return redirect(question_url(merged.target), 301)
    if slug != thread.question.slug:
        return redirect(question_url(thread.question), 301)
    related = searching.related_threads(thread.question)
    return render_template("questions/show.html", thread=thread, question=thread.question,
                           answer_form={}, errors={}, related=related,
                           followup=escalation.fix_followup(thread.question, current_user),
                           in_support=cases.handled_by_support(thread.question.id),
                           kb_article=knowledge_base.article_for_thread(thread.question.id))


@bp.route("/ask", methods=["GET", "POST"])
@login_required
@limited("RATELIMIT_POST", exempt_when=previewing)
def ask():
    form = request.form if request.method == "POST" else request.args

    files = attachments.present(request.files.getlist("files"))

    # Deflection: showing /ask starts an ask session; its form carries the token.
    token = deflection.start() if request.method == "GET" else form.get("ask_session")
    g.ask_session = token if deflection.valid_token(token) else None

    def page(errors, preview=None, status=200):
        similar = (searching.similar_threads(form["title"], body=form.get("body", ""))
                   if form.get("title") else None)
        if similar:
            deflection.similar_shown(g.ask_session)
        similar_articles = (knowledge_base.matching_articles(form["title"])
                            if form.get("title") else [])
        return render_template("questions/ask.html", form=form, errors=errors, preview=preview,
                               similar=similar, similar_articles=similar_articles,
                               chosen_files=attachments.chosen_names(files),
                               tag_check=posting.tag_check(current_user)), status

    if request.method == "GET":
        return page({})
    draft, errors = inputs.parse_question(form)
    if form.get("preview") or form.get("similar"):      # checking, not posting
        preview = render_markdown(form.get("body", "")) if form.get("preview") else None
        return page({}, preview)
    file_kind = form.get("file_kind", attachments.AUTO_KIND)
    try:            # refused files are refused before the question exists
        attachments.check_files(current_user, files, file_kind, on_question=True)
    except ForumError as e:
        return page({**(errors or {}), **attachments.form_errors(e)},
                    status=422 if errors else e.status)
    if errors:
        return page(errors, status=422)
    try:
        question = posting.ask_question(current_user, draft)
    except ValidationError as e:
        return page(e.errors, status=422)
    deflection.posted(g.ask_session, question.id)
    for message in attachments.attach_files(current_user, question.id, files, file_kind):
        flash(f"Your question was posted, but a file was not attached: {message}", "error")
    return redirect(question_url(question), 303)


@bp.route("/questions/<int:question_id>/answers", methods=["POST"])
@login_required
@limited("RATELIMIT_POST", exempt_when=previewing)
def answer(question_id: int):
    body, errors = inputs.parse_body(request.form)
    files = attachments.present(request.files.getlist("files"))
    file_kind = request.form.get("file_kind", attachments.AUTO_KIND)
    status = 422
    if files and not request.form.get("preview"):
        try:        # refused files are refused before the answer exists
            attachments.check_files(current_user, files, file_kind, on_question=False)
        except ForumError as e:
            status = 422 if errors else e.status
            errors = {**errors, **attachments.form_errors(e)}
    if not errors and not request.form.get("preview"):
        try:
            created = posting.post_answer(current_user, question_id, body)
        except ValidationError as e:
            errors = e.errors
        else:
            for message in attachments.attach_files(current_user, created.id, files, file_kind):
                flash(f"Your answer was posted, but a file was not attached: {message}", "error")
            return redirect(question_url(created.question, _anchor=f"answer-{created.id}"), 303)
    thread = browsing.load_thread(question_id, current_user)
    preview = render_markdown(request.form.get("body", "")) if request.form.get("preview") else None
    return (render_template("questions/show.html", thread=thread, question=thread.question,
                            answer_form=request.form, errors=errors, answer_preview=preview,
                            chosen_files=attachments.chosen_names(files)),
            (status if errors else 200))
