"""Parse and validate what a moderator or a flagging user sends. Shared by the
HTML pages (`moderation.web`), the API (`moderation.api`) and the CLI.

Like `forum.inputs`: each `parse_*` takes a mapping (a form, a JSON object or a
query string) and returns `(value, errors)`: a frozen dataclass of clean values
(or a plain value), and a dict of field -> message. When `errors` is not empty
the value must not be used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from forum.models import CLOSE_REASONS, FLAG_REASONS, utcnow

FLAG_DECISIONS = ("helpful", "declined")
REVIEW_DECISIONS = ("approve", "reject")
TEXT_MIN, TEXT_MAX = 10, 500
NOTE_MAX = 500


def clean_text(value: Any) -> str | None:
    if value is None:
        return ""
    if not isinstance(value, str):
        return None
    return re.sub(r"[ \t]+", " ", value.replace("\r\n", "\n").replace("\x00", "")).strip()


# ---------------------------------------------------------------- flags

@dataclass(frozen=True)
class FlagDraft:
    reason: str
    text: str = ""
    duplicate_of: int | None = None
    duplicate_title: str = ""       # the original named by its title (moderation.lookup)


def _flagged_duplicate_of(value: Any) -> int | None:
    """A question id from a number, "123", or a link to the question."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        value = value.strip()
        match = re.fullmatch(r"#?(\d{1,12})", value) or re.search(r"/questions/(\d{1,12})", value)
        if match:
            return int(match.group(1)) or None
    return None


def parse_flag(data: Mapping[str, Any]) -> tuple[FlagDraft | None, dict[str, str]]:
    """A flag from a form or a JSON object: reason, text, duplicate_of."""
    errors: dict[str, str] = {}
    reason = data.get("reason")
    if not isinstance(reason, str) or reason.strip() not in FLAG_REASONS:
        errors["reason"] = "Choose a reason: " + ", ".join(FLAG_REASONS) + "."
        reason = None
    else:
        reason = reason.strip()
    text = clean_text(data.get("text"))
    if text is None:
        errors["text"] = "Must be text."
    elif reason == "other" and len(text) < TEXT_MIN:
        errors["text"] = (f"Say what is wrong in at least {TEXT_MIN} characters"
                          f"{f' (it has {len(text)})' if text else ''}.")
    elif len(text) > TEXT_MAX:
        errors["text"] = f"At most {TEXT_MAX} characters (it has {len(text)})."
    duplicate_of, duplicate_title = None, ""
    if reason == "duplicate":
        raw = data.get("duplicate_of")
        duplicate_of = _flagged_duplicate_of(raw)
        if duplicate_of is None:
            duplicate_title = original_title(raw)
            if not duplicate_title:
                errors["duplicate_of"] = (
                    "Give the number, the link or the title of the question this one "
                    "duplicates." if raw in (None, "") else
                    "That is not a question number, a link to a question or a title.")
    if errors:
        return None, errors
    return FlagDraft(reason=reason, text=text or "", duplicate_of=duplicate_of,
                     duplicate_title=duplicate_title), errors


def original_title(value: Any) -> str:
    """A title to look the original up by: text that is neither a number nor a
    question link, 3–150 characters once spaces are tidied; "" otherwise."""
    if not isinstance(value, str):
        return ""
    words = " ".join(value.split())
    if "/questions/" in words or words.lstrip("#").isdigit():
        return ""
    return words if 3 <= len(words) <= 150 else ""


@dataclass(frozen=True)
class Decision:
    decision: str
    note: str = ""
    flag_id: int | None = None


def parse_flag_decision(data: Mapping[str, Any]) -> tuple[Decision | None, dict[str, str]]:
    """A moderator's decision: helpful or declined ("decline" also works), a note."""
    errors: dict[str, str] = {}
    decision = data.get("decision")
    if isinstance(decision, str):
        decision = {"decline": "declined"}.get(decision.strip(), decision.strip())
    if decision not in FLAG_DECISIONS:
        errors["decision"] = "The decision must be \"helpful\" or \"declined\"."
    note = clean_text(data.get("note"))
    if note is None:
        errors["note"] = "Must be text."
    elif len(note) > NOTE_MAX:
        errors["note"] = f"At most {NOTE_MAX} characters (it has {len(note)})."
    flag_id = data.get("flag_id")
    if flag_id in (None, ""):
        flag_id = None
    elif isinstance(flag_id, str) and flag_id.strip().isdigit():
        flag_id = int(flag_id)
    elif isinstance(flag_id, bool) or not isinstance(flag_id, int):
        errors["flag_id"] = "Must be a flag id."
    if errors:
        return None, errors
    return Decision(decision=decision, note=note or "", flag_id=flag_id), errors


# ---------------------------------------------------------------- the review queue

@dataclass(frozen=True)
class ReviewDecision:
    decision: str
    note: str = ""


def parse_review_decision(data: Mapping[str, Any]) -> tuple[ReviewDecision | None,
                                                             dict[str, str]]:
    errors: dict[str, str] = {}
    decision = data.get("decision")
    if isinstance(decision, str):
        decision = decision.strip()
    if decision not in REVIEW_DECISIONS:
        errors["decision"] = "The decision must be \"approve\" or \"reject\"."
    note = clean_text(data.get("note"))
    if note is None:
        errors["note"] = "Must be text."
    elif len(note) > NOTE_MAX:
        errors["note"] = f"At most {NOTE_MAX} characters (it has {len(note)})."
    if errors:
        return None, errors
    return ReviewDecision(decision=decision, note=note or ""), errors


