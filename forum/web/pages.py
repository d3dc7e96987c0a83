"""The site's own pages: about, help, terms, privacy, the API reference and the
favicon. Everything here is read-only; the numbers on the help page come from
config through `forum.permissions` and `forum.services.reputation`, and the API
reference is the OpenAPI document (`forum.api.openapi.spec`) rendered as HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, url_for

from forum import permissions
from forum.api import openapi
from forum.services import reputation
from search.query import FLAGS

bp = Blueprint("pages", __name__)

HTTP_METHODS = ("get", "post", "put", "patch", "delete")

# What each privilege lets you do, in the order a member earns them.
PRIVILEGE_LABELS = {
    "ask": "Ask questions",
    "answer": "Answer questions",
    "upvote": "Vote up",
    "flag": "Flag posts for moderators",
    "comment": "Comment on other people's posts",
    "downvote": "Vote down",
    "create_tags": "Create new tags",
    "close": "Vote to close and reopen questions; review suggested edits and first posts",
    "edit_others": "Edit other people's posts directly (below this, an edit is a suggestion "
                   "that goes to review)",
}

REPUTATION_EVENTS = (reputation.QUESTION_UPVOTED, reputation.ANSWER_UPVOTED,
                     reputation.POST_DOWNVOTED, reputation.DOWNVOTED_ANSWER,
                     reputation.ANSWER_ACCEPTED, reputation.ACCEPTED_ANSWER,
                     reputation.ANSWER_OFFICIAL)


@bp.route("/about")
def about():
    return render_template("pages/about.html")


@bp.route("/help", endpoint="help")
def help_page():
    privileges = sorted(((name, label, permissions.threshold(name))
                         for name, label in PRIVILEGE_LABELS.items()), key=lambda p: p[2])
    events = [(reputation.LABELS[kind], reputation.points_for(kind))
              for kind in REPUTATION_EVENTS]
    config = current_app.config
    return render_template("pages/help.html", privileges=privileges, events=events,
                           search_flags=FLAGS, daily_cap=int(config["REP_DAILY_VOTE_CAP"]),
                           close_votes=int(config["CLOSE_VOTES_NEEDED"]),
                           flags_to_hide=int(config["FLAGS_TO_HIDE"]))


@bp.route("/terms")
def terms():
    return render_template("pages/terms.html")


@bp.route("/privacy")
def privacy():
    return render_template("pages/privacy.html")


@bp.route("/help/api")
def api_reference():
    document = openapi.spec()
    return render_template("pages/api.html", info=document.get("info", {}),
                           openapi_version=document.get("openapi", ""),
                           error_legend={code: response["description"]
                                         for code, response in openapi.ERRORS.items()},
                           groups=operation_groups(document),
                           schemas=document.get("components", {}).get("schemas", {}),
                           security=document.get("components", {}).get("securitySchemes", {}))


@bp.route("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


# -- the OpenAPI document as a page ------------------------------------------

@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[dict]
    request_body: dict | None
    responses: list[tuple[str, dict]]     # successes and errors with their own body
    errors: list[tuple[str, str]]         # (status, description) of the shared Error body
    security: list[str]           # the schemes it needs: bearer, signature
    anchor: str


@dataclass
class Group:
    name: str
    operations: list[Operation] = field(default_factory=list)


def operation_groups(document: dict[str, Any]) -> list[Group]:
    """The operations grouped by the first segment after /api/v1 (questions, posts,
    ...), in path order; within a path, in HTTP-method order."""
    groups: dict[str, Group] = {}
    for path in sorted(document.get("paths", {})):
        item = document["paths"][path]
        rest = path.removeprefix("/api/v1/").strip("/")
        name = rest.split("/", 1)[0].split(".", 1)[0] or "api"
        group = groups.setdefault(name, Group(name))
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            responses = sorted(op.get("responses", {}).items())
            group.operations.append(Operation(
                method=method.upper(), path=path,
                summary=op.get("summary", ""), description=op.get("description", ""),
                parameters=[*shared, *op.get("parameters", [])],
                request_body=_request_schema(op.get("requestBody")),
                responses=[(status, response) for status, response in responses
                           if not _is_error(response)],
                errors=[(status, response.get("description", ""))
                        for status, response in responses if _is_error(response)],
                security=sorted({name for req in op.get("security") or [] for name in req}),
                anchor=_anchor(method, path),
            ))
    return list(groups.values())


def _is_error(response: dict) -> bool:
    """A response whose body is the shared `Error` schema: listed by status only."""
    schemas = [entry.get("schema", {}) for entry in response.get("content", {}).values()]
    return bool(schemas) and all(s.get("$ref", "").endswith("/Error") for s in schemas)


def _request_schema(body: dict | None) -> dict | None:
    if not body:
        return None
    content = body.get("content", {})
    for media_type, entry in content.items():
        return {"media_type": media_type, "schema": entry.get("schema", {}),
                "required": bool(body.get("required"))}
    return None


def _anchor(method: str, path: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in path.removeprefix("/api/v1/"))
    return f"op-{method}-{'-'.join(filter(None, slug.split('-')))}"
