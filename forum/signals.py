"""Signals other parts of the app listen to.

`staff_action` is sent after every staff or admin action commits (marking an answer
official, a known issue, a verified fix, a role change). The moderation package
connects the audit log to it; until then nothing listens and nothing breaks.

    staff_action.send(actor, action="answer.official", target=("post", 42), reason="")
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

_signals = Namespace()
staff_action = _signals.signal("staff-action")


def record_staff_action(actor: Any, action: str, target: tuple[str, int], reason: str = "",
                        **details: Any) -> None:
    staff_action.send(actor, action=action, target=target, reason=reason, details=details)
