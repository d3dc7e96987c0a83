"""Escalation to engineering, synced both ways, and the follow-through.

- A known issue links to a bug in the tracker (`link_bug`), or staff create the bug
  from the thread (`create_bug`): a JSON description of the thread is posted to
  TRACKER_WEBHOOK_URL by a job, signed with HMAC-SHA256 of the body under
  TRACKER_WEBHOOK_SECRET (header `X-Hub-Signature-256: sha256=<hex>`, as GitHub
  signs its own), retried with backoff; every attempt is logged with its response
  (`TrackerDelivery`, shown to staff). A JSON answer naming the bug (`html_url` or
  `url`, and `number`/`key`/`id`) links it.
- The tracker calls back: `receive_github` takes GitHub's `issues` webhook (closed:
  fixed, in the version of the milestone or a `fixed-in:` label; reopened:
  investigating), `receive_generic` a small JSON for anything else. A delivery is
  checked against the secret first (wrong or missing: refused, nothing changes),
  taken once (a replayed delivery id changes nothing), and logged; a bug no known
  issue links is answered 202 and logged.
- Every state change (`change_state`, also behind the staff form) tells the asker,
  the followers and everyone who said "me too"; a change to "fixed in X" asks each
  of them "Did X fix it for you?" (`FixCheck`). "No" is a regression: counted on
  the staff desk, where the issue can be reopened in one step (`reopen`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from forum import changes, permissions, signals
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.infra import jobs
from forum.markup import html_to_text
from forum.models import (
    FIX_ANSWERS,
    FixCheck,
    KnownIssue,
    MeToo,
    Question,
    TrackerDelivery,
    utcnow,
)
from forum.services.locking import lock_post
from forum.signals import record_staff_action

log = logging.getLogger(__name__)

TRACKER_KINDS = ("github", "jira", "gitlab", "other")
SIGNATURE_HEADER = "X-Hub-Signature-256"
BODY_CHARS = 4000
RESPONSE_CHARS = 2000
_ENV_LINE = re.compile(r"^\s*(os|version|firmware|model|browser|driver|build|device|platform"
                       r"|product|app version|kernel|distribution)\s*[:=]\s*(.{1,120})$",
                       re.IGNORECASE | re.MULTILINE)
_WEB_ADDRESS = re.compile(r"https?://[^\s/]+\S*$")
_FIXED_LABEL = re.compile(r"^(?:fixed[ -]?in|fix[ -]?version|release)\s*[:=]?\s*(\S.{0,48})$",
                          re.IGNORECASE)


# -- signatures ----------------------------------------------------------------------------

def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """The header is the body's HMAC-SHA256 under the secret (no secret: never)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())


# -- state changes and who hears of them ----------------------------------------------------

def affected_users(question: Question) -> set[int]:
    """The asker and everyone who said "me too" (followers hear of changes too)."""
    ids = set(db.session.scalars(select(MeToo.user_id).where(MeToo.question_id == question.id)))
    ids.add(question.author_id)
    return ids


def change_state(question: Question, issue: KnownIssue, state: str, fixed_in: str | None,
                 actor_id: int | None, *, new: bool = False) -> bool:
    """Set the issue's state (in the caller's unit); tell everyone affected when
    it changed (or the issue is `new`), and ask them whether a fix worked. False
    when nothing changed."""
    fixed_in = fixed_in if state == "fixed" else None
    if not new and issue.state == state and (issue.fixed_in or None) == (fixed_in or None):
        return False
    issue.state, issue.fixed_in = state, fixed_in
    issue.updated_at = utcnow()
    question.last_activity_at = issue.updated_at
    if state == "fixed" and fixed_in:
        _ask_whether_fixed(question, fixed_in)
    signals.emit("known_issue", actor_id=actor_id, post_id=question.id, state=state,
                 fixed_in=fixed_in)
    return True


