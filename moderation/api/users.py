"""API v1 (moderation): suspensions."""

from __future__ import annotations

from flask import jsonify, request

from forum import permissions
from forum.api import api_user, json_body
from forum.api.serialize import iso
from forum.errors import ValidationError
from moderation import inputs, suspensions
from moderation.api import bp


def _suspension(user) -> dict:
    suspended = user.is_suspended
    return {
        "id": user.id,
        "suspended_until": iso(user.suspended_until) if suspended else None,
        "reason": user.suspension_reason if suspended else None,
    }


@bp.post("/users/<int:user_id>/suspension")
def suspend(user_id: int):
    actor = api_user()
    permissions.require("moderate", actor)
    suspension, errors = inputs.parse_suspension(json_body())
    if errors:
        raise ValidationError(errors)
    return jsonify(_suspension(suspensions.suspend_user(actor, user_id, suspension)))


@bp.delete("/users/<int:user_id>/suspension")
def unsuspend(user_id: int):
    actor = api_user()
    permissions.require("moderate", actor)
    data = json_body() if request.get_data() else {}
    note, errors = inputs.parse_unsuspension(data)
    if errors:
        raise ValidationError(errors)
    return jsonify(_suspension(suspensions.unsuspend_user(actor, user_id, note)))
