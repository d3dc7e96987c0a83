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

# Each worker imports the app itself: no database connection or Redis socket is
# shared across a fork, and a reload picks up new code.
preload_app = False
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