def _ask_whether_fixed(question: Question, fixed_in: str) -> None:
    now = utcnow()
    existing = {c.user_id: c for c in db.session.scalars(
        select(FixCheck).where(FixCheck.question_id == question.id))}
    for user_id in sorted(affected_users(question)):
        check = existing.get(user_id)
        if check is None:
            db.session.add(FixCheck(question_id=question.id, user_id=user_id, fixed_in=fixed_in,
                                    asked_at=now, reason=""))
        elif check.fixed_in != fixed_in:        # a new fix: ask again
            check.fixed_in, check.answer, check.reason = fixed_in, None, ""
            check.asked_at, check.answered_at = now, None


# -- linking and creating the bug ------------------------------------------------------------

@dataclass(frozen=True)
class BugLink:
    kind: str
    url: str
    external_id: str


def parse_bug_link(data) -> tuple[BugLink | None, dict[str, str]]:
    errors: dict[str, str] = {}
    kind = str(data.get("tracker_kind") or "").strip().lower()
    url = str(data.get("tracker_url") or "").strip()
    external_id = " ".join(str(data.get("tracker_id") or "").split())
    if kind not in TRACKER_KINDS:
        errors["tracker_kind"] = "Choose the tracker: GitHub, Jira, GitLab or other."
    if not _WEB_ADDRESS.match(url) or len(url) > 300:
        errors["tracker_url"] = "Give the bug's address, starting with https://."
    if not external_id:
        external_id = _id_from_url(kind, url) or ""
    if not external_id:
        errors["tracker_id"] = "Give the bug's id in the tracker (e.g. owner/repo#12 or PROJ-42)."
    elif len(external_id) > 120:
        errors["tracker_id"] = "The bug's id must be at most 120 characters."
    if errors:
        return None, errors
    return BugLink(kind, url, external_id), errors


def _id_from_url(kind: str, url: str) -> str | None:
    found = re.match(r"https://github\.com/([^/\s]+/[^/\s]+)/issues/(\d+)", url)
    if found:
        return f"{found.group(1)}#{found.group(2)}"
    found = re.search(r"/browse/([A-Z][A-Z0-9]+-\d+)", url)
    return found.group(1) if found else None


def _staff_question(user, question_id: int) -> Question:
    """The question, locked, when `user` may act on its known issue."""
    question = lock_post(question_id)
    if not isinstance(question, Question):
        raise NotFound(f"Question {question_id} does not exist.")
    permissions.require("mark_known", user, question)
    return question


def _issue_for(user, question_id: int) -> tuple[Question, KnownIssue]:
    question = _staff_question(user, question_id)
    issue = db.session.get(KnownIssue, question.id)
    if issue is None:
        issue = KnownIssue(question_id=question.id, state="investigating", reference="",
                           marked_by_id=user.id, created_at=utcnow())
        db.session.add(issue)
        change_state(question, issue, "investigating", None, user.id, new=True)
    return question, issue


@changes.transaction
def link_bug(user, question_id: int, link: BugLink) -> KnownIssue:
    """Link the known issue (made one if it was not) to a bug in the tracker."""
    question, issue = _issue_for(user, question_id)
    taken = db.session.scalar(select(KnownIssue).where(
        KnownIssue.tracker_kind == link.kind, KnownIssue.tracker_id == link.external_id,
        KnownIssue.question_id != question.id))
    if taken is not None:
        raise ValidationError({"tracker_id": f"That bug is already linked to question {taken.question_id}."})
    issue.tracker_kind, issue.tracker_url, issue.tracker_id = link.kind, link.url, link.external_id
    if not issue.reference:
        issue.reference = link.url
    record_staff_action(user, "question.bug_linked", ("post", question.id),
                        reason=f"{link.kind} {link.external_id}")
    return issue


def environment(text: str) -> dict[str, str]:
    """"OS: Windows 11", "Firmware: 2.1" lines of the question, as the bug's environment."""
    found: dict[str, str] = {}
    for key, value in _ENV_LINE.findall(text or ""):
        found.setdefault(key.lower(), value.strip())
    return dict(list(found.items())[:12])


