"""Attachments: upload, download, verified fixes."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import ValidationError
from forum.models import Question
from forum.services import attachments, posting
from forum.web.context import question_url
from forum.web.limits import limited

bp = Blueprint("attachments", __name__)


@bp.app_template_global()
def attachment_limits() -> dict:
    """What the upload fields tell the user."""
    config = current_app.config
    return {"max_mb": config["MAX_UPLOAD_MB"], "per_post": config["ATTACHMENTS_PER_POST"],
            "daily_mb": config["ATTACHMENT_DAILY_MB"],
            "request_mb": (config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
            "extensions": attachments.allowed_extensions(current_user),
            "executables": permissions.can("upload_executable", current_user)}


def _thread_url(post) -> str:
    if isinstance(post, Question):
        return question_url(post)
    return question_url(post.question, _anchor=f"answer-{post.id}")


def content_disposition(disposition: str, filename: str) -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''...` (RFC 6266 / 5987):
    an ASCII name for old clients and the exact name for the rest."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return (f'{disposition}; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}")


@bp.app_template_global()
def inline_image(attachment) -> bool:
    """Whether a page shows this file as a picture (a thumbnail in the post)."""
    return attachments.shows_inline(attachment)


def _counts_as_download(response) -> bool:
    """A download is a whole file sent to a GET: a 200 without a Range header.
    Not a 304 or a HEAD; not a Range request, even "bytes=0-" (a resumed or
    split download, or a viewer or player fetching a file it may already have
    fetched whole); not a picture shown in a page (browsers send
    `Sec-Fetch-Dest: image` for an <img>)."""
    return (request.method == "GET" and response.status_code == 200
            and "Range" not in request.headers
            and request.headers.get("Sec-Fetch-Dest") != "image")


@bp.get("/attachments/<int:attachment_id>/<filename>")
def download(attachment_id: int, filename: str):
    found = attachments.get_for_download(current_user, attachment_id)
    a = found.attachment
    if filename != a.filename:
        return redirect(url_for(".download", attachment_id=a.id, filename=a.filename), 301)
    response = send_file(found.path, mimetype=a.content_type, as_attachment=not found.inline,
                         download_name=a.filename, conditional=True, etag=a.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if found.inline else "attachment", a.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.public = False
    response.cache_control.private = True
    if _counts_as_download(response):
        attachments.count_download(a.id)
    return response


@bp.post("/posts/<int:post_id>/attachments")
@login_required
@limited("RATELIMIT_UPLOAD")
def upload(post_id: int):
    post = posting.get_post(post_id)
    files = attachments.present(request.files.getlist("files"))
    if not files:
        raise ValidationError({"files": "Choose a file to attach."})
    kind = request.form.get("file_kind", "other")
    attachments.check_files(current_user, files, kind, post)
    failures = attachments.attach_files(current_user, post.id, files, kind)
    for message in failures:
        flash(f"File not attached: {message}", "error")
    if attached := len(files) - len(failures):
        flash(f"Attached {attached} file{'' if attached == 1 else 's'}.", "success")
    return redirect(_thread_url(post), 303)


@bp.post("/attachments/<int:attachment_id>/verify")
@login_required
def verify(attachment_id: int):
    verified = request.form.get("verified", "1") != "0"
    a = attachments.set_verified(current_user, attachment_id, verified)
    flash(f"{a.filename} is {'now marked' if verified else 'no longer marked'} as a verified fix.",
          "success")
    return redirect(_thread_url(posting.get_post(a.post_id)), 303)


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete(attachment_id: int):
    a = attachments.delete_attachment(current_user, attachment_id)
    flash(f"Removed {a.filename}.", "success")
    return redirect(_thread_url(posting.get_post(a.post_id)), 303)
