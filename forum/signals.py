"""Signals other parts of the app listen to.

`staff_action` is sent after every staff or admin action commits (marking an answer
official, a known issue, a verified fix, a role change). The moderation package
connects the audit log to it; until then nothing listens and nothing breaks.

    staff_action.send(actor, action="answer.official", target=("post", 42), reason="")

`forum_event` is sent after a change that people may want to hear about has
committed: "question", "answer", "comment", "accepted", "official", "edited",
"vote", "flag_decided", "moderator_message". Notifications and badges listen.

    emit("answer", actor_id=7, post_id=42)
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()
staff_action = _signals.signal("staff-action")
forum_event = _signals.signal("forum-event")


def record_staff_action(actor: Any, action: str, target: tuple[str, int], reason: str = "",
                        **details: Any) -> None:
    staff_action.send(actor, action=action, target=target, reason=reason, details=details)


def emit(kind: str, *, actor_id: int | None, post_id: int | None = None, **data: Any) -> None:
    """Tell listeners about a committed change. A failing listener never fails the
    change that already happened: it is logged instead."""
    import logging

    for receiver in forum_event.receivers_for(kind):
        try:
            receiver(kind, actor_id=actor_id, post_id=post_id, **data)
        except Exception:   # noqa: BLE001
            logging.getLogger("forum.events").exception("listener failed for %s on post %s",
                                                        kind, post_id)
