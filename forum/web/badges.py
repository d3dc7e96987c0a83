"""Badges: the list and one page per badge."""

from __future__ import annotations

from flask import Blueprint, render_template

from forum.services import badges

bp = Blueprint("badges", __name__)


@bp.route("/badges")
def index():
    return render_template("badges/index.html", badges=list(badges.BADGES.values()),
                           counts=badges.counts())


@bp.route("/badges/<slug>")
def show(slug: str):
    badge = badges.get(slug)
    return render_template("badges/show.html", badge=badge, holders=badges.holders(slug))
