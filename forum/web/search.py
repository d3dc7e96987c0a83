"""The search page and the no-JavaScript similar-threads check on /ask."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_login import current_user

import forum.services.search_log as search_log
from forum import inputs
from forum.services import knowledge_base, searching

bp = Blueprint("search", __name__)


@bp.route("/search")
def results():
    search_request = inputs.parse_search(request.args)
    page = searching.search_threads(search_request)
    g.search_log_id = search_log.record_page(      # result links record the one opened
        search_request, page, source="page", signed_in=current_user.is_authenticated)
    articles = (knowledge_base.matching_articles(search_request.q)
                if search_request.page == 1 else [])     # shown above the threads
    return render_template("search/results.html", page=page, q=search_request.q,
                           articles=articles)
