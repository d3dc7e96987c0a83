"""Moderation from the command line: `flask users suspend|unsuspend NAME`.

The commands join the core's `users` group (moderation.init_app adds them) and
call the same services as the moderator pages and API: the same reason rule
(5–500 characters), the same row lock, and the audit line in the same
transaction, recorded as done "via cli" with no acting user.
"""

from __future__ import annotations

import click

from forum.cli import fail, users
from forum.errors import ForumError, ValidationError
from moderation import inputs, suspensions


@click.command("suspend")
@click.argument("name")
@click.option("--days", type=int, required=True, help="Whole days (1-3650 by default).")
@click.option("--reason", required=True, help="What the user is told (5-500 characters by "
                                              "default).")
def suspend(name: str, days: int, reason: str) -> None:
    """Suspend user NAME: they can read but not write, vote or flag."""
    from forum.services import accounts

    suspension, errors = inputs.parse_suspension({"days": days, "reason": reason})
    try:
        if errors:
            raise ValidationError(errors)
        user = suspensions.suspend_user(None, accounts.find_user(name).id, suspension)
    except ForumError as e:
        fail(e)
    click.echo(f"{user.username} is suspended until {user.suspended_until:%Y-%m-%d %H:%M} UTC.")


@click.command("unsuspend")
@click.argument("name")
@click.option("--reason", default="", help="Why the suspension ends early (for the audit log).")
def unsuspend(name: str, reason: str) -> None:
    """Lift user NAME's suspension."""
    from forum.services import accounts

    note, errors = inputs.parse_unsuspension({"reason": reason})
    try:
        if errors:
            raise ValidationError(errors)
        user = suspensions.unsuspend_user(None, accounts.find_user(name).id, note)
    except ForumError as e:
        fail(e)
    click.echo(f"{user.username} is no longer suspended.")


def register() -> None:
    """Add the commands to the core's `users` group (idempotent)."""
    for command in (suspend, unsuspend):
        users.add_command(command)
