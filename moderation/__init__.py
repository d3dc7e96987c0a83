"""Curating threads and users: flags, closing, duplicates, locks, suspensions,
the audit log and the moderator pages.

The core (`forum`) never imports this package; the app factory calls
`init_app`, which registers the moderator pages and API.
"""


def init_app(app) -> None:
    """Register moderation's blueprints and hooks on the app."""
    from forum.extensions import csrf
    from moderation import (  # noqa: F401
        api,
        api_flags,
        api_threads,
        api_users,
        cli,
        web_flags,
        web_log,
        web_threads,
        web_users,
    )

    for module in (web_flags, web_threads, web_users, web_log):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    cli.register()
