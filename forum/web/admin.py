"""Admin pages (admins only): roles, and the job queue's parked jobs."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ValidationError
from forum.infra import jobs
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


# -- the job queue ------------------------------------------------------------------------

def _job_ids(form) -> list[int] | None:
    """The ticked job ids, or None for "all parked jobs"."""
    if form.get("all") == "1":
        return None
    return [int(x) for x in form.getlist("id") if x.isdigit()][:500]


@bp.route("/admin/jobs")
@login_required
def job_queue():
    permissions.require("manage_jobs", current_user)
    return render_template("admin/jobs.html", state=jobs.queue_state())


@bp.route("/admin/jobs/retry", methods=["POST"])
@login_required
def retry_jobs():
    permissions.require("manage_jobs", current_user)
    ids = _job_ids(request.form)
    if ids == []:
        flash("Tick the jobs to retry, or retry them all.", "error")
        return redirect(url_for("admin.job_queue"), 303)
    flash(f"{jobs.retry(ids)} job(s) queued again.", "success")
    return redirect(url_for("admin.job_queue"), 303)


@bp.route("/admin/jobs/discard", methods=["POST"])
@login_required
def discard_jobs():
    permissions.require("manage_jobs", current_user)
    ids = _job_ids(request.form)
    if ids == []:
        flash("Tick the jobs to discard, or discard them all.", "error")
        return redirect(url_for("admin.job_queue"), 303)
    flash(f"{jobs.discard(ids)} job(s) discarded.", "success")
    return redirect(url_for("admin.job_queue"), 303)
