"""The inbox: who hears about what, follows and watched tags, and the mail that
goes with it.

Listens to `forum.signals.forum_event` (sent after each change commits) and
writes notifications in a transaction of its own. People never hear about their
own actions. Mail: each notification of a user who chose "immediate" queues one
message in the outbox; "daily" users get one digest a day (`flask mail send`
delivers both, see `forum.services.mail`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select, update

from forum import changes
from forum.extensions import db
from forum.models import (
    Answer,
    Comment,
    Follow,
    Notification,
    Post,
    Question,
    Tag,
    TagWatch,
    User,
    question_tags,
    utcnow,
)
from forum.signals import forum_event

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]{3,30})")
MAX_MENTIONS = 10


# -- follows and watched tags -----------------------------------------------------

def follow(user_id: int, question_id: int) -> None:
    """Follow a question (idempotent), in the caller's unit of work."""
    if db.session.get(Follow, (user_id, question_id)) is None:
        db.session.add(Follow(user_id=user_id, question_id=question_id, created_at=utcnow()))


@changes.transaction
def set_follow(user, question_id: int, on: bool) -> bool:
    from forum.services.posting import get_question

    question = get_question(question_id)
    row = db.session.get(Follow, (user.id, question.id))
    if on and row is None:
        db.session.add(Follow(user_id=user.id, question_id=question.id, created_at=utcnow()))
    elif not on and row is not None:
        db.session.delete(row)
    return on


def follows(user_id: int, question_id: int) -> bool:
    return db.session.get(Follow, (user_id, question_id)) is not None


@changes.transaction
def set_tag_watch(user, tag_name: str, on: bool) -> bool:
    from forum.services.browsing import get_tag

    tag = get_tag(tag_name)
    row = db.session.get(TagWatch, (user.id, tag.id))
    if on and row is None:
        db.session.add(TagWatch(user_id=user.id, tag_id=tag.id, created_at=utcnow()))
    elif not on and row is not None:
        db.session.delete(row)
    return on


def watches(user_id: int, tag_id: int) -> bool:
    return db.session.get(TagWatch, (user_id, tag_id)) is not None


def watched_tags(user_id: int) -> list[Tag]:
    return list(db.session.scalars(
        select(Tag).join(TagWatch, TagWatch.tag_id == Tag.id).where(TagWatch.user_id == user_id)
        .order_by(Tag.name)
    ))


# -- writing notifications ------------------------------------------------------------

def _thread_url(post: Post) -> str:
    """A site-relative link (events also fire from the CLI, outside any request)."""
    question = post if isinstance(post, Question) else post.question
    anchor = "" if isinstance(post, Question) else f"#answer-{post.id}"
    return f"/questions/{question.id}/{question.slug}{anchor}"


def _title(post: Post) -> str:
    question = post if isinstance(post, Question) else post.question
    return (question.title or "")[:150]


def notify(user_ids, kind: str, text: str, url: str, *, actor_id: int | None,
         post_id: int | None) -> int:
    from forum.services import mail

    now = utcnow()
    ids = sorted(set(user_ids) - {actor_id, None})
    if not ids:
        return 0
    for user in db.session.scalars(select(User).where(User.id.in_(ids))):
        note = Notification(user_id=user.id, kind=kind, actor_id=actor_id, post_id=post_id,
                            text=text[:300], url=url[:300], created_at=now)
        db.session.add(note)
        if user.email_notifications == "immediate":
            mail.queue_notification(user, note)
    return len(ids)


def mentioned_users(text: str) -> list[int]:
    names = {m.lower() for m in MENTION_RE.findall(text or "")}
    if not names:
        return []
    return list(db.session.scalars(
        select(User.id).where(User.username_lower.in_(sorted(names)[:MAX_MENTIONS]))
    ))


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.username if user else "Someone"


@changes.transaction
def _on_event(kind: str, *, actor_id: int | None, post_id: int | None = None, **data) -> None:
    handler = HANDLERS.get(kind)
    if handler is None:
        return
    handler(actor_id=actor_id, post_id=post_id, **data)


def _question(actor_id, post_id, **_):
    question = db.session.get(Question, post_id)
    if question is None:
        return
    follow(question.author_id, question.id)
    watchers = db.session.scalars(
        select(TagWatch.user_id).join(question_tags, question_tags.c.tag_id == TagWatch.tag_id)
        .where(question_tags.c.question_id == question.id)
    ).all()
    url = _thread_url(question)
    notify(watchers, "watched_tag", f"New question in a tag you watch: {_title(question)}", url,
         actor_id=actor_id, post_id=question.id)
    notify(mentioned_users(question.body), "mention",
         f"{_name(actor_id)} mentioned you in: {_title(question)}", url,
         actor_id=actor_id, post_id=question.id)


def _answer(actor_id, post_id, **_):
    answer = db.session.get(Answer, post_id)
    if answer is None:
        return
    followers = db.session.scalars(
        select(Follow.user_id).where(Follow.question_id == answer.question_id)).all()
    follow(answer.author_id, answer.question_id)
    url = _thread_url(answer)
    notify(followers, "answer", f"{_name(actor_id)} answered: {_title(answer)}", url,
         actor_id=actor_id, post_id=answer.id)
    notify(set(mentioned_users(answer.body)) - set(followers), "mention",
         f"{_name(actor_id)} mentioned you in an answer to: {_title(answer)}", url,
         actor_id=actor_id, post_id=answer.id)


