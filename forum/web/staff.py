"""The staff desk: unanswered threads, recurring issues, known issues, answers awaiting verification."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from forum import permissions
from forum.models import KNOWN_STATES
from forum.services import escalation, staffdesk
from forum.web.context import question_url

bp = Blueprint("staff", __name__)


def _filters() -> tuple[staffdesk.DeskFilters, int]:
    """The desk's query arguments: tag, product, days (7 or 30; anything else is 7)."""
    tag = (request.args.get("tag") or "").strip().lower()[:35] or None
    product = (request.args.get("product") or "").strip()[:100] or None
    days = request.args.get("days", type=int)
    return staffdesk.DeskFilters(tag=tag, product=product), (
        days if days in staffdesk.WINDOWS else staffdesk.WINDOWS[0])


@bp.route("/staff")
@login_required
def desk():
    permissions.require("staff_desk", current_user)
    filters, days = _filters()
    return render_template(
        "staff/desk.html", filters=filters, days=days, windows=staffdesk.WINDOWS,
        recurring=staffdesk.recurring(filters, days),
        unanswered=staffdesk.unanswered(filters),
        awaiting=staffdesk.awaiting_verification(filters),
        known=staffdesk.known_issues(filters), known_states=KNOWN_STATES,
        regressions=escalation.regressions(),
    )


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
