"""Events other parts of the app listen to.

`forum_event` is sent after a change that people may want to hear about has
committed: "question", "answer", "comment", "accepted", "official", "edited",
"vote", "flag_decided", "moderator_message". Notifications and badges listen.

    emit("answer", actor_id=7, post_id=42)

Called inside a unit of work (`forum.changes.writing`), `emit` waits for the
commit and is dropped by a rollback; outside one it sends at once.

`staff_action` is sent after a staff or admin action in the core commits (marking
an answer official, a known issue, a verified fix, a role change, a moderator's
deletion). `record_staff_action` writes its audit line in the action's own
transaction (`forum.changes.audit`), so the two commit together, and queues the
signal for anyone else who listens.

    record_staff_action(actor, "answer.official", ("post", 42), reason="")
"""

from __future__ import annotations

import logging
from typing import Any

from blinker import Namespace

_signals = Namespace()
forum_event = _signals.signal("forum-event")
staff_action = _signals.signal("staff-action")
log = logging.getLogger("forum.events")


def emit(kind: str, *, actor_id: int | None, post_id: int | None = None, **data: Any) -> None:
    """Tell listeners about a change once it has committed."""
    from forum import changes

    changes.after_commit(_send, kind, actor_id=actor_id, post_id=post_id, **data)


def _send(kind: str, *, actor_id: int | None, post_id: int | None, **data: Any) -> None:
    """A failing listener never fails the change that already happened: it is logged."""
    for receiver in forum_event.receivers_for(kind):
        try:
            receiver(kind, actor_id=actor_id, post_id=post_id, **data)
        except Exception:   # noqa: BLE001
            log.exception("listener failed for %s on post %s", kind, post_id)


def record_staff_action(actor: Any, action: str, target: tuple[str, int], reason: str = "",
                        **details: Any) -> None:
    """Audit a staff action in the current transaction; signal it after the commit."""
    from forum import changes

    changes.audit(actor, action, target, reason, **details)
    changes.after_commit(staff_action.send, actor, action=action, target=target,
                         reason=reason, details=details)
