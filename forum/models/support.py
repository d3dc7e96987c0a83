"""What makes a support forum: files on posts, "me too", known issues.

Official (staff-verified) answers are columns on `posts` (see `Post.official_*`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.common import utcnow
from forum.models.users import User

ATTACHMENT_KINDS = ("fix", "log", "screenshot", "other")
KNOWN_STATES = ("investigating", "fix_planned", "fixed")


class Blob(db.Model):
    """One stored file, named by the SHA-256 of its bytes: the same bytes
    uploaded twice are stored once (see `forum.storage`)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(db.Model):
    """A file on a post. `filename` is a display name only, never a path."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_uploader_id_created_at", "uploader_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="other")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    download_count: Mapped[int] = mapped_column(default=0)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    uploader: Mapped[User] = relationship(foreign_keys=[uploader_id], lazy="joined")
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread of the post this row belongs to (forum.changes looks it up)."""
        return ("post", self.post_id)


class MeToo(db.Model):
    """"I have this problem too": one per user per question."""

    __tablename__ = "me_toos"
    __table_args__ = (Index("ix_me_toos_question_id_created_at", "question_id", "created_at"),)

    question_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread this row belongs to, for the unit of work (forum.changes)."""
        return ("thread", self.question_id)


class KnownIssue(db.Model):
    """A thread that staff escalated to engineering, with where it stands."""

    __tablename__ = "known_issues"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), index=True)
    reference: Mapped[str] = mapped_column(String(300))
    fixed_in: Mapped[str | None] = mapped_column(String(50))
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The bug in engineering's tracker: kind ("github", "jira", "gitlab", "other"),
    # its address, and its id there ("owner/repo#12" on GitHub, "PROJ-42" on Jira).
    tracker_kind: Mapped[str | None] = mapped_column(String(20))
    tracker_url: Mapped[str | None] = mapped_column(String(300))
    tracker_id: Mapped[str | None] = mapped_column(String(120))

    marked_by: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_known_issues_tracker", "tracker_kind", "tracker_id"),)

    @property
    def tracker_label(self) -> str:
        """How the page names the linked bug: "GitHub owner/repo#12", "Jira PROJ-42"."""
        names = {"github": "GitHub", "jira": "Jira", "gitlab": "GitLab"}
        kind = names.get(self.tracker_kind or "", "Bug")
        return f"{kind} {self.tracker_id}" if self.tracker_id else f"{kind} bug"

    @property
    def reference_is_url(self) -> bool:
        return self.reference.startswith(("https://", "http://"))

    @property
    def state_label(self) -> str:
        if self.state == "fixed":
            return f"Fixed in {self.fixed_in}" if self.fixed_in else "Fixed"
        return {"investigating": "Investigating", "fix_planned": "Fix planned"}[self.state]

    def thread_ref(self) -> tuple[str, int | None]:
        """The thread this row belongs to, for the unit of work (forum.changes)."""
        return ("thread", self.question_id)


class TrackerDelivery(db.Model):
    """One webhook between the forum and a bug tracker, with what came of it.

    Outbound ("out"): the bug description posted to TRACKER_WEBHOOK_URL, retried
    with backoff; `status` pending, retrying, delivered or failed, with the last
    response. Inbound ("in"): a tracker's call to /api/v1/hooks/...; `status`
    applied, ignored (an event that changes nothing) or unknown (no known issue
    links that bug). `delivery_key` is the sender's delivery id: a replay of a
    delivery already taken changes nothing.
    """

    __tablename__ = "tracker_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    event: Mapped[str] = mapped_column(String(40))
    delivery_key: Mapped[str] = mapped_column(String(80), unique=True)
    url: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(default=0)
    response_status: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


FIX_ANSWERS = ("yes", "no")


class FixCheck(db.Model):
    """"Did <version> fix it for you?", asked of each person a fixed known issue
    affected (the asker and everyone who said "me too"). `answer` stays None until
    they say; "no" is a regression report for the staff desk."""

    __tablename__ = "fix_checks"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    fixed_in: Mapped[str] = mapped_column(String(50), default="")
    answer: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(300), default="")
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]

    def thread_ref(self) -> tuple[str, int | None]:
        return ("thread", self.question_id)


class AnswerReminder(db.Model):
    """When the asker was reminded to accept an answer that worked (once a thread)."""

    __tablename__ = "answer_reminders"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                             primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- the support desk: private cases behind the community ------------------------------------

CASE_TIERS = ("L1", "L2", "L3")
CASE_STATES = ("new", "open", "waiting", "resolved")
CASE_STATE_LABELS = {"new": "New", "open": "Open", "waiting": "Waiting on customer",
                     "resolved": "Resolved"}


class SupportCase(db.Model):
    """A private conversation between an asker and staff about one thread, for what
    must not be public (serial numbers, logs with personal data).

    `first_response_at` is the first reply staff sent the requester (an internal
    note is not a response); `resolved_at` when it was last resolved. The service
    levels (SUPPORT_SLA) are measured from `created_at`.
    """

    __tablename__ = "support_cases"
    __table_args__ = (Index("ix_support_cases_state_created_at", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(150))
    product: Mapped[str | None] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(2), default="L1")
    state: Mapped[str] = mapped_column(String(10), default="new")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    published_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"))

    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")

    @property
    def state_label(self) -> str:
        return CASE_STATE_LABELS.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state != "resolved"

    def thread_ref(self) -> tuple[str, int | None]:
        """The public thread shows "Being handled by support" (forum.changes)."""
        return ("thread", self.question_id)


class CaseMessage(db.Model):
    """One message of a case. `internal` notes are staff-only."""

    __tablename__ = "case_messages"
    __table_args__ = (Index("ix_case_messages_case_id_created_at", "case_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_cases.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class CaseFile(db.Model):
    """A file on a case message: stored like a post's attachment (same checks, a
    blob named by its SHA-256) but served only to those who may read the message."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("case_messages.id", ondelete="CASCADE"),
                                            index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaAlert(db.Model):
    """A service level that was missed and mailed about, once: `subject` "case" or
    "question", `target` "first_response" or "resolution"."""

    __tablename__ = "sla_alerts"

    subject: Mapped[str] = mapped_column(String(8), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(16), primary_key=True)
    sent_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
