"""Tag pages."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from forum import inputs
from forum.services import browsing, notifications, tagging
from forum.web.http_cache import list_page

bp = Blueprint("tags", __name__)


@bp.route("/tags")
def index():
    prefix = (request.args.get("q") or "").strip()[:35] or None
    tags = browsing.popular_tags(limit=500, prefix=prefix)
    if request.args.get("format") == "json":
        return jsonify(tags=[{"name": t.name, "count": t.question_count} for t in tags[:20]])
    return render_template("tags/index.html", tags=tags, prefix=prefix or "")


@bp.route("/tags/<name>")
def show(name: str):
    """A synonym's page is its master's (checked before the page cache, which
    keeps no redirects, so a new synonym redirects at once)."""
    master = tagging.canonical_tag(name)
    if master != name:
        query = request.query_string.decode("utf-8", "replace")
        return redirect(url_for("tags.show", name=master) + (f"?{query}" if query else ""), 301)
    return _tag_page(name)


@list_page
def _tag_page(name: str):
    tag = browsing.get_tag(name)
    args = request.args.to_dict()
    args["tag"] = tag.name
    query = inputs.parse_list_query(args, current_app.config["QUESTIONS_PER_PAGE"])
    page = browsing.list_questions(query)
    watching = current_user.is_authenticated and notifications.watches(current_user.id, tag.id)
    return render_template("tags/show.html", tag=tag, page=page, query=query, watching=watching)
