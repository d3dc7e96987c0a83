"""gunicorn settings for Crowdfix: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or by gunicorn's own
GUNICORN_CMD_ARGS; the ones below also read the usual environment variables.
"""

import multiprocessing
import os

# Behind a reverse proxy on the same machine by default; PORT alone binds 0.0.0.0.
bind = os.environ.get("GUNICORN_BIND") or (
    f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000")

workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Threads let a worker wait on the database, Redis or a slow client without
# blocking its siblings; the app keeps no per-thread state of its own.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))

timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then (memory growth in any library), not all at once.
# Not too often: a new worker imports the app and starts with a cold per-process
# cache: at 2,000 the load benchmark (1,000 req/s of cached pages on 4 workers)
# restarted each worker every 8 s.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10

# The master imports the app and loads the embedding model and the thread vectors
# (`when_ready`) before it forks: the workers share those pages instead of each
# holding a copy (at 100,000 threads the vectors are 150 MB and the model 90 MB).
# `post_fork` drops the database connections a worker must not share with its
# siblings. GUNICORN_PRELOAD=0 makes each worker import the app itself (a reload
# with HUP then picks up new code without a restart).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# %({x-request-id}o)s is the response header the app sets (the proxy's id, or a new one);
# %(M)s is the time taken in milliseconds.
access_log_format = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s '
                     '"%(f)s" "%(a)s"')


def worker_exit(server, worker):
    """Write the view counts this worker still holds (in-memory counting)."""
    app = getattr(worker, "wsgi", None)
    if app is None or not hasattr(app, "app_context"):
        return
    try:
        from forum.infra import view_counts

        with app.app_context():
            view_counts.flush()
    except Exception as e:      # noqa: BLE001 - a worker on its way out logs and goes
        server.log.warning("could not flush view counts: %s", e)


def when_ready(server):
    """Preloading: the model and the vectors, loaded once in the master."""
    app = getattr(server.app, "callable", None)
    if not preload_app or app is None or "sqlalchemy" not in getattr(app, "extensions", {}):
        return
    try:
        from forum.extensions import db
        from forum.services import semantic

        with app.app_context():
            semantic.warm()
            db.session.remove()
            db.engine.dispose()
    except Exception as e:      # noqa: BLE001 - workers then load them on first use
        server.log.warning("could not preload the semantic layer: %s", e)


def post_fork(server, worker):
    """A forked worker opens its own database connections (none are inherited)."""
    app = getattr(server.app, "callable", None)
    if app is None or "sqlalchemy" not in getattr(app, "extensions", {}):
        return                  # not the forum (the load benchmark's bare page)
    from forum.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