def bug_description(question: Question) -> dict[str, Any]:
    site = current_app.config.get("SITE_URL", "").rstrip("/")
    body = html_to_text(question.body_html)
    found = environment(question.body)        # the Markdown source keeps its lines
    product, _, version = (question.product or "").partition(" ")
    return {
        "title": question.title,
        "url": f"{site}/questions/{question.id}/{question.slug}",
        "question_id": question.id,
        "product": question.product,
        "version": found.get("version") or version or None,
        "me_too_count": question.me_too_count or 0,
        "tags": question.tag_names,
        "environment": found,
        "description": body[:BODY_CHARS],
        "asked_at": question.created_at.isoformat() + "Z",
    }


@changes.transaction
def create_bug(user, question_id: int) -> TrackerDelivery:
    """Post the thread's description to the tracker (by a job, after the commit)."""
    url = current_app.config.get("TRACKER_WEBHOOK_URL") or ""
    if not url:
        raise Conflict("No bug tracker is configured (TRACKER_WEBHOOK_URL).")
    question, issue = _issue_for(user, question_id)
    if issue.tracker_id:
        raise Conflict(f"This issue is already linked to {issue.tracker_label}.")
    pending = db.session.scalar(select(TrackerDelivery).where(
        TrackerDelivery.question_id == question.id, TrackerDelivery.direction == "out",
        TrackerDelivery.status.in_(("pending", "retrying"))))
    if pending is not None:
        raise Conflict("A bug for this thread is already being created.")
    key = str(uuid.uuid4())
    payload = {"event": "bug.create", "delivery": key, "known_issue_state": issue.state,
               "question": bug_description(question)}
    delivery = TrackerDelivery(question_id=question.id, direction="out", event="bug.create",
                               delivery_key=key, url=url[:300], status="pending", attempts=0,
                               response_body="", payload=json.dumps(payload, sort_keys=True),
                               created_at=utcnow(), updated_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    record_staff_action(user, "question.bug_requested", ("post", question.id))
    jobs.enqueue("tracker_delivery", delivery_id=delivery.id)
    return delivery


def deliver(delivery_id: int) -> None:
    """The `"tracker_delivery"` job: one attempt; a failure logs its response and
    queues the next attempt (so the log survives), until TRACKER_MAX_ATTEMPTS."""
    delivery = db.session.get(TrackerDelivery, delivery_id)
    if delivery is None or delivery.status not in ("pending", "retrying"):
        return
    config = current_app.config
    body = delivery.payload.encode()
    request = urllib.request.Request(delivery.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "Crowdfix-Escalation",
        "X-Crowdfix-Event": delivery.event, "X-Crowdfix-Delivery": delivery.delivery_key,
        SIGNATURE_HEADER: sign(config.get("TRACKER_WEBHOOK_SECRET") or "", body),
    })
    status, text = None, ""
    try:
        with urllib.request.urlopen(request, timeout=float(config["TRACKER_TIMEOUT_SECONDS"])) as r:
            status, text = r.status, r.read(RESPONSE_CHARS * 2).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read(RESPONSE_CHARS).decode("utf-8", "replace")
    except (OSError, ValueError) as error:
        text = f"{type(error).__name__}: {error}"
    delivery.attempts += 1
    delivery.response_status = status
    delivery.response_body = text[:RESPONSE_CHARS]
    delivery.updated_at = utcnow()
    if status is not None and 200 <= status < 300:
        delivery.status = "delivered"
        _link_from_response(delivery, text)
        return
    if delivery.attempts >= int(config["TRACKER_MAX_ATTEMPTS"]):
        delivery.status = "failed"
        log.warning("bug creation for question %s failed after %d attempts",
                    delivery.question_id, delivery.attempts)
        return
    delivery.status = "retrying"
    wait = float(config["TRACKER_RETRY_SECONDS"]) * 2 ** (delivery.attempts - 1)
    jobs.enqueue("tracker_delivery", delay=min(wait, 6 * 3600), delivery_id=delivery.id)


