"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json.

Each blueprint package that serves part of /api/v1 describes its own paths and
registers them on the app with `add_paths`: the core's are `core_paths` (added by
the app factory), moderation's live in `moderation.api.openapi`. The shared
schemas and helpers are here. A test compares the document's paths with the
app's routes, so a route cannot be added without being described.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from forum.inputs import TAG_CHARS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict, status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, **_json(schema)}}


ERRORS = {
    code: {"description": text, **_json(_ref("Error"))}
    for code, text in {
        "400": "Malformed request (e.g. the body is not a JSON object)",
        "401": "Missing or invalid token",
        "403": "Not allowed (privilege, role, suspension)",
        "404": "No such object",
        "409": "Conflicts with the current state",
        "415": "Body is not application/json",
        "422": "Validation failed; `error.fields` names each bad field",
        "429": "Rate limited",
    }.items()
}


def _errors(*codes: str) -> dict[str, Any]:
    return {c: ERRORS[c] for c in codes}


def _body(schema: dict) -> dict[str, Any]:
    return {"required": True, **_json(schema)}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


SECURED = [{"bearer": []}]
WRITE_ERRORS = ("400", "401", "403", "404", "409", "415", "422", "429")

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        }}},
    },
    "UserBrief": {"type": "object", "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"}, "reputation": {"type": "integer"},
    }},
    "User": {"allOf": [_ref("UserBrief"), {"type": "object", "properties": {
        "role": {"type": "string", "enum": ["member", "staff", "moderator", "admin"]},
        "badges": {"type": "array", "items": {"type": "object"}},
        "created_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string"},
    }}]},
    "Comment": {"type": "object", "properties": {
        "id": {"type": "integer"}, "post_id": {"type": "integer"}, "body": {"type": "string"},
        "body_html": {"type": "string"}, "author": _ref("UserBrief"),
        "created_at": {"type": "string", "format": "date-time"},
    }},
    "Answer": {"type": "object", "properties": {
        "id": {"type": "integer"}, "question_id": {"type": "integer"},
        "body": {"type": "string"}, "body_html": {"type": "string"},
        "author": _ref("UserBrief"), "score": {"type": "integer"},
        "is_accepted": {"type": "boolean"},
        "official": {"nullable": True, "type": "object", "properties": {
            "by": _ref("UserBrief"), "at": {"type": "string"}, "stale": {"type": "boolean"},
            "revision": {"type": "integer", "description": "the revision staff verified"}}},
        "attachments": {"type": "array", "items": {"type": "object"}},
        "comments": {"type": "array", "items": _ref("Comment")},
        "my_vote": {"type": "integer", "enum": [-1, 0, 1],
                    "description": "Only when the request carries a token"},
        "created_at": {"type": "string", "format": "date-time"},
        "edited_at": {"type": "string", "format": "date-time", "nullable": True},
        "url": {"type": "string"},
    }},
    "QuestionSummary": {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "product": {"type": "string", "nullable": True}, "author": _ref("UserBrief"),
        "score": {"type": "integer"}, "answer_count": {"type": "integer"},
        "accepted_answer_id": {"type": "integer", "nullable": True},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "closed_reason": {"type": "string", "nullable": True, "description":
                          "duplicate | needs_details | not_reproducible | off_topic"},
        "duplicate_of": {"type": "integer", "nullable": True,
                         "description": "the original, when closed as a duplicate"},
        "locked": {"type": "boolean"}, "protected": {"type": "boolean"},
        "pinned": {"type": "boolean"},
        "pinned_tag": {"type": "string", "nullable": True,
                       "description": "pinned to this tag's page; null: the front page"},
        "solved": {"type": "boolean", "description": "has an accepted or official answer"},
        "has_official_answer": {"type": "boolean"},
        "official_answer_id": {"type": "integer", "nullable": True},
        "me_too_count": {"type": "integer"},
        "known_issue": {"nullable": True, "type": "object", "properties": {
            "state": {"type": "string"}, "label": {"type": "string"},
            "reference": {"type": "string"}, "fixed_in": {"type": "string", "nullable": True},
            "tracker": {"nullable": True, "type": "object", "description": "the linked bug",
                        "properties": {"kind": {"type": "string"}, "url": {"type": "string"},
                                       "id": {"type": "string"}}}}},
        "created_at": {"type": "string", "format": "date-time"},
        "last_activity_at": {"type": "string", "format": "date-time"}, "url": {"type": "string"},
    }},
    "Question": {"allOf": [_ref("QuestionSummary"), {"type": "object", "properties": {
        "body": {"type": "string"}, "body_html": {"type": "string"},
        "official": {"nullable": True, "type": "object",
                     "description": "the thread's official answer: {answer_id, by, at, stale}",
                     "properties": {"answer_id": {"type": "integer"}, "by": _ref("UserBrief"),
                                    "at": {"type": "string"}, "stale": {"type": "boolean"}}},
        "edited_at": {"type": "string", "format": "date-time", "nullable": True},
        "my_vote": {"type": "integer", "enum": [-1, 0, 1],
                    "description": "Only when the request carries a token"},
        "comments": {"type": "array", "items": _ref("Comment")},
        "answers": {"type": "array", "items": _ref("Answer")},
        "attachments": {"type": "array", "items": {"type": "object"}},
    }}]},
    "NewQuestion": {"type": "object", "required": ["title", "body", "tags"], "properties": {
        "title": {"type": "string", "minLength": 15, "maxLength": 150},
        "body": {"type": "string", "minLength": 30, "maxLength": 30000},
        "tags": {"type": "array", "minItems": 1, "maxItems": 5,
                 "items": {"type": "string", "pattern": f"^[{TAG_CHARS}]{{1,35}}$"}},
        "product": {"type": "string"},
    }},
    "Body": {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
    "Edit": {"type": "object", "properties": {
        "title": {"type": "string"}, "body": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}}, "comment": {"type": "string"},
    }},
    "SuggestedEdit": {"type": "object", "properties": {
        "review_task_id": {"type": "integer"}, "status": {"type": "string", "enum": ["pending"]},
        "message": {"type": "string"},
    }},
    "Vote": {"type": "object", "required": ["value"],
             "properties": {"value": {"type": "integer", "enum": [1, -1, 0]}}},
    "VoteResult": {"type": "object", "properties": {
        "post_id": {"type": "integer"}, "score": {"type": "integer"}, "my_vote": {"type": "integer"},
    }},
    "SearchResult": {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"},
        "snippet": {"type": "string", "description": "plain text"},
        "snippet_html": {"type": "string", "description": "escaped text, matches in <mark>"},
        "score": {"type": "integer"}, "answer_count": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}}, "solved": {"type": "boolean"},
        "official": {"type": "boolean"}, "known_issue": {"type": "boolean"},
        "status": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "via_duplicate": {"nullable": True, "type": "object",
                          "description": "the closed duplicate that matched; this result is its original",
                          "properties": {"id": {"type": "integer"}, "title": {"type": "string"}}},
    }},
    "SearchPage": {"type": "object", "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "total_estimated": {"type": "boolean",
                            "description": "total is an estimate (a very broad query on the "
                                           "Whoosh backend)"},
        "sort": {"type": "string"}, "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
        "facets": {"type": "array", "items": {"type": "object", "properties": {
            "tag": {"type": "string"}, "count": {"type": "integer"}}}},
        "suggestion": {"type": "string", "nullable": True,
                       "description": "a corrected query that has results"},
        "corrected_from": {"type": "string", "nullable": True,
                           "description": "the words as typed, when they found nothing and "
                                          "these results are those of `suggestion` (ask again "
                                          "with exact=1 for the words as typed)"},
        "notes": {"type": "array", "items": {"type": "string"},
                  "description": "parts of the query that were ignored, and why"},
        "notice": {"type": "string", "nullable": True,
                   "description": "set while the index is rebuilt and titles alone are searched"},
    }},
    "Similar": {"type": "object", "properties": {"results": {"type": "array", "items": {
        "type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "url": {"type": "string"},
            "solved": {"type": "boolean"}, "official": {"type": "boolean"},
            "status": {"type": "string"}, "answer_count": {"type": "integer"}}}}}},
    "Official": {"type": "object", "properties": {
        "answer_id": {"type": "integer"}, "question_id": {"type": "integer"},
        "official": {"nullable": True, "type": "object", "properties": {
            "by": _ref("UserBrief"), "at": {"type": "string", "format": "date-time"},
            "stale": {"type": "boolean"}, "revision": {"type": "integer"}}},
    }},
    "KnownIssue": {"type": "object", "required": ["state", "reference"], "properties": {
        "state": {"type": "string", "enum": ["investigating", "fix_planned", "fixed"]},
        "reference": {"type": "string", "maxLength": 300,
                      "description": "ticket number or http(s) URL"},
        "fixed_in": {"type": "string", "maxLength": 50, "description": "required when fixed"},
    }},
    "MeToo": {"type": "object", "properties": {
        "question_id": {"type": "integer"}, "me_too_count": {"type": "integer"},
        "me_too": {"type": "boolean", "description": "whether the caller has said it"},
    }},
    "Acceptance": {"type": "object", "properties": {
        "answer_id": {"type": "integer"}, "question_id": {"type": "integer"},
        "accepted": {"type": "boolean"},
    }},
}


