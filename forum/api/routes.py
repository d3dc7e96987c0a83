"""API v1 routes: parse, call a service, serialise. Same rules as the pages.

Write routes ask for the caller first, so an anonymous request gets 401 whatever
its body holds (and learns nothing from validation messages)."""

from __future__ import annotations

from flask import current_app, g, jsonify, request, url_for

import forum.services.deflection as deflection
import forum.services.search_log as search_log
from forum import inputs, permissions
from forum.api import api_user, articles, bp, json_body, serialize
from forum.api.openapi import spec
from forum.errors import ValidationError
from forum.services import accepting, browsing, posting, searching, voting
from forum.web.limits import limited


def _require(parsed):
    value, errors = parsed
    if errors:
        raise ValidationError(errors)
    return value


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())


@bp.get("/questions")
def list_questions():
    query = inputs.parse_list_query(request.args, current_app.config["QUESTIONS_PER_PAGE"])
    page = browsing.list_questions(query)
    return jsonify(
        total=page.total, page=page.page, per_page=page.per_page, pages=page.pages,
        questions=[serialize.question_summary(q) for q in [*page.pinned, *page.items]],
    )


@bp.post("/questions")
@limited("RATELIMIT_POST")
def ask():
    user = api_user()
    draft = _require(inputs.parse_question(json_body()))
    question = posting.ask_question(user, draft)
    thread = browsing.load_thread(question.id)
    response = jsonify(serialize.thread(thread))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_question", question_id=question.id)
    return response


def _shown_to_ask_session(similar):
    """Similar threads shown on /ask count for its ask session (`?ask_session=`)."""
    if similar and request.args.get("ask_session"):
        deflection.similar_shown(request.args["ask_session"])
    return similar


@bp.get("/questions/similar")
def similar_questions():
    title = request.args.get("title", "")
    if not title.strip():
        raise ValidationError({"title": "Send the title to compare, as `?title=...`."})
    body = request.args.get("body", "")
    data = serialize.similar(_shown_to_ask_session(searching.similar_threads(title, limit=5, body=body)))
    data["articles"] = articles.matching(title)      # knowledge base, shown first
    return jsonify(data)


def _logged(search_request, page):
    """The search log records API searches too (`source` api)."""
    search_log.record_page(search_request, page, source="api",
                           signed_in=g.get("api_user") is not None)
    return page


@bp.get("/search")
def search():
    search_request = inputs.parse_search(request.args)
    if not search_request.q.strip():
        raise ValidationError({"q": "Send a query, as `?q=wifi drops tag:windows`."})
    data = serialize.search_page(_logged(search_request, searching.search_threads(search_request)))
    data["articles"] = articles.matching(search_request.q)   # knowledge base, shown first
    return jsonify(data)


@bp.get("/questions/<int:question_id>")
def get_question(question_id: int):
    viewer = g.get("api_user")
    thread = browsing.load_thread(question_id, viewer)
    return jsonify(serialize.thread(thread, with_votes=viewer is not None))


@bp.post("/questions/<int:question_id>/answers")
@limited("RATELIMIT_POST")
def answer(question_id: int):
    user = api_user()
    body = _require(inputs.parse_body(json_body()))
    created = posting.post_answer(user, question_id, body)
    data = serialize.answer(created, created.question, [])
    return jsonify(data), 201


@bp.post("/posts/<int:post_id>/comments")
@limited("RATELIMIT_COMMENT")
def comment(post_id: int):
    user = api_user()
    body = _require(inputs.parse_comment(json_body()))
    created = posting.add_comment(user, post_id, body)
    return jsonify(serialize.comment(created)), 201


@bp.post("/posts/<int:post_id>/vote")
@limited("RATELIMIT_VOTE")
def vote(post_id: int):
    user = api_user()
    value = _require(inputs.parse_vote(json_body()))
    result = voting.cast_vote(user, post_id, value)
    return jsonify(post_id=result.post_id, score=result.score, my_vote=result.my_vote)


@bp.post("/answers/<int:answer_id>/accept")
def accept(answer_id: int):
    answer = accepting.accept_answer(api_user(), answer_id)
    return jsonify(answer_id=answer.id, question_id=answer.question_id, accepted=True)


@bp.delete("/answers/<int:answer_id>/accept")
def unaccept(answer_id: int):
    answer = accepting.unaccept_answer(api_user(), answer_id)
    return jsonify(answer_id=answer.id, question_id=answer.question_id, accepted=False)


@bp.patch("/posts/<int:post_id>")
def edit(post_id: int):
    user = api_user()
    data = json_body()
    post = posting.get_post(post_id)
    edit_draft = _require(inputs.parse_edit(data, post.is_question))
    if permissions.can("suggest_edit", user, post):     # below the edit privilege
        task = posting.suggest_edit(user, post_id, edit_draft)
        return jsonify(review_task_id=task.id, status="pending",
                       message="Your edit was sent for review."), 202
    post = posting.edit_post(user, post_id, edit_draft)
    question_id = post.id if post.is_question else post.question_id
    thread = browsing.load_thread(question_id)
    if post.is_question:
        return jsonify(serialize.thread(thread))
    return jsonify(serialize.answer(post, thread.question, thread.comments.get(post.id, [])))


@bp.delete("/posts/<int:post_id>")
def delete(post_id: int):
    post = posting.delete_post(api_user(), post_id)
    return jsonify(id=post.id, deleted=True)


@bp.get("/posts/<int:post_id>/revisions")
def revisions(post_id: int):
    posting.get_post(post_id)
    return jsonify(revisions=[
        {"number": r.number, "author": serialize.user_brief(r.author), "title": r.title,
         "body": r.body, "tags": r.tags.split() if r.tags else None, "comment": r.comment,
         "created_at": serialize.iso(r.created_at)}
        for r in posting.revisions(post_id)
    ])


@bp.get("/users/<int:user_id>")
def get_user(user_id: int):
    return jsonify(serialize.user_full(browsing.get_user(user_id)))


@bp.get("/me")
def me():
    return jsonify(serialize.user_full(api_user()))


@bp.get("/tags")
def tags():
    prefix = (request.args.get("q") or "").strip()[:35] or None
    return jsonify(tags=[{"name": t.name, "question_count": t.question_count}
                         for t in browsing.popular_tags(limit=100, prefix=prefix)])
