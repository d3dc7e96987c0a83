"""Settings: defaults here, overridden by the environment, then by a test dict.

Every number of the domain rules lives here so an operator can tune it without
touching code.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "SITE_NAME": "Crowdfix",
    # Where the site is reached from outside: links in mail and feeds
    "SITE_URL": "http://127.0.0.1:5000",
    # smtp://user:password@host:port (smtps:// for TLS from the start); empty: mail stays queued
    "MAIL_URL": "",
    "MAIL_FROM": "Crowdfix <noreply@crowdfix.invalid>",
    "COMPANY_NAME": "Crowdfix",
    "SEARCH_BACKEND": "whoosh",
    # A missing or corrupt index is rebuilt inside the request up to this many
    # threads, in a background thread beyond it.
    "SEARCH_SYNC_REBUILD_MAX": 5000,
    # Seconds a change waits to reach the index, batched with others (None: 1 s on
    # Whoosh, 0 = during the request when TESTING or on the postgres backend)
    "SEARCH_SYNC_DELAY": None,
    "SEARCH_PER_PAGE": 20,
    # The semantic layer (sentence embeddings of each thread's title and lead, see
    # forum/services/semantic.py): on by default; off, similar threads are found by
    # their words alone.
    "SEMANTIC_SEARCH": True,
    # Seconds a change waits before its vector and related questions are computed,
    # in a thread of the process (None: 2 s, or 0 = during the commit when TESTING)
    "SEMANTIC_DELAY": None,
    # Escalation to engineering's bug tracker (forum/services/escalation.py): where
    # "Create bug" posts the thread's description (empty: the button is off), the
    # HMAC-SHA256 secret of that call and of the tracker's webhooks to
    # /api/v1/hooks/github and /api/v1/hooks/tracker (empty: they answer 401), and
    # the kind of tracker a created bug is taken to be in.
    "TRACKER_WEBHOOK_URL": "",
    "TRACKER_WEBHOOK_SECRET": "",
    "TRACKER_KIND": "github",
    "TRACKER_MAX_ATTEMPTS": 6,      # outbound deliveries: tries before "failed"
    "TRACKER_RETRY_SECONDS": 30.0,  # first retry after this, doubling
    "TRACKER_TIMEOUT_SECONDS": 10.0,
    # Days after the first answer before an asker who accepted none is asked
    # whether it worked (`flask support remind`, from cron; 0: never)
    "ANSWER_REMINDER_DAYS": 7,
    # The support desk's service levels (forum/services/cases.py), in hours, per
    # product with "default" for the rest: a case's first reply from staff and its
    # resolution, and how long a public question may wait for its first answer.
    # Environment: SUPPORT_SLA as JSON, e.g. {"default": {"first_response_hours": 8}}.
    "SUPPORT_SLA": {"default": {"first_response_hours": 8, "resolution_hours": 72,
                                "unanswered_hours": 24}},
    # Who is mailed about late cases nobody is assigned and late questions
    # (usernames; empty: every staff member and admin). Environment: comma-separated.
    "SUPPORT_ON_DUTY": [],
    # Who runs the job queue (forum/infra/jobs.py): "thread" (a thread of each app
    # process), "external" (only `flask jobs work`), "eager" (after the commit,
    # before the response). None: eager when TESTING, else thread.
    "JOBS_WORKER": None,
    "JOBS_POLL_SECONDS": 1.0,       # how often an idle runner looks for due jobs
    "JOBS_GATHER_SECONDS": 0.2,     # a woken thread runner waits this long to batch
    "JOBS_LEASE_SECONDS": 60,       # a claimed job is another runner's after this
    "JOBS_MAX_ATTEMPTS": 5,         # then it is parked as dead (/admin/jobs)
    "JOBS_RETRY_SECONDS": 2.0,      # first retry after this, doubling each time
    # Seconds a process keeps the tag-synonym map before reading it again
    "TAG_SYNONYMS_CACHE_SECONDS": 5,
    "MAX_UPLOAD_MB": 10,
    "ATTACHMENTS_PER_POST": 5,
    "ATTACHMENT_DAILY_MB": 50,
    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: none, trust nothing)
    "TRUSTED_PROXIES": 0,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_LOGIN": "10 per minute;50 per hour",
    "RATELIMIT_REGISTER": "5 per hour",
    # Accounts: "Forgot password?" and "resend the verification mail" (per address,
    # POST only); how long their mailed links work; the uploaded avatar's limits
    "RATELIMIT_PASSWORD_RESET": "5 per hour",
    "RATELIMIT_VERIFY_MAIL": "3 per hour",
    "PASSWORD_RESET_MINUTES": 60,
    "EMAIL_VERIFY_HOURS": 72,
    "AVATAR_MAX_KB": 2048,
    "AVATAR_SIZE": 128,
    # Per signed-in user (else per address), POST only; shared by pages and API
    "RATELIMIT_POST": "10 per minute;60 per hour",       # questions and answers
    "RATELIMIT_COMMENT": "20 per minute;200 per hour",
    "RATELIMIT_VOTE": "30 per minute;500 per hour",
    "RATELIMIT_FLAG": "10 per minute;100 per day",
    "RATELIMIT_UPLOAD": "20 per minute;200 per hour",
    # New users (below NEW_USER_REP; off with RATELIMIT_ENABLED=false)
    "NEW_USER_REP": 10,
    "NEW_USER_MAX_LINKS": 2,
    "NEW_USER_QUESTION_INTERVAL_MIN": 20,
    # Nobody but staff posts the same body twice within this many hours
    "REPEATED_TEXT_HOURS": 24,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Anonymous thread pages: Redis when CACHE_REDIS_URL is set, else in the process,
    # with the version tokens every worker checks in files (default <instance>/cache-versions)
    "CACHE_ENABLED": True,
    "CACHE_REDIS_URL": "",
    "CACHE_VERSION_DIR": "",
    "CACHE_DEFAULT_TIMEOUT": 300,
    # View counts reach the database in batches: every N views or T seconds a process
    "VIEWS_FLUSH_EVERY": 100,
    "VIEWS_FLUSH_SECONDS": 60,
    # One JSON line per request on the "crowdfix.request" logger (None: on unless TESTING)
    "REQUEST_LOG": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PRODUCTS": [],
    # Posts
    "TITLE_MIN": 15,
    "TITLE_MAX": 150,
    "BODY_MIN": 30,
    "BODY_MAX": 30_000,
    "TAGS_MIN": 1,
    "TAGS_MAX": 5,
    "TAG_MAX_LEN": 35,
    "COMMENT_MIN": 15,
    "COMMENT_MAX": 600,
    "QUESTIONS_PER_PAGE": 20,
    "API_MAX_PER_PAGE": 100,
    # Users
    "USERNAME_MIN": 3,
    "USERNAME_MAX": 30,
    "PASSWORD_MIN": 10,
    # Reputation (points per event) and the daily cap on vote-earned points
    "REP_QUESTION_UPVOTED": 10,
    "REP_ANSWER_UPVOTED": 10,
    "REP_POST_DOWNVOTED": -2,
    "REP_DOWNVOTE_ANSWER_COST": -1,
    "REP_ANSWER_ACCEPTED": 15,
    "REP_ACCEPTOR": 2,
    "REP_ANSWER_OFFICIAL": 15,
    "REP_DAILY_VOTE_CAP": 200,
    # Privileges: reputation needed
    "PRIV_ASK": 1,
    "PRIV_ANSWER": 1,
    "PRIV_UPVOTE": 15,
    "PRIV_FLAG": 15,
    "PRIV_COMMENT": 50,
    "PRIV_DOWNVOTE": 125,
    "PRIV_CREATE_TAGS": 300,
    "PRIV_CLOSE": 500,
    "PRIV_EDIT_OTHERS": 1000,
    # Moderation
    "PROTECTED_MIN_REP": 10,          # answering a protected question
    "FLAGS_TO_HIDE": 6,               # spam/abuse flags from distinct users hide a post
    "CLOSE_VOTES_NEEDED": 3,          # same for reopening; a moderator's or staff vote binds
    # Suspensions: whole days, and a reason the user is shown (characters)
    "SUSPENSION_DAYS_MIN": 1,
    "SUSPENSION_DAYS_MAX": 3650,
    "SUSPENSION_REASON_MIN": 5,
    "SUSPENSION_REASON_MAX": 500,
    # Lock, protect, delete and other thread actions: at most this many characters of reason
    "MODERATION_REASON_MAX": 300,
    # Staff desk: answers with at least this score await verification; rows per list
    "STAFF_VERIFY_MIN_SCORE": 5,
    "STAFF_DESK_LIMIT": 50,
    # Recurring issues (/staff/recurring): what each part of a canonical thread's score
    # weighs (a closed duplicate, a merged thread, a me-too, a "did not solve it", a
    # failed search matching it, and every RECURRING_VIEWS_PER_POINT views); threads
    # shown and mailed in the weekly digest; weeks in the chart; distinct failed
    # queries looked up in the search index per computation
    "RECURRING_WEIGHTS": {"duplicates": 5, "merged": 5, "me_toos": 3, "not_solved": 2,
                          "failed_searches": 1, "views": 1},
    "RECURRING_VIEWS_PER_POINT": 100,
    "RECURRING_LIMIT": 20,
    "RECURRING_CHART_WEEKS": 8,
    "RECURRING_FAILED_QUERIES": 200,
    # Insights: search log rows are kept this many days (`flask insights prune`);
    # a solved thread with at least FEEDBACK_REVIEW_NO "did not solve it" answers,
    # and more no than yes, is flagged for review; feedback posts per visitor
    "SEARCH_LOG_DAYS": 90,
    "FEEDBACK_REVIEW_NO": 3,
    "RATELIMIT_FEEDBACK": "10 per minute;60 per hour",
}

ENV_STRINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_DIR",
    "UPLOAD_DIR",
    "RATELIMIT_STORAGE_URI",
    "CACHE_REDIS_URL",
    "JOBS_WORKER",
    "TRACKER_WEBHOOK_URL",
    "TRACKER_WEBHOOK_SECRET",
    "TRACKER_KIND",
    "CACHE_VERSION_DIR",
    "RATELIMIT_POST",
    "RATELIMIT_COMMENT",
    "RATELIMIT_VOTE",
    "RATELIMIT_FLAG",
    "RATELIMIT_UPLOAD",
    "SITE_NAME",
    "SITE_URL",
    "MAIL_URL",
    "MAIL_FROM",
    "COMPANY_NAME",
    "RATELIMIT_PASSWORD_RESET",
    "RATELIMIT_VERIFY_MAIL",
    "RATELIMIT_FEEDBACK",
)


def _env_bool(value: str) -> bool:
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` and `postgresql://` forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the documented environment variables (see README, Configuration)."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {k: environ[k] for k in ENV_STRINGS if environ.get(k)}
    if environ.get("MAX_UPLOAD_MB"):
        settings["MAX_UPLOAD_MB"] = int(environ["MAX_UPLOAD_MB"])
    if environ.get("TRUSTED_PROXIES"):
        settings["TRUSTED_PROXIES"] = int(environ["TRUSTED_PROXIES"])
    if environ.get("RATELIMIT_ENABLED"):
        settings["RATELIMIT_ENABLED"] = _env_bool(environ["RATELIMIT_ENABLED"])
    for key in ("CACHE_ENABLED", "REQUEST_LOG", "SEMANTIC_SEARCH"):
        if environ.get(key):
            settings[key] = _env_bool(environ[key])
    for key in ("CACHE_DEFAULT_TIMEOUT", "VIEWS_FLUSH_EVERY", "VIEWS_FLUSH_SECONDS"):
        if environ.get(key):
            settings[key] = int(environ[key])
    for key in ("JOBS_LEASE_SECONDS", "JOBS_MAX_ATTEMPTS", "TRACKER_MAX_ATTEMPTS",
                "ANSWER_REMINDER_DAYS"):
        if environ.get(key):
            settings[key] = int(environ[key])
    for key in ("SEARCH_SYNC_DELAY", "SEMANTIC_DELAY", "TAG_SYNONYMS_CACHE_SECONDS",
                "JOBS_POLL_SECONDS", "JOBS_GATHER_SECONDS", "JOBS_RETRY_SECONDS",
                "TRACKER_RETRY_SECONDS", "TRACKER_TIMEOUT_SECONDS"):
        if environ.get(key):
            settings[key] = float(environ[key])
    for key in ("SEARCH_LOG_DAYS", "FEEDBACK_REVIEW_NO"):     # insights
        if environ.get(key):
            settings[key] = int(environ[key])
    for key in ("PASSWORD_RESET_MINUTES", "EMAIL_VERIFY_HOURS", "AVATAR_MAX_KB", "AVATAR_SIZE"):
        if environ.get(key):
            settings[key] = int(environ[key])
    if environ.get("SUPPORT_SLA"):
        settings["SUPPORT_SLA"] = _env_sla(environ["SUPPORT_SLA"])
    if environ.get("SUPPORT_ON_DUTY"):
        settings["SUPPORT_ON_DUTY"] = [n.strip() for n in environ["SUPPORT_ON_DUTY"].split(",")
                                       if n.strip()]
    for key in ("RECURRING_VIEWS_PER_POINT", "RECURRING_LIMIT", "RECURRING_CHART_WEEKS"):
        if environ.get(key):
            settings[key] = int(environ[key])
    if environ.get("PRODUCTS"):
        settings["PRODUCTS"] = [p.strip() for p in environ["PRODUCTS"].split(",") if p.strip()]
    return settings


def _env_sla(raw: str) -> dict[str, dict[str, float]]:
    """SUPPORT_SLA from the environment: {"product": {"first_response_hours": 4, ...}}."""
    keys = ("first_response_hours", "resolution_hours", "unanswered_hours")
    try:
        levels = json.loads(raw)
        if not isinstance(levels, dict):
            raise ValueError("not an object")
        return {str(product): {k: float(v) for k, v in hours.items() if k in keys}
                for product, hours in levels.items()}
    except (ValueError, TypeError, AttributeError) as e:
        raise ValueError(f"SUPPORT_SLA must be a JSON object of products to hours: {e}") from None


def development_secret_key(instance_path: str) -> str:
    """A random key kept in instance/ so sessions survive restarts in development."""
    path = Path(instance_path) / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def finalise(config: dict[str, Any], instance_path: str, debug: bool) -> dict[str, Any]:
    """Fill in the settings that depend on the instance folder; check the required ones."""
    out: dict[str, Any] = {}
    url = config.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'crowdfix.db'}"
    out["SQLALCHEMY_DATABASE_URI"] = config.get("SQLALCHEMY_DATABASE_URI") or normalise_database_url(url)
    out["SEARCH_INDEX_DIR"] = config.get("SEARCH_INDEX_DIR") or str(Path(instance_path) / "search-index")
    out["UPLOAD_DIR"] = config.get("UPLOAD_DIR") or str(Path(instance_path) / "uploads")
    out["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI", "memory://")
    if not config.get("SECRET_KEY"):
        if not (debug or config.get("TESTING")):
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment for production "
                "(python -c 'import secrets; print(secrets.token_hex(32))'), or run with --debug."
            )
        out["SECRET_KEY"] = development_secret_key(instance_path)
    return out
