"""Asking, answering, commenting, editing and deleting posts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select, update

from forum import changes, permissions, signals
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.inputs import PostEdit, QuestionDraft
from forum.markup import render_comment, render_markdown
from forum.models import Answer, Comment, Post, Question, ReviewTask, Revision, Tag, User, utcnow
from forum.services import official, reputation, throttling
from forum.services.locking import lock_post, lock_users
from forum.services.tagging import adjust_counts, canonical_tag, resolve_tags
from forum.slugs import slugify


def get_post(post_id: int, *, include_deleted: bool = False) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or (post.is_deleted and not include_deleted):
        raise NotFound(f"Post {post_id} does not exist.")
    return post


def get_question(question_id: int, *, include_deleted: bool = False) -> Question:
    post = db.session.get(Post, question_id)
    if not isinstance(post, Question) or (post.is_deleted and not include_deleted):
        raise NotFound(f"Question {question_id} does not exist.")
    return post


def get_post_for_edit(user, post_id: int, *, may_suggest: bool = False) -> Post:
    """The post if `user` may edit it (or, with `may_suggest`, suggest an edit)."""
    post = get_post(post_id)
    if not (may_suggest and permissions.can("suggest_edit", user, post)):
        permissions.require("edit", user, post)
    return post


def get_answer(answer_id: int) -> Answer:
    post = db.session.get(Post, answer_id)
    if not isinstance(post, Answer) or post.is_deleted:
        raise NotFound(f"Answer {answer_id} does not exist.")
    return post


@dataclass(frozen=True)
class TagRule:
    """What the tag field tells a writer before they post: whether they may
    create a tag, and if not, the sentence that says why."""
    may_create: bool
    threshold: int
    message: str | None


def tag_check(user) -> TagRule:
    denial = permissions.deny_create_tag(user)
    return TagRule(may_create=denial is None,
                   threshold=permissions.threshold("create_tags"), message=denial)


def new_tag_names(names: list[str]) -> list[str]:
    """The names (lowercased) that are neither a tag nor a tag's synonym: asking
    with them creates a tag, which needs the create-tags privilege."""
    names = list(dict.fromkeys(n.strip().lower() for n in names if n.strip()))[:20]
    masters = {n: canonical_tag(n) for n in names}
    found = set(db.session.scalars(select(Tag.name).where(Tag.name.in_(set(masters.values())))))
    return [n for n in names if masters[n] not in found]


def _add_revision(post: Post, author_id: int, comment: str = "") -> None:
    number = (db.session.scalar(
        select(func.max(Revision.number)).where(Revision.post_id == post.id)
    ) or 0) + 1
    db.session.add(Revision(
        post_id=post.id, number=number, author_id=author_id, body=post.body,
        title=post.title if isinstance(post, Question) else None,
        tags=" ".join(post.tag_names) if isinstance(post, Question) else None,
        comment=comment,
    ))


@changes.transaction
def ask_question(user, draft: QuestionDraft) -> Question:
    permissions.require("ask", user)
    throttling.check_new_post(user, draft.body, question=True)
    tags = resolve_tags(user, draft.tags)
    now = utcnow()
    question = Question(
        author_id=user.id, title=draft.title, slug=slugify(draft.title), body=draft.body,
        body_html=render_markdown(draft.body), product=draft.product,
        product_version=draft.product_version, status="open",
        tags=tags, created_at=now, last_activity_at=now,
    )
    db.session.add(question)
    db.session.flush()
    adjust_counts(tags, +1)
    _add_revision(question, user.id, "asked")
    _review_first_post(user, question)
    signals.emit("question", actor_id=user.id, post_id=question.id)
    return question


@changes.transaction
def post_answer(user, question_id: int, body: str) -> Answer:
    question = lock_post(question_id)
    if not isinstance(question, Question):
        raise NotFound(f"Question {question_id} does not exist.")
    permissions.require("answer", user, question)
    throttling.check_new_post(user, body, question=False)
    now = utcnow()
    answer = Answer(author_id=user.id, question_id=question.id, body=body,
                    body_html=render_markdown(body), created_at=now, last_activity_at=now)
    db.session.add(answer)
    db.session.flush()
    _add_revision(answer, user.id, "answered")
    _review_first_post(user, answer)
    question.answer_count = count_answers(question.id)
    question.last_activity_at = now
    signals.emit("answer", actor_id=user.id, post_id=answer.id)
    return answer


def _review_first_post(user, post: Post) -> None:
    """A member's first ever question or answer waits in the review queue."""
    if user.is_staff:
        return
    if db.session.scalar(select(exists().where(Post.author_id == user.id, Post.id != post.id))):
        return
    db.session.add(ReviewTask(kind="first_post", post_id=post.id, author_id=user.id,
                              created_at=utcnow()))


