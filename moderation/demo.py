"""Moderation's part of `flask seed-demo`: a closed duplicate, open flags in the
queue (one of them a duplicate flag waiting for "Close as duplicate"), and so
lines in the audit log.

The core's seeder calls the hooks in `app.extensions[SEED_HOOKS]` after its own
threads (`moderation.init_app` adds this one), in the seeder's unit of work;
everything goes through the same services as the pages, so the flags, the close
and their audit lines follow the rules.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from sqlalchemy import select, update

from forum.errors import ForumError
from forum.extensions import db
from forum.inputs import QuestionDraft
from forum.models import Post, Question, User, utcnow
from forum.services import posting
from moderation import closing, flags
from moderation.inputs import CloseDraft, FlagDraft

SEED_HOOKS = "crowdfix.seed_hooks"      # the core's seeder reads this list

# (asker, title, body, tags, product, days ago, original title starts with)
ASKED = [
    ("dana.w", "AeroBook 14 keeps disconnecting from Wi-Fi and reconnecting by itself",
     "Every few minutes my AeroBook 14 drops the Wi-Fi connection, shows \"No internet\" and "
     "then reconnects after about twenty seconds. Windows 11, all updates installed. My phone "
     "on the same network never drops. Is this a known problem?",
     ("wifi", "windows-11"), "AeroBook laptops", 3, "AeroBook 14 Wi-Fi drops"),
    ("jtorres", "PrintJet 3200 goes offline in Windows although it prints a test page",
     "My PrintJet 3200 shows Offline in the Windows printer settings, but the printer prints "
     "its own network test page and my phone can print to it. Removing and adding it again "
     "helped for an hour. Firmware 2.31, Windows 11.",
     ("printing", "windows-11"), "PrintJet printers", 2, "PrintJet 3200 shows"),
]


def _user(name: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_lower == name.lower()))


def _original(prefix: str) -> Question | None:
    return db.session.scalar(select(Question).where(Question.title.startswith(prefix))
                             .order_by(Question.id).limit(1))


def _ask(spec) -> tuple[Question, Question] | None:
    asker_name, title, body, tags, product, days_ago, original_prefix = spec
    asker, original = _user(asker_name), _original(original_prefix)
    if asker is None or original is None:
        return None
    question = posting.ask_question(asker, QuestionDraft(title=title, body=body, tags=tags,
                                                         product=product))
    when = utcnow() - timedelta(days=days_ago)
    db.session.execute(update(Post).where(Post.id == question.id)
                       .values(created_at=when, last_activity_at=when))
    return question, original


def _flag(name: str, post_id: int, draft: FlagDraft) -> None:
    user = _user(name)
    if user is None:
        return
    with suppress(ForumError):      # their own post, say: that flag is left out
        flags.flag_post(user, post_id, draft)


def seed_moderation(users=None, question_ids=None) -> None:
    """The demo's moderation: best effort, a refused step is skipped."""
    moderator = _user("priya.n")
    try:
        asked = [_ask(spec) for spec in ASKED]
        # A duplicate that a member flagged and the moderator closed: the flag
        # turns helpful, the thread shows "already has an answer here".
        if asked[0] is not None:
            dupe, original = asked[0]
            _flag("netgeek_42", dupe.id, FlagDraft("duplicate", duplicate_of=original.id))
            if moderator is not None:
                closing.vote_to_close(moderator, dupe.id, CloseDraft("duplicate", original.id))
        # Waiting in the queue: a duplicate flag for "Close as duplicate" ...
        if asked[1] is not None:
            dupe, original = asked[1]
            _flag("maria_k", dupe.id, FlagDraft("duplicate", duplicate_of=original.id))
            _flag("ohm-dev", dupe.id, FlagDraft("duplicate", duplicate_of=original.id))
        # ... a question that needs details, and an answer that is not one.
        vague = _original("fan is loud all the time")
        if vague is not None:
            _flag("fixit.felix", vague.id, FlagDraft("needs_details"))
            _flag("jtorres", vague.id, FlagDraft("needs_details"))
            reply = db.session.scalar(select(Post).where(
                Post.question_id == vague.id, Post.deleted_at.is_(None))
                .order_by(Post.score, Post.id).limit(1))
            if reply is not None:
                _flag("maria_k", reply.id, FlagDraft(
                    "other", text="The asker says the fan was quiet before; this answer is about a "
                             "fresh Windows install, which they never mentioned."))
    except ForumError:
        return