def _paths() -> dict[str, Any]:
    page_params = [
        {"name": "sort", "in": "query",
         "schema": {"type": "string", "enum": ["newest", "active", "votes", "unanswered"]}},
        {"name": "tag", "in": "query", "schema": {"type": "string"}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    ]
    accept_op = {"parameters": [_id("answer_id")], "security": SECURED,
                 "responses": {**_ok("Done", _ref("Acceptance")), **_errors("401", "403", "404", "409")}}
    return {
        "/api/v1/openapi.json": {"get": {"summary": "This document",
                                         "responses": {"200": {"description": "OpenAPI 3"}}}},
        "/api/v1/questions": {
            "get": {"summary": "List questions", "parameters": page_params,
                    "responses": _ok("A page of questions", {"type": "object", "properties": {
                        "total": {"type": "integer"}, "page": {"type": "integer"},
                        "per_page": {"type": "integer"}, "pages": {"type": "integer"},
                        "questions": {"type": "array", "items": _ref("QuestionSummary")}}})},
            "post": {"summary": "Ask a question", "security": SECURED,
                     "requestBody": _body(_ref("NewQuestion")),
                     "responses": {**_ok("Created", _ref("Question"), "201"), **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/questions/similar": {"get": {
            "summary": "Up to 5 existing threads like a title (for the ask page): by meaning "
                       "(sentence embeddings) and by words, only the clearly related",
            "parameters": [{"name": "title", "in": "query", "required": True,
                            "schema": {"type": "string"}},
                           {"name": "body", "in": "query", "schema": {"type": "string"},
                            "description": "the start of the question's text, if written "
                                           "(its first 2,000 characters are used)"}],
            "responses": {**_ok("Similar threads", _ref("Similar")), **_errors("422")}}},
        "/api/v1/search": {"get": {
            "summary": "Full-text search with the query language (words, \"phrases\", -word, "
                       "tag:, product:, user:, is:solved|unsolved|official|open|closed|unanswered)",
            "parameters": [
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "sort", "in": "query", "schema": {
                    "type": "string", "enum": ["relevance", "newest", "votes", "activity"]}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                           "maximum": 100}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                               "maximum": 100}},
                {"name": "exact", "in": "query", "schema": {"type": "boolean"},
                 "description": "search for the words as typed: no results of a corrected "
                                "query when they find nothing"}],
            "responses": {**_ok("A page of results", _ref("SearchPage")), **_errors("422")}}},
        "/api/v1/questions/{question_id}": {"get": {
            "summary": "A question with its answers, comments and attachments",
            "parameters": [_id("question_id")],
            "responses": {**_ok("The thread", _ref("Question")), **_errors("404")}}},
        "/api/v1/questions/{question_id}/answers": {"post": {
            "summary": "Answer a question", "security": SECURED, "parameters": [_id("question_id")],
            "requestBody": _body(_ref("Body")),
            "responses": {**_ok("Created", _ref("Answer"), "201"), **_errors(*WRITE_ERRORS)}}},
        "/api/v1/posts/{post_id}/comments": {"post": {
            "summary": "Comment on a question or answer", "security": SECURED,
            "parameters": [_id("post_id")], "requestBody": _body(_ref("Body")),
            "responses": {**_ok("Created", _ref("Comment"), "201"), **_errors(*WRITE_ERRORS)}}},
        "/api/v1/posts/{post_id}/vote": {"post": {
            "summary": "Vote +1 / -1, or 0 to remove your vote", "security": SECURED,
            "parameters": [_id("post_id")], "requestBody": _body(_ref("Vote")),
            "responses": {**_ok("The new score", _ref("VoteResult")), **_errors(*WRITE_ERRORS)}}},
        "/api/v1/answers/{answer_id}/accept": {
            "post": {"summary": "Accept an answer (the asker only)", **accept_op},
            "delete": {"summary": "Withdraw acceptance", **accept_op},
        },
        "/api/v1/posts/{post_id}": {
            "patch": {"summary": "Edit a post (adds a revision)", "security": SECURED,
                      "parameters": [_id("post_id")], "requestBody": _body(_ref("Edit")),
                      "responses": {"200": {"description": "The edited question or answer"},
                                    **_ok("Below the edit privilege on someone else's post: "
                                          "the edit waits for review; the post is unchanged",
                                          _ref("SuggestedEdit"), "202"),
                                    **_errors(*WRITE_ERRORS)}},
            "delete": {"summary": "Soft-delete a post", "security": SECURED,
                       "parameters": [_id("post_id")],
                       "responses": {"200": {"description": "Deleted"},
                                     **_errors("401", "403", "404", "409")}},
        },
        "/api/v1/posts/{post_id}/revisions": {"get": {
            "summary": "Every revision of a post, oldest first", "parameters": [_id("post_id")],
            "responses": {"200": {"description": "Revisions"}, **_errors("404")}}},
        "/api/v1/users/{user_id}": {"get": {
            "summary": "A user's public profile", "parameters": [_id("user_id")],
            "responses": {**_ok("The user", _ref("User")), **_errors("404")}}},
        "/api/v1/me": {"get": {"summary": "The token's owner", "security": SECURED,
                               "responses": {**_ok("You", _ref("User")), **_errors("401")}}},
        "/api/v1/tags": {"get": {
            "summary": "Tags by popularity", "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"},
                 "description": "name prefix"}],
            "responses": {"200": {"description": "Tags"}}}},
    }


