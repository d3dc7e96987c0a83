"""Suspensions and the moderator's view of a user."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ValidationError
from moderation import inputs, suspensions

bp = Blueprint("mod_users", __name__)


def _page(user_id: int, form=None, errors=None, status: int = 200):
    overview = suspensions.user_overview(current_user, user_id)
    return render_template(
        "moderation/user.html", o=overview, user=overview.user, form=form or {},
        errors=errors or {}, details_of=suspensions.details_of,
        days_left=suspensions.days_left(overview.user),
        may_suspend=permissions.can("suspend", current_user, overview.user),
    ), status


@bp.route("/moderation/users/<int:user_id>")
@login_required
def user(user_id: int):
    return _page(user_id)


@bp.route("/moderation/users/<int:user_id>/suspend", methods=["POST"])
@login_required
def suspend(user_id: int):
    permissions.require("moderate", current_user)
    suspension, errors = inputs.parse_suspension(request.form)
    if not errors:
        try:
            target = suspensions.suspend_user(current_user, user_id, suspension)
        except ValidationError as e:
            errors = e.errors
        else:
            flash(f"{target.username} is suspended until "
                  f"{target.suspended_until:%Y-%m-%d %H:%M} UTC.", "success")
            return redirect(url_for("mod_users.user", user_id=user_id), 303)
    return _page(user_id, request.form, errors, 422)


@bp.route("/moderation/users/<int:user_id>/unsuspend", methods=["POST"])
@login_required
def unsuspend(user_id: int):
    permissions.require("moderate", current_user)
    note, errors = inputs.parse_unsuspension({"reason": request.form.get("note")})
    if errors:
        return _page(user_id, request.form, {"note": errors["reason"]}, 422)
    target = suspensions.unsuspend_user(current_user, user_id, note)
    flash(f"{target.username} is no longer suspended.", "success")
    return redirect(url_for("mod_users.user", user_id=user_id), 303)
