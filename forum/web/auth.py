"""Register, log in, log out."""

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
    if request.method == "GET":
        return render_template("auth/register.html", form={}, errors={})
    if throttling.honeypot_filled(request.form):     # a bot filled the hidden field
        from forum.web.errors import error_page

        return error_page(400, "We could not create an account from that form. "
                               "Reload the sign-up page and try again.")
    registration, errors = inputs.parse_registration(request.form)
    if not errors:
        try:
            user = accounts.register_user(registration)
        except ValidationError as e:
            errors = e.errors
        else:
            login_user(user)
            flash("Welcome to the community! Search first, then ask.", "success")
            return redirect(url_for("questions.index"))
    return render_template("auth/register.html", form=request.form, errors=errors), 422


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("questions.index"))
