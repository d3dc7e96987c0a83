"""Curating threads and users: flags, closing, duplicates, locks, suspensions,
the audit log and the moderator pages.

Laid out like `forum`: services at the top level, HTML pages in `moderation.web`,
the JSON API in `moderation.api`, request parsing in `moderation.inputs`.

The core (`forum`) never imports this package; the app factory calls
`init_app`, which registers the moderator pages and API, and adds the API's
paths to the OpenAPI document.
"""


def init_app(app) -> None:
    """Register moderation's blueprints and hooks on the app."""
    from forum.api.openapi import add_paths
    from forum.extensions import csrf
    from moderation import api, cli, demo
    from moderation.api import flags as api_flags  # noqa: F401  (routes attach to api.bp)
    from moderation.api import openapi
    from moderation.api import tag_synonyms as api_tag_synonyms  # noqa: F401
    from moderation.api import threads as api_threads  # noqa: F401
    from moderation.api import users as api_users  # noqa: F401
    from moderation.web import flags, log, tag_synonyms, threads, users

    for module in (flags, threads, users, log, tag_synonyms):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    add_paths(app, openapi.paths)
    cli.register()
    app.extensions.setdefault(demo.SEED_HOOKS, []).append(demo.seed_moderation)