PATHS_KEY = "crowdfix.openapi_paths"


def add_paths(app: Flask, paths: Callable[[], dict[str, Any]]) -> None:
    """Add a blueprint package's paths to the document: each package that serves
    part of /api/v1 describes its own routes and registers them here."""
    app.extensions.setdefault(PATHS_KEY, []).append(paths)


def core_paths() -> dict[str, Any]:
    """The paths of the core API (`forum.api`)."""
    return {**_paths(), **_support_paths(), **_attachment_paths(), **_case_paths(),
            **_article_paths(), **_product_paths(), **_insights_paths()}


def spec(app: Flask | None = None) -> dict[str, Any]:
    """The document for `app` (default: the current app), from the paths registered
    with `add_paths`."""
    app = app or current_app
    paths: dict[str, Any] = {}
    for part in app.extensions.get(PATHS_KEY, []):
        paths.update(part())
    return {
        "openapi": "3.0.3",
        "info": {"title": "Crowdfix API", "version": "1.0.0",
                 "description": "Questions, answers, comments, votes and acceptance. "
                                "Errors are {\"error\": {\"code\", \"message\"}}."},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "flask --app wsgi users token NAME"},
                                "signature": {"type": "apiKey", "in": "header",
                                              "name": "X-Hub-Signature-256",
                                              "description": "sha256=<hex HMAC-SHA256 of the "
                                                             "body under TRACKER_WEBHOOK_SECRET>"}},
        },
    }


