"""Staff: recurring issues for product teams (/staff/recurring), its CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ValidationError
from forum.services import products, recurring, recurring_report
from forum.web.context import question_url

bp = Blueprint("recurring", __name__)

DAY_CHOICES = (7, 30, 90)


@bp.route("/staff/recurring")
@login_required
def index():
    permissions.require("staff_desk", current_user)
    errors: dict[str, str] = {}
    try:
        filters = recurring.parse_filters(request.args)
    except ValidationError as e:
        errors, filters = e.errors, recurring.ReportFilters()
    groups: list[recurring.Group] = []
    issues = recurring.ranked(filters.days, filters.product, filters.version, groups=groups)
    weeks = recurring.weekly_series(issues[:5])
    chart = recurring_report.chart_svg(issues[:5], weeks) if issues else None
    return render_template(
        "recurring/index.html", issues=issues, groups=groups, chart=chart, filters=filters, errors=errors,
        day_choices=DAY_CHOICES, parts=recurring.PARTS, part_labels=recurring.PART_LABELS,
        arrows=recurring_report.TREND_ARROWS, product_names=products.product_names(),
        versions=products.version_names(filters.product),
    ), (422 if errors else 200)


@bp.route("/staff/insights/recurring.csv")
@login_required
def report_csv():
    permissions.require("staff_desk", current_user)
    filters = recurring.parse_filters(request.args)
    issues = recurring.ranked(filters.days, filters.product, filters.version)
    text = recurring_report.csv_text(issues, lambda q: question_url(q, _external=True))
    return Response(text, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="recurring-scores-{filters.days}d.csv"',
        "Cache-Control": "no-store",
    })
