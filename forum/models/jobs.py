"""The job queue's table: work that runs after a commit, off the request path.

A row is written in the same transaction as the change that asks for it (so a
commit and its jobs land together, and a rollback drops both), claimed by a worker
for a lease, and deleted in the same transaction as the job's own writes. A worker
that dies mid-job leaves the row claimed; when the lease runs out another worker
takes it. A job that keeps failing is parked (`state = "dead"`) for an admin to
retry or discard (`forum.infra.jobs`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.common import utcnow

QUEUED = "queued"
DEAD = "dead"


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_at", "state", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text, default="{}")      # JSON
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
