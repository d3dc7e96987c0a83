"""Events other parts of the app listen to.

`forum_event` is sent after a change that people may want to hear about has
committed: "question", "answer", "comment", "accepted", "official", "edited",
"vote", "flag_decided", "moderator_message". Notifications and badges listen.

    emit("answer", actor_id=7, post_id=42)

`emit` queues an `"event"` job (`forum.infra.jobs`) in the current unit of work:
it is written with the change, dropped by a rollback, and sent after the commit by
whoever runs the queue, in a unit of its own. A listener that raises fails the job,
which rolls back every listener's writes and is retried: the writes of an event
land once.

`staff_action` is sent after a staff or admin action in the core commits (marking
an answer official, a known issue, a verified fix, a role change, a moderator's
deletion). `record_staff_action` writes its audit line in the action's own
transaction (`forum.changes.audit`), so the two commit together, and queues the
signal for anyone else who listens.

    record_staff_action(actor, "answer.official", ("post", 42), reason="")
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()
forum_event = _signals.signal("forum-event")
staff_action = _signals.signal("staff-action")


def emit(kind: str, *, actor_id: int | None, post_id: int | None = None, **data: Any) -> None:
    """Tell listeners about a change once it has committed (`data`: JSON values)."""
    from forum.infra import jobs

    jobs.enqueue("event", event=kind, actor_id=actor_id, post_id=post_id, **data)


def send(event: str, *, actor_id: int | None = None, post_id: int | None = None,
         **data: Any) -> None:
    """The `"event"` job: every listener, in the job's unit of work."""
    for receiver in forum_event.receivers_for(event):
        receiver(event, actor_id=actor_id, post_id=post_id, **data)


def record_staff_action(actor: Any, action: str, target: tuple[str, int], reason: str = "",
                        **details: Any) -> None:
    """Audit a staff action in the current transaction; signal it after the commit."""
    from forum import changes

    changes.audit(actor, action, target, reason, **details)
    changes.after_commit(staff_action.send, actor, action=action, target=target,
                         reason=reason, details=details)