def _support_paths() -> dict[str, Any]:
    """Official answers, known issues and "me too"."""
    official_op = {"parameters": [_id("answer_id")], "security": SECURED,
                   "responses": {**_ok("Done", _ref("Official")),
                                 **_errors("401", "403", "404", "409")}}
    known_op = {"parameters": [_id("question_id")], "security": SECURED,
                "requestBody": _body(_ref("KnownIssue")),
                "responses": {"200": {"description": "The known-issue mark"},
                              **_errors(*WRITE_ERRORS)}}
    me_too_op = {"parameters": [_id("question_id")], "security": SECURED,
                 "responses": {**_ok("The count", _ref("MeToo")),
                               **_errors("401", "403", "404")}}
    return {
        "/api/v1/answers/{answer_id}/official": {
            "post": {"summary": "Mark an answer official, or confirm a stale verification (staff)",
                     **official_op},
            "delete": {"summary": "Withdraw the official mark (staff)", **official_op},
        },
        "/api/v1/questions/{question_id}/known-issue": {
            "post": {"summary": "Mark or update a known issue (staff)", **known_op},
            "put": {"summary": "Mark or update a known issue (staff)", **known_op},
            "delete": {"summary": "Clear the known-issue mark (staff)",
                       "parameters": [_id("question_id")], "security": SECURED,
                       "responses": {"200": {"description": "Cleared"},
                                     **_errors("401", "403", "404", "409")}},
        },
        "/api/v1/questions/{question_id}/bug": {
            "post": {"summary": "Create the bug in the tracker from this thread (staff): the "
                                "description is posted to TRACKER_WEBHOOK_URL after the commit",
                     "parameters": [_id("question_id")], "security": SECURED,
                     "responses": {"202": {"description": "The outbound delivery, pending"},
                                   **_errors("401", "403", "404", "409")}},
            "put": {"summary": "Link the known issue to a bug in the tracker (staff)",
                    "parameters": [_id("question_id")], "security": SECURED,
                    "requestBody": _body(_ref("BugLink")),
                    "responses": {"200": {"description": "The linked bug"},
                                  **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/questions/{question_id}/known-issue/reopen": {
            "post": {"summary": "A fix that did not fix it: back to investigating (staff)",
                     "parameters": [_id("question_id")], "security": SECURED,
                     "responses": {"200": {"description": "The known issue"},
                                   **_errors("401", "403", "404", "409")}},
        },
        "/api/v1/questions/{question_id}/fix-check": {
            "post": {"summary": "Answer \"Did the fix work for you?\" (those who were asked)",
                     "parameters": [_id("question_id")], "security": SECURED,
                     "requestBody": _body(_ref("FixCheck")),
                     "responses": {"200": {"description": "Your answer and the tally"},
                                   **_errors("401", "404", "422")}},
        },
        "/api/v1/tracker/deliveries": {
            "get": {"summary": "Calls to and from the bug tracker, newest first (staff)",
                    "parameters": [{"name": "question_id", "in": "query", "required": False,
                                    "schema": {"type": "integer"}}],
                    "security": SECURED,
                    "responses": {"200": {"description": "The deliveries"},
                                  **_errors("401", "403")}},
        },
        "/api/v1/hooks/github": {
            "post": {"summary": "GitHub's `issues` webhook (closed: fixed, in the version of "
                                "a `fixed-in: X` label or the milestone; reopened: investigating)",
                     "description": "Signed by GitHub with `X-Hub-Signature-256` under "
                                    "TRACKER_WEBHOOK_SECRET; `X-GitHub-Delivery` is taken once.",
                     "security": [{"signature": []}],
                     "responses": {"200": {"description": "Applied, ignored or a replay"},
                                   "202": {"description": "No known issue links that bug (logged)"},
                                   **_errors("400", "401")}},
        },
        "/api/v1/hooks/tracker": {
            "post": {"summary": "Any tracker: a bug's new state",
                     "description": "Signed like GitHub's (`X-Hub-Signature-256: sha256=<hex "
                                    "HMAC of the body>`).",
                     "security": [{"signature": []}],
                     "requestBody": _body(_ref("TrackerHook")),
                     "responses": {"200": {"description": "Applied, ignored or a replay"},
                                   "202": {"description": "No known issue links that bug (logged)"},
                                   **_errors("400", "401")}},
        },
        "/api/v1/questions/{question_id}/me-too": {
            "get": {"summary": "The count, and whether you said it", **me_too_op},
            "post": {"summary": "I have this problem too (once per user)", **me_too_op},
            "delete": {"summary": "Take back your \"me too\"", **me_too_op},
        },
    }


SCHEMAS["BugLink"] = {"type": "object", "required": ["tracker_kind", "tracker_url"], "properties": {
    "tracker_kind": {"type": "string", "enum": ["github", "jira", "gitlab", "other"]},
    "tracker_url": {"type": "string", "format": "uri"},
    "tracker_id": {"type": "string", "description": "owner/repo#12, PROJ-42; read off a GitHub "
                                                    "or Jira address when left out"},
}}
SCHEMAS["FixCheck"] = {"type": "object", "required": ["answer"], "properties": {
    "answer": {"type": "string", "enum": ["yes", "no"]},
    "reason": {"type": "string", "maxLength": 300},
}}
SCHEMAS["TrackerHook"] = {"type": "object", "required": ["delivery", "bug", "state"], "properties": {
    "delivery": {"type": "string", "description": "unique per delivery: a replay changes nothing"},
    "bug": {"type": "object", "properties": {
        "kind": {"type": "string", "enum": ["github", "jira", "gitlab", "other"]},
        "id": {"type": "string"}, "url": {"type": "string"}}},
    "state": {"type": "string", "enum": ["investigating", "fix_planned", "fixed"]},
    "fixed_in": {"type": "string", "maxLength": 50},
}}


# ---- Attachments
SCHEMAS["Attachment"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "post_id": {"type": "integer"}, "filename": {"type": "string"},
    "kind": {"type": "string", "enum": ["fix", "log", "screenshot", "other"]},
    "size": {"type": "integer", "description": "bytes"},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "content_type": {"type": "string", "description": "as sniffed from the content"},
    "downloads": {"type": "integer"}, "verified": {"type": "boolean"},
    "verified_by": {"nullable": True, "allOf": [_ref("UserBrief")]},
    "verified_at": {"type": "string", "format": "date-time", "nullable": True},
    "created_at": {"type": "string", "format": "date-time"},
    "url": {"type": "string", "description": "the download (Content-Disposition: attachment)"},
}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json(_ref("Error"))}


def _attachment_paths() -> dict[str, Any]:
    """Uploading files to posts, and staff marking fix files verified."""
    upload_errors = {
        **_errors("400", "401", "404"),
        "403": _error("Not allowed (not your post, suspended, or an executable or installer "
                      "from someone who is not staff)"),
        "413": _error("The file is larger than MAX_UPLOAD_MB"),
        "415": _error("The file type is not allowed, or its content does not match its "
                      "extension"),
        "422": _error("No `file` field, an unknown `kind`, a `fix` on a question from "
                      "someone who is not company staff, an empty file, or the post "
                      "already has ATTACHMENTS_PER_POST files"),
        "429": _error("ATTACHMENT_DAILY_MB already uploaded in the last 24 hours"),
    }
    verified_op = {"parameters": [_id("attachment_id")], "security": SECURED,
                   "responses": {**_ok("The file", _ref("Attachment")),
                                 **_errors("401", "403", "404")}}
    return {
        "/api/v1/posts/{post_id}/attachments": {"post": {
            "summary": "Attach a file to a post (multipart/form-data: `file`, `kind`)",
            "security": SECURED, "parameters": [_id("post_id")],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "kind": {"type": "string",
                             "enum": ["fix", "log", "screenshot", "other", "auto"],
                             "default": "other",
                             "description": "`auto`: a screenshot for an image, else a log on "
                                            "a question and a fix on an answer. Only company "
                                            "staff may attach a `fix` to a question."}}}}}},
            "responses": {**_ok("Attached", _ref("Attachment"), "201"), **upload_errors}}},
        "/api/v1/attachments/{attachment_id}/verified": {
            "post": {"summary": "Mark a fix file as verified (company staff)", **verified_op},
            "delete": {"summary": "Take the verified mark back (company staff)", **verified_op},
        },
    }


