"""Models -> JSON-ready dicts. The shapes are a contract (see README, API)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from forum.models import Answer, Attachment, Comment, Question, User
from forum.services import attachments, badges
from forum.services.browsing import Thread


def iso(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def user_brief(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "reputation": user.reputation}


def user_full(user: User) -> dict[str, Any]:
    return {
        **user_brief(user),
        "role": user.role,
        "badges": [{"slug": b.slug, "name": b.name, "level": b.level,
                    "awarded_at": iso(award.awarded_at)}
                   for b, award in badges.of_user(user.id)],
        "created_at": iso(user.created_at),
        "url": url_for("users.show", user_id=user.id, username=user.username, _external=True),
    }


def comment(c: Comment) -> dict[str, Any]:
    return {"id": c.id, "post_id": c.post_id, "body": c.body, "body_html": c.body_html,
            "author": user_brief(c.author), "created_at": iso(c.created_at)}


def official(a: Answer) -> dict[str, Any] | None:
    """null, or who verified the answer, when, and whether it changed since."""
    if not a.is_official:
        return None
    return {"by": user_brief(a.official_by) if a.official_by else None,
            "at": iso(a.official_at), "stale": a.official_stale,
            "revision": a.official_revision, "version": a.official_version}


def known_issue(issue) -> dict[str, Any] | None:
    if issue is None:
        return None
    return {"state": issue.state, "label": issue.state_label, "reference": issue.reference,
            "fixed_in": issue.fixed_in, "updated_at": iso(issue.updated_at),
            "tracker": tracker(issue) if issue.tracker_id else None}


def tracker(issue) -> dict[str, Any]:
    """The bug a known issue is linked to."""
    return {"kind": issue.tracker_kind, "url": issue.tracker_url, "id": issue.tracker_id}


def tracker_delivery(d) -> dict[str, Any]:
    return {"id": d.id, "question_id": d.question_id, "direction": d.direction, "event": d.event,
            "status": d.status, "attempts": d.attempts, "response_status": d.response_status,
            "response_body": d.response_body, "created_at": iso(d.created_at),
            "updated_at": iso(d.updated_at)}


def question_url(q: Question) -> str:
    return url_for("questions.show", question_id=q.id, slug=q.slug, _external=True)


def question_summary(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "title": q.title,
        "tags": q.tag_names,
        "product": q.product,
        "product_version": q.product_version,
        "author": user_brief(q.author),
        "score": q.score,
        "answer_count": q.answer_count,
        "accepted_answer_id": q.accepted_answer_id,
        "status": q.status,
        "closed_reason": q.closed_reason,
        "duplicate_of": q.duplicate_of_id,
        "locked": q.is_locked,
        "protected": q.protected_at is not None,
        "pinned": q.pinned_at is not None,
        "pinned_tag": q.pinned_tag if q.pinned_at is not None else None,
        "solved": q.solved,
        "has_official_answer": q.has_official_answer,
        "official_answer_id": q.official_answer_id,
        "me_too_count": q.me_too_count,
        "known_issue": known_issue(q.known_issue),
        "created_at": iso(q.created_at),
        "last_activity_at": iso(q.last_activity_at),
        "url": question_url(q),
    }


def attachment(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.id, "post_id": a.post_id, "filename": a.filename, "kind": a.kind,
        "size": a.size, "sha256": a.sha256, "content_type": a.content_type,
        "downloads": a.download_count, "verified": a.verified_by_id is not None,
        "verified_by": user_brief(a.verified_by) if a.verified_by else None,
        "verified_at": iso(a.verified_at), "created_at": iso(a.created_at),
        "url": url_for("attachments.download", attachment_id=a.id, filename=a.filename,
                       _external=True),
    }


def answer(a: Answer, question: Question, comments: list[Comment], my_vote: int | None = None,
           files: list[Attachment] | None = None) -> dict:
    if files is None:       # a single answer, not part of a loaded thread
        files = attachments.attachments_for([a.id]).get(a.id, [])
    data = {
        "id": a.id,
        "question_id": a.question_id,
        "body": a.body,
        "body_html": a.body_html,
        "author": user_brief(a.author),
        "score": a.score,
        "is_accepted": a.id == question.accepted_answer_id,
        "official": official(a),
        "attachments": [attachment(f) for f in files],
        "comments": [comment(c) for c in comments],
        "created_at": iso(a.created_at),
        "edited_at": iso(a.edited_at),
        "url": url_for("questions.show", question_id=question.id, slug=question.slug,
                       _anchor=f"answer-{a.id}", _external=True),
    }
    if my_vote is not None:
        data["my_vote"] = my_vote
    return data


def thread(t: Thread, with_votes: bool = False) -> dict[str, Any]:
    q = t.question
    data = {
        **question_summary(q),
        "body": q.body,
        "body_html": q.body_html,
        "edited_at": iso(q.edited_at),
        "official": _thread_official(t),
        "comments": [comment(c) for c in t.comments.get(q.id, [])],
        "attachments": [attachment(f) for f in t.attachments.get(q.id, [])],
        "answers": [
            answer(a, q, t.comments.get(a.id, []), t.my_votes.get(a.id, 0) if with_votes else None,
                   t.attachments.get(a.id, []))
            for a in t.answers
        ],
    }
    if with_votes:
        data["my_vote"] = t.my_votes.get(q.id, 0)
    return data


def _thread_official(t: Thread) -> dict[str, Any] | None:
    """The question's official answer: {answer_id, by, at, stale}, or null."""
    for a in t.answers:
        if a.id == t.question.official_answer_id:
            return {"answer_id": a.id, **official(a)}
    return None


