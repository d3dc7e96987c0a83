"""API v1: support cases (private), and the service levels behind them."""

from __future__ import annotations

from flask import jsonify, request

from forum import permissions
from forum.api import api_user, bp, json_body, serialize
from forum.errors import ValidationError
from forum.models import CASE_STATES, CASE_TIERS
from forum.services import cases


def _case_json(case, user, status: int = 200):
    manage = permissions.can("manage_case", user, case)
    conversation = cases.messages(case, user)
    return jsonify(case=serialize.support_case(
        case, manage=manage, clock=cases.case_clock(case) if manage else None,
        messages=conversation, files=cases.files_for(m.id for m in conversation))), status


@bp.get("/cases")
def list_cases():
    user = api_user()
    args = request.args
    state = args.get("state")
    filters = cases.CaseFilters(
        state=state if state in (*CASE_STATES, "active") else None,
        tier=args.get("tier") if args.get("tier") in CASE_TIERS else None,
        assignee_id=user.id if args.get("assignee") == "me" else None,
        product=(args.get("product") or "").strip()[:100] or None,
        limit=min(max(args.get("limit", 50, type=int), 1), 200))
    found = cases.list_cases(user, filters)
    return jsonify(cases=[serialize.support_case(c, manage=permissions.can("manage_case", user, c))
                          for c in found])


@bp.post("/questions/<int:question_id>/case")
def open_case(question_id: int):
    user = api_user()
    data = json_body() if request.content_length else {}
    case = cases.open_case(user, question_id, data.get("body") or "")
    return _case_json(case, user, 201)


@bp.get("/cases/<int:case_id>")
def get_case(case_id: int):
    user = api_user()
    return _case_json(cases.get_case(user, case_id), user)


@bp.post("/cases/<int:case_id>/messages")
def reply(case_id: int):
    user = api_user()
    data = json_body()
    internal = data.get("internal", False)
    if not isinstance(internal, bool):
        raise ValidationError({"internal": "Must be true or false."})
    message = cases.reply(user, case_id, data.get("body"), internal=internal)
    return jsonify(message=serialize.case_message(case_id, message, [])), 201


@bp.patch("/cases/<int:case_id>")
def change(case_id: int):
    user = api_user()
    wanted, errors = cases.parse_change(json_body())
    if errors:
        raise ValidationError(errors)
    cases.change(user, case_id, wanted)
    return _case_json(cases.get_case(user, case_id), user)


@bp.post("/cases/<int:case_id>/resolve")
def resolve(case_id: int):
    user = api_user()
    data = json_body() if request.content_length else {}
    publish = data.get("publish")
    if publish is not None and not isinstance(publish, str):
        raise ValidationError({"publish": "The solution to publish must be text."})
    cases.resolve(user, case_id, publish=publish)
    return _case_json(cases.get_case(user, case_id), user)


@bp.get("/support/service-levels")
def service_levels():
    """Late cases and questions, and time to first response (staff)."""
    user = api_user()
    permissions.require("staff_desk", user)
    days = min(max(request.args.get("days", 30, type=int), 1), 365)
    product = (request.args.get("product") or "").strip()[:100] or None
    times = cases.response_times(days, product=product)
    late_cases = [r for r in cases.active_cases(limit=200, product=product) if r.clock.overdue]
    return jsonify(
        days=days, product=product,
        first_response={
            "cases": {"count": times.cases, "answered": times.cases_answered,
                      "median_seconds": serialize.seconds(times.case_median)},
            "questions": {"count": times.questions, "answered": times.questions_answered,
                          "median_seconds": serialize.seconds(times.question_median)}},
        overdue_cases=[serialize.support_case(r.case, manage=True, clock=r.clock)
                       for r in late_cases],
        overdue_questions=[{"question": serialize.question_summary(q.question),
                            "due": serialize.iso(q.due)}
                           for q in cases.overdue_questions(limit=200, product=product)])
