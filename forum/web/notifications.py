"""The inbox, following questions, watching tags, unsubscribing from mail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_login import current_user, login_required

from forum.extensions import csrf
from forum.services import mail, notifications, posting
from forum.web import safe_next
from forum.web.context import question_url

bp = Blueprint("notifications", __name__)


@bp.route("/inbox")
@login_required
def inbox():
    page = request.args.get("page", 1, type=int) or 1
    return render_template("notifications/inbox.html",
                           inbox=notifications.inbox(current_user, max(1, min(page, 10_000))))


@bp.route("/inbox/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    return redirect(safe_next(notifications.open_notification(current_user, notification_id)), 303)


@bp.route("/inbox/read", methods=["POST"])
@login_required
def mark_read():
    if request.form.get("all"):
        notifications.mark_read(current_user)
    else:
        ids = [int(i) for i in request.form.getlist("id") if i.isdigit() and len(i) < 10]
        notifications.mark_read(current_user, ids)
    return redirect("/inbox", 303)


@bp.route("/questions/<int:question_id>/follow", methods=["POST"])
@login_required
def follow(question_id: int):
    on = request.form.get("action") != "unfollow"
    notifications.set_follow(current_user, question_id, on)
    flash("You follow this question: new answers reach your inbox." if on
          else "You no longer follow this question.", "success")
    return redirect(question_url(posting.get_question(question_id)), 303)


@bp.route("/tags/<name>/watch", methods=["POST"])
@login_required
def watch_tag(name: str):
    on = request.form.get("action") != "unwatch"
    notifications.set_tag_watch(current_user, name, on)
    flash(f"You watch “{name}”: new questions reach your inbox." if on
          else f"You no longer watch “{name}”.", "success")
    return redirect(f"/tags/{name.lower()}", 303)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt          # the signed token is the credential; mail clients POST one-click
def unsubscribe(token: str):
    """GET asks (mail scanners follow links); POST unsubscribes (also the
    one-click List-Unsubscribe-Post)."""
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", token=token, done=False)
    user = mail.unsubscribe(token)
    return render_template("notifications/unsubscribe.html", token=token, done=True, user=user)
