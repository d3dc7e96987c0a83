"""Admin pages: roles (admins only)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ValidationError
from forum.models import ROLES
from forum.services import accounts, staffdesk

bp = Blueprint("admin", __name__)


def _listing(source) -> tuple[str, int]:
    """The search text and page number, from the query string or the posted form."""
    page = source.get("page", 1, type=int) or 1
    return (source.get("q") or "").strip()[:30], max(1, min(page, 100_000))


def _users_page(q: str, page: int, errors: dict[int, str] | None = None, status: int = 200):
    users = staffdesk.list_users(q, page, current_app.config["QUESTIONS_PER_PAGE"])
    return render_template("admin/users.html", users=users, q=q, roles=ROLES,
                           errors=errors or {}), status


@bp.route("/admin/users")
@login_required
def users():
    permissions.require("manage_roles", current_user)
    return _users_page(*_listing(request.args))


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@login_required
def change_role(user_id: int):
    permissions.require("manage_roles", current_user)
    q, page = _listing(request.form)
    user = accounts.find_user(user_id)
    role = request.form.get("role", "")
    try:
        accounts.set_role(user, role, actor=current_user)
    except ValidationError as e:
        return _users_page(q, page, {user_id: e.errors.get("role", e.message)}, 422)
    flash(f"{user.username} is now {user.role}.", "success")
    return redirect(url_for("admin.users", q=q or None, page=page if page > 1 else None), 303)