# ---------------------------------------------------------------- closing

@dataclass(frozen=True)
class CloseDraft:
    reason: str
    duplicate_of: int | None = None
    duplicate_title: str = ""       # the original named by its title (moderation.lookup)


def parse_close(data: Mapping[str, Any]) -> tuple[CloseDraft | None, dict[str, str]]:
    """A close vote from a form or a JSON body: a reason, and for a duplicate the
    original's id (a number, or a question URL) or its title."""
    reason = data.get("reason")
    if not isinstance(reason, str) or reason.strip() not in CLOSE_REASONS:
        return None, {"reason": "Choose a reason: " + ", ".join(CLOSE_REASONS) + "."}
    reason = reason.strip()
    if reason != "duplicate":
        return CloseDraft(reason), {}
    raw = data.get("duplicate_of")
    original = question_id_of(raw)
    if original is None:
        title = original_title(raw)
        if title:
            return CloseDraft(reason, None, title), {}
        return None, {"duplicate_of": "Give the number, the address or the title of the "
                                      "question this one duplicates."}
    return CloseDraft(reason, original), {}


def question_id_of(value: Any) -> int | None:
    """42, "42", "/questions/42/slug" or a full URL -> 42; anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**31 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "/questions/" in text:
        text = text.split("/questions/", 1)[1].split("/", 1)[0].split("?", 1)[0]
    if not text.isdigit() or len(text) > 9:
        return None
    number = int(text)
    return number or None


# ---------------------------------------------------------------- suspensions

def suspension_limits() -> tuple[int, int, int, int]:
    """(days min, days max, reason min, reason max) from the config."""
    c = current_app.config
    return (int(c["SUSPENSION_DAYS_MIN"]), int(c["SUSPENSION_DAYS_MAX"]),
            int(c["SUSPENSION_REASON_MIN"]), int(c["SUSPENSION_REASON_MAX"]))


@dataclass(frozen=True)
class Suspension:
    days: int
    reason: str


def parse_suspension(data: Mapping[str, Any]) -> tuple[Suspension | None, dict[str, str]]:
    """`days` (a whole number, 1–3650 by default) and `reason` (5–500 characters
    by default), from a form or a JSON body."""
    days_min, days_max, reason_min, reason_max = suspension_limits()
    errors: dict[str, str] = {}
    raw_days = data.get("days")
    days = None
    if isinstance(raw_days, int) and not isinstance(raw_days, bool):
        days = raw_days
    elif isinstance(raw_days, str) and raw_days.strip().isdigit():
        days = int(raw_days.strip())
    if days is None or not days_min <= days <= days_max:
        errors["days"] = f"Days must be a whole number from {days_min} to {days_max}."
    raw_reason = data.get("reason")
    reason = raw_reason.strip() if isinstance(raw_reason, str) else ""
    if not reason_min <= len(reason) <= reason_max:
        errors["reason"] = (f"Give a reason of {reason_min}–{reason_max} characters: "
                            f"the user sees it.")
    if errors:
        return None, errors
    return Suspension(days=days, reason=reason), errors


def parse_unsuspension(data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """An optional note on why the suspension ends early (at most 500 characters)."""
    raw = data.get("reason") if data is not None else None
    note = raw.strip() if isinstance(raw, str) else ""
    reason_max = suspension_limits()[3]
    if len(note) > reason_max:
        return "", {"reason": f"The note may be at most {reason_max} characters."}
    return note, {}


# ---------------------------------------------------------------- the audit log

@dataclass(frozen=True)
class LogFilter:
    actor: str | None = None          # username
    action: str | None = None         # exact action, or a prefix ending in "."
    target_type: str | None = None
    target_id: int | None = None
    since: datetime | None = None
    page: int = 1
    per_page: int = 50


def parse_log_filter(args, per_page: int = 50) -> tuple[LogFilter, dict[str, str]]:
    """Filters from a query string: actor, action, target ("post:12", "user:3"),
    days (only the last N days), page. Bad values are reported and ignored."""
    errors: dict[str, str] = {}
    actor = (args.get("actor") or "").strip()[:30] or None
    action = (args.get("action") or "").strip()[:40] or None
    target_type = target_id = None
    target = (args.get("target") or "").strip()
    if target:
        kind, _, number = target.partition(":")
        if kind and number.isdigit() and len(number) < 10:
            target_type, target_id = kind[:16], int(number)
        else:
            errors["target"] = "Write the target as type:id, for example post:12 or user:3."
    since = None
    days = (args.get("days") or "").strip()
    if days:
        if days.isdigit() and 0 < int(days) <= 3650:
            since = utcnow() - timedelta(days=int(days))
        else:
            errors["days"] = "Days must be a whole number from 1 to 3650."
    page = args.get("page", "1")
    page = int(page) if str(page).isdigit() and 0 < int(page) < 10_000 else 1
    return LogFilter(actor=actor, action=action, target_type=target_type, target_id=target_id,
                     since=since, page=page, per_page=per_page), errors
