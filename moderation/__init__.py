"""Curating threads and users: flags, closing, duplicates, locks, suspensions,
the audit log and the moderator pages.

The core (`forum`) never imports this package; the app factory calls
`init_app`, which registers the moderator pages and API and connects the audit
log to the core's `staff_action` signal.
"""

_connected = False


def init_app(app) -> None:
    """Register moderation's blueprints and hooks on the app."""
    global _connected
    from forum.extensions import csrf
    from moderation import (  # noqa: F401
        api,
        api_flags,
        api_threads,
        api_users,
        audit,
        web_flags,
        web_log,
        web_threads,
        web_users,
    )

    for module in (web_flags, web_threads, web_users, web_log):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    if not _connected:             # the signal is process-wide; connect once
        audit.connect()
        _connected = True
