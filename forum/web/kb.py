"""The knowledge base: /kb lists published articles by product, /kb/<id>/<slug>
shows one; staff promote official answers, edit, review and publish."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from forum.errors import ForumError, ValidationError
from forum.extensions import csrf
from forum.markup import word_diff
from forum.services import feedback
from forum.services import knowledge_base as kb
from forum.web.limits import limited

bp = Blueprint("kb", __name__)

MOVES = {
    "submit": (kb.submit_for_review, "Sent to review: another member of staff can publish it."),
    "publish": (kb.publish, "Published: the article is public and linked from its threads."),
    "unpublish": (kb.unpublish, "Back to draft: readers no longer see it."),
}


@bp.app_template_global("article_url")
def article_url(article, **kwargs) -> str:
    return url_for("kb.show", article_id=article.id, slug=article.slug, **kwargs)


@bp.route("/kb")
def index():
    product = request.args.get("product", "").strip()[:100] or None
    return render_template("kb/index.html", articles=kb.published(product), product=product,
                           products=kb.product_counts(), unpublished=kb.unpublished(current_user))


@bp.route("/kb/<int:article_id>")
@bp.route("/kb/<int:article_id>/<slug>")
def show(article_id: int, slug: str | None = None):
    article = kb.visible_article(current_user, article_id)
    if slug != article.slug:
        return redirect(article_url(article), 301)
    return render_template("kb/show.html", article=article, sources=kb.sources(article),
                           credits=kb.credits(article), answers=kb.feedback_counts(
                               current_user, article))


@bp.post("/kb/<int:article_id>/feedback")
@csrf.exempt
@limited("RATELIMIT_FEEDBACK")
def article_feedback(article_id: int):
    """"Did this solve your problem?" on a published article: one answer per
    visitor (forum.services.feedback, as on threads), changeable. Anonymous
    visitors are known by a random cookie; signed-in users send the CSRF token."""
    signed_in = current_user.is_authenticated
    if signed_in and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    article = kb.visible_article(current_user, article_id)
    token = request.cookies.get(feedback.COOKIE)
    new_token = None
    if not signed_in and not feedback.valid_token(token):
        token = new_token = feedback.new_visitor_token()
    try:
        helpful, reason = feedback.parse(request.form)
        kb.record_feedback(feedback.visitor_key(current_user, token), article.id, helpful,
                           reason)
    except ForumError as e:
        return render_template("kb/feedback_error.html", error=e, article=article), e.status
    flash("Thanks for telling us whether this solved your problem.", "success")
    response = redirect(article_url(article, _anchor="feedback"), 303)
    if new_token:
        response.set_cookie(feedback.COOKIE, new_token, max_age=feedback.COOKIE_MAX_AGE,
                            httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.route("/answers/<int:answer_id>/promote", methods=["POST"])
@login_required
def promote(answer_id: int):
    article, created = kb.promote_answer(current_user, answer_id)
    if created:
        flash("A draft article was made from the question and its official answer: "
              "edit it, then send it to review.", "success")
    else:
        flash("This answer is already an article.", "info")
    return redirect(url_for("kb.edit", article_id=article.id), 303)


@bp.route("/kb/<int:article_id>/edit", methods=["GET", "POST"])
@login_required
def edit(article_id: int):
    article = kb.editable_article(current_user, article_id)
    if request.method == "GET":
        return render_template("kb/edit.html", article=article, form=article, errors={})
    draft, errors = kb.parse_article(request.form)
    if not errors:
        try:
            kb.save_article(current_user, article_id, draft)
        except ValidationError as e:
            errors = e.errors
        else:
            flash("Article saved.", "success")
            return redirect(article_url(article), 303)
    return render_template("kb/edit.html", article=article, form=request.form, errors=errors), 422


@bp.route("/kb/<int:article_id>/state", methods=["POST"])
@login_required
def move(article_id: int):
    action = request.form.get("action", "")
    if action not in MOVES:
        raise ValidationError({"action": "Choose submit, publish or unpublish."})
    change, message = MOVES[action]
    article = change(current_user, article_id)
    flash(message, "success")
    return redirect(article_url(article), 303)


@bp.route("/kb/<int:article_id>/sources", methods=["POST"])
@login_required
def add_source(article_id: int):
    """Link another thread: its number or its address."""
    found = re.search(r"(?:questions/)?(\d+)", request.form.get("question", ""))
    if not found:
        raise ValidationError({"question": "Give the thread's number or its address."})
    article = kb.add_source(current_user, article_id, int(found.group(1)))
    flash("Thread linked.", "success")
    return redirect(article_url(article, _anchor="sources"), 303)


@bp.route("/kb/<int:article_id>/history")
def history(article_id: int):
    article = kb.visible_article(current_user, article_id)
    steps, previous = [], None
    for rev in kb.revisions(article):
        steps.append({"rev": rev, "diffs": [
            (label, word_diff(getattr(previous, name) or "", getattr(rev, name) or ""))
            for name, label in (("title", "Title"), ("product", "Product"),
                                ("problem", "Problem"), ("solution", "Solution"))
            if previous is not None and getattr(previous, name) != getattr(rev, name)]})
        previous = rev
    steps.reverse()
    return render_template("kb/history.html", article=article, steps=steps)


@bp.route("/feeds/articles.atom")
def feed():
    entries = []
    for a in kb.feed_articles():
        url = article_url(a, _external=True)
        entries.append({"id": url, "url": url, "title": a.title, "author": a.author.username,
                        "updated": a.updated_at, "published": a.published_at,
                        "html": a.problem_html + a.solution_html,
                        "tags": [a.product] if a.product else []})
    body = render_template(
        "feeds/atom.xml", title=f"Knowledge base – {current_app.config['SITE_NAME']}",
        self_url=url_for("kb.feed", _external=True),
        page_url=url_for("kb.index", _external=True), entries=entries)
    return Response(body, content_type="application/atom+xml; charset=utf-8")