# ---- Support cases (forum/api/cases.py)
SCHEMAS["CaseMessage"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "author": _ref("UserBrief"),
    "internal": {"type": "boolean", "description": "a staff-only note (only staff see these)"},
    "body": {"type": "string"}, "body_html": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "files": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "filename": {"type": "string"}, "size": {"type": "integer"},
        "content_type": {"type": "string"}, "sha256": {"type": "string"},
        "url": {"type": "string", "description": "private: the requester and staff only"}}}},
}}
SCHEMAS["SupportCase"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "subject": {"type": "string"},
    "question_id": {"type": "integer", "nullable": True},
    "product": {"type": "string", "nullable": True},
    "state": {"type": "string", "enum": ["new", "open", "waiting", "resolved"]},
    "state_label": {"type": "string"}, "requester": _ref("UserBrief"),
    "tier": {"type": "string", "enum": ["L1", "L2", "L3"], "description": "staff only"},
    "assignee": {"nullable": True, "allOf": [_ref("UserBrief")], "description": "staff only"},
    "service_level": {"type": "object", "description": "staff only", "properties": {
        "first_response_due": {"type": "string", "format": "date-time"},
        "resolution_due": {"type": "string", "format": "date-time"},
        "first_response_late": {"type": "boolean"}, "resolution_late": {"type": "boolean"},
        "overdue": {"type": "boolean"}}},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "first_response_at": {"type": "string", "format": "date-time", "nullable": True},
    "resolved_at": {"type": "string", "format": "date-time", "nullable": True},
    "published_answer_id": {"type": "integer", "nullable": True},
    "url": {"type": "string"},
    "messages": {"type": "array", "items": _ref("CaseMessage")},
}}
SCHEMAS["CaseChange"] = {"type": "object", "properties": {
    "tier": {"type": "string", "enum": ["L1", "L2", "L3"]},
    "assignee": {"type": "string", "description": "a staff member's username; \"\" unassigns"},
    "state": {"type": "string", "enum": ["new", "open", "waiting"],
              "description": "resolve with POST …/resolve"},
}}


