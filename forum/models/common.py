"""Shared bits of the models: the clock."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)
