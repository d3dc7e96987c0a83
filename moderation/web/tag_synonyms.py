"""The tag synonyms page: everyone reads the list; moderators add and remove.

`/tags/synonyms` wins over the core's `/tags/<name>` (a fixed path outranks a
variable one), so a tag cannot be called "synonyms" and have a page of its own.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ValidationError
from moderation import tag_synonyms

bp = Blueprint("mod_tag_synonyms", __name__)


def _page(form=None, errors=None, status: int = 200):
    synonyms = tag_synonyms.list_synonyms()
    return render_template(
        "moderation/tag_synonyms.html", synonyms=synonyms,
        creators=tag_synonyms.creators(synonyms), form=form or {}, errors=errors or {},
        may_manage=permissions.can("manage_tag_synonyms", current_user),
    ), status


@bp.get("/tags/synonyms")
def index():
    return _page()


@bp.post("/tags/synonyms")
@login_required
def add():
    permissions.require("manage_tag_synonyms", current_user)
    try:
        synonym = tag_synonyms.add_synonym(current_user, request.form.get("source"),
                                           request.form.get("tag"))
    except ValidationError as e:
        return _page(request.form, e.errors, 422)
    flash(f"'{synonym.source}' is now a synonym of '{synonym.tag.name}'.", "success")
    return redirect(url_for("mod_tag_synonyms.index"), 303)


@bp.post("/tags/synonyms/<int:synonym_id>/delete")
@login_required
def remove(synonym_id: int):
    tag_synonyms.remove_synonym(current_user, synonym_id)
    flash("Synonym removed. Questions already moved to the master tag keep it.", "success")
    return redirect(url_for("mod_tag_synonyms.index"), 303)