def _case_paths() -> dict[str, Any]:
    case_id = [_id("case_id")]
    one = _ok("The case, with the messages you may read", {"type": "object", "properties": {
        "case": _ref("SupportCase")}})
    return {
        "/api/v1/cases": {
            "get": {"summary": "Support cases: staff see all, anyone else their own",
                    "parameters": [
                        {"name": n, "in": "query", "required": False, "schema": {"type": "string"},
                         "description": d} for n, d in (
                            ("state", "new, open, waiting, resolved or active (not resolved)"),
                            ("tier", "L1, L2 or L3"), ("assignee", "me: assigned to you"),
                            ("product", "one product"), ("limit", "1–200, default 50"))],
                    "security": SECURED,
                    "responses": {**_ok("The cases, latest activity first", {
                        "type": "object", "properties": {
                            "cases": {"type": "array", "items": _ref("SupportCase")}}}),
                        **_errors("401")}},
        },
        "/api/v1/questions/{question_id}/case": {
            "post": {"summary": "Escalate a thread to a private case with its asker (staff)",
                     "parameters": [_id("question_id")], "security": SECURED,
                     "requestBody": {"required": False, **_json({"type": "object", "properties": {
                         "body": {"type": "string", "description": "first message to the asker"}}})},
                     "responses": {**_ok("The new case", {"type": "object", "properties": {
                         "case": _ref("SupportCase")}}, "201"), **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/cases/{case_id}": {
            "get": {"summary": "One case (404 unless you are its requester or staff)",
                    "parameters": case_id, "security": SECURED,
                    "responses": {**one, **_errors("401", "404")}},
            "patch": {"summary": "Change tier, assignee or state (staff; audited)",
                      "parameters": case_id, "security": SECURED,
                      "requestBody": _body(_ref("CaseChange")),
                      "responses": {**one, **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/cases/{case_id}/messages": {
            "post": {"summary": "Reply on a case; staff may add an internal note",
                     "parameters": case_id, "security": SECURED,
                     "requestBody": _body({"type": "object", "required": ["body"], "properties": {
                         "body": {"type": "string"}, "internal": {"type": "boolean"}}}),
                     "responses": {**_ok("The message", {"type": "object", "properties": {
                         "message": _ref("CaseMessage")}}, "201"), **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/cases/{case_id}/resolve": {
            "post": {"summary": "Resolve a case; `publish` posts the solution to the thread as an "
                                "official answer (staff)",
                     "parameters": case_id, "security": SECURED,
                     "requestBody": {"required": False, **_json({"type": "object", "properties": {
                         "publish": {"type": "string",
                                     "description": "the solution, edited for the public"}}})},
                     "responses": {**one, **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/support/service-levels": {
            "get": {"summary": "Late cases and questions, and median time to first response for "
                               "cases and public questions (staff)",
                    "parameters": [{"name": "days", "in": "query", "required": False,
                                    "schema": {"type": "integer", "default": 30}},
                                   {"name": "product", "in": "query", "required": False,
                                    "schema": {"type": "string"}}],
                    "security": SECURED,
                    "responses": {"200": {"description": "first_response.{cases,questions}."
                                                         "{count,answered,median_seconds}, "
                                                         "overdue_cases, overdue_questions"},
                                  **_errors("401", "403")}},
        },
    }


# -- knowledge-base articles (forum/api/articles.py) --------------------------------

SCHEMAS["ArticleBrief"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"},
    "product": {"type": "string", "nullable": True},
    "state": {"type": "string", "enum": ["draft", "review", "published"]},
    "published_at": {"type": "string", "format": "date-time", "nullable": True},
    "updated_at": {"type": "string", "format": "date-time"},
    "url": {"type": "string", "format": "uri"},
}}
SCHEMAS["Article"] = {"allOf": [_ref("ArticleBrief"), {"type": "object", "properties": {
    "problem": {"type": "string", "description": "Markdown"}, "problem_html": {"type": "string"},
    "solution": {"type": "string", "description": "Markdown"}, "solution_html": {"type": "string"},
    "author": _ref("UserBrief"), "revision_count": {"type": "integer"},
    "sources": {"type": "array", "description": "the community threads it answers",
                "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"},
                    "url": {"type": "string", "format": "uri"}}}},
}}]}
_KB_MATCHES = {"type": "array", "items": _ref("ArticleBrief"),
               "description": "published knowledge-base articles matching the words, best "
                              "first (shown above the threads; the thread ranking is unchanged)"}
SCHEMAS["SearchPage"]["properties"]["articles"] = _KB_MATCHES
SCHEMAS["Similar"]["properties"]["articles"] = _KB_MATCHES


def _article_paths() -> dict[str, Any]:
    return {
        "/api/v1/articles": {"get": {
            "summary": "Published knowledge-base articles, newest first",
            "parameters": [{"name": "product", "in": "query", "required": False,
                            "schema": {"type": "string"}, "description": "one product"}],
            "responses": {**_ok("The articles", {"type": "object", "properties": {
                "articles": {"type": "array", "items": _ref("ArticleBrief")}}})}}},
        "/api/v1/articles/{article_id}": {"get": {
            "summary": "One article with its source threads (a draft or an article in review "
                       "is a 404 unless you are company staff)",
            "parameters": [_id("article_id")],
            "responses": {**_ok("The article", {"type": "object", "properties": {
                "article": _ref("Article")}}), **_errors("404")}}},
    }


# -- products and versions; recurring issues (issue 17, part B) ----------------------------

SCHEMAS["ProductVersion"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string", "maxLength": 50},
    "position": {"type": "integer", "description": "order, oldest first"},
    "released_on": {"type": "string", "format": "date", "nullable": True},
}}
SCHEMAS["Product"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string", "maxLength": 100},
    "versions": {"type": "array", "items": _ref("ProductVersion")},
    "owners": {"type": "array", "description": "company staff who get the weekly digest "
                                               "(shown to company staff only)",
               "items": {"type": "object", "properties": {
                   "id": {"type": "integer"}, "username": {"type": "string"}}}},
}}
SCHEMAS["ProductInput"] = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "maxLength": 100},
    "owners": {"type": "array", "items": {"type": "string"},
               "description": "usernames of company staff"},
}}
SCHEMAS["VersionInput"] = {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "maxLength": 50},
    "released_on": {"type": "string", "format": "date"},
}}
_RECURRING_PARTS = {p: {"type": "integer"} for p in (
    "duplicates", "merged", "me_toos", "views", "not_solved", "failed_searches")}
