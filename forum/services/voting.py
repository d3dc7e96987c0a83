"""Votes: ±1 per user per post, changeable, undoable; score cached on the post."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from forum import changes, permissions, signals
from forum.errors import ValidationError
from forum.extensions import db
from forum.models import Post, Vote, utcnow
from forum.services import reputation
from forum.services.locking import lock_post, lock_users


@dataclass(frozen=True)
class VoteResult:
    post_id: int
    score: int
    my_vote: int


def _events_for(post: Post, voter_id: int, value: int) -> None:
    if value > 0:
        kind = reputation.QUESTION_UPVOTED if post.type == "question" else reputation.ANSWER_UPVOTED
        reputation.award(post.author_id, kind, post_id=post.id, actor_id=voter_id)
    elif value < 0:
        reputation.award(post.author_id, reputation.POST_DOWNVOTED, post_id=post.id,
                         actor_id=voter_id)
        if post.type == "answer":
            reputation.award(voter_id, reputation.DOWNVOTED_ANSWER, post_id=post.id,
                             actor_id=voter_id)


@changes.transaction
def cast_vote(user, post_id: int, value: int) -> VoteResult:
    """Set the user's vote on a post to +1, -1, or 0 (remove it)."""
    if value not in (1, -1, 0):
        raise ValidationError({"value": "Vote value must be 1, -1 or 0."})
    post = lock_post(post_id)
    permissions.require("vote", user, post, value)
    lock_users(post.author_id, user.id)
    vote = db.session.scalar(
        select(Vote).where(Vote.post_id == post.id, Vote.user_id == user.id)
    )
    current = vote.value if vote else 0
    if current != value:
        if current:
            reputation.reverse_for_post(post.id, reputation.VOTE_KINDS, actor_id=user.id)
        if value == 0:
            db.session.delete(vote)
        elif vote is None:
            db.session.add(Vote(post_id=post.id, user_id=user.id, value=value))
        else:
            vote.value = value
            vote.updated_at = utcnow()
        _events_for(post, user.id, value)
        db.session.flush()
        votes = db.session.scalar(
            select(func.coalesce(func.sum(Vote.value), 0)).where(Vote.post_id == post.id)
        )
        db.session.execute(update(Post).where(Post.id == post.id)
                           .values(score=Post.imported_score + votes))
        reputation.refresh(post.author_id, user.id)
    score = db.session.scalar(select(Post.score).where(Post.id == post.id))
    if value > 0:       # only an upvote can earn a score badge
        signals.emit("vote", actor_id=user.id, post_id=post_id)
    return VoteResult(post_id=post_id, score=score, my_vote=value)


def votes_by(user_id: int, post_ids: list[int]) -> dict[int, int]:
    """The user's vote on each of these posts (absent = no vote)."""
    if not post_ids:
        return {}
    return dict(db.session.execute(
        select(Vote.post_id, Vote.value).where(Vote.user_id == user_id, Vote.post_id.in_(post_ids))
    ).all())
