"""Flags on posts: raising them, hiding a post that enough people call spam or
abuse, what became of a user's flags, and the moderators' queue and decisions.

Every decision writes an audit line in the same transaction as the decision.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from forum import changes, permissions, signals
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.models import FLAG_REASONS, Flag, Post, Question, User, utcnow
from forum.services import posting
from forum.services.browsing import may_see_hidden
from forum.services.locking import lock_post
from moderation import audit, lookup
from moderation.inputs import FLAG_DECISIONS, Decision, FlagDraft

HIDING_REASONS = ("spam", "abusive")
REASON_LABELS = {
    "spam": "Spam",
    "abusive": "Rude or abusive",
    "duplicate": "Duplicate",
    "needs_details": "Needs more detail",
    "other": "Something else",
}
QUEUE_LIMIT = 100


def _thread_id(post: Post) -> int:
    return post.id if isinstance(post, Question) else post.question_id


def _hiding_flaggers(post_id: int) -> int:
    """Distinct users with an open spam or abuse flag on the post."""
    return db.session.scalar(
        select(func.count(func.distinct(Flag.user_id))).where(
            Flag.post_id == post_id, Flag.status == "open", Flag.reason.in_(HIDING_REASONS))
    )


def _threshold() -> int:
    return int(current_app.config["FLAGS_TO_HIDE"])


def _check_duplicate(post: Post, original_id: int) -> None:
    original = db.session.get(Post, original_id)
    if not isinstance(original, Question) or original.is_deleted or original.is_hidden:
        raise ValidationError({"duplicate_of": f"There is no question {original_id}."})
    if original.id == _thread_id(post):
        raise ValidationError({"duplicate_of": "A thread cannot duplicate itself: give the "
                                               "number of the original question."})


@changes.transaction
def flag_post(user, post_id: int, draft: FlagDraft) -> Flag:
    """Flag a post. One open flag a user a post; enough spam or abuse flags from
    different people hide the post until a moderator decides."""
    post = lock_post(post_id)
    if post.is_hidden and not may_see_hidden(user, post):
        raise NotFound(f"Post {post_id} does not exist.")
    permissions.require("flag", user, post)
    duplicate_of = None
    if draft.reason == "duplicate":
        duplicate_of = lookup.resolve_original(draft.duplicate_of, draft.duplicate_title,
                                               exclude=_thread_id(post))
        _check_duplicate(post, duplicate_of)
    if db.session.scalar(select(Flag.id).where(
            Flag.post_id == post.id, Flag.user_id == user.id, Flag.status == "open")):
        raise Conflict("You have already flagged this post; a moderator will look at it. "
                       "You can see what became of it under “My flags”.")
    flag = Flag(post_id=post.id, user_id=user.id, reason=draft.reason, text=draft.text,
                duplicate_of_id=duplicate_of,
                status="open", created_at=utcnow())
    db.session.add(flag)
    try:
        db.session.flush()
    except IntegrityError:      # a second flag racing the first
        raise Conflict("You have already flagged this post; a moderator will look "
                       "at it.") from None
    if (post.hidden_at is None and draft.reason in HIDING_REASONS
            and (count := _hiding_flaggers(post.id)) >= _threshold()):
        post.hidden_at = utcnow()
        audit.record(None, "post.hidden_by_flags", ("post", post.id),
                     f"{count} spam or abuse flags from different people", flags=count)
    return flag


# -- what became of my flags ---------------------------------------------------

@dataclass
class FlagView:
    flag: Flag
    post: Post | None
    question: Question | None


def posts_with_threads(post_ids) -> dict[int, Post]:
    """The posts and the questions of the answers among them, in one query."""
    ids = list(set(post_ids))
    if not ids:
        return {}
    parents = select(Post.question_id).where(Post.id.in_(ids), Post.question_id.is_not(None))
    return {p.id: p for p in db.session.scalars(
        select(Post).where(or_(Post.id.in_(ids), Post.id.in_(parents))))}


def thread_of(post: Post | None, posts: dict[int, Post]) -> Question | None:
    if post is None:
        return None
    return post if isinstance(post, Question) else posts.get(post.question_id)


def my_flags(user, limit: int = 200) -> list[FlagView]:
    """The user's flags, newest first, with the posts they are on."""
    flags = list(db.session.scalars(
        select(Flag).where(Flag.user_id == user.id)
        .order_by(Flag.created_at.desc(), Flag.id.desc()).limit(limit)))
    posts = posts_with_threads(f.post_id for f in flags)
    return [FlagView(f, posts.get(f.post_id), thread_of(posts.get(f.post_id), posts))
            for f in flags]


