"""Parse and validate what a user sends. Shared by the HTML pages and the API.

Each `parse_*` takes a mapping (a form or a JSON object) and returns
`(draft, errors)`: a frozen dataclass of clean values, and a dict of
field -> message. When `errors` is not empty the draft must not be used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from flask import current_app

#: The characters a tag may use (DESIGN: lowercase, `[a-z0-9+#.-]`); the one definition
#: in forum (the search package, which imports nothing of forum's, keeps its own).
TAG_CHARS = "a-z0-9+#.-"
TAG_RE = re.compile(f"^[{TAG_CHARS}]+$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SORTS = ("newest", "active", "unanswered", "votes")


@dataclass(frozen=True)
class QuestionDraft:
    title: str
    body: str
    tags: tuple[str, ...]
    product: str | None = None
    product_version: str | None = None


@dataclass(frozen=True)
class PostEdit:
    """An edit: fields left as None are unchanged."""

    title: str | None
    body: str | None
    tags: tuple[str, ...] | None
    comment: str


@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str


@dataclass(frozen=True)
class ListQuery:
    sort: str
    tag: str | None
    page: int
    per_page: int


@dataclass(frozen=True)
class SearchRequest:
    q: str
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    exact: bool = False     # search for the words as typed, even when a correction finds more


SEARCH_SORTS = ("relevance", "newest", "votes", "activity")
SEARCH_MAX_PAGE = 100


def _cfg(key: str) -> Any:
    return current_app.config[key]


def _text(data: Mapping[str, Any], field: str, errors: dict[str, str]) -> str | None:
    """A string field, stripped; None (and an error) when it is not a string."""
    value = data.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = "Must be text."
        return None
    return value.replace("\r\n", "\n").replace("\x00", "").strip()


def _check_length(value: str, field: str, label: str, lo: int, hi: int, errors: dict) -> None:
    if not value:
        errors[field] = f"{label} is required."
    elif len(value) < lo:
        errors[field] = f"{label} must be at least {lo} characters (it has {len(value)})."
    elif len(value) > hi:
        errors[field] = f"{label} must be at most {hi} characters (it has {len(value)})."


def validate_title(value: str, errors: dict[str, str]) -> None:
    _check_length(value, "title", "Title", _cfg("TITLE_MIN"), _cfg("TITLE_MAX"), errors)


def validate_body(value: str, errors: dict[str, str], field: str = "body") -> None:
    _check_length(value, field, "Body", _cfg("BODY_MIN"), _cfg("BODY_MAX"), errors)


def parse_tags(raw: Any, errors: dict[str, str]) -> tuple[str, ...]:
    """Tags from a list (API) or a space/comma separated string (form)."""
    if raw is None:
        raw = ""
    if isinstance(raw, str):
        items = re.split(r"[\s,]+", raw)
    elif isinstance(raw, list | tuple) and all(isinstance(t, str) for t in raw):
        items = list(raw)
    else:
        errors["tags"] = "Tags must be a list of names."
        return ()
    tags: list[str] = []
    for item in items:
        name = item.strip().lower()
        if name and name not in tags:
            tags.append(name)
    lo, hi, longest = _cfg("TAGS_MIN"), _cfg("TAGS_MAX"), _cfg("TAG_MAX_LEN")
    if len(tags) < lo:
        errors["tags"] = f"Add at least {lo} tag{'s' if lo > 1 else ''}."
    elif len(tags) > hi:
        errors["tags"] = f"Use at most {hi} tags (you gave {len(tags)})."
    else:
        for name in tags:
            if len(name) > longest:
                errors["tags"] = f"Tag '{name[:40]}' is longer than {longest} characters."
                break
            if not TAG_RE.match(name):
                errors["tags"] = (
                    f"Tag '{name[:40]}' may only use lowercase letters, digits and + # . -"
                )
                break
    return tuple(tags)


def parse_question(data: Mapping[str, Any]) -> tuple[QuestionDraft | None, dict[str, str]]:
    errors: dict[str, str] = {}
    title = _text(data, "title", errors)
    body = _text(data, "body", errors)
    if title is not None:
        title = re.sub(r"\s+", " ", title)
        validate_title(title, errors)
    if body is not None:
        validate_body(body, errors)
    tags = parse_tags(data.get("tags"), errors)
    product = _text(data, "product", errors) or None
    version = _text(data, "product_version", errors) or None
    from forum.services.products import check_product  # the list admins keep, else PRODUCTS
    check_product(product, version, errors)
    if errors:
        return None, errors
    return QuestionDraft(title=title, body=body, tags=tags, product=product,
                         product_version=version), errors


def parse_body(data: Mapping[str, Any]) -> tuple[str | None, dict[str, str]]:
    """An answer body."""
    errors: dict[str, str] = {}
    body = _text(data, "body", errors)
    if body is not None:
        validate_body(body, errors)
    return (None if errors else body), errors


def parse_comment(data: Mapping[str, Any]) -> tuple[str | None, dict[str, str]]:
    errors: dict[str, str] = {}
    body = _text(data, "body", errors)
    if body is not None:
        body = re.sub(r"\s+", " ", body)
        _check_length(body, "body", "Comment", _cfg("COMMENT_MIN"), _cfg("COMMENT_MAX"), errors)
    return (None if errors else body), errors


def parse_edit(data: Mapping[str, Any], is_question: bool) -> tuple[PostEdit | None, dict]:
    """Fields absent from `data` stay as they are (PATCH semantics)."""
    errors: dict[str, str] = {}
    title = body = None
    tags = None
    if "body" in data:
        body = _text(data, "body", errors)
        if body is not None:
            validate_body(body, errors)
    if is_question and "title" in data:
        title = _text(data, "title", errors)
        if title is not None:
            title = re.sub(r"\s+", " ", title)
            validate_title(title, errors)
    if is_question and "tags" in data:
        tags = parse_tags(data.get("tags"), errors)
    if not is_question and ("title" in data or "tags" in data):
        errors["title"] = "Answers have no title or tags."
    comment = _text(data, "comment", errors) or ""
    if len(comment) > 300:
        errors["comment"] = "Edit summary must be at most 300 characters."
    if title is None and body is None and tags is None and not errors:
        errors["body"] = "Nothing to change: send a title, body or tags."
    if errors:
        return None, errors
    return PostEdit(title=title, body=body, tags=tags, comment=comment), errors


def parse_vote(data: Mapping[str, Any]) -> tuple[int | None, dict[str, str]]:
    value = data.get("value")
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,3}", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, -1, 0):
        return None, {"value": "Vote value must be 1, -1 or 0 (to undo)."}
    return value, {}


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("forum").joinpath("data/common_passwords.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def check_password(password: str, username: str, errors: dict[str, str]) -> None:
    lo = _cfg("PASSWORD_MIN")
    if len(password) < lo:
        errors["password"] = f"Password must be at least {lo} characters."
    elif len(password) > 256:
        errors["password"] = "Password must be at most 256 characters."
    elif password.lower() in common_passwords() or len(set(password)) < 4:
        errors["password"] = "That password is too common; choose one that is harder to guess."
    elif username and username.lower() in password.lower():
        errors["password"] = "Password must not contain your username."


def parse_registration(data: Mapping[str, Any]) -> tuple[Registration | None, dict]:
    errors: dict[str, str] = {}
    username = _text(data, "username", errors) or ""
    email = (_text(data, "email", errors) or "").lower()
    password = data.get("password") if isinstance(data.get("password"), str) else ""
    lo, hi = _cfg("USERNAME_MIN"), _cfg("USERNAME_MAX")
    if not lo <= len(username) <= hi:
        errors["username"] = f"Username must be {lo}–{hi} characters."
    elif not USERNAME_RE.match(username):
        errors["username"] = "Username may only use letters, digits, _ . and -"
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = "Enter a valid email address."
    check_password(password, username, errors)
    if password and data.get("password_confirm") is not None and (
        data.get("password_confirm") != password
    ):
        errors.setdefault("password_confirm", "The two passwords do not match.")
    if errors:
        return None, errors
    return Registration(username=username, email=email, password=password), errors


def _int(value: Any, default: int, lo: int, hi: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(lo, min(hi, number))


def parse_list_query(args: Mapping[str, Any], default_per_page: int) -> ListQuery:
    """Listing parameters; out-of-range values are clamped rather than refused."""
    sort = args.get("sort") or args.get("tab") or "newest"
    if sort not in SORTS:
        sort = "newest"
    tag = (args.get("tag") or "").strip().lower() or None
    page = _int(args.get("page"), 1, 1, 100_000)
    per_page = _int(args.get("per_page"), default_per_page, 1, _cfg("API_MAX_PER_PAGE"))
    return ListQuery(sort=sort, tag=tag, page=page, per_page=per_page)


def parse_search(args: Mapping[str, Any]) -> SearchRequest:
    """Search parameters; like listings, out-of-range values are clamped. The
    query text itself is parsed by `search.query.parse`, which never fails."""
    q = args.get("q")
    q = q if isinstance(q, str) else ""
    sort = args.get("sort") if args.get("sort") in SEARCH_SORTS else "relevance"
    page = _int(args.get("page"), 1, 1, SEARCH_MAX_PAGE)
    per_page = _int(args.get("per_page"), _cfg("SEARCH_PER_PAGE"), 1, _cfg("API_MAX_PER_PAGE"))
    exact = str(args.get("exact", "")).lower() in ("1", "true", "yes", "on")
    return SearchRequest(q=q[:2000], sort=sort, page=page, per_page=per_page, exact=exact)


@dataclass(frozen=True)
class KnownIssueDraft:
    state: str
    reference: str
    fixed_in: str | None


def parse_known_issue(data: Mapping[str, Any]) -> tuple[KnownIssueDraft | None, dict]:
    """A known-issue mark: a state, an engineering reference (text or URL) and,
    for `fixed`, the version that fixes it."""
    from forum.models import KNOWN_STATES

    errors: dict[str, str] = {}
    state = (_text(data, "state", errors) or "").strip()
    reference = re.sub(r"\s+", " ", _text(data, "reference", errors) or "").strip()
    fixed_in = re.sub(r"\s+", " ", _text(data, "fixed_in", errors) or "").strip() or None
    if state not in KNOWN_STATES:
        errors["state"] = "State must be investigating, fix_planned or fixed."
    if not reference:
        errors["reference"] = "Give the engineering reference: a ticket number or its URL."
    elif len(reference) > 300:
        errors["reference"] = "The reference must be at most 300 characters."
    elif "://" in reference and not re.match(r"https?://[^\s/]+", reference):
        errors["reference"] = "A link must start with http:// or https://."
    if state == "fixed" and not fixed_in:
        errors["fixed_in"] = "Say which version fixes it."
    elif fixed_in and len(fixed_in) > 50:
        errors["fixed_in"] = "The version must be at most 50 characters."
    if state != "fixed":
        fixed_in = None
    if errors:
        return None, errors
    return KnownIssueDraft(state=state, reference=reference, fixed_in=fixed_in), errors
