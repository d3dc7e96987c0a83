"""What operators and load balancers talk to: `/healthz`, `/readyz`, request ids
and one JSON log line per request, and `flask views flush`.

- `/healthz`: the process is up (no database, no search): 200 `{"status": "ok"}`.
- `/readyz`: the database answers `SELECT 1` and the search index a trivial
  query; otherwise 503 with the part that failed.
- Every response carries `X-Request-ID`: the caller's (a proxy's) when it is a
  sane token, else a new one. A line on the `crowdfix.request` logger gives
  method, path, status, duration_ms, request_id and the user id. Off under
  TESTING unless `REQUEST_LOG` is true; `REQUEST_LOG=false` turns it off.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

import click
from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask.cli import AppGroup
from flask_login import current_user

from forum.infra import health, view_counts
from forum.services import searching

bp = Blueprint("ops", __name__)
log = logging.getLogger("crowdfix.request")
SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    failed = {name: why for name, why in (("database", health.check_database()),
                                          ("search", health.check_search(searching.get_index))) if why}
    if failed:
        return jsonify(status="unavailable", failed=failed), 503
    return jsonify(status="ok")


def request_id() -> str:
    return g.get("request_id") or ""


def _begin() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if SANE_ID.match(offered) else uuid.uuid4().hex


def _finish(response):
    response.headers["X-Request-ID"] = request_id()
    if _logging_on():
        started = g.get("request_started")
        user_id = None
        try:
            api_user = g.get("api_user")
            if api_user is not None:
                user_id = api_user.id
            elif current_user and current_user.is_authenticated:
                user_id = current_user.id
        except Exception:       # noqa: BLE001 - never fail a response for a log line
            user_id = None
        log.info(json.dumps({
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "request_id": request_id(),
            "user_id": user_id,
        }))
    return response


LOG_EXTENSION = "crowdfix.request_log"


def _logging_on() -> bool:
    return bool(current_app.extensions.get(LOG_EXTENSION))


def _configure_logging(app: Flask) -> None:
    setting = app.config.get("REQUEST_LOG")
    on = bool(setting) if setting is not None else not app.config.get("TESTING")
    app.extensions[LOG_EXTENSION] = on
    if on and not log.handlers and not app.config.get("TESTING"):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


views_cli = AppGroup("views", help="View counts.")


@views_cli.command("flush")
def flush_views():
    """Write the view counts counted so far to the database."""
    click.echo(f"{view_counts.flush()} views written")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_begin)
    app.after_request(_finish)
    app.cli.add_command(views_cli)
    _configure_logging(app)
