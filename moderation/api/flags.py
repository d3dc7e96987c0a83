"""API v1 (moderation): flags, flag decisions and review decisions."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for

from forum.api import api_user, json_body, serialize
from forum.errors import ValidationError
from forum.models import Flag, Post, Question, ReviewTask
from forum.services import posting
from forum.web.limits import limited
from moderation import flags, inputs, reviews
from moderation.api import bp


def _require(parsed):
    value, errors = parsed
    if errors:
        raise ValidationError(errors)
    return value


def _post_ref(post: Post | None, question: Question | None) -> dict[str, Any] | None:
    if post is None:
        return None
    url = None
    if question is not None:
        url = url_for("questions.show", question_id=question.id, slug=question.slug,
                      _external=True, _anchor=None if post.is_question else f"answer-{post.id}")
    return {"id": post.id, "type": post.type, "question_id": question.id if question else None,
            "title": question.title if question else None, "url": url,
            "deleted": post.is_deleted, "hidden": post.is_hidden}


def _flag(f: Flag) -> dict[str, Any]:
    return {"id": f.id, "post_id": f.post_id, "reason": f.reason, "text": f.text,
            "duplicate_of": f.duplicate_of_id, "status": f.status,
            "created_at": serialize.iso(f.created_at), "decided_at": serialize.iso(f.decided_at),
            "decision_note": f.decision_note}


@bp.post("/posts/<int:post_id>/flags")
@limited("RATELIMIT_FLAG")
def flag_post(post_id: int):
    user = api_user()
    draft = _require(inputs.parse_flag(json_body()))
    flag = flags.flag_post(user, post_id, draft)
    return jsonify(id=flag.id, post_id=flag.post_id, reason=flag.reason, status=flag.status), 201


@bp.get("/flags/mine")
def my_flags():
    user = api_user()
    return jsonify(flags=[{**_flag(item.flag), "post": _post_ref(item.post, item.question)}
                          for item in flags.my_flags(user)])


@bp.get("/moderation/flags")
def flag_queue():
    groups = flags.queue(api_user())
    return jsonify(posts=[{
        "post": _post_ref(g.post, g.question),
        "flag_count": g.count,
        "reasons": dict(g.reasons),
        "author": {**serialize.user_brief(g.author.user),
                   "created_at": serialize.iso(g.author.joined), "posts": g.author.posts,
                   "flags_helpful": g.author.helpful, "flags_declined": g.author.declined,
                   "suspended": g.author.user.is_suspended},
        "flags": [{**_flag(f), "user": serialize.user_brief(f.user),
                   "duplicate_of_title": (g.originals[f.duplicate_of_id].title
                                          if f.duplicate_of_id in g.originals else None)}
                  for f in g.flags],
    } for g in groups])


@bp.post("/posts/<int:post_id>/flags/decision")
def decide_flags(post_id: int):
    user = api_user()
    decision = _require(inputs.parse_flag_decision(json_body()))
    decided = flags.decide(user, post_id, decision)
    post = posting.get_post(post_id, include_deleted=True)
    return jsonify(post_id=post_id, decision=decision.decision,
                   post={"deleted": post.is_deleted, "hidden": post.is_hidden},
                   flags=[_flag(f) for f in decided])


def _task(t: ReviewTask, post: Post | None = None, question: Question | None = None):
    return {"id": t.id, "kind": t.kind, "status": t.status, "post_id": t.post_id,
            "author": serialize.user_brief(t.author),
            "proposed": ({"title": t.title, "body": t.body,
                          "tags": t.tags.split() if t.tags is not None else None,
                          "comment": t.comment} if t.kind == "suggested_edit" else None),
            "created_at": serialize.iso(t.created_at), "decided_at": serialize.iso(t.decided_at),
            "note": t.note, **({"post": _post_ref(post, question)} if post is not None else {})}


@bp.get("/moderation/reviews")
def review_queue():
    return jsonify(tasks=[_task(i.task, i.post, i.question) for i in reviews.queue(api_user())])


@bp.post("/reviews/<int:task_id>")
def decide_review(task_id: int):
    user = api_user()
    decision = _require(inputs.parse_review_decision(json_body()))
    return jsonify(_task(reviews.decide(user, task_id, decision)))
