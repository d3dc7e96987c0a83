"""Every error becomes a page (or JSON under /api): never a bare 500 for user input."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forum.errors import ForumError, ValidationError
from forum.extensions import db
from forum.web.limits import too_many_message

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
    500: "server_error",
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def json_error(status: int, message: str, code: str | None = None, fields: dict | None = None):
    body: dict = {"error": {"code": code or HTTP_CODES.get(status, "error"), "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return make_response(jsonify(body), status)


def error_page(status: int, message: str):
    return make_response(render_template("errors/error.html", status=status, message=message), status)


def register(app: Flask) -> None:
    @app.errorhandler(ForumError)
    def forum_error(e: ForumError):
        db.session.rollback()
        fields = e.errors if isinstance(e, ValidationError) else None
        if wants_json():
            response = json_error(e.status, e.message, e.code, fields)
        else:
            response = error_page(e.status, e.message)
        if getattr(e, "retry_after", None):         # throttling.RateLimited
            response.headers["Retry-After"] = str(e.retry_after)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        message = "Your form expired or was sent from another site. Go back, reload the page and try again."
        if wants_json():
            return json_error(400, message, "csrf_failed")
        return error_page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        status = e.code or 500
        message = {
            404: "There is nothing at this address. It may have been moved or deleted.",
            413: (f"That request is too large: a file may be at most "
                  f"{app.config['MAX_UPLOAD_MB']} MB, and one request at most "
                  f"{(app.config.get('MAX_CONTENT_LENGTH') or 0) // 1048576} MB."),
            429: too_many_message(e.description) if status == 429 else "",
        }.get(status, e.description or e.name)
        response = json_error(status, message) if wants_json() else error_page(status, message)
        if status == 405 and e.valid_methods:
            response.headers["Allow"] = ", ".join(e.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        message = "Something went wrong on our side. Nothing you sent was lost: try again."
        if wants_json():
            return json_error(500, message)
        return error_page(500, message)
