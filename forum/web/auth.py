"""Register, log in, log out; forgot password and reset it from a mailed link;
confirm an email address from a mailed link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum import inputs
from forum.errors import ValidationError
from forum.extensions import limiter
from forum.services import accounts, throttling
from forum.web import safe_next

bp = Blueprint("auth", __name__)


def configure_login(login_manager) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def unauthorized():
        from forum.web.errors import json_error, wants_json

        if wants_json():
            return json_error(401, "Log in first.", "unauthorized")
        flash(login_manager.login_message, login_manager.login_message_category)
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=next_url))

    @login_manager.user_loader
    def load_user(user_id: str):
        return accounts.load_user(user_id)


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _register_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER"]


def _reset_limit() -> str:
    return current_app.config["RATELIMIT_PASSWORD_RESET"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("questions.index"))
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", form={}, error=None, next_url=next_url)
    user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""))
    if user is None:
        error = "That username or email and password do not match an account."
        return render_template("auth/login.html", form=request.form, error=error,
                               next_url=next_url), 401
    login_user(user, remember=bool(request.form.get("remember")))
    flash(f"Welcome back, {user.username}.", "success")
    return redirect(next_url)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("questions.index"))
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/register.html", form={}, errors={}, next_url=next_url)
    if throttling.honeypot_filled(request.form):     # a bot filled the hidden field
        from forum.web.errors import error_page

        return error_page(400, "We could not create an account from that form. "
                               "Reload the sign-up page and try again.")
    registration, errors = inputs.parse_registration(request.form)
    if not errors:
        try:
            user = accounts.sign_up(registration)
        except ValidationError as e:
            errors = e.errors
        else:
            login_user(user)
            flash(f"Welcome to the community! We mailed a link to {user.email}: open it to "
                  "confirm your address. Until then you can post, with the limits for new "
                  "members.", "success")
            return redirect(next_url)
    return render_template("auth/register.html", form=request.form, errors=errors,
                           next_url=next_url), 422


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    if request.method == "GET":
        return render_template("auth/forgot_password.html", sent_to=None, form={}, errors={})
    email = (request.form.get("email") or "").strip()
    if not email:
        return render_template("auth/forgot_password.html", sent_to=None, form=request.form,
                               errors={"email": "Enter the email address of your account."}), 422
    accounts.request_password_reset(email)
    # The same page whether or not an account has this address.
    return render_template("auth/forgot_password.html", sent_to=email, form={}, errors={})


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except ValidationError as e:
        return render_template("auth/reset_password.html", token_error=e.errors["token"],
                               errors={}), 400
    if request.method == "GET":
        return render_template("auth/reset_password.html", token_error=None, errors={})
    try:
        accounts.reset_password(token, request.form.get("new_password", ""),
                                request.form.get("confirm_password", ""))
    except ValidationError as e:
        if "token" in e.errors:
            return render_template("auth/reset_password.html", token_error=e.errors["token"],
                                   errors={}), 400
        return render_template("auth/reset_password.html", token_error=None, errors=e.errors), 422
    if current_user.is_authenticated:
        logout_user()
    flash("Your password is changed, and any other sessions are logged out. Log in with "
          "the new password.", "success")
    return redirect(url_for("auth.login"), 303)


@bp.route("/verify-email/<token>")
def verify_email(token: str):
    try:
        user = accounts.verify_email(token)
    except ValidationError as e:
        from forum.web.errors import error_page

        return error_page(400, e.errors["token"])
    flash(f"Thank you: {user.email} is confirmed.", "success")
    return redirect(url_for("settings.index") if current_user.is_authenticated
                    else url_for("auth.login"), 303)


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("questions.index"))
