"""The audit log page: every moderator and staff action, newest first, with filters."""

from __future__ import annotations

import math

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from forum import permissions
from moderation import audit, audit_lines, inputs

bp = Blueprint("mod_log", __name__)


@bp.route("/moderation/log")
@login_required
def log():
    permissions.require("moderate", current_user)
    log_filter, errors = inputs.parse_log_filter(request.args)
    private = permissions.can("staff_desk", current_user)     # support cases' entries
    entries, total = audit.entries(log_filter, private=private)
    return render_template(
        "moderation/log.html", lines=audit_lines.describe(entries), total=total, errors=errors,
        page=log_filter.page, pages=max(1, math.ceil(total / log_filter.per_page)),
        args=request.args, actions=audit_lines.action_choices(audit.actions(private=private)),
        action_name=audit_lines.action_name,
    ), (422 if errors else 200)
