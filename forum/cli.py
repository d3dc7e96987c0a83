"""Command line: `flask --app wsgi users ...`, `flask --app wsgi seed-demo`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from forum import inputs
from forum.errors import ForumError, ValidationError
from forum.models import ROLES

# `users suspend` and `users unsuspend` are moderation's (moderation/cli.py adds them).
users = AppGroup("users", help="Create users, issue API tokens, rebuild reputation, suspend.")


def fail(error: ForumError) -> None:
    """Print a service error (each field of a validation error on its own line), exit 1."""
    if isinstance(error, ValidationError):
        for field, message in error.errors.items():
            click.echo(f"{field}: {message}", err=True)
    else:
        click.echo(error.message, err=True)
    raise SystemExit(1)


@users.command("create")
@click.argument("name")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
def create_user(name: str, email: str, password: str, role: str) -> None:
    """Create a user NAME."""
    from forum.services import accounts

    registration, errors = inputs.parse_registration(
        {"username": name, "email": email, "password": password}
    )
    try:
        if errors:
            raise ValidationError(errors)
        user = accounts.register_user(registration, role=role)
    except ForumError as e:
        fail(e)
    click.echo(f"Created {user.role} {user.username} (id {user.id}).")


@users.command("token")
@click.argument("name")
@click.option("--label", default="cli", help="What the token is for.")
def issue_token(name: str, label: str) -> None:
    """Print a new API token for user NAME (shown once; only its hash is kept)."""
    from forum.services import accounts

    try:
        user = accounts.find_user(name)
    except ForumError as e:
        fail(e)
    click.echo(accounts.issue_token(user, label))


@users.command("recount")
def recount() -> None:
    """Rebuild every user's cached reputation from the ledger."""
    from forum.services import reputation

    changed = reputation.recount_all()
    click.echo(f"Reputation recounted: {changed} user(s) corrected.")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def set_role(name: str, role: str) -> None:
    """Give user NAME a role."""
    from forum.services import accounts

    try:
        user = accounts.set_role(accounts.find_user(name), role)
    except ForumError as e:
        fail(e)
    click.echo(f"{user.username} is now {user.role}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when questions already exist.")
def seed_demo(if_empty: bool) -> None:
    """Fill the database with demo users and support threads."""
    from forum import seeding

    if if_empty and not seeding.is_empty():
        click.echo("The database already has questions: demo content not added.")
        return
    report = seeding.seed_demo()
    click.echo(
        f"Seeded {report['users']} users, {report['questions']} questions, "
        f"{report['answers']} answers, {report['comments']} comments, {report['votes']} votes."
    )
    click.echo(f"Every demo user's password is: {seeding.DEMO_PASSWORD}")
    # This process ends now: compute the vectors and related questions here rather
    # than leave them to the server's first requests.
    _semantic_catch_up(procs=1)


search = AppGroup("search", help="The full-text search index.")


@search.command("reindex")
@click.option("--text-only", is_flag=True,
              help="Rebuild the word index only; leave vectors and related questions.")
@click.option("--procs", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default=True, help="Processes analysing the text (Whoosh).")
def search_reindex(text_only: bool, procs: int) -> None:
    """Rebuild the search index from the database, then compute the vectors and
    related questions that are missing or stale (resumable: run it again after an
    interruption and it goes on where it stopped)."""
    from forum.services import searching

    total = searching.indexable_count()
    with click.progressbar(length=total, label="Indexing threads", show_pos=True,
                           file=sys.stderr) as bar:
        count = searching.reindex(progress=bar.update, procs=procs)
    click.echo(f"Search index rebuilt: {count} thread(s) indexed "
               f"({current_app.config['SEARCH_BACKEND']} backend).")
    if not text_only:
        _semantic_catch_up(procs)