def _link_from_response(delivery: TrackerDelivery, text: str) -> None:
    try:
        answer = json.loads(text or "{}")
    except ValueError:
        return
    if not isinstance(answer, dict) or delivery.question_id is None:
        return
    url = str(answer.get("html_url") or answer.get("url") or "")[:300]
    if not _WEB_ADDRESS.match(url):     # it becomes a link on the thread: http(s) only
        url = ""
    external = str(answer.get("key") or answer.get("number") or answer.get("id") or "")[:120]
    issue = db.session.get(KnownIssue, delivery.question_id)
    if issue is None or issue.tracker_id or not (url or external):
        return
    kind = current_app.config.get("TRACKER_KIND") or "other"
    if kind == "github" and url:
        external = _id_from_url(kind, url) or external
    issue.tracker_kind = kind if kind in TRACKER_KINDS else "other"
    issue.tracker_url = url or None
    issue.tracker_id = external or None
    if not issue.reference and url:
        issue.reference = url
    changes.thread_changed(delivery.question_id)


# -- inbound webhooks --------------------------------------------------------------------------

@dataclass(frozen=True)
class HookResult:
    status: int           # the HTTP status to answer with
    outcome: str          # applied, ignored, unknown, replayed, refused
    message: str
    question_id: int | None = None


def _taken(key: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(TrackerDelivery)
                             .where(TrackerDelivery.delivery_key == key)) > 0


def _log_inbound(key: str, event: str, status: str, body: bytes, question_id: int | None,
                 code: int, message: str) -> None:
    now = utcnow()
    db.session.add(TrackerDelivery(
        question_id=question_id, direction="in", event=event[:40], delivery_key=key[:80],
        url="", status=status, attempts=1, response_status=code, response_body=message[:RESPONSE_CHARS],
        payload=body[:20_000].decode("utf-8", "replace"), created_at=now, updated_at=now))


def _apply(kind: str, external_id: str | None, url: str | None, state: str,
           fixed_in: str | None) -> tuple[Question, bool] | None:
    clauses = []
    if external_id:
        clauses.append((KnownIssue.tracker_kind == kind) & (KnownIssue.tracker_id == external_id))
    if url:
        clauses.append(KnownIssue.tracker_url == url[:300])
    if not clauses:
        return None
    issue = db.session.scalar(select(KnownIssue).where(or_(*clauses)).limit(1))
    if issue is None:
        return None
    question = lock_post(issue.question_id)
    if not isinstance(question, Question):
        return None
    return question, change_state(question, issue, state, fixed_in, actor_id=None)


def _refused() -> HookResult:
    return HookResult(401, "refused", "The signature does not match this site's secret.")


@changes.transaction
def receive_github(event: str, delivery: str, signature: str | None, body: bytes) -> HookResult:
    """GitHub's `issues` webhook: closed sets the known issue fixed, reopened back
    to investigating. Other events and actions are acknowledged and ignored."""
    secret = current_app.config.get("TRACKER_WEBHOOK_SECRET") or ""
    if not signature_ok(secret, body, signature):
        return _refused()
    key = f"github:{delivery or hashlib.sha256(body).hexdigest()}"
    if _taken(key):
        return HookResult(200, "replayed", "This delivery was already taken; nothing changed.")
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return HookResult(400, "refused", "The body is not JSON.")
    action = str(data.get("action") or "") if isinstance(data, dict) else ""
    label = f"{event}.{action}" if action else event or "unknown"
    if event == "ping":
        _log_inbound(key, label, "ignored", body, None, 200, "pong")
        return HookResult(200, "ignored", "pong")
    if event != "issues" or action not in ("closed", "reopened"):
        _log_inbound(key, label, "ignored", body, None, 200, "Only issues closed/reopened change anything.")
        return HookResult(200, "ignored", "Only issues closed and reopened change anything.")
    issue = data.get("issue") if isinstance(data.get("issue"), dict) else {}
    repo = (data.get("repository") or {}).get("full_name") if isinstance(
        data.get("repository"), dict) else None
    number = issue.get("number")
    external_id = f"{repo}#{number}" if repo and number is not None else None
    if action == "closed" and issue.get("state_reason") == "not_planned":
        _log_inbound(key, label, "ignored", body, None, 200, "Closed as not planned: no fix.")
        return HookResult(200, "ignored", "Closed as not planned: nothing was fixed.")
    if action == "closed":
        state, fixed_in = "fixed", _github_version(issue)
    else:
        state, fixed_in = "investigating", None
    applied = _apply("github", external_id, issue.get("html_url"), state, fixed_in)
    if applied is None:
        message = f"No known issue links {external_id or issue.get('html_url') or 'this bug'}."
        _log_inbound(key, label, "unknown", body, None, 202, message)
        log.info("github webhook %s: %s", key, message)
        return HookResult(202, "unknown", message)
    question, changed = applied
    message = (f"Question {question.id} is now {state}" + (f" in {fixed_in}" if fixed_in else "")
               if changed else f"Question {question.id} was already {state}.")
    _log_inbound(key, label, "applied" if changed else "ignored", body, question.id, 200, message)
    return HookResult(200, "applied" if changed else "ignored", message, question.id)


