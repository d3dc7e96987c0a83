"""OpenAPI paths of moderation's API (the routes in `moderation.api`).

Each part of moderation describes its own routes in its own function; `paths()`
joins them, and `moderation.init_app` adds it to the document that
`forum.api.openapi.spec()` serves. The same test that checks the core routes
checks these: a route cannot exist undocumented.
"""

from __future__ import annotations

from typing import Any

from forum.api.openapi import SECURED, WRITE_ERRORS, _body, _errors, _id, _json, _ok, _ref
from forum.inputs import TAG_CHARS

__all__ = ["paths"]


def _flag_paths() -> dict[str, Any]:
    """Flags, flag decisions, the review queue."""
    when = {"type": "string", "format": "date-time", "nullable": True}
    post_ref = {"type": "object", "nullable": True, "properties": {
        "id": {"type": "integer"}, "type": {"type": "string", "enum": ["question", "answer"]},
        "question_id": {"type": "integer", "nullable": True},
        "title": {"type": "string", "nullable": True}, "url": {"type": "string", "nullable": True},
        "deleted": {"type": "boolean"}, "hidden": {"type": "boolean"}}}
    flag = {"type": "object", "properties": {
        "id": {"type": "integer"}, "post_id": {"type": "integer"},
        "reason": {"type": "string", "enum": ["spam", "abusive", "duplicate", "needs_details",
                                              "other"]},
        "text": {"type": "string"}, "duplicate_of": {"type": "integer", "nullable": True},
        "duplicate_of_title": {"type": "string", "nullable": True,
                               "description": "the original's title (in the queue)"},
        "status": {"type": "string", "enum": ["open", "helpful", "declined"]},
        "created_at": when, "decided_at": when, "decision_note": {"type": "string"},
        "user": _ref("UserBrief"), "post": post_ref}}
    task = {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["suggested_edit",
                                                                       "first_post"]},
        "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
        "post_id": {"type": "integer"}, "author": _ref("UserBrief"),
        "proposed": {"type": "object", "nullable": True,
                     "description": "the suggested edit (suggested_edit only)", "properties": {
                         "title": {"type": "string", "nullable": True},
                         "body": {"type": "string", "nullable": True},
                         "tags": {"type": "array", "nullable": True, "items": {"type": "string"}},
                         "comment": {"type": "string"}}},
        "created_at": when, "decided_at": when, "note": {"type": "string"}, "post": post_ref}}
    note = {"type": "string", "maxLength": 500}
    return {
        "/api/v1/posts/{post_id}/flags": {"post": {
            "summary": "Flag a post (15 reputation; one open flag per user per post)",
            "security": SECURED, "parameters": [_id("post_id")],
            "requestBody": _body({"type": "object", "required": ["reason"], "properties": {
                "reason": flag["properties"]["reason"],
                "text": {"type": "string", "maxLength": 500,
                         "description": "required (10-500 characters) for reason other"},
                "duplicate_of": {"oneOf": [{"type": "integer"}, {"type": "string"}],
                                 "description": "the original question, for reason duplicate: "
                                                "its id, its link or its title (one title "
                                                "match, else 422 naming the candidates)"},
            }}),
            "responses": {**_ok("Flagged", {"type": "object", "properties": {
                k: flag["properties"][k] for k in ("id", "post_id", "reason", "status")}}, "201"),
                **_errors(*WRITE_ERRORS)}}},
        "/api/v1/flags/mine": {"get": {
            "summary": "Your flags, newest first, with what moderators decided",
            "security": SECURED,
            "responses": {**_ok("Your flags", {"type": "object", "properties": {
                "flags": {"type": "array", "items": flag}}}), **_errors("401")}}},
        "/api/v1/moderation/flags": {"get": {
            "summary": "Open flags grouped by post, most flagged first (moderators)",
            "security": SECURED,
            "responses": {**_ok("The queue", {"type": "object", "properties": {
                "posts": {"type": "array", "items": {"type": "object", "properties": {
                    "post": post_ref, "flag_count": {"type": "integer"},
                    "reasons": {"type": "object",
                                "additionalProperties": {"type": "integer"}},
                    "author": {"allOf": [_ref("UserBrief"), {"type": "object", "properties": {
                        "created_at": when, "posts": {"type": "integer"},
                        "flags_helpful": {"type": "integer"},
                        "flags_declined": {"type": "integer"},
                        "suspended": {"type": "boolean"}}}]},
                    "flags": {"type": "array", "items": flag}}}}}}),
                **_errors("401", "403")}}},
        "/api/v1/posts/{post_id}/flags/decision": {"post": {
            "summary": "Decide a post's open flags, or one of them with flag_id (moderators). "
                       "helpful on spam/abuse flags also deletes the post; declined shows a "
                       "post hidden by flags again",
            "security": SECURED, "parameters": [_id("post_id")],
            "requestBody": _body({"type": "object", "required": ["decision"], "properties": {
                "decision": {"type": "string", "enum": ["helpful", "declined"]}, "note": note,
                "flag_id": {"type": "integer", "description": "decide only this flag"}}}),
            "responses": {**_ok("Decided", {"type": "object", "properties": {
                "post_id": {"type": "integer"}, "decision": {"type": "string"},
                "post": {"type": "object", "properties": {"deleted": {"type": "boolean"},
                                                          "hidden": {"type": "boolean"}}},
                "flags": {"type": "array", "items": flag}}}), **_errors(*WRITE_ERRORS)}}},
        "/api/v1/moderation/reviews": {"get": {
            "summary": "Pending suggested edits and first posts, oldest first (500 reputation)",
            "security": SECURED,
            "responses": {**_ok("The review queue", {"type": "object", "properties": {
                "tasks": {"type": "array", "items": task}}}), **_errors("401", "403")}}},
        "/api/v1/reviews/{task_id}": {"post": {
            "summary": "Approve or reject a review task (approving a suggested edit applies it "
                       "as a revision by the suggester; rejecting a first post flags it for "
                       "the moderators)",
            "security": SECURED, "parameters": [_id("task_id")],
            "requestBody": _body({"type": "object", "required": ["decision"], "properties": {
                "decision": {"type": "string", "enum": ["approve", "reject"]}, "note": note}}),
            "responses": {**_ok("Decided", task), **_errors(*WRITE_ERRORS)}}},
    }


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
                "duplicate_of": {"oneOf": [{"type": "integer"}, {"type": "string"}],
                                 "description": "required for duplicate: the original, by "
                                                "id, link or title (one title match, else "
                                                "422 naming the candidates)"}}}))},
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
    state = {"type": "object", "properties": {
        "id": {"type": "integer"},
        "suspended_until": {"type": "string", "format": "date-time", "nullable": True},
        "reason": {"type": "string", "nullable": True,
                   "description": "shown to the user on every page while suspended"}}}
    common = {"parameters": [_id("user_id")], "security": SECURED}
    return {"/api/v1/users/{user_id}/suspension": {
        "post": {
            "summary": "Suspend a user for a number of days (moderators; only admins "
                       "suspend moderators and admins; not yourself)", **common,
            "requestBody": _body({"type": "object", "required": ["days", "reason"], "properties": {
                "days": {"type": "integer", "minimum": 1, "maximum": 3650,
                         "description": "counted from now; replaces a current suspension"},
                "reason": {"type": "string", "minLength": 5, "maxLength": 500}}}),
            "responses": {**_ok("Suspended", state), **_errors(*WRITE_ERRORS)}},
        "delete": {
            "summary": "Lift a suspension early (moderators)", **common,
            "requestBody": {"required": False, **_json({"type": "object", "properties": {
                "reason": {"type": "string", "maxLength": 500,
                           "description": "why, for the audit log"}}})},
            "responses": {**_ok("No longer suspended", state),
                          **_errors("400", "401", "403", "404", "409", "415", "422")}},
    }}