# -- the moderators' queue -----------------------------------------------------

@dataclass
class AuthorHistory:
    user: User
    posts: int = 0
    helpful: int = 0
    declined: int = 0

    @property
    def joined(self) -> datetime:
        return self.user.created_at


@dataclass
class FlagGroup:
    post: Post
    question: Question | None
    flags: list[Flag]
    author: AuthorHistory
    reasons: list[tuple[str, int]] = field(default_factory=list)
    originals: dict[int, Question] = field(default_factory=dict)   # duplicate flags' targets

    @property
    def count(self) -> int:
        return len(self.flags)

    @property
    def suggested_original(self) -> Question | None:
        """The original the duplicate flags name most often (ties: the first named)."""
        named = [f.duplicate_of_id for f in self.flags
                 if f.reason == "duplicate" and f.duplicate_of_id in self.originals]
        if not named:
            return None
        return self.originals[max(dict.fromkeys(named), key=named.count)]


def queue(moderator, limit: int = QUEUE_LIMIT) -> list[FlagGroup]:
    """Open flags grouped by post, most flagged first (then the longest waiting),
    with each post's author's history. Six queries whatever the number of flags."""
    permissions.require("moderate", moderator)
    top = list(db.session.execute(
        select(Flag.post_id).where(Flag.status == "open").group_by(Flag.post_id)
        .order_by(func.count(Flag.id).desc(), func.min(Flag.created_at), Flag.post_id)
        .limit(limit)).scalars())
    if not top:
        return []
    by_post: dict[int, list[Flag]] = defaultdict(list)
    for flag in db.session.scalars(
            select(Flag).where(Flag.post_id.in_(top), Flag.status == "open")
            .order_by(Flag.created_at, Flag.id)):
        by_post[flag.post_id].append(flag)
    targets = {f.duplicate_of_id for fs in by_post.values() for f in fs if f.duplicate_of_id}
    posts = posts_with_threads([*top, *targets])      # the duplicates' originals too, by title
    author_ids = {posts[i].author_id for i in top if i in posts}
    post_counts = dict(db.session.execute(
        select(Post.author_id, func.count(Post.id))
        .where(Post.author_id.in_(author_ids), Post.deleted_at.is_(None))
        .group_by(Post.author_id)).all())
    outcomes: dict[tuple[int, str], int] = {
        (author_id, status): n for author_id, status, n in db.session.execute(
            select(Post.author_id, Flag.status, func.count(Flag.id))
            .join(Post, Post.id == Flag.post_id)
            .where(Post.author_id.in_(author_ids), Flag.status.in_(FLAG_DECISIONS))
            .group_by(Post.author_id, Flag.status)).all()}
    groups = []
    for post_id in top:
        post = posts.get(post_id)
        if post is None:
            continue
        flags = by_post[post_id]
        counts: dict[str, int] = defaultdict(int)
        for flag in flags:
            counts[flag.reason] += 1
        history = AuthorHistory(
            user=post.author, posts=post_counts.get(post.author_id, 0),
            helpful=outcomes.get((post.author_id, "helpful"), 0),
            declined=outcomes.get((post.author_id, "declined"), 0))
        groups.append(FlagGroup(
            post=post, question=thread_of(post, posts), flags=flags, author=history,
            reasons=sorted(counts.items(), key=lambda kv: (-kv[1], FLAG_REASONS.index(kv[0]))),
            originals={f.duplicate_of_id: posts[f.duplicate_of_id] for f in flags
                       if isinstance(posts.get(f.duplicate_of_id), Question)}))
    return groups


def open_flag_count() -> int:
    return db.session.scalar(select(func.count(Flag.id)).where(Flag.status == "open"))


# -- decisions -----------------------------------------------------------------

