"""API v1: the bug tracker's webhooks, and escalation for staff.

`POST /api/v1/hooks/github` takes GitHub's `issues` webhook as GitHub sends it
(`X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256`); `POST
/api/v1/hooks/tracker` a small JSON from any tracker, signed the same way. Both
are verified against TRACKER_WEBHOOK_SECRET before anything is read: a wrong or
missing signature is a 401 and changes nothing (forum/services/escalation.py).
"""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy.exc import IntegrityError

from forum import permissions
from forum.api import api_user, bp, json_body, serialize
from forum.errors import ValidationError
from forum.services import escalation
from forum.web.errors import json_error

MAX_HOOK_BYTES = 1_000_000


def _answer(result: escalation.HookResult):
    if result.status >= 400:
        return json_error(result.status, result.message,
                          "bad_signature" if result.status == 401 else "invalid_payload")
    return jsonify(outcome=result.outcome, message=result.message,
                   question_id=result.question_id), result.status


def _body() -> bytes:
    if (request.content_length or 0) > MAX_HOOK_BYTES:
        raise ValidationError({"body": "The payload is too large."})
    return request.get_data(cache=False)[:MAX_HOOK_BYTES + 1]


def _once(receive, *args) -> escalation.HookResult:
    """Two copies of one delivery at the same moment: the second is a replay."""
    try:
        return receive(*args)
    except IntegrityError:
        return escalation.HookResult(200, "replayed", "This delivery was already taken.")


@bp.post("/hooks/github")
def github_hook():
    return _answer(_once(
        escalation.receive_github, request.headers.get("X-GitHub-Event", ""),
        request.headers.get("X-GitHub-Delivery", ""),
        request.headers.get(escalation.SIGNATURE_HEADER), _body()))


@bp.post("/hooks/tracker")
def tracker_hook():
    return _answer(_once(
        escalation.receive_generic, request.headers.get("X-Delivery-Id", ""),
        request.headers.get(escalation.SIGNATURE_HEADER), _body()))


@bp.post("/questions/<int:question_id>/bug")
def create_bug(question_id: int):
    delivery = escalation.create_bug(api_user(), question_id)
    return jsonify(delivery=serialize.tracker_delivery(delivery)), 202


@bp.put("/questions/<int:question_id>/bug")
def link_bug(question_id: int):
    link, errors = escalation.parse_bug_link(json_body())
    if errors:
        raise ValidationError(errors)
    issue = escalation.link_bug(api_user(), question_id, link)
    return jsonify(question_id=question_id, tracker=serialize.tracker(issue))


@bp.post("/questions/<int:question_id>/known-issue/reopen")
def reopen_known(question_id: int):
    issue = escalation.reopen(api_user(), question_id)
    return jsonify(question_id=question_id, known_issue=serialize.known_issue(issue))


@bp.post("/questions/<int:question_id>/fix-check")
def fix_check(question_id: int):
    data = json_body()
    check = escalation.answer_fix_check(api_user(), question_id, str(data.get("answer") or ""),
                                        str(data.get("reason") or ""))
    tally = escalation.tally(question_id)
    return jsonify(question_id=question_id, answer=check.answer, fixed_in=check.fixed_in,
                   yes=tally.yes if tally else 0, no=tally.no if tally else 0)


@bp.get("/tracker/deliveries")
def tracker_deliveries():
    permissions.require("staff_desk", api_user())
    question_id = request.args.get("question_id", type=int)
    return jsonify(deliveries=[serialize.tracker_delivery(d)
                               for d in escalation.deliveries(question_id, 100)])
