"""/settings: the signed-in user's profile, avatar, email (and confirming it),
notification mail, password, API tokens, data export and account deletion; and
/avatars/<id>, everyone's picture."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_login import current_user, login_required, login_user, logout_user

from forum.errors import ValidationError
from forum.extensions import limiter
from forum.services import accounts, avatars, notifications, settings

bp = Blueprint("settings", __name__)

FORMS = ("profile", "avatar", "avatar_remove", "email", "notifications", "password", "token")


def _verify_limit() -> str:
    return current_app.config["RATELIMIT_VERIFY_MAIL"]


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


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
        elif which == "avatar":
            avatars.upload(current_user, request.files.get("avatar"))
            flash("Your new picture is saved.", "success")
        elif which == "avatar_remove":
            avatars.remove(current_user)
            flash("Your picture is removed: you have the generated one again.", "success")
        elif which == "email":
            settings.change_email(current_user, f.get("email", ""), f.get("current_password", ""))
            flash("Email changed." if current_user.is_verified else
                  f"Email changed. We mailed a link to {current_user.email}: open it to confirm "
                  "the address.", "success")
        elif which == "notifications":
            settings.set_email_notifications(current_user, f.get("email_notifications", ""))
            flash("Notification mail saved.", "success")
        elif which == "password":
            settings.change_password(current_user, f.get("current_password", ""),
                                     f.get("new_password", ""), f.get("confirm_password", ""))
            login_user(current_user._get_current_object())     # this session, new epoch
            flash("Password changed. Your other sessions are logged out.", "success")
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


@bp.route("/settings/verify-email", methods=["POST"])
@login_required
@limiter.limit(_verify_limit)
def resend_verification():
    if accounts.send_verification(current_user):
        flash(f"We mailed a new link to {current_user.email}.", "success")
    else:
        flash("Your address is confirmed already.", "info")
    return redirect("/settings#email", 303)


@bp.route("/settings/export")
@login_required
def export():
    data = accounts.export_data(current_user)
    response = make_response(json.dumps(data, indent=2, ensure_ascii=False))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="crowdfix-{current_user.id}-export.json"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/settings/delete", methods=["POST"])
@login_required
@limiter.limit(_login_limit)
def delete():
    if request.form.get("confirm") != "yes":
        return _page(errors={"delete.confirm": "Tick the box to say you understand."},
                     form=request.form, status=422)
    try:
        accounts.delete_account(current_user, request.form.get("password", ""))
    except ValidationError as e:
        return _page(errors={f"delete.{k}": v for k, v in e.errors.items()}, form=request.form,
                     status=422)
    logout_user()
    flash("Your account is deleted. Your posts stay, under “Former member”.", "success")
    return redirect("/", 303)


@bp.route("/avatars/<int:user_id>")
def avatar(user_id: int):
    body, mimetype = avatars.picture(user_id)
    response = make_response(body)
    response.mimetype = mimetype
    # The page asks with ?v=<picture>, so a new picture is a new address.
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
