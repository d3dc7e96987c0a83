"""API v1: attachments (upload, verified fixes)."""

from __future__ import annotations

from flask import jsonify, request

from forum.api import api_user, bp, serialize
from forum.errors import ValidationError
from forum.services import attachments
from forum.web.limits import limited


@bp.post("/posts/<int:post_id>/attachments")
@limited("RATELIMIT_UPLOAD")
def upload_attachment(post_id: int):
    """Multipart: `file` (the file, its name is the display name) and `kind`."""
    user = api_user()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError({"file": "Send the file as the multipart/form-data field `file`."})
    created = attachments.attach_file(user, post_id, upload, upload.filename,
                                      request.form.get("kind", "other"))
    data = serialize.attachment(created)
    response = jsonify(data)
    response.status_code = 201
    response.headers["Location"] = data["url"]
    return response


@bp.post("/attachments/<int:attachment_id>/verified")
def verify_attachment(attachment_id: int):
    return jsonify(serialize.attachment(attachments.set_verified(api_user(), attachment_id, True)))


@bp.delete("/attachments/<int:attachment_id>/verified")
def unverify_attachment(attachment_id: int):
    return jsonify(serialize.attachment(attachments.set_verified(api_user(), attachment_id, False)))