def _semantic_catch_up(procs: int = 1) -> None:
    from forum.services import related, semantic

    if semantic.enabled():
        with click.progressbar(length=semantic.pending_count(), label="Embedding threads",
                               show_pos=True, file=sys.stderr) as bar:
            embedded = semantic.embed_pending(progress=bar.update, procs=procs)
        click.echo(f"Vectors computed: {embedded} thread(s) ({semantic.model_name()}).")
    else:
        click.echo("Vectors skipped: the semantic layer is off (SEMANTIC_SEARCH, or the "
                   "model package is not installed); similar threads use words alone.")
    with click.progressbar(length=related.due_count(), label="Related questions",
                           show_pos=True, file=sys.stderr) as bar:
        done = related.catch_up(progress=bar.update)
    click.echo(f"Related questions computed: {done} thread(s).")


@search.command("vectors")
@click.option("--procs", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default=True, help="Processes running the model.")
def search_vectors(procs: int) -> None:
    """Compute only what is missing or stale: thread vectors, then related
    questions (resumable; `reindex` runs this too)."""
    _semantic_catch_up(procs)


@click.command("seed-import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--batch-size", type=click.IntRange(1, 5000), default=200, show_default=True,
              help="Threads per transaction.")
@click.option("--reindex/--no-reindex", default=True, show_default=True,
              help="Rebuild the search index afterwards (when anything was imported).")
@click.option("--jobs", type=click.IntRange(1, 32), default=min(4, os.cpu_count() or 1),
              show_default="CPUs, at most 4", help="Processes converting and rendering bodies.")
def seed_import(files: tuple[Path, ...], batch_size: int, reindex: bool, jobs: int) -> None:
    """Import threads from Stack Exchange (se_*.jsonl) or 20 Newsgroups JSONL FILES.

    Threads already imported (same source id) are skipped. Scores are the
    original sites' scores, not votes here: they earn no reputation.
    """
    from forum import importing

    def bar(label: str, length: int):
        return click.progressbar(length=length, label=label, show_pos=True, file=sys.stderr)

    try:
        report = importing.import_files(list(files), batch_size=batch_size, jobs=jobs,
                                        progress=bar)
    except importing.ImportFailure as e:
        click.echo(f"Error: {e}", err=True)
        raise SystemExit(1) from None
    for name, added in report.per_file.items():
        click.echo(f"{name}: {added} new thread(s).")
    click.echo(f"Imported {report.threads} threads and {report.answers} answers "
               f"({report.skipped} already present, {report.empty_replies} empty replies left out; "
               f"{report.users} new user(s), {report.tags} new tag(s)).")
    if not (reindex and report.threads):
        return
    try:
        from forum.services import searching
    except ImportError:
        searching = None
    if searching is None:
        click.echo("Search index not rebuilt: forum.services.searching is not available.")
        return
    with bar("Reindexing search", searching.indexable_count()) as progress:
        count = searching.reindex(progress=progress.update)
    click.echo(f"Search index rebuilt: {count} thread(s) reindexed.")
    _semantic_catch_up()


mail_group = AppGroup("mail", help="Notification mail: the outbox and the daily digests.")


@mail_group.command("send")
def mail_send() -> None:
    """Queue the daily digests that are due, then deliver the outbox over MAIL_URL.

    Run it every minute or so (cron, a systemd timer). Failed messages are retried
    on the next run, up to 5 times."""
    from forum.services import mail

    digests = mail.queue_digests()
    try:
        report = mail.send_pending()
    except (ValueError, OSError) as e:
        click.echo(f"Error: {e}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Mail: {report.sent} sent, {report.failed} failed, {report.pending} still queued "
               f"({digests} digest(s) queued).")


badges_group = AppGroup("badges", help="Badges.")


@badges_group.command("award")
def badges_award() -> None:
    """Award every badge already earned (idempotent; for data from before badges)."""
    from forum.services import badges

    click.echo(f"Badges awarded: {badges.evaluate_all()}.")


jobs_group = AppGroup("jobs", help="The job queue: run it, see it, retry what was parked.")


