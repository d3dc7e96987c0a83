"""API v1: the staff insights (company staff): searches, "did this solve it"
answers and deflection on /ask. Same reports as `/staff/insights`."""

from __future__ import annotations

from flask import jsonify, request, url_for

from forum import permissions
from forum.api import api_user, bp
from forum.services import insights


def _staff():
    user = api_user()
    permissions.require("staff_desk", user)
    return user


def _rows(rows) -> list[dict]:
    return [{"query": r.query, "searches": r.searches, "results": r.results, "opened": r.opened}
            for r in rows]


@bp.get("/insights/searches")
def insights_searches():
    _staff()
    report = insights.searches(insights.parse_days(request.args.get("days")),
                               insights.parse_product(request.args.get("product")))
    return jsonify(
        days=report.days, product=report.product, total=report.total,
        top=_rows(report.top), no_results=_rows(report.no_results), gaps=_rows(report.gaps),
        by_day=[{"day": d.day, "searches": d.searches, "no_results": d.no_results,
                 "opened": d.opened} for d in report.by_day])


@bp.get("/insights/feedback")
def insights_feedback():
    _staff()
    days = insights.parse_days(request.args.get("days"))
    return jsonify(days=days, threads=[
        {"question_id": r.question_id, "title": r.title,
         "url": url_for("questions.show", question_id=r.question_id, slug=r.slug,
                        _external=True),
         "yes": r.yes, "no": r.no, "needs_review": r.review, "reasons": r.reasons}
        for r in insights.feedback(days)])


@bp.get("/insights/deflection")
def insights_deflection():
    _staff()
    weeks = insights.parse_weeks(request.args.get("weeks"))
    return jsonify(weeks=[
        {"week": w.start.isoformat(), "sessions": w.sessions, "saw_similar": w.saw_similar,
         "opened": w.opened, "posted": w.posted, "deflected": w.deflected,
         "rate": round(w.rate, 4) if w.rate is not None else None}
        for w in insights.deflection_weeks(weeks)])
