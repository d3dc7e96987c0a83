"""OpenAPI paths of moderation's API (routes in the `moderation` package).

Each part of moderation describes its own routes in its own function; `paths()`
joins them for `forum.api.openapi.spec()`. The same test that checks the core
routes checks these: a route cannot exist undocumented.
"""

from __future__ import annotations

from typing import Any

from forum.api.openapi import SECURED, WRITE_ERRORS, _body, _errors, _id, _json, _ok, _ref

__all__ = ["SECURED", "WRITE_ERRORS", "_body", "_errors", "_id", "_json", "_ok", "_ref", "paths"]


def _flag_paths() -> dict[str, Any]:
    """Flags, flag decisions, the review queue."""
    return {}


def _thread_paths() -> dict[str, Any]:
    """Close, reopen, lock, pin, protect, undelete, merge, rollback."""
    outcome = {"type": "object", "properties": {
        "id": {"type": "integer"}, "status": {"type": "string", "enum": ["open", "closed"]},
        "closed_reason": {"type": "string", "nullable": True},
        "duplicate_of": {"type": "integer", "nullable": True},
        "action": {"type": "string", "enum": ["close", "reopen"],
                   "description": "the round voted in"},
        "votes": {"type": "integer", "description": "live votes in the round (the deciding "
                                                    "round's when this vote changed the state)"},
        "needed": {"type": "integer", "description": "CLOSE_VOTES_NEEDED; a vote from staff, "
                                                     "a moderator or an admin is binding"},
        "changed": {"type": "boolean", "description": "this vote closed or reopened it"},
    }}
    state = {"type": "object", "properties": {
        "id": {"type": "integer"}, "type": {"type": "string", "enum": ["question", "answer"]},
        "deleted": {"type": "boolean"}, "locked": {"type": "boolean"},
        "lock_reason": {"type": "string", "nullable": True},
        "locked_at": {"type": "string", "format": "date-time", "nullable": True},
        "status": {"type": "string"}, "closed_reason": {"type": "string", "nullable": True},
        "duplicate_of": {"type": "integer", "nullable": True},
        "merged_into": {"type": "integer", "nullable": True},
        "protected": {"type": "boolean"}, "pinned": {"type": "boolean"},
        "pinned_tag": {"type": "string", "nullable": True}, "url": {"type": "string"},
    }, "description": "question fields only for questions"}
    reason_body = {"required": False, **_json({"type": "object", "properties": {
        "reason": {"type": "string", "maxLength": 300}}})}

    def op(summary: str, param: str, schema: dict, errors=("401", "403", "404", "409"),
           body: dict | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"summary": summary, "security": SECURED, "parameters": [_id(param)],
                               "responses": {**_ok("Done", schema), **_errors(*errors)}}
        if body is not None:
            out["requestBody"] = body
        return out

    return {
        "/api/v1/questions/{question_id}/close": {"post": op(
            "Vote to close (close privilege); CLOSE_VOTES_NEEDED votes or one binding vote "
            "close it", "question_id", outcome, WRITE_ERRORS,
            _body({"type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string", "enum": ["duplicate", "needs_details",
                                                      "not_reproducible", "off_topic"]},
                "duplicate_of": {"type": "integer",
                                 "description": "required for duplicate: the original"}}}))},
        "/api/v1/questions/{question_id}/reopen": {"post": op(
            "Vote to reopen a closed question", "question_id", outcome)},
        "/api/v1/questions/{question_id}/close-vote": {"delete": op(
            "Take back your live vote in the current round (close or reopen)", "question_id",
            outcome, ("401", "403", "404"))},
        "/api/v1/posts/{post_id}/lock": {
            "post": op("Lock a post; a locked question locks its thread (moderators)",
                       "post_id", state, WRITE_ERRORS,
                       _body({"type": "object", "required": ["reason"], "properties": {
                           "reason": {"type": "string", "maxLength": 300}}})),
            "delete": op("Unlock (moderators)", "post_id", state, WRITE_ERRORS, reason_body),
        },
        "/api/v1/questions/{question_id}/pin": {
            "post": op("Pin to the front page, or with `tag` to the top of one of its tags "
                       "(moderators)", "question_id", state, WRITE_ERRORS,
                       {"required": False, **_json({"type": "object", "properties": {
                           "tag": {"type": "string"}}})}),
            "delete": op("Unpin (moderators)", "question_id", state),
        },
        "/api/v1/questions/{question_id}/protect": {
            "post": op("Protect: answers need PROTECTED_MIN_REP (moderators)", "question_id",
                       state, WRITE_ERRORS, reason_body),
            "delete": op("Unprotect (moderators)", "question_id", state, WRITE_ERRORS,
                         reason_body),
        },
        "/api/v1/posts/{post_id}/undelete": {"post": op(
            "Undelete (moderators; authors what they deleted themselves); the post's "
            "reputation comes back", "post_id", state, WRITE_ERRORS, reason_body)},
        "/api/v1/questions/{question_id}/merge": {"post": op(
            "Merge a duplicate into its original (moderators): answers move, the duplicate "
            "is closed, deleted and redirects", "question_id",
            {"type": "object", "properties": {
                "id": {"type": "integer"}, "merged_into": {"type": "integer"},
                "answer_count": {"type": "integer", "description": "the original's, after"},
                "url": {"type": "string"}}}, WRITE_ERRORS,
            _body({"type": "object", "required": ["into"], "properties": {
                "into": {"type": "integer"}, "reason": {"type": "string", "maxLength": 300}}}))},
        "/api/v1/posts/{post_id}/rollback": {"post": op(
            "Roll a post back to an earlier revision, as a new revision (moderators)",
            "post_id", {"type": "object", "properties": {
                "post_id": {"type": "integer"},
                "revision": {"type": "integer", "description": "the new revision"},
                "rolled_back_to": {"type": "integer"}, "comment": {"type": "string"}}},
            WRITE_ERRORS,
            _body({"type": "object", "required": ["revision"], "properties": {
                "revision": {"type": "integer"}}}))},
    }


def _user_paths() -> dict[str, Any]:
    """Suspensions."""
    return {}


def paths() -> dict[str, Any]:
    return {**_flag_paths(), **_thread_paths(), **_user_paths()}