def _mark(moderator, flags: list[Flag], decision: str, note: str) -> None:
    now = utcnow()
    for flag in flags:
        flag.status = decision
        flag.decided_by_id = moderator.id if moderator is not None else None
        flag.decided_at = now
        flag.decision_note = note
        audit.record(moderator, f"flag.{decision}", ("flag", flag.id), note,
                     post_id=flag.post_id, flag_reason=flag.reason, flagger_id=flag.user_id)
    # After the commit: the flaggers hear what became of their flags (inbox, badges).
    by_post: dict[int, list[int]] = defaultdict(list)
    for flag in flags:
        by_post[flag.post_id].append(flag.user_id)
    for post_id, flagger_ids in by_post.items():
        signals.emit("flag_decided", actor_id=moderator.id if moderator is not None else None,
                     post_id=post_id, flagger_ids=sorted(set(flagger_ids)), outcome=decision)


def resolve_duplicate_flags(actor, question: Question, original_id: int) -> list[Flag]:
    """The question was just closed as a duplicate of `original_id`: its open
    duplicate flags naming that original were right, so they are marked helpful
    (in the caller's unit of work, each with its audit line). Flags naming
    another original stay open for a moderator."""
    matching = [f for f in _open_flags(question.id)
                if f.reason == "duplicate" and f.duplicate_of_id == original_id]
    if matching:
        _mark(actor, matching, "helpful", "closed as a duplicate of the question the flag named")
    return matching


def _unhide(moderator, post: Post, note: str) -> None:
    post.hidden_at = None
    audit.record(moderator, "post.unhidden", ("post", post.id), note or "flags declined")


def _open_flags(post_id: int) -> list[Flag]:
    return list(db.session.scalars(
        select(Flag).where(Flag.post_id == post_id, Flag.status == "open")
        .order_by(Flag.id).with_for_update(of=Flag.__table__)))


@changes.transaction
def decide_post(moderator, post_id: int, decision: str, note: str = "") -> list[Flag]:
    """One decision on all of a post's open flags.

    helpful: the flags are marked helpful; when any of them says spam or abuse,
    the post is deleted too (its reputation reversed, as any deletion does) and
    stays hidden. declined: the flags are marked declined and a post hidden by
    flags is shown again."""
    if decision not in FLAG_DECISIONS:
        raise ValidationError({"decision": "The decision must be \"helpful\" or \"declined\"."})
    permissions.require("moderate", moderator)
    post = lock_post(post_id, include_deleted=True)
    flags = _open_flags(post.id)
    if not flags:
        raise Conflict("This post has no open flags: a moderator may have decided already.")
    _mark(moderator, flags, decision, note)
    if decision == "declined":
        if post.hidden_at is not None:
            _unhide(moderator, post, note)
    elif any(f.reason in HIDING_REASONS for f in flags) and not post.is_deleted:
        # Joins this unit of work: the decisions, the deletion and its audit line commit together.
        posting.delete_post(moderator, post.id, reason=note or "flagged as spam or abuse")
        return flags
    return flags


@changes.transaction
def decide_flag(moderator, flag_id: int, decision: str, note: str = "",
                post_id: int | None = None) -> Flag:
    """A decision on one flag. Declining it shows a post hidden by flags again
    once fewer open spam or abuse flags than the threshold remain; marking one
    flag helpful changes nothing else (delete the post with the post decision)."""
    if decision not in FLAG_DECISIONS:
        raise ValidationError({"decision": "The decision must be \"helpful\" or \"declined\"."})
    permissions.require("moderate", moderator)
    flag = db.session.get(Flag, flag_id)
    if flag is None or (post_id is not None and flag.post_id != post_id):
        raise NotFound(f"Flag {flag_id} does not exist.")
    post = lock_post(flag.post_id, include_deleted=True)     # serialises deciders
    db.session.refresh(flag)
    if flag.status != "open":
        raise Conflict(f"This flag was already marked {flag.status}.")
    _mark(moderator, [flag], decision, note)
    db.session.flush()
    if (decision == "declined" and post.hidden_at is not None
            and _hiding_flaggers(post.id) < _threshold()):
        _unhide(moderator, post, note)
    return flag


def decide(moderator, post_id: int, decision: Decision) -> list[Flag]:
    """The post decision, or the one-flag decision when `decision.flag_id` is set."""
    if decision.flag_id is not None:
        return [decide_flag(moderator, decision.flag_id, decision.decision, decision.note,
                            post_id=post_id)]
    return decide_post(moderator, post_id, decision.decision, decision.note)
