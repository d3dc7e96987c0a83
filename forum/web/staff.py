"""The staff desk: unanswered threads, recurring issues, known issues, answers awaiting verification."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from forum import permissions
from forum.models import KNOWN_STATES
from forum.services import cases, escalation, staffdesk
from forum.web.context import question_url

bp = Blueprint("staff", __name__)


def _filters() -> tuple[staffdesk.DeskFilters, int]:
    """The desk's query arguments: tag, product, version (of that product), days (7
    or 30; anything else is 7)."""
    tag = (request.args.get("tag") or "").strip().lower()[:35] or None
    product = (request.args.get("product") or "").strip()[:100] or None
    version = (request.args.get("version") or "").strip()[:50] or None if product else None
    days = request.args.get("days", type=int)
    return staffdesk.DeskFilters(tag=tag, product=product, version=version), (
        days if days in staffdesk.WINDOWS else staffdesk.WINDOWS[0])


#: The desk's tabs, each a screen of related lists: what needs a reply now, what
#: the community is reporting, and what went to engineering.
TABS = (("support", "Support"), ("community", "Community"), ("engineering", "Engineering"))


@bp.route("/staff")
@login_required
def desk():
    permissions.require("staff_desk", current_user)
    filters, days = _filters()
    tab = request.args.get("tab") if request.args.get("tab") in dict(TABS) else TABS[0][0]
    lists: dict = {}
    if tab == "support":
        lists = dict(cases=cases.active_cases(limit=filters.rows, product=filters.product),
                     overdue=cases.overdue_questions(limit=filters.rows, product=filters.product),
                     times=cases.response_times(30, product=filters.product))
    elif tab == "community":
        lists = dict(recurring=staffdesk.recurring(filters, days),
                     unanswered=staffdesk.unanswered(filters),
                     awaiting=staffdesk.awaiting_verification(filters))
    else:
        lists = dict(known=staffdesk.known_issues(filters), known_states=KNOWN_STATES,
                     regressions=escalation.regressions())
    return render_template("staff/desk.html", filters=filters, days=days,
                           windows=staffdesk.WINDOWS, tab=tab, tabs=TABS, **lists)


@bp.route("/staff/recurring.csv")
@login_required
def recurring_csv():
    permissions.require("staff_desk", current_user)
    filters, days = _filters()
    text = staffdesk.recurring_csv(filters, days,
                                   url_for_question=lambda q: question_url(q, _external=True))
    return Response(text, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="recurring-issues-{days}d.csv"',
        "Cache-Control": "no-store",
    })