def _tag_synonym_paths() -> dict[str, Any]:
    """Tag synonyms: read by everyone, kept by moderators."""
    item = {"type": "object", "properties": {
        "id": {"type": "integer"},
        "source": {"type": "string", "description": "the synonym, e.g. wi-fi"},
        "tag": {"type": "string", "description": "the master tag's name, e.g. wifi"},
        "created_at": {"type": "string", "format": "date-time"}}}
    name = {"type": "string", "maxLength": 35, "pattern": f"^[{TAG_CHARS}]+$"}
    return {
        "/api/v1/tags/synonyms": {
            "get": {
                "summary": "Every tag synonym, by master tag then synonym",
                "responses": _ok("Synonyms", {"type": "object", "properties": {
                    "items": {"type": "array", "items": item}}})},
            "post": {
                "summary": "Make `source` a synonym of the existing tag `tag` (moderators). A "
                           "tag named `source` is merged into `tag`: its questions move there "
                           "and the old tag is deleted. `tag` may not itself be a synonym, nor "
                           "`source` the master of other synonyms",
                "security": SECURED,
                "requestBody": _body({"type": "object", "required": ["source", "tag"],
                                      "properties": {"source": name, "tag": name}}),
                "responses": {**_ok("Added", item, "201"),
                              **_errors("400", "401", "403", "415", "422")}},
        },
        "/api/v1/tags/synonyms/{synonym_id}": {"delete": {
            "summary": "Remove a tag synonym (moderators); questions merged when it was added "
                       "keep the master tag",
            "security": SECURED, "parameters": [_id("synonym_id")],
            "responses": {"204": {"description": "Removed"}, **_errors("401", "403", "404")}}},
    }


def paths() -> dict[str, Any]:
    return {**_flag_paths(), **_thread_paths(), **_user_paths(), **_tag_synonym_paths()}