def count_answers(question_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Answer).where(
            Answer.question_id == question_id, Answer.deleted_at.is_(None)
        )
    )


@changes.transaction
def add_comment(user, post_id: int, body: str) -> Comment:
    post = get_post(post_id)
    permissions.require("comment", user, post)
    comment = Comment(post_id=post.id, author_id=user.id, body=body,
                      body_html=render_comment(body))
    db.session.add(comment)
    db.session.execute(
        update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count + 1)
    )
    signals.emit("comment", actor_id=user.id, post_id=post.id, comment_id=comment.id)
    return comment


@changes.transaction
def delete_comment(user, comment_id: int) -> None:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound(f"Comment {comment_id} does not exist.")
    permissions.require("delete_comment", user, comment)
    comment.deleted_at = utcnow()
    db.session.execute(
        update(Post).where(Post.id == comment.post_id)
        .values(comment_count=Post.comment_count - 1)
    )


@changes.transaction
def edit_post(user, post_id: int, edit: PostEdit) -> Post:
    """Apply an edit and record it as a new revision. No-op edits are refused."""
    post = get_post(post_id)
    permissions.require("edit", user, post)
    if edit.body is not None and edit.body != post.body:
        throttling.check_edit(user, post, edit.body)
    _apply_edit(user, post, edit)
    signals.emit("edited", actor_id=user.id, post_id=post.id)
    return post


def _apply_edit(user, post: Post, edit: PostEdit) -> None:
    """Change the post and add a revision by `user`; the caller checked who may
    and commits."""
    changed = False
    if edit.body is not None and edit.body != post.body:
        post.body = edit.body
        post.body_html = render_markdown(edit.body)
        changed = True
    if isinstance(post, Question):
        if edit.title is not None and edit.title != post.title:
            post.title = edit.title
            post.slug = slugify(edit.title)
            changed = True
        if edit.tags is not None and set(edit.tags) != set(post.tag_names):
            new_tags = resolve_tags(user, edit.tags)
            db.session.flush()
            old_ids = {t.id for t in post.tags}
            new_ids = {t.id for t in new_tags}
            adjust_counts([t for t in post.tags if t.id not in new_ids], -1)
            adjust_counts([t for t in new_tags if t.id not in old_ids], +1)
            post.tags = new_tags
            changed = True
    if not changed:
        raise ValidationError({"body": "The edit changes nothing."})
    if isinstance(post, Answer):
        official.note_edit(post, user)
    now = utcnow()
    post.edited_at = now
    post.edited_by_id = user.id
    question = post if isinstance(post, Question) else post.question
    question.last_activity_at = now
    db.session.flush()
    _add_revision(post, user.id, edit.comment)


def _changes_something(post: Post, edit: PostEdit) -> bool:
    if edit.body is not None and edit.body != post.body:
        return True
    return isinstance(post, Question) and (
        (edit.title is not None and edit.title != post.title)
        or (edit.tags is not None and set(edit.tags) != set(post.tag_names)))