def _comment(actor_id, post_id, comment_id=None, **_):
    comment = db.session.get(Comment, comment_id) if comment_id else None
    post = db.session.get(Post, post_id)
    if post is None or comment is None:
        return
    url = _thread_url(post)
    notify([post.author_id], "comment", f"{_name(actor_id)} commented on your post: {_title(post)}",
         url, actor_id=actor_id, post_id=post.id)
    notify(set(mentioned_users(comment.body)) - {post.author_id}, "mention",
         f"{_name(actor_id)} mentioned you in a comment on: {_title(post)}", url,
         actor_id=actor_id, post_id=post.id)


def _simple(kind: str, text: str):
    def handler(actor_id, post_id, **_):
        post = db.session.get(Post, post_id)
        if post is not None:
            notify([post.author_id], kind, text.format(who=_name(actor_id), title=_title(post)),
                 _thread_url(post), actor_id=actor_id, post_id=post.id)
    return handler


def _flag_decided(actor_id, post_id, flagger_ids=(), outcome="", **_):
    post = db.session.get(Post, post_id)
    url = _thread_url(post) if post is not None and not post.is_deleted else "/flags/mine"
    notify(flagger_ids, "flag", f"A moderator marked your flag {outcome}: {_title(post) if post else ''}",
         url, actor_id=actor_id, post_id=post_id if post is not None else None)


def _moderator_message(actor_id, post_id=None, user_id=None, text="", **_):
    notify([user_id], "moderator", f"Message from a moderator: {text}"[:300], "/inbox",
         actor_id=actor_id, post_id=post_id)


def _official(actor_id, post_id, **_):
    """The answer's author, and the asker and followers: a verified fix is news."""
    answer = db.session.get(Answer, post_id)
    if answer is None:
        return
    url = _thread_url(answer)
    notify([answer.author_id], "official", f"Staff marked your answer official: {_title(answer)}",
           url, actor_id=actor_id, post_id=answer.id)
    followers = set(db.session.scalars(
        select(Follow.user_id).where(Follow.question_id == answer.question_id)))
    followers.add(answer.question.author_id)
    notify(followers - {answer.author_id}, "official",
           f"Staff verified an answer as the official fix: {_title(answer)}", url,
           actor_id=actor_id, post_id=answer.id)


KNOWN_LABELS = {"investigating": "being investigated", "fix_planned": "has a fix planned",
                "fixed": "is fixed"}


def _known_issue(actor_id, post_id, state=None, fixed_in=None, **_):
    """A known issue changed state: the asker, followers and "me too" users hear;
    a fix asks them whether it worked (their answer is counted on the thread)."""
    from forum.services.escalation import affected_users

    question = db.session.get(Question, post_id)
    if question is None or state not in KNOWN_LABELS:
        return
    affected = affected_users(question)
    followers = set(db.session.scalars(
        select(Follow.user_id).where(Follow.question_id == question.id))) - affected
    url = _thread_url(question)
    label = f"fixed in {fixed_in}" if state == "fixed" and fixed_in else KNOWN_LABELS[state]
    if state == "fixed" and fixed_in:     # the people who have it are asked (FixCheck rows)
        notify(affected, "fix_check",
               f"Fixed in {fixed_in}: did it fix “{_title(question)}” for you?"[:300],
               f"{url}#fix-check", actor_id=actor_id, post_id=question.id)
    else:
        followers |= affected
    notify(followers, "known_issue", f"Known issue {label}: {_title(question)}"[:300], url,
           actor_id=actor_id, post_id=question.id)


HANDLERS = {
    "question": _question,
    "answer": _answer,
    "comment": _comment,
    "accepted": _simple("accepted", "{who} accepted your answer to: {title}"),
    "official": _official,
    "known_issue": _known_issue,
    "edited": _simple("edited", "{who} edited your post: {title}"),
    "flag_decided": _flag_decided,
    "moderator_message": _moderator_message,
}


def connect() -> None:
    forum_event.connect(_on_event, weak=False)


# -- reading the inbox --------------------------------------------------------------

@dataclass
class InboxPage:
    items: list[Notification]
    page: int
    pages: int
    unread: int


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def inbox(user, page: int = 1, per_page: int = 30) -> InboxPage:
    total = db.session.scalar(select(func.count()).select_from(Notification)
                              .where(Notification.user_id == user.id)) or 0
    items = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return InboxPage(items=items, page=page, pages=max(1, -(-total // per_page)),
                     unread=unread_count(user.id))


@changes.transaction
def mark_read(user, ids: list[int] | None = None) -> int:
    """Mark these notifications (or all) read; only the user's own are touched."""
    stmt = update(Notification).where(Notification.user_id == user.id,
                                      Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids[:500]))
    changed = db.session.execute(stmt.values(read_at=utcnow())).rowcount
    return changed


def open_notification(user, notification_id: int) -> str:
    """Mark one read and give where it points."""
    from forum.errors import NotFound

    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such notification.")
    if row.read_at is None:
        with changes.writing():
            row.read_at = utcnow()
    return row.url


def site_name() -> str:
    return current_app.config.get("SITE_NAME", "Crowdfix")
