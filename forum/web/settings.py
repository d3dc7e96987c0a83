"""/settings: the signed-in user's profile, email, notification mail, password, API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import current_user, login_required

from forum.errors import ValidationError
from forum.services import accounts, notifications, settings

bp = Blueprint("settings", __name__)

FORMS = ("profile", "email", "notifications", "password", "token")


def _page(errors=None, form=None, new_token=None, status=200):
    return render_template(
        "users/settings.html", errors=errors or {}, form=form or {}, new_token=new_token,
        tokens=settings.tokens(current_user), watched=notifications.watched_tags(current_user.id),
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def index():
    if request.method == "GET":
        return _page()
    which = request.form.get("form")
    f = request.form
    try:
        if which == "profile":
            settings.update_profile(current_user, f.get("about", ""), f.get("website", ""))
            flash("Profile saved.", "success")
        elif which == "email":
            settings.change_email(current_user, f.get("email", ""), f.get("current_password", ""))
            flash("Email changed.", "success")
        elif which == "notifications":
            settings.set_email_notifications(current_user, f.get("email_notifications", ""))
            flash("Notification mail saved.", "success")
        elif which == "password":
            settings.change_password(current_user, f.get("current_password", ""),
                                     f.get("new_password", ""), f.get("confirm_password", ""))
            flash("Password changed.", "success")
        elif which == "token":
            label = (f.get("label") or "").strip()[:100] or "API token"
            return _page(new_token=accounts.issue_token(current_user, label))
        else:
            raise ValidationError({"form": "Unknown settings form."})
    except ValidationError as e:
        return _page(errors={f"{which}.{k}": v for k, v in e.errors.items()}, form=f, status=422)
    return redirect("/settings", 303)


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    settings.revoke_token(current_user, token_id)
    flash("Token revoked: it no longer works.", "success")
    return redirect("/settings#tokens", 303)
