"""The application factory: config, extensions, blueprints, CLI, search sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from forum import config as settings

ROOT = Path(__file__).resolve().parent.parent


class DatabaseInt(IntegerConverter):
    """`<int:id>` limited to what an integer column holds: larger ids are a 404,
    not an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str((config or {}).get("INSTANCE_PATH") or ROOT / "instance"),
    )
    configure(app, config or {})
    app.url_map.converters["int"] = DatabaseInt
    init_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_template_helpers(app)
    register_caching(app)
    register_search(app)
    register_events()
    return app


def configure(app: Flask, overrides: dict[str, Any]) -> None:
    app.config.from_mapping(settings.DEFAULTS)
    app.config.update(settings.from_environment())
    app.config.update(overrides)
    app.config.update(settings.finalise(dict(app.config), app.instance_path, app.debug))
    if int(app.config.get("TRUSTED_PROXIES") or 0) > 0:
        # Behind nginx: take the client address and scheme from X-Forwarded-*, so
        # per-address rate limits count clients, not the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # A form may carry a full set of files plus its text.
    app.config["MAX_CONTENT_LENGTH"] = (
        int(app.config["MAX_UPLOAD_MB"]) * int(app.config.get("ATTACHMENTS_PER_POST", 5)) + 1
    ) * 1024 * 1024


def init_extensions(app: Flask) -> None:
    from forum.extensions import csrf, db, install_sqlite_tuning, limiter, login_manager, migrate

    install_sqlite_tuning()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from forum.web import auth

    auth.configure_login(login_manager)


def register_blueprints(app: Flask) -> None:
    from forum.api import bp as api_bp
    from forum.api import openapi
    from forum.extensions import csrf
    from forum.web import (
        admin,
        attachments,
        auth,
        badges,
        cases,
        errors,
        feeds,
        insights,
        kb,
        notifications,
        pages,
        posts,
        questions,
        search,
        settings,
        staff,
        support,
        tags,
        users,
    )

    for module in (questions, posts, tags, users, auth, search, support, cases, attachments, staff,
                   admin, notifications, badges, settings, feeds, pages, kb):
        app.register_blueprint(module.bp)
    from forum.web import products, recurring  # products as data; recurring issues

    for module in (products, recurring):
        app.register_blueprint(module.bp)
    app.register_blueprint(insights.bp)
    errors.register(app)
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    openapi.add_paths(app, openapi.core_paths)
    import moderation

    moderation.init_app(app)


def register_cli(app: Flask) -> None:
    from forum import cli

    cli.register(app)
    from forum import recurring_cli

    recurring_cli.register(app)


def register_caching(app: Flask) -> None:
    """Anonymous thread pages cached and invalidated after each commit that changes
    a thread; batched view counts; health checks and request ids (forum.web.ops)."""
    from forum import changes
    from forum.infra import page_cache, view_counts
    from forum.web import http_cache, ops

    page_cache.init_app(app)
    view_counts.init_app(app)
    changes.add_listener(app, page_cache.threads_changed)
    http_cache.register(app)
    ops.init_app(app)


def register_search(app: Flask) -> None:
    """Keep the search index in step: every commit that changes a thread
    reaches the index after it succeeds (the index itself opens lazily)."""
    from forum import changes
    from forum.infra import jobs
    from forum.services import related

    changes.install()
    # One "threads" job per commit that changed threads, written with it: the
    # index, then vectors and related questions (a new thread must be in the index).
    jobs.handler("threads", batch=True)(related.after_threads_changed)
    changes.add_thread_job(app, "threads")
    jobs.mode(app.config)           # a wrong JOBS_WORKER stops the start


_events_connected = False


def register_events() -> None:
    """Notifications and badges listen to the core's events (process-wide signal,
    connected once)."""
    global _events_connected
    if _events_connected:
        return
    from forum import signals
    from forum.infra import jobs
    from forum.services import badges, escalation, notifications

    jobs.handler("event")(signals.send)
    jobs.handler("tracker_delivery")(escalation.deliver)
    notifications.connect()
    badges.connect()
    _events_connected = True


def register_template_helpers(app: Flask) -> None:
    from forum.web import context

    context.register(app)