@jobs_group.command("work")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
def jobs_work(once: bool) -> None:
    """Run queued jobs until stopped (Ctrl-C, SIGTERM): the worker beside gunicorn."""
    import signal
    import threading

    from forum.infra import jobs

    app = current_app._get_current_object()
    stop = threading.Event()
    if not once:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"Running jobs (polling every {app.config['JOBS_POLL_SECONDS']} s); "
                   "Ctrl-C stops.")
    done = jobs.serve(app, once=once, stop=stop)
    click.echo(f"{done} job(s) done.")


@jobs_group.command("status")
def jobs_status() -> None:
    """How many jobs wait, and the parked (dead) ones with their last error."""
    from forum.infra import jobs

    state = jobs.queue_state()
    oldest = f", oldest from {state.oldest_queued:%Y-%m-%d %H:%M:%S} UTC" if state.oldest_queued else ""
    click.echo(f"{state.queued} queued{oldest}; {state.dead} dead.")
    for job in state.parked:
        click.echo(f"  #{job.id} {job.kind} after {job.attempts} attempt(s): {job.last_error[:120]}")


@jobs_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
def jobs_retry(ids: tuple[int, ...]) -> None:
    """Queue parked jobs again (these IDS, or all of them)."""
    from forum.infra import jobs

    click.echo(f"{jobs.retry(list(ids) or None)} job(s) queued again.")


@jobs_group.command("discard")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "everything", is_flag=True, help="Every parked job.")
def jobs_discard(ids: tuple[int, ...], everything: bool) -> None:
    """Drop parked jobs (these IDS, or --all)."""
    from forum.infra import jobs

    if not ids and not everything:
        raise click.UsageError("Name the job ids, or pass --all.")
    click.echo(f"{jobs.discard(list(ids) or None)} job(s) discarded.")


support_group = AppGroup("support", help="Following up with askers; the support desk's service levels.")


@support_group.command("remind")
def support_remind() -> None:
    """Ask askers who accepted no answer ANSWER_REMINDER_DAYS after the first one
    whether it worked (once a thread; run it from cron)."""
    from forum.services import followup

    click.echo(f"{followup.send_reminders()} asker(s) reminded.")
    _alert_overdue()


@support_group.command("sla")
def support_sla() -> None:
    """Mail the assignee (or the on-duty staff, SUPPORT_ON_DUTY) about each case
    and public question past its service level (SUPPORT_SLA), once each; run it
    from cron every few minutes. `flask support remind` does this too."""
    _alert_overdue()


def _alert_overdue() -> None:
    from forum.services import cases

    click.echo(f"{cases.alert_overdue()} service-level alert(s) sent.")


insights_group = AppGroup("insights", help="Insights: the search log.")


@insights_group.command("prune")
def insights_prune() -> None:
    """Delete searches older than SEARCH_LOG_DAYS (90 by default) from the search
    log; run it daily from cron."""
    from forum.services import search_log

    click.echo(f"{search_log.prune()} search(es) older than {search_log.retention_days()} days deleted.")


posts_group = AppGroup("posts", help="Stored posts.")


@posts_group.command("rerender")
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
def posts_rerender(batch: int) -> None:
    """Render every post and comment body again with today's Markdown rules (after
    an upgrade that improved them); writes only what changed."""
    from forum.services import rendering

    report = rendering.rerender(batch=batch, progress=lambda r: click.echo(
        f"\r{r.posts} posts, {r.comments} comments read", nl=False))
    click.echo(f"\n{report.changed_posts} of {report.posts} posts and "
               f"{report.changed_comments} of {report.comments} comments re-rendered.")


def register(app: Flask) -> None:
    app.cli.add_command(jobs_group)
    app.cli.add_command(insights_group)
    app.cli.add_command(support_group)
    app.cli.add_command(posts_group)
    app.cli.add_command(users)
    app.cli.add_command(seed_demo)
    app.cli.add_command(search)
    app.cli.add_command(seed_import)
    app.cli.add_command(mail_group)
    app.cli.add_command(badges_group)
