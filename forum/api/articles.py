"""Knowledge-base articles in the API: published ones for everyone (drafts and
articles in review only for company staff), and what a search matches."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request, url_for

from forum.api import bp
from forum.api.serialize import iso, user_brief
from forum.services import knowledge_base as kb


def article_brief(a) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "product": a.product, "state": a.state,
            "published_at": iso(a.published_at), "updated_at": iso(a.updated_at),
            "url": url_for("kb.show", article_id=a.id, slug=a.slug, _external=True)}


def article_full(a, sources) -> dict[str, Any]:
    return {**article_brief(a), "problem": a.problem, "problem_html": a.problem_html,
            "solution": a.solution, "solution_html": a.solution_html,
            "author": user_brief(a.author), "revision_count": a.revision_count,
            "sources": [{"id": q.id, "title": q.title,
                         "url": url_for("questions.show", question_id=q.id, slug=q.slug,
                                        _external=True)} for q in sources]}


def matching(query: str) -> list[dict[str, Any]]:
    """The `articles` a search or a similar-questions check adds: best first."""
    return [article_brief(a) for a in kb.matching_articles(query)]


@bp.get("/articles")
def list_articles():
    product = request.args.get("product", "").strip()[:100] or None
    return jsonify(articles=[article_brief(a) for a in kb.published(product)])


@bp.get("/articles/<int:article_id>")
def get_article(article_id: int):
    article = kb.visible_article(g.get("api_user"), article_id)
    return jsonify(article=article_full(article, kb.sources(article)))
