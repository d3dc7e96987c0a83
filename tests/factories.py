"""Factory helpers: users with a given reputation, questions, answers.

Each is a unit of work of its own, or joins the caller's: inside
`with changes.writing():` a whole thread is built with one commit."""

from __future__ import annotations

import itertools
from functools import cache

from werkzeug.security import generate_password_hash

from forum import changes
from forum.extensions import db
from forum.inputs import QuestionDraft
from forum.models import Post, Tag, User
from forum.services import posting, reputation

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@cache
def _password_hash() -> str:
    # A real hash, made cheap: every sign-in in the suite checks it, and the app's
    # default (scrypt) costs ~0.1 s a check. Registration still uses the default.
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@changes.transaction
def make_user(username: str | None = None, *, role: str = "member", reputation_points: int = 1,
              email: str | None = None) -> User:
    """A user whose reputation comes from a ledger bonus, so recount agrees."""
    n = next(_counter)
    username = username or f"user{n}"
    user = User(username=username, username_lower=username.lower(),
                email=email or f"{username.lower()}@example.com",
                password_hash=_password_hash(), role=role)
    db.session.add(user)
    db.session.flush()
    if reputation_points > 1:
        reputation.award(user.id, reputation.BONUS, post_id=None, actor_id=None,
                         points=reputation_points - 1)
    reputation.refresh(user.id)
    return user


@changes.transaction
def ensure_tags(*names: str) -> None:
    existing = set(db.session.scalars(db.select(Tag.name).where(Tag.name.in_(names))))
    db.session.add_all(Tag(name=n) for n in names if n not in existing)


QUESTION_BODY = "My laptop drops the Wi-Fi connection every few minutes."
ANSWER_BODY = "Update the wireless driver and turn off power saving for the adapter."


def _default_body(author: User, text: str) -> str:
    """The default text, made unique once the author has used it: the repeated-text
    rule refuses the same body from the same person twice within 24 hours."""
    used = db.session.scalar(db.select(db.exists().where(Post.author_id == author.id,
                                                         Post.body == text)))
    return f"{text} (case {next(_counter)})" if used else text


def make_question(author: User | None = None, *, title: str | None = None,
                  body: str | None = None,
                  tags: tuple[str, ...] = ("wifi",), product: str | None = None):
    author = author or make_user()
    body = body if body is not None else _default_body(author, QUESTION_BODY)
    ensure_tags(*tags)
    n = next(_counter)
    title = title or f"Wi-Fi keeps disconnecting on my laptop (case {n})"
    return posting.ask_question(author, QuestionDraft(title=title, body=body, tags=tags,
                                                      product=product))


def make_answer(question, author: User | None = None, *, body: str | None = None):
    author = author or make_user()
    body = body if body is not None else _default_body(author, ANSWER_BODY)
    return posting.post_answer(author, question.id, body)
