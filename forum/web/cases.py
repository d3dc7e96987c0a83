"""Support cases: the private conversation between an asker and staff."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ForumError, ValidationError
from forum.models import CASE_STATE_LABELS, CASE_STATES, CASE_TIERS
from forum.services import cases
from forum.services.attachments import form_errors
from forum.web.attachments import content_disposition
from forum.web.limits import limited

bp = Blueprint("cases", __name__)


def _filters() -> cases.CaseFilters:
    """Staff start at the cases not resolved; an asker sees all of theirs."""
    args = request.args
    staff = permissions.can("staff_desk", current_user)
    state = args.get("state", "active" if staff else "all")
    mine = args.get("assignee") == "me" and current_user.is_authenticated
    return cases.CaseFilters(
        state=state if state in (*CASE_STATES, "active") else None,
        tier=args.get("tier") if args.get("tier") in CASE_TIERS else None,
        assignee_id=current_user.id if mine else None,
        product=(args.get("product") or "").strip()[:100] or None)


@bp.get("/cases")
@login_required
def index():
    filters = _filters()
    return render_template("cases/index.html", cases=cases.list_cases(current_user, filters),
                           filters=filters, states=CASE_STATE_LABELS, tiers=CASE_TIERS,
                           staff=permissions.can("staff_desk", current_user),
                           mine=request.args.get("assignee") == "me")


def _page(case_id: int, *, errors=None, form=None, status=200):
    case = cases.get_case(current_user, case_id)
    conversation = cases.messages(case, current_user)
    manage = permissions.can("manage_case", current_user, case)
    return render_template(
        "cases/show.html", case=case, conversation=conversation,
        files=cases.files_for(m.id for m in conversation), manage=manage,
        clock=cases.case_clock(case) if manage else None,
        staff_members=cases.staff_members() if manage else [],
        solution=(form or {}).get("publish_body") or (cases.draft_solution(case) if manage else ""),
        states=CASE_STATE_LABELS, tiers=CASE_TIERS, errors=errors or {}, form=form or {},
    ), status


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    return _page(case_id)


@bp.post("/questions/<int:question_id>/case")
@login_required
def open_case(question_id: int):
    case = cases.open_case(current_user, question_id, request.form.get("body", ""),
                           request.files.getlist("files"))
    return redirect(url_for(".show", case_id=case.id), 303)


@bp.post("/cases/<int:case_id>/messages")
@login_required
@limited("RATELIMIT_POST")
def reply(case_id: int):
    try:
        cases.reply(current_user, case_id, request.form.get("body", ""),
                    internal=request.form.get("internal") == "1",
                    files=request.files.getlist("files"))
    except ValidationError as e:
        return _page(case_id, errors=form_errors(e), form=request.form, status=422)
    except ForumError as e:
        if e.status in (404, 403):
            raise
        return _page(case_id, errors=form_errors(e), form=request.form, status=e.status)
    return redirect(url_for(".show", case_id=case_id, _anchor="latest"), 303)


@bp.post("/cases/<int:case_id>/change")
@login_required
def change(case_id: int):
    wanted, errors = cases.parse_change(request.form)
    if errors:
        return _page(case_id, errors=errors, form=request.form, status=422)
    try:
        cases.change(current_user, case_id, wanted)
    except ValidationError as e:
        return _page(case_id, errors=e.errors, form=request.form, status=422)
    if request.form.get("next") == "desk":
        return redirect(url_for("staff.desk", _anchor="cases"), 303)
    return redirect(url_for(".show", case_id=case_id), 303)


@bp.post("/cases/<int:case_id>/resolve")
@login_required
def resolve(case_id: int):
    publish = request.form.get("publish_body", "") if request.form.get("publish") == "1" else None
    try:
        cases.resolve(current_user, case_id, publish=publish)
    except ValidationError as e:
        errors = {("publish_body" if k == "body" else k): v for k, v in e.errors.items()}
        return _page(case_id, errors=errors, form=request.form, status=422)
    return redirect(url_for(".show", case_id=case_id), 303)


@bp.get("/cases/<int:case_id>/files/<int:file_id>/<filename>")
@login_required
def download(case_id: int, file_id: int, filename: str):
    found = cases.get_file(current_user, case_id, file_id)
    row = found.file
    response = send_file(found.path, mimetype=row.content_type, as_attachment=True,
                         download_name=row.filename, conditional=True, etag=row.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition("attachment", row.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