def _github_version(issue: dict) -> str | None:
    """The fixing version: a `fixed-in: 2.3` label first, else the milestone's title."""
    for label in issue.get("labels") or ():
        name = (label or {}).get("name") if isinstance(label, dict) else None
        found = _FIXED_LABEL.match(name or "")
        if found:
            return found.group(1).strip()[:50]
    milestone = issue.get("milestone")
    if isinstance(milestone, dict) and milestone.get("title"):
        return str(milestone["title"]).strip()[:50]
    return None


GENERIC_STATES = ("investigating", "fix_planned", "fixed")


@changes.transaction
def receive_generic(delivery: str, signature: str | None, body: bytes) -> HookResult:
    """Any tracker (Jira, GitLab, a script): `{"delivery": "<unique id>", "bug":
    {"kind": "jira", "id": "PROJ-42", "url": "https://..."}, "state": "fixed",
    "fixed_in": "2.3"}`, signed like GitHub's."""
    secret = current_app.config.get("TRACKER_WEBHOOK_SECRET") or ""
    if not signature_ok(secret, body, signature):
        return _refused()
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return HookResult(400, "refused", "The body is not JSON.")
    if not isinstance(data, dict):
        return HookResult(400, "refused", "The body must be a JSON object.")
    bug = data.get("bug") if isinstance(data.get("bug"), dict) else {}
    key = "tracker:" + str(data.get("delivery") or delivery or hashlib.sha256(body).hexdigest())[:70]
    state = str(data.get("state") or "")
    fixed_in = " ".join(str(data.get("fixed_in") or "").split())[:50] or None
    if state not in GENERIC_STATES or not (bug.get("id") or bug.get("url")):
        return HookResult(400, "refused",
                          'Send "bug" (with "id" or "url") and "state": investigating, fix_planned or fixed.')
    if _taken(key):
        return HookResult(200, "replayed", "This delivery was already taken; nothing changed.")
    kind = str(bug.get("kind") or "other").lower()
    applied = _apply(kind if kind in TRACKER_KINDS else "other", str(bug.get("id") or "") or None,
                     str(bug.get("url") or "") or None, state, fixed_in)
    label = f"tracker.{state}"
    if applied is None:
        message = f"No known issue links {bug.get('id') or bug.get('url')}."
        _log_inbound(key, label, "unknown", body, None, 202, message)
        return HookResult(202, "unknown", message)
    question, changed = applied
    message = f"Question {question.id} is now {state}" if changed else "Nothing changed."
    _log_inbound(key, label, "applied" if changed else "ignored", body, question.id, 200, message)
    return HookResult(200, "applied" if changed else "ignored", message, question.id)


# -- "did it fix it?" and regressions -------------------------------------------------------

