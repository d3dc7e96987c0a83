"""Atom feeds, sitemap.xml and robots.txt."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, url_for

from forum.services import feeds, knowledge_base
from forum.web.context import question_url

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"


def _atom(**context) -> Response:
    return Response(render_template("feeds/atom.xml", **context), content_type=ATOM)


@bp.route("/feeds/questions.atom")
def newest():
    _, questions = feeds.newest_questions()
    return _atom(title=f"Newest questions – {current_app.config['SITE_NAME']}",
                 self_url=url_for("feeds.newest", _external=True),
                 page_url=url_for("questions.index", _external=True),
                 entries=[_question_entry(q) for q in questions])


@bp.route("/feeds/tags/<name>.atom")
def tag(name: str):
    found, questions = feeds.newest_questions(name)
    return _atom(title=f"Newest “{found.name}” questions – {current_app.config['SITE_NAME']}",
                 self_url=url_for("feeds.tag", name=found.name, _external=True),
                 page_url=url_for("tags.show", name=found.name, _external=True),
                 entries=[_question_entry(q) for q in questions])


@bp.route("/feeds/questions/<int:question_id>.atom")
def answers(question_id: int):
    question, rows = feeds.question_answers(question_id)
    url = question_url(question, _external=True)
    return _atom(title=f"Answers to: {question.title}",
                 self_url=url_for("feeds.answers", question_id=question.id, _external=True),
                 page_url=url, entries=[{
                     "id": f"{url}#answer-{a.id}", "url": f"{url}#answer-{a.id}",
                     "title": f"Answer by {a.author.username}", "author": a.author.username,
                     "updated": a.edited_at or a.created_at, "published": a.created_at,
                     "html": a.body_html} for a in rows])


def _question_entry(q) -> dict:
    url = question_url(q, _external=True)
    return {"id": url, "url": url, "title": q.title, "author": q.author.username,
            "updated": q.last_activity_at, "published": q.created_at, "html": q.body_html,
            "tags": q.tag_names}


@bp.route("/sitemap.xml")
def sitemap():
    rows = feeds.sitemap_rows()
    base = url_for("questions.index", _external=True).rstrip("/")
    return Response(render_template("feeds/sitemap.xml", rows=rows, base=base,
                                    articles=knowledge_base.sitemap_rows()),
                    content_type="application/xml; charset=utf-8")


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *"]
    for path in ("/ask", "/search", "/login", "/register", "/logout", "/settings", "/inbox",
                 "/moderation", "/staff", "/admin", "/api/", "/flags/", "/unsubscribe/",
                 "/attachments/"):
        lines.append(f"Disallow: {path}")
    lines.append(f"Sitemap: {url_for('feeds.sitemap', _external=True)}")
    return Response("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
