"""Curating threads and users: flags, closing, duplicates, locks, suspensions,
the audit log and the moderator pages. The moderation issue builds it; for now
it only has its place in the app factory."""


def init_app(app) -> None:
    """Register moderation's blueprints and hooks on the app (none yet)."""
