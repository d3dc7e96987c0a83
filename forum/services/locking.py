"""Row locks that keep cached counters right under concurrent writers.

On PostgreSQL `SELECT ... FOR UPDATE` serialises writers on the rows a change
touches; SQLite serialises writers on the whole database, so the lock is a no-op
there. Lock order is always: posts first, then users by ascending id, which rules
out deadlocks between two votes on each other's posts.
"""

from __future__ import annotations

from sqlalchemy import select

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Post, User


def lock_post(post_id: int, *, include_deleted: bool = False) -> Post:
    """The post, locked for this transaction; deleted posts count as missing
    unless asked for."""
    post = db.session.execute(
        select(Post).where(Post.id == post_id).with_for_update(of=Post.__table__)
    ).scalar_one_or_none()
    if post is None or (post.deleted_at is not None and not include_deleted):
        raise NotFound(f"Post {post_id} does not exist.")
    db.session.refresh(post)
    return post


def lock_users(*user_ids: int) -> None:
    ids = sorted({i for i in user_ids if i is not None})
    if ids:
        db.session.execute(
            select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update()
        ).all()
