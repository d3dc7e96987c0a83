"""The support desk behind the community: private cases, tiers, service levels.

Staff escalate a thread to a *case* (`open_case`): a private conversation between
the asker and staff for what must not be public (serial numbers, logs with
personal data). Staff add internal notes only staff can read, move the case
through the tiers (L1 → L2 → L3), assign it to a staff member and set its state
(new, open, waiting on customer, resolved). Files on its messages go through the
same checks as a post's attachments and are served only to those who may read
the message. While a case is open the public thread says "Being handled by
support". Resolving a case can publish the solution to the thread as an
official answer, in the same unit of work (`resolve`).

Service levels come from SUPPORT_SLA, per product (`service_level`): time to the
first response and to resolution for cases, and how long a public question may
wait for its first answer. `case_clock`/`overdue_questions` flag what is late
on the staff desk; `alert_overdue` (from `flask support sla` and `flask support
remind`, by cron) mails the assignee, or the on-duty staff, once per miss.
`response_times` measures time to first response for cases and public
questions alike.

Who may see and do what is decided in `forum.permissions` (askers see their own
cases, company staff all of them, moderators none unless they are staff); a
case someone may not see is answered as not found.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from forum import changes, permissions, storage
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.markup import render_markdown
from forum.models import (
    CASE_STATES,
    CASE_TIERS,
    Answer,
    CaseFile,
    CaseMessage,
    Question,
    SlaAlert,
    SupportCase,
    User,
    utcnow,
)
from forum.services import mail, notifications, official, posting
from forum.services.filetypes import (
    ALLOWED,
    MB,
    TooLarge,
    UnsupportedType,
    allowed_extensions,
    check_content,
    extension,
    read_sample,
    sanitise_filename,
)
from forum.services.locking import lock_post
from forum.signals import record_staff_action

BODY_MAX = 20000
LOOKBACK_DAYS = 14          # public questions older than this are not alerted about


# -- service levels -------------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceLevel:
    first_response: timedelta       # a case's first reply from staff
    resolution: timedelta           # a case resolved
    unanswered: timedelta           # a public question's first answer


def service_level(product: str | None) -> ServiceLevel:
    """SUPPORT_SLA[product], else SUPPORT_SLA["default"] (hours)."""
    levels = current_app.config["SUPPORT_SLA"]
    default = levels.get("default", {})
    own = levels.get(product or "", {})

    def hours(key: str, fallback: float) -> timedelta:
        return timedelta(hours=float(own.get(key, default.get(key, fallback))))

    return ServiceLevel(hours("first_response_hours", 8), hours("resolution_hours", 72),
                        hours("unanswered_hours", 24))


@dataclass(frozen=True)
class Clock:
    """Where a case stands against its service levels (`None`: not due yet)."""

    first_response_due: datetime
    resolution_due: datetime
    first_response_late: bool       # answered late, or unanswered past the due time
    resolution_late: bool           # resolved late, or still open past the due time

    @property
    def overdue(self) -> bool:
        return self.first_response_late or self.resolution_late


def case_clock(case: SupportCase, now: datetime | None = None) -> Clock:
    now = now or utcnow()
    level = service_level(case.product)
    first_due = case.created_at + level.first_response
    done_due = case.created_at + level.resolution
    responded = case.first_response_at or now
    resolved = case.resolved_at if case.state == "resolved" and case.resolved_at else now
    return Clock(first_due, done_due, responded > first_due, resolved > done_due)


# -- reading --------------------------------------------------------------------------------

def get_case(viewer: Any, case_id: int) -> SupportCase:
    """The case, when `viewer` may see it; not found otherwise (its existence is private)."""
    case = db.session.get(SupportCase, case_id)
    if case is None or not permissions.can("view_case", viewer, case):
        raise NotFound(f"Case {case_id} does not exist.")
    return case


def messages(case: SupportCase, viewer: Any) -> list[CaseMessage]:
    """The conversation, oldest first; internal notes only for staff."""
    stmt = select(CaseMessage).where(CaseMessage.case_id == case.id)
    if not permissions.can("manage_case", viewer, case):
        stmt = stmt.where(CaseMessage.internal.is_(False))
    return list(db.session.scalars(stmt.order_by(CaseMessage.created_at, CaseMessage.id)))


def files_for(message_ids: Iterable[int]) -> dict[int, list[CaseFile]]:
    ids = list(message_ids)
    out: dict[int, list[CaseFile]] = {}
    if ids:
        for f in db.session.scalars(select(CaseFile).where(CaseFile.message_id.in_(ids))
                                    .order_by(CaseFile.id)):
            out.setdefault(f.message_id, []).append(f)
    return out


@dataclass(frozen=True)
class CaseFilters:
    state: str | None = None        # one of CASE_STATES, "active" (not resolved) or None (all)
    tier: str | None = None
    assignee_id: int | None = None
    product: str | None = None
    limit: int = 50


def list_cases(viewer: Any, filters: CaseFilters = CaseFilters()) -> list[SupportCase]:
    """Staff see every case; anyone else their own. Newest activity first."""
    if permissions.can("staff_desk", viewer):
        stmt = select(SupportCase)
    elif getattr(viewer, "is_authenticated", False):
        stmt = select(SupportCase).where(SupportCase.requester_id == viewer.id)
    else:
        return []
    if filters.state == "active":
        stmt = stmt.where(SupportCase.state != "resolved")
    elif filters.state in CASE_STATES:
        stmt = stmt.where(SupportCase.state == filters.state)
    if filters.tier in CASE_TIERS:
        stmt = stmt.where(SupportCase.tier == filters.tier)
    if filters.assignee_id is not None:
        stmt = stmt.where(SupportCase.assignee_id == filters.assignee_id)
    if filters.product:
        stmt = stmt.where(SupportCase.product == filters.product)
    return list(db.session.scalars(
        stmt.order_by(SupportCase.updated_at.desc(), SupportCase.id.desc()).limit(filters.limit)))


def handled_by_support(question_id: int) -> bool:
    """Whether the public thread has a case open (the thread says so, nothing more)."""
    return bool(db.session.scalar(select(func.count()).select_from(SupportCase).where(
        SupportCase.question_id == question_id, SupportCase.state != "resolved")))


def staff_members() -> list[User]:
    """Who a case can be assigned to."""
    return list(db.session.scalars(select(User).where(User.role.in_(("staff", "admin")))
                                   .order_by(User.username_lower)))


# -- input ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseChange:
    tier: str | None = None
    assignee: str | None = None     # a username; "" unassigns
    state: str | None = None


def parse_change(data) -> tuple[CaseChange | None, dict[str, str]]:
    errors: dict[str, str] = {}

    def field(name: str) -> str | None:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            errors[name] = "Must be text."
            return None
        return value.strip()

    tier, assignee, state = field("tier"), field("assignee"), field("state")
    if tier and tier not in CASE_TIERS:
        errors["tier"] = f"Tier must be one of {', '.join(CASE_TIERS)}."
    if state and state not in CASE_STATES:
        errors["state"] = f"State must be one of {', '.join(CASE_STATES)}."
    if errors:
        return None, errors
    return CaseChange(tier or None, assignee, state or None), errors


def _body(body: Any, *, required: bool = True) -> str:
    if not isinstance(body, str):
        body = ""
    body = body.strip()
    if required and not body:
        raise ValidationError({"body": "Write a message."})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": f"A message may be at most {BODY_MAX} characters."})
    return body


# -- files ----------------------------------------------------------------------------------

def _present(files: Iterable[Any]) -> list[Any]:
    return [f for f in files or () if f is not None and getattr(f, "filename", None)]


def _check_files(user: Any, files: list[Any]) -> None:
    """Raise before anything is written when a file would be refused (the same
    rules as a post's attachments: allow-list, size, content sniffing)."""
    config = current_app.config
    if len(files) > int(config["ATTACHMENTS_PER_POST"]):
        raise ValidationError({"files": f"A message can carry at most "
                                        f"{config['ATTACHMENTS_PER_POST']} files."})
    max_bytes = int(config["MAX_UPLOAD_MB"]) * MB
    for f in files:
        name = sanitise_filename(f.filename)
        ext = extension(name)
        ftype = ALLOWED.get(ext)
        if ftype is None:
            raise UnsupportedType(f"{name} cannot be attached. Allowed: "
                                  f"{', '.join(allowed_extensions(user))}.")
        if ftype.group == "executable":
            permissions.require("upload_executable", user)
        stream = getattr(f, "stream", f)
        head, tail, size = read_sample(stream)
        if size > max_bytes:
            raise TooLarge(f"{name} is larger than {config['MAX_UPLOAD_MB']} MB.")
        if size == 0:
            raise ValidationError({"files": f"{name} is empty."})
        check_content(ftype, ext, head, tail)


def _store_files(user: Any, message: CaseMessage, files: list[Any]) -> list[CaseFile]:
    """Store checked files beside the message, in the caller's unit of work."""
    from forum.services.attachments import _insert_blob

    upload_dir = current_app.config["UPLOAD_DIR"]
    max_bytes = int(current_app.config["MAX_UPLOAD_MB"]) * MB
    stored = []
    for f in files:
        name = sanitise_filename(f.filename)
        ext = extension(name)
        stream = getattr(f, "stream", f)
        stream.seek(0)
        try:
            with storage.receive(upload_dir, stream, max_bytes) as pending:
                with open(pending.path, "rb") as handle:
                    head, tail, _ = read_sample(handle)
                content_type = check_content(ALLOWED[ext], ext, head, tail)
                _insert_blob(pending.sha256, pending.size, content_type)
                row = CaseFile(message_id=message.id, uploader_id=user.id, sha256=pending.sha256,
                               filename=name, content_type=content_type, size=pending.size,
                               created_at=utcnow())
                db.session.add(row)
                pending.keep()
        except storage.LimitExceeded:
            raise TooLarge(f"{name} is larger than {current_app.config['MAX_UPLOAD_MB']} MB.") from None
        stored.append(row)
    return stored


@dataclass(frozen=True)
class CaseDownload:
    file: CaseFile
    path: Path


def get_file(viewer: Any, case_id: int, file_id: int) -> CaseDownload:
    """A case's file, for those who may read its message (internal: staff)."""
    case = get_case(viewer, case_id)
    row = db.session.get(CaseFile, file_id)
    message = db.session.get(CaseMessage, row.message_id) if row is not None else None
    if message is None or message.case_id != case.id or (
            message.internal and not permissions.can("manage_case", viewer, case)):
        raise NotFound("That file does not exist.")
    path = storage.blob_path(current_app.config["UPLOAD_DIR"], row.sha256)
    if not path.is_file():
        raise NotFound("That file is no longer stored.")
    return CaseDownload(row, path)


# -- writing --------------------------------------------------------------------------------

def _locked_case(case_id: int) -> SupportCase:
    stmt = select(SupportCase).where(SupportCase.id == case_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=SupportCase)
    case = db.session.scalar(stmt)
    if case is None:
        raise NotFound(f"Case {case_id} does not exist.")
    return case


def _url(case: SupportCase) -> str:
    return f"/cases/{case.id}"


def _tell(user_ids: Iterable[int | None], case: SupportCase, text: str, actor_id: int | None) -> None:
    """Inbox and mail (by each person's settings); never the private content."""
    notifications.notify([u for u in user_ids if u], "case", text, _url(case),
                         actor_id=actor_id, post_id=case.question_id)


def _staff_side(case: SupportCase) -> list[int]:
    """Who hears of the requester's replies: the assignee, else the on-duty staff."""
    return [case.assignee_id] if case.assignee_id else [u.id for u in on_duty()]


def on_duty() -> list[User]:
    """SUPPORT_ON_DUTY (usernames), else every company staff member."""
    names = [n.strip().lower() for n in current_app.config.get("SUPPORT_ON_DUTY") or [] if n.strip()]
    stmt = select(User).where(User.role.in_(("staff", "admin")))
    if names:
        stmt = stmt.where(User.username_lower.in_(names))
    return list(db.session.scalars(stmt.order_by(User.id)))


@changes.transaction
def open_case(user: Any, question_id: int, body: str = "", files: Iterable[Any] = ()) -> SupportCase:
    """Escalate a thread to a private case between its asker and staff; `body`,
    when given, is staff's first message to the asker."""
    question = lock_post(question_id)
    if not isinstance(question, Question):
        raise NotFound(f"Question {question_id} does not exist.")
    permissions.require("open_case", user, question)
    body = _body(body, required=False)
    files = _present(files)
    if files and not body:
        raise ValidationError({"body": "Say what the files are."})
    _check_files(user, files)
    existing = db.session.scalar(select(SupportCase).where(
        SupportCase.question_id == question.id, SupportCase.requester_id == question.author_id,
        SupportCase.state != "resolved"))
    if existing is not None:
        raise Conflict(f"Case {existing.id} is already open for this thread.")
    now = utcnow()
    case = SupportCase(question_id=question.id, requester_id=question.author_id,
                       subject=question.title[:150], product=question.product, tier="L1",
                       state="new", opened_by_id=user.id, created_at=now, updated_at=now)
    db.session.add(case)
    db.session.flush()
    if body:
        message = _add_message(user, case, body, internal=False, files=files)
        case.first_response_at, case.state = message.created_at, "open"
    record_staff_action(user, "case.opened", ("case", case.id), question_id=question.id)
    _tell([case.requester_id], case,
          f"Support opened a private case about “{question.title[:120]}”.", user.id)
    return case


def _add_message(user: Any, case: SupportCase, body: str, *, internal: bool,
                 files: list[Any]) -> CaseMessage:
    now = utcnow()
    message = CaseMessage(case_id=case.id, author_id=user.id, body=body,
                          body_html=render_markdown(body), internal=internal, created_at=now)
    db.session.add(message)
    db.session.flush()
    _store_files(user, message, files)
    case.updated_at = now
    return message


@changes.transaction
def reply(user: Any, case_id: int, body: str, *, internal: bool = False,
          files: Iterable[Any] = ()) -> CaseMessage:
    """A message on the case. Staff's first public reply is the first response;
    the requester's reply to a case waiting on them (or resolved) opens it again."""
    case = _locked_case(case_id)
    if not permissions.can("view_case", user, case):
        raise NotFound(f"Case {case_id} does not exist.")
    permissions.require("reply_case", user, case)
    staff = permissions.can("manage_case", user, case)
    if internal and not staff:
        raise ValidationError({"internal": "Only staff can write internal notes."})
    body = _body(body)
    files = _present(files)
    _check_files(user, files)
    message = _add_message(user, case, body, internal=internal, files=files)
    if internal:
        return message
    if staff:
        if case.first_response_at is None:
            case.first_response_at = message.created_at
        if case.state == "new":
            case.state = "open"
        _tell([case.requester_id], case, f"Support replied on your case #{case.id}.", user.id)
    else:
        if case.state in ("waiting", "resolved"):
            if case.state == "resolved":
                case.resolved_at = None
            case.state = "open"
        _tell(_staff_side(case), case, f"{user.username} replied on case #{case.id}.", user.id)
    return message


@changes.transaction
def change(user: Any, case_id: int, wanted: CaseChange) -> SupportCase:
    """Tier, assignee and state (not resolved: see `resolve`), each change audited."""
    case = _locked_case(case_id)
    if not permissions.can("view_case", user, case):
        raise NotFound(f"Case {case_id} does not exist.")
    permissions.require("manage_case", user, case)
    if wanted.state == "resolved" and case.state != "resolved":
        raise ValidationError({"state": "Resolve a case with its resolve form "
                                        "(it can publish the solution)."})
    changed = False
    if wanted.tier and wanted.tier != case.tier:
        record_staff_action(user, "case.tier", ("case", case.id), before=case.tier,
                            after=wanted.tier)
        case.tier, changed = wanted.tier, True
    if wanted.assignee is not None:
        assignee = None
        if wanted.assignee:
            assignee = db.session.scalar(select(User).where(
                User.username_lower == wanted.assignee.lower()))
            if assignee is None or not assignee.is_company_staff:
                raise ValidationError({"assignee": "Assign the case to a staff member."})
        if (assignee.id if assignee else None) != case.assignee_id:
            record_staff_action(user, "case.assigned", ("case", case.id),
                                to=assignee.username if assignee else None)
            case.assignee_id, changed = (assignee.id if assignee else None), True
            if assignee is not None:
                _tell([assignee.id], case, f"Case #{case.id} “{case.subject[:100]}” "
                      f"({case.tier}) is assigned to you.", user.id)
    if wanted.state and wanted.state != case.state:
        record_staff_action(user, "case.state", ("case", case.id), before=case.state,
                            after=wanted.state)
        if case.state == "resolved":
            case.resolved_at = None
        case.state, changed = wanted.state, True
        if wanted.state == "waiting":
            _tell([case.requester_id], case,
                  f"Support is waiting for your answer on case #{case.id}.", user.id)
    if changed:
        case.updated_at = utcnow()
    return case


@changes.transaction
def resolve(user: Any, case_id: int, *, publish: str | None = None) -> SupportCase:
    """Resolve the case; `publish`, when given, is the solution as staff edited it
    for the public: posted to the thread as an answer and marked official."""
    case = _locked_case(case_id)
    if not permissions.can("view_case", user, case):
        raise NotFound(f"Case {case_id} does not exist.")
    permissions.require("manage_case", user, case)
    if case.state == "resolved":
        raise Conflict("This case is already resolved.")
    now = utcnow()
    if publish is not None:
        text = _body(publish)
        if case.question_id is None:
            raise Conflict("This case has no public thread to publish to.")
        answer = posting.post_answer(user, case.question_id, text)
        official.mark_official(user, answer.id)
        case.published_answer_id = answer.id
        record_staff_action(user, "case.published", ("case", case.id), answer_id=answer.id)
    case.state, case.resolved_at, case.updated_at = "resolved", now, now
    record_staff_action(user, "case.resolved", ("case", case.id))
    _tell([case.requester_id], case, f"Support resolved your case #{case.id}."
          + (" The solution is on the public thread." if publish is not None else ""), user.id)
    return case


def draft_solution(case: SupportCase) -> str:
    """What the publish form starts from: staff's last public message (to be
    edited for what is private before it is published)."""
    text = db.session.scalar(
        select(CaseMessage.body).join(User, User.id == CaseMessage.author_id)
        .where(CaseMessage.case_id == case.id, CaseMessage.internal.is_(False),
               User.role.in_(("staff", "admin")))
        .order_by(CaseMessage.created_at.desc(), CaseMessage.id.desc()).limit(1))
    return text or ""


# -- the desk: late work and response times -------------------------------------------------

@dataclass(frozen=True)
class CaseRow:
    case: SupportCase
    clock: Clock


def active_cases(now: datetime | None = None, limit: int = 50,
                 product: str | None = None) -> list[CaseRow]:
    """Cases not resolved, late ones first, then the oldest."""
    now = now or utcnow()
    stmt = select(SupportCase).where(SupportCase.state != "resolved")
    if product:
        stmt = stmt.where(SupportCase.product == product)
    rows = [CaseRow(c, case_clock(c, now)) for c in db.session.scalars(
        stmt.order_by(SupportCase.created_at).limit(500))]
    rows.sort(key=lambda r: (not r.clock.overdue, r.case.created_at))
    return rows[:limit]


@dataclass(frozen=True)
class LateQuestion:
    question: Question
    due: datetime


def overdue_questions(now: datetime | None = None, limit: int = 50,
                      product: str | None = None) -> list[LateQuestion]:
    """Open public questions with no answer past their product's threshold (asked
    within the last LOOKBACK_DAYS: older ones are the unanswered list's)."""
    now = now or utcnow()
    stmt = (select(Question).where(Question.answer_count == 0, Question.status == "open",
                                   Question.listed(),
                                   Question.created_at >= now - timedelta(days=LOOKBACK_DAYS))
            .order_by(Question.created_at).limit(1000))
    if product:
        stmt = stmt.where(Question.product == product)
    late = []
    for question in db.session.scalars(stmt):
        due = question.created_at + service_level(question.product).unanswered
        if due < now:
            late.append(LateQuestion(question, due))
    return late[:limit]


@changes.transaction
def alert_overdue(now: datetime | None = None) -> int:
    """Mail each missed service level once: a case's to its assignee (or the
    on-duty staff), a late question's to the on-duty staff. The number sent."""
    now = now or utcnow()
    sent = 0
    for row in active_cases(now, limit=500):
        for target, late in (("first_response", row.clock.first_response_late),
                             ("resolution", row.clock.resolution_late)):
            if late and _alert_once("case", row.case.id, target, now):
                due = (row.clock.first_response_due if target == "first_response"
                       else row.clock.resolution_due)
                sent += _alert(_staff_side(row.case), f"Case #{row.case.id} "
                               f"({row.case.tier}) missed its {target.replace('_', ' ')} "
                               f"time (due {due:%Y-%m-%d %H:%M} UTC).", _url(row.case), None)
    for late in overdue_questions(now, limit=500):
        question = late.question
        if _alert_once("question", question.id, "first_response", now):
            sent += _alert([u.id for u in on_duty()],
                           f"Unanswered past its service level: “{question.title[:120]}” "
                           f"(due {late.due:%Y-%m-%d %H:%M} UTC).",
                           f"/questions/{question.id}/{question.slug}", question.id)
    return sent


def _alert_once(subject: str, subject_id: int, target: str, now: datetime) -> bool:
    if db.session.get(SlaAlert, (subject, subject_id, target)) is not None:
        return False
    db.session.add(SlaAlert(subject=subject, subject_id=subject_id, target=target, sent_at=now))
    return True


def _alert(user_ids: list[int], text: str, url: str, post_id: int | None) -> int:
    """An operational alert: in the inbox and always mailed (it is work, not news)."""
    from forum.models import Notification

    now = utcnow()
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        note = Notification(user_id=user.id, kind="case", actor_id=None, post_id=post_id,
                            text=text[:300], url=url[:300], created_at=now)
        db.session.add(note)
        mail.queue_notification(user, note)
    return len(user_ids)


@dataclass(frozen=True)
class ResponseTimes:
    """Time to first response over a window: cases (staff's first reply) and
    public questions (the first answer by someone other than the asker)."""

    days: int
    cases: int
    cases_answered: int
    case_median: timedelta | None
    questions: int
    questions_answered: int
    question_median: timedelta | None


def response_times(days: int = 30, now: datetime | None = None,
                   product: str | None = None) -> ResponseTimes:
    now = now or utcnow()
    since = now - timedelta(days=days)
    case_stmt = select(SupportCase.created_at, SupportCase.first_response_at).where(
        SupportCase.created_at >= since)
    if product:
        case_stmt = case_stmt.where(SupportCase.product == product)
    case_rows = db.session.execute(case_stmt).all()
    asked = aliased(Question)
    first = (select(Answer.question_id, func.min(Answer.created_at).label("first"))
             .join(asked, asked.id == Answer.question_id)
             .where(Answer.deleted_at.is_(None), Answer.author_id != asked.author_id,
                    asked.created_at >= since)
             .group_by(Answer.question_id).subquery())
    question_stmt = (select(Question.created_at, first.c.first)
                     .outerjoin(first, first.c.question_id == Question.id)
                     .where(Question.created_at >= since, Question.listed()))
    if product:
        question_stmt = question_stmt.where(Question.product == product)
    question_rows = db.session.execute(question_stmt).all()

    def median(rows) -> tuple[int, timedelta | None]:
        waits = [(done - start).total_seconds() for start, done in rows if done is not None]
        if not waits:
            return 0, None
        return len(waits), timedelta(seconds=statistics.median(waits))

    case_n, case_median = median(case_rows)
    question_n, question_median = median(question_rows)
    return ResponseTimes(days, len(case_rows), case_n, case_median, len(question_rows),
                         question_n, question_median)