def search_page(page) -> dict[str, Any]:
    return {
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "sort": page.sort,
        "results": [
            {
                "id": f.question.id,
                "title": f.question.title,
                "url": question_url(f.question),
                "snippet": str(f.snippet.striptags()) if f.snippet else "",
                "snippet_html": str(f.snippet),
                "score": f.question.score,
                "answer_count": f.question.answer_count,
                "tags": f.question.tag_names,
                "solved": f.question.solved,
                "official": f.question.has_official_answer,
                "known_issue": f.question.known_issue is not None,
                "status": f.question.status,
                "created_at": iso(f.question.created_at),
                "via_duplicate": ({"id": f.via.id, "title": f.via.title} if f.via else None),
            }
            for f in page.items
        ],
        "facets": [{"tag": tag, "count": count} for tag, count in page.facets],
        "suggestion": page.suggestion,
        "corrected_from": page.corrected_from,
        "total_estimated": page.estimated,
        "notes": list(page.notes),
        "notice": page.notice,
    }


def similar(questions) -> dict[str, Any]:
    return {"results": [
        {"id": q.id, "title": q.title, "url": question_url(q), "solved": q.solved,
         "official": q.has_official_answer, "status": q.status, "answer_count": q.answer_count}
        for q in questions
    ]}


def support_case(c, *, manage: bool, clock=None, messages=None, files=None) -> dict[str, Any]:
    """A support case; `manage` (staff) adds tier, assignee and service levels."""
    out: dict[str, Any] = {
        "id": c.id, "subject": c.subject, "question_id": c.question_id, "product": c.product,
        "state": c.state, "state_label": c.state_label, "requester": user_brief(c.requester),
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
        "first_response_at": iso(c.first_response_at), "resolved_at": iso(c.resolved_at),
        "published_answer_id": c.published_answer_id,
        "url": url_for("cases.show", case_id=c.id, _external=True),
    }
    if manage:
        out["tier"] = c.tier
        out["assignee"] = user_brief(c.assignee) if c.assignee else None
        if clock is not None:
            out["service_level"] = {
                "first_response_due": iso(clock.first_response_due),
                "resolution_due": iso(clock.resolution_due),
                "first_response_late": clock.first_response_late,
                "resolution_late": clock.resolution_late, "overdue": clock.overdue}
    if messages is not None:
        out["messages"] = [case_message(c.id, m, (files or {}).get(m.id, [])) for m in messages]
    return out


def case_message(case_id: int, m, files) -> dict[str, Any]:
    return {"id": m.id, "author": user_brief(m.author), "internal": m.internal,
            "body": m.body, "body_html": m.body_html, "created_at": iso(m.created_at),
            "files": [{"id": f.id, "filename": f.filename, "size": f.size,
                       "content_type": f.content_type, "sha256": f.sha256,
                       "url": url_for("cases.download", case_id=case_id, file_id=f.id,
                                      filename=f.filename, _external=True)} for f in files]}


def seconds(delta) -> float | None:
    return None if delta is None else round(delta.total_seconds(), 1)