@changes.transaction
def suggest_edit(user, post_id: int, edit: PostEdit) -> ReviewTask:
    """An edit by someone below the edit privilege: kept in a review task until a
    reviewer approves it; the post does not change. One pending suggestion a post."""
    post = lock_post(post_id)           # one pending suggestion a post, even when racing
    permissions.require("suggest_edit", user, post)
    if not _changes_something(post, edit):
        raise ValidationError({"body": "The edit changes nothing."})
    if edit.body is not None and edit.body != post.body:
        throttling.check_edit(user, post, edit.body)
    if edit.tags is not None and isinstance(post, Question):
        missing = set(edit.tags) - set(db.session.scalars(
            select(Tag.name).where(Tag.name.in_(edit.tags))))
        if missing and (denial := permissions.deny_create_tag(user)):
            listed = ", ".join(f"'{n}'" for n in sorted(missing))
            raise ValidationError({"tags": f"No tag {listed} exists yet. {denial}"})
    if db.session.scalar(select(exists().where(
        ReviewTask.post_id == post.id, ReviewTask.kind == "suggested_edit",
        ReviewTask.status == "pending",
    ))):
        raise Conflict("This post already has a suggested edit waiting for review; "
                       "try again once a reviewer has decided on it.")
    is_question = isinstance(post, Question)
    task = ReviewTask(
        kind="suggested_edit", post_id=post.id, author_id=user.id,
        title=edit.title if is_question else None, body=edit.body,
        tags=" ".join(edit.tags) if is_question and edit.tags is not None else None,
        comment=edit.comment, created_at=utcnow(),
    )
    db.session.add(task)
    return task


def apply_suggested_edit(task: ReviewTask) -> Post:
    """Apply a pending suggested edit as a new revision by its suggester, in the
    caller's transaction (the reviewer's decision commits it)."""
    post = get_post(task.post_id)
    if _thread_locked(post):
        raise Conflict("This thread is locked: the suggested edit cannot be applied.")
    edit = PostEdit(title=task.title, body=task.body,
                    tags=tuple(task.tags.split()) if task.tags is not None else None,
                    comment=task.comment or "suggested edit")
    if not _changes_something(post, edit):
        raise Conflict("The post already reads as this suggestion proposes.")
    _apply_edit(db.session.get(User, task.author_id), post, edit)
    return post


def _thread_locked(post: Post) -> bool:
    question = post if isinstance(post, Question) else post.question
    return post.is_locked or (question is not None and question.is_locked)


def _moderator_acting_on(user, post: Post) -> bool:
    return bool(getattr(user, "is_moderator", False)) and post.author_id != user.id


@changes.transaction
def delete_post(user, post_id: int, reason: str = "", *, audited: bool = True) -> Post:
    """Soft delete. The post's reputation events are reversed. A moderator's deletion
    of someone else's post is audited, unless the caller writes a line that covers
    it (`audited=False`: a merge)."""
    post = lock_post(post_id)
    permissions.require("delete", user, post)
    now = utcnow()
    post.deleted_at = now
    post.deleted_by_id = user.id
    touched = reputation.reverse_for_post(post.id)
    if isinstance(post, Answer):
        question = lock_post(post.question_id, include_deleted=True)
        if question.accepted_answer_id == post.id:
            question.accepted_answer_id = None
        question.answer_count = count_answers(question.id)
        if question.official_answer_id == post.id:
            official.refresh_thread(question)
    else:
        adjust_counts(post.tags, -1)
    lock_users(*touched)
    reputation.refresh(*touched)
    if audited and _moderator_acting_on(user, post):
        signals.record_staff_action(user, "post.deleted", ("post", post.id), reason,
                                    kind=post.type, author_id=post.author_id)
    return post


@changes.transaction
def undelete_post(user, post_id: int, reason: str = "") -> Post:
    """Bring a deleted post back, with the reputation its deletion took away
    (except acceptance, which the deletion cleared)."""
    post = lock_post(post_id, include_deleted=True)
    permissions.require("undelete", user, post)
    deleted_at = post.deleted_at
    post.deleted_at = None
    post.deleted_by_id = None
    touched = reputation.restore_for_post(post.id, deleted_at, reputation.ACCEPT_KINDS)
    if isinstance(post, Answer):
        question = lock_post(post.question_id, include_deleted=True)
        db.session.flush()
        question.answer_count = count_answers(question.id)
        if post.is_official:
            official.refresh_thread(question)
    else:
        adjust_counts(post.tags, +1)
    lock_users(*touched)
    reputation.refresh(*touched)
    if _moderator_acting_on(user, post):
        signals.record_staff_action(user, "post.undeleted", ("post", post.id), reason,
                                    kind=post.type, author_id=post.author_id)
    return post


def revisions(post_id: int) -> list[Revision]:
    return list(db.session.scalars(
        select(Revision).where(Revision.post_id == post_id).order_by(Revision.number)
    ))
