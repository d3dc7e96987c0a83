"""The search page and the no-JavaScript similar-threads check on /ask."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from forum import inputs
from forum.services import knowledge_base, searching

bp = Blueprint("search", __name__)


@bp.route("/search")
def results():
    search_request = inputs.parse_search(request.args)
    page = searching.search_threads(search_request)
    articles = (knowledge_base.matching_articles(search_request.q)
                if search_request.page == 1 else [])     # shown above the threads
    return render_template("search/results.html", page=page, q=search_request.q,
                           articles=articles)