SCHEMAS["RecurringIssue"] = {"type": "object", "properties": {
    "question_id": {"type": "integer"}, "title": {"type": "string"},
    "url": {"type": "string", "format": "uri"},
    "product": {"type": "string", "nullable": True},
    "product_version": {"type": "string", "nullable": True},
    "score": {"type": "integer", "description": "the weighted sum of the parts over the window"},
    "parts": {"type": "object", "properties": _RECURRING_PARTS,
              "description": "rolled up over the thread, its closed duplicates and merged "
                             "threads; views are all-time"},
    "this_week": {"type": "integer"}, "last_week": {"type": "integer", "nullable": True},
    "trend": {"type": "string", "enum": ["up", "down", "flat", "new"]},
    "change_percent": {"type": "number", "nullable": True},
    "solved": {"type": "boolean"}, "status": {"type": "string"},
}}


def _product_paths() -> dict[str, Any]:
    product = {"type": "object", "properties": {"product": _ref("Product")}}
    return {
        "/api/v1/products": {
            "get": {"summary": "Products and their versions, as the ask form offers them",
                    "responses": _ok("The products", {"type": "object", "properties": {
                        "products": {"type": "array", "items": _ref("Product")}}})},
            "post": {"summary": "Add a product (admins)", "security": SECURED,
                     "requestBody": _body(_ref("ProductInput")),
                     "responses": {**_ok("Created", product, "201"), **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/products/{product_id}/versions": {
            "post": {"summary": "Add a version, last in the product's order (admins)",
                     "parameters": [_id("product_id")], "security": SECURED,
                     "requestBody": _body(_ref("VersionInput")),
                     "responses": {**_ok("Created", {"type": "object", "properties": {
                         "product": _ref("Product"), "version": {"type": "object"}}}, "201"),
                         **_errors(*WRITE_ERRORS)}},
        },
        "/api/v1/insights/recurring": {
            "get": {"summary": "Recurring issues: canonical threads by score, with the parts "
                               "and the week-over-week trend (company staff)",
                    "security": SECURED,
                    "parameters": [
                        {"name": "days", "in": "query", "required": False,
                         "schema": {"type": "integer", "minimum": 1, "maximum": 365,
                                    "default": 7}},
                        {"name": "product", "in": "query", "required": False,
                         "schema": {"type": "string"}},
                        {"name": "version", "in": "query", "required": False,
                         "schema": {"type": "string"}, "description": "needs product"}],
                    "responses": {**_ok("The ranking", {"type": "object", "properties": {
                        "days": {"type": "integer"},
                        "product": {"type": "string", "nullable": True},
                        "version": {"type": "string", "nullable": True},
                        "weights": {"type": "object"},
                        "issues": {"type": "array", "items": _ref("RecurringIssue")},
                        "groups": {"type": "array", "description": "every scored thread's score "
                                                                   "added up per product and version",
                                   "items": {"type": "object", "properties": {
                                       "product": {"type": "string", "nullable": True},
                                       "version": {"type": "string", "nullable": True},
                                       "threads": {"type": "integer"},
                                       "score": {"type": "integer"}}}}}}),
                        **_errors("401", "403", "422")}},
        },
    }
SCHEMAS["QuestionSummary"]["properties"]["product_version"] = {
    "type": "string", "nullable": True, "description": "a version of `product`"}
SCHEMAS["NewQuestion"]["properties"]["product_version"] = {
    "type": "string", "description": "one of the product's versions (GET /api/v1/products)"}
SCHEMAS["Official"]["properties"]["official"]["properties"]["version"] = {
    "type": "string", "nullable": True,
    "description": "the product version staff checked it against"}


# -- insights (issue 17 A): searches, "did this solve it", deflection on /ask ---------

_INSIGHT_QUERY = {"type": "object", "properties": {
    "query": {"type": "string", "description": "normalised: lowercase, spaces collapsed"},
    "searches": {"type": "integer"},
    "results": {"type": "integer", "description": "the most results any of them found"},
    "opened": {"type": "integer", "description": "searches whose results someone opened"},
}}
SCHEMAS["InsightSearches"] = {"type": "object", "properties": {
    "days": {"type": "integer", "enum": [7, 30, 90]},
    "product": {"type": "string", "nullable": True},
    "total": {"type": "integer"},
    "top": {"type": "array", "items": _INSIGHT_QUERY},
    "no_results": {"type": "array", "items": _INSIGHT_QUERY},
    "gaps": {"type": "array", "items": _INSIGHT_QUERY,
             "description": "found results on the search page; nobody opened one"},
    "by_day": {"type": "array", "items": {"type": "object", "properties": {
        "day": {"type": "string", "format": "date"}, "searches": {"type": "integer"},
        "no_results": {"type": "integer"}, "opened": {"type": "integer"}}}},
}}
SCHEMAS["InsightFeedback"] = {"type": "object", "properties": {
    "days": {"type": "integer", "enum": [7, 30, 90]},
    "threads": {"type": "array", "items": {"type": "object", "properties": {
        "question_id": {"type": "integer"}, "title": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "yes": {"type": "integer"}, "no": {"type": "integer"},
        "needs_review": {"type": "boolean",
                         "description": "at least FEEDBACK_REVIEW_NO no, and more no than yes"},
        "reasons": {"type": "array", "items": {"type": "string"},
                    "description": "the latest reasons given with a no"}}}},
}}
SCHEMAS["InsightDeflection"] = {"type": "object", "properties": {
    "weeks": {"type": "array", "items": {"type": "object", "properties": {
        "week": {"type": "string", "format": "date", "description": "the Monday (UTC)"},
        "sessions": {"type": "integer"}, "saw_similar": {"type": "integer"},
        "opened": {"type": "integer"}, "posted": {"type": "integer"},
        "deflected": {"type": "integer",
                      "description": "saw similar threads, opened one, no question within 1 hour"},
        "rate": {"type": "number", "nullable": True,
                 "description": "deflected / sessions; null without sessions"}}}},
}}


def _insights_paths() -> dict[str, Any]:
    days = {"name": "days", "in": "query", "required": False,
            "schema": {"type": "integer", "enum": [7, 30, 90], "default": 30}}
    errors = _errors("401", "403")
    return {
        "/api/v1/insights/searches": {
            "get": {"summary": "Top queries, queries with no results and content gaps "
                               "(company staff)", "security": SECURED,
                    "parameters": [days, {"name": "product", "in": "query", "required": False,
                                          "schema": {"type": "string"},
                                          "description": "the searches' product: filter"}],
                    "responses": {**_ok("The report", _ref("InsightSearches")), **errors}},
        },
        "/api/v1/insights/feedback": {
            "get": {"summary": "\"Did this solve your problem?\" answers per solved thread "
                               "(company staff)", "security": SECURED, "parameters": [days],
                    "responses": {**_ok("The threads, those needing review first",
                                        _ref("InsightFeedback")), **errors}},
        },
        "/api/v1/insights/deflection": {
            "get": {"summary": "Ask sessions and the deflection rate per week (company staff)",
                    "security": SECURED,
                    "parameters": [{"name": "weeks", "in": "query", "required": False,
                                    "schema": {"type": "integer", "minimum": 1, "maximum": 52,
                                               "default": 8}}],
                    "responses": {**_ok("The weeks, oldest first", _ref("InsightDeflection")),
                                  **errors}},
        },
    }
