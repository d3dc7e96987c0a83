"""What every template may use: permissions, site settings, date filters."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, url_for
from flask_login import current_user

from forum import permissions
from forum.models import utcnow
from forum.services.products import lazy_product_names


def can(action: str, *args) -> bool:
    return permissions.can(action, current_user, *args)


def ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    seconds = int((utcnow() - moment).total_seconds())
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"),
                       (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def inbox_unread() -> int:
    """The signed-in user's unread notifications, counted once per request."""
    from flask import request

    from forum.services import notifications

    if not current_user.is_authenticated:
        return 0
    cached = request.environ.get("crowdfix.inbox_unread")
    if cached is None:
        cached = request.environ["crowdfix.inbox_unread"] = notifications.unread_count(
            current_user.id)
    return cached


def question_url(question, **kwargs) -> str:
    return url_for("questions.show", question_id=question.id, slug=question.slug, **kwargs)


def user_url(user, **kwargs) -> str:
    return url_for("users.show", user_id=user.id, username=user.username, **kwargs)


def register(app: Flask) -> None:
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["iso"] = iso
    app.jinja_env.globals.update(
        can=can,
        inbox_unread=inbox_unread,
        has_privilege=lambda name: permissions.has_privilege(current_user, name),
        question_url=question_url,
        user_url=user_url,
    )

    @app.context_processor
    def site():
        return {
            "site_name": app.config["SITE_NAME"],
            "company_name": app.config["COMPANY_NAME"],
            "products": lazy_product_names,   # the products table, else PRODUCTS
        }
