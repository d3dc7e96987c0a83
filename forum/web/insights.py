"""Insights pages: where a search result or a suggestion on /ask was opened (a
redirect that records it, then goes to the thread), "Did this solve your
problem?" on solved threads, and the staff page `/staff/insights`.

A search result link carries `?s=<log id>&r=<rank>`: recorded, then redirected to
the thread's own URL, so the thread page (and its cached copy for anonymous
readers) stays one per thread. The feedback form sits in the cached page, which
carries no CSRF token: the POST is exempt from the site-wide check for anonymous visitors (it
can only add or change that visitor's own answer) and checked for signed-in users.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ForumError
from forum.extensions import csrf
from forum.services import deflection, feedback, insights, search_log
from forum.web.limits import limited

bp = Blueprint("insights", __name__)

NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _to_thread(question_id: int, anchor: str = ""):
    response = redirect(url_for("questions.show", question_id=question_id) + anchor, 302)
    response.headers.update(NO_STORE)
    return response


@bp.before_app_request
def record_opened_result():
    """A search result link is the thread's URL with `?s=<search log id>&r=<rank>`:
    record which result was opened, then go to the thread's own URL (so its page,
    cached for anonymous readers, stays one per thread)."""
    if request.endpoint != "questions.show" or "s" not in request.args:
        return None
    log_id = request.args.get("s", type=int)
    if log_id:
        search_log.opened(log_id, request.view_args["question_id"],
                          request.args.get("r", type=int))
    rest = [(k, v) for k, v in request.args.items(multi=True) if k not in ("s", "r")]
    response = redirect(request.path + (f"?{urlencode(rest)}" if rest else ""), 302)
    response.headers.update(NO_STORE)
    return response


@bp.get("/ask/open/<token>/<int:question_id>")
def open_suggestion(token: str, question_id: int):
    """A similar thread suggested on /ask was opened from an ask session."""
    deflection.opened(token, question_id)
    return _to_thread(question_id)


@bp.post("/questions/<int:question_id>/feedback")
@csrf.exempt
@limited("RATELIMIT_FEEDBACK")
def thread_feedback(question_id: int):
    """"Did this solve your problem?": one answer per visitor, changeable."""
    signed_in = current_user.is_authenticated
    if signed_in and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    token = request.cookies.get(feedback.COOKIE)
    new_token = None
    if not signed_in and not feedback.valid_token(token):
        token = new_token = feedback.new_visitor_token()
    try:
        helpful, reason = feedback.parse(request.form)
        feedback.record(feedback.visitor_key(current_user, token), question_id=question_id,
                        helpful=helpful, reason=reason)
    except ForumError as e:
        return render_template("insights/feedback_error.html", error=e,
                               question_id=question_id), e.status
    # "feedback": the thread's feedback box says thanks too (where #feedback lands)
    flash("Thanks for telling us whether this solved your problem.", "feedback")
    response = _to_thread(question_id, "#feedback")
    response.status_code = 303
    if new_token:
        response.set_cookie(feedback.COOKIE, new_token, max_age=feedback.COOKIE_MAX_AGE,
                            httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.get("/staff/insights")
@login_required
def staff_page():
    permissions.require("staff_desk", current_user)
    days = insights.parse_days(request.args.get("days"))
    product = insights.parse_product(request.args.get("product"))
    return render_template(
        "insights/staff.html", days=days, day_choices=insights.DAY_CHOICES, product=product,
        searches=insights.searches(days, product), feedback=insights.feedback(days),
        weeks=list(reversed(insights.deflection_weeks(8))),
        review_no=current_app.config.get("FEEDBACK_REVIEW_NO", 3))