def pending_check(user, question_id: int) -> FixCheck | None:
    """The viewer's "did it fix it?" on this thread (answered or not), if asked."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(FixCheck, (question_id, user.id))


@dataclass(frozen=True)
class FixFollowup:
    """What a fixed known issue's page shows: the tally, and the viewer's question."""
    tally: FixTally | None
    check: FixCheck | None


def fix_followup(question: Question, viewer) -> FixFollowup | None:
    issue = question.known_issue
    if issue is None or issue.state != "fixed" or not issue.fixed_in:
        return None
    check = pending_check(viewer, question.id)
    if check is not None and check.fixed_in != issue.fixed_in:
        check = None
    return FixFollowup(tally(question.id), check)


@changes.transaction
def answer_fix_check(user, question_id: int, answer: str, reason: str = "") -> FixCheck:
    if answer not in FIX_ANSWERS:
        raise ValidationError({"answer": "Answer yes or no."})
    reason = " ".join((reason or "").split())
    if len(reason) > 300:
        raise ValidationError({"reason": "Keep it under 300 characters."})
    check = db.session.get(FixCheck, (question_id, getattr(user, "id", None)))
    if check is None:
        raise NotFound("Nobody asked you about a fix on this thread.")
    check.answer, check.reason, check.answered_at = answer, reason, utcnow()
    return check


@dataclass(frozen=True)
class FixTally:
    fixed_in: str
    yes: int
    no: int
    waiting: int


def tally(question_id: int) -> FixTally | None:
    rows = db.session.execute(
        select(FixCheck.fixed_in, FixCheck.answer, func.count())
        .where(FixCheck.question_id == question_id)
        .group_by(FixCheck.fixed_in, FixCheck.answer)).all()
    if not rows:
        return None
    issue = db.session.get(KnownIssue, question_id)
    current = (issue.fixed_in if issue is not None and issue.fixed_in else rows[0][0]) or ""
    counts = {answer: n for fixed_in, answer, n in rows if fixed_in == current}
    return FixTally(current, counts.get("yes", 0), counts.get("no", 0), counts.get(None, 0))


@dataclass(frozen=True)
class Regression:
    question: Question
    issue: KnownIssue
    no: int
    yes: int
    reasons: list[str]


def regressions(limit: int = 20) -> list[Regression]:
    """Fixed known issues that someone says the fix did not fix, most "no"s first."""
    rows = db.session.execute(
        select(FixCheck.question_id, func.count())
        .join(KnownIssue, (KnownIssue.question_id == FixCheck.question_id)
              & (KnownIssue.fixed_in == FixCheck.fixed_in))
        .where(FixCheck.answer == "no", KnownIssue.state == "fixed")
        .group_by(FixCheck.question_id).order_by(func.count().desc()).limit(limit)).all()
    out = []
    for question_id, no in rows:
        question = db.session.get(Question, question_id)
        issue = db.session.get(KnownIssue, question_id)
        if question is None or issue is None or question.is_deleted:
            continue
        counted = tally(question_id)
        reasons = list(db.session.scalars(select(FixCheck.reason).where(
            FixCheck.question_id == question_id, FixCheck.answer == "no",
            FixCheck.reason != "").order_by(FixCheck.answered_at.desc()).limit(3)))
        out.append(Regression(question, issue, no, counted.yes if counted else 0, reasons))
    return out


@changes.transaction
def reopen(user, question_id: int) -> KnownIssue:
    """A fix that did not fix it: back to investigating, in one step."""
    question = _staff_question(user, question_id)
    issue = db.session.get(KnownIssue, question.id)
    if issue is None:
        raise Conflict("This thread is not a known issue.")
    if issue.state != "fixed":
        raise Conflict("This known issue is not marked fixed.")
    change_state(question, issue, "investigating", None, actor_id=user.id)
    issue.marked_by_id = user.id
    record_staff_action(user, "question.known_issue_reopened", ("post", question.id))
    return issue


def deliveries(question_id: int | None = None, limit: int = 50) -> list[TrackerDelivery]:
    stmt = select(TrackerDelivery).order_by(TrackerDelivery.id.desc()).limit(limit)
    if question_id is not None:
        stmt = stmt.where(TrackerDelivery.question_id == question_id)
    return list(db.session.scalars(stmt))
