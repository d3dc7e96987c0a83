"""What services raise; the web and API layers turn these into pages and JSON errors."""

from __future__ import annotations


class ForumError(Exception):
    """Base of every rule violation a user can cause. `status` is the HTTP answer."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message or self.__class__.__doc__ or "")
        self.message = message or (self.__class__.__doc__ or "").strip()
        if code:
            self.code = code


class ValidationError(ForumError):
    """Some fields are not acceptable."""

    status = 422
    code = "validation_failed"

    def __init__(self, errors: dict[str, str], message: str = ""):
        self.errors = errors
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in errors.items()))


class PermissionDenied(ForumError):
    """You are not allowed to do that."""

    status = 403
    code = "forbidden"


class NotFound(ForumError):
    """Not found."""

    status = 404
    code = "not_found"


class Conflict(ForumError):
    """That conflicts with the current state."""

    status = 409
    code = "conflict"
