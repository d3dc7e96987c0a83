"""`flask insights recurring` and `flask insights digest`: the weekly recurring-issue
job. They join the `insights` command group (part A's search-log commands live
there too), or start it when it is not there."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup


@click.command("recurring")
@click.option("--weeks", default=1, show_default=True, type=click.IntRange(1, 52),
              help="How many finished weeks to (re)compute and store, the latest last.")
@click.option("--current", is_flag=True, help="Also store this week so far.")
def recurring_command(weeks: int, current: bool) -> None:
    """Store the recurring-issue scores of the last finished week(s) in
    recurring_scores (run it weekly from cron, e.g. Monday 01:00; running it
    again replaces those weeks' rows)."""
    from forum.models import utcnow
    from forum.services import recurring, recurring_report

    for week, n in recurring_report.backfill(weeks):
        click.echo(f"Week of {week:%Y-%m-%d}: {n} thread(s) scored.")
    if current:
        week = recurring.week_start(utcnow())
        click.echo(f"Week of {week:%Y-%m-%d} so far: {recurring.store_week(week)} thread(s) scored.")


@click.command("digest")
def digest_command() -> None:
    """Queue this week's recurring-issue digest to each product's owners (once per
    product and week, however often it runs); `flask mail send` delivers it."""
    from forum.services import recurring_report

    click.echo(f"{recurring_report.queue_digests()} digest mail(s) queued.")


def register(app: Flask) -> None:
    group = app.cli.commands.get("insights")
    if not isinstance(group, click.Group):
        group = AppGroup("insights", help="Insights: the search log and recurring issues.")
        app.cli.add_command(group)
    group.add_command(recurring_command)
    group.add_command(digest_command)
