"""Who may do what: the one place that decides.

Each rule is a small function that returns `None` when the action is allowed and
a sentence saying why not otherwise. Services call `require(...)`, which raises
`PermissionDenied` with that sentence; templates call `can(...)` (through a context
processor) to hide the buttons a user may not use. Thresholds come from config
(`PRIV_*`); staff, moderators and admins have every privilege.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from forum.errors import PermissionDenied

PRIVILEGES = {
    "ask": "PRIV_ASK",
    "answer": "PRIV_ANSWER",
    "upvote": "PRIV_UPVOTE",
    "flag": "PRIV_FLAG",
    "comment": "PRIV_COMMENT",
    "downvote": "PRIV_DOWNVOTE",
    "create_tags": "PRIV_CREATE_TAGS",
    "close": "PRIV_CLOSE",
    "edit_others": "PRIV_EDIT_OTHERS",
}


def threshold(privilege: str) -> int:
    return int(current_app.config[PRIVILEGES[privilege]])


def has_privilege(user: Any, privilege: str) -> bool:
    if not _signed_in(user) or user.is_suspended:
        return False
    return user.is_staff or user.reputation >= threshold(privilege)


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _writer(user: Any) -> str | None:
    """The checks every write shares: signed in, not suspended."""
    if not _signed_in(user):
        return "Log in first."
    if user.is_suspended:
        reason = f": {user.suspension_reason}" if user.suspension_reason else ""
        until = user.suspended_until.strftime("%Y-%m-%d %H:%M UTC")
        return f"Your account is suspended until {until}{reason}."
    return None


def _privilege(user: Any, privilege: str, what: str) -> str | None:
    if has_privilege(user, privilege):
        return None
    return f"{what} needs {threshold(privilege)} reputation; you have {user.reputation}."


def deny_ask(user: Any) -> str | None:
    return _writer(user) or _privilege(user, "ask", "Asking")


def _thread_locked(post: Any) -> bool:
    if post.is_locked:
        return True
    question = post if post.is_question else post.question
    return question is not None and question.is_locked


def deny_answer(user: Any, question: Any) -> str | None:
    if question.is_deleted:
        return "This question has been deleted."
    if question.is_locked:
        return "This question is locked: it takes no new answers."
    if question.status == "closed":
        return "This question is closed and no longer accepts answers."
    if denial := _writer(user) or _privilege(user, "answer", "Answering"):
        return denial
    if question.protected_at is not None and not user.is_staff:
        need = int(current_app.config["PROTECTED_MIN_REP"])
        if user.reputation < need:
            return (f"This question is protected: answering it needs {need} reputation "
                    f"earned on this site; you have {user.reputation}.")
    return None


def deny_comment(user: Any, post: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if post.is_deleted:
        return "You cannot comment on a deleted post."
    if _thread_locked(post):
        return "This thread is locked: it takes no new comments."
    if post.author_id == user.id:
        return None
    # Askers may always comment on the answers to their own question.
    if post.type == "answer" and post.question.author_id == user.id:
        return None
    return _privilege(user, "comment", "Commenting on other people's posts")


def deny_vote(user: Any, post: Any, value: int) -> str | None:
    if denial := _writer(user):
        return denial
    if post.is_deleted:
        return "You cannot vote on a deleted post."
    if _thread_locked(post):
        return "This thread is locked: its votes are frozen."
    if post.author_id == user.id:
        return "You cannot vote on your own post."
    if value > 0:
        return _privilege(user, "upvote", "Voting up")
    if value < 0:
        return _privilege(user, "downvote", "Voting down")
    return None


def deny_accept(user: Any, answer: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if answer.is_deleted or answer.question.is_deleted:
        return "You cannot accept a deleted answer."
    if answer.question.author_id != user.id:
        return "Only the person who asked the question can accept an answer."
    if _thread_locked(answer):
        return "This thread is locked."
    return None


def deny_edit(user: Any, post: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if post.is_deleted and not user.is_moderator:
        return "You cannot edit a deleted post."
    if _thread_locked(post) and not user.is_moderator:
        return "This thread is locked: only moderators can edit it."
    if post.author_id == user.id:
        return None
    return _privilege(user, "edit_others", "Editing other people's posts")


def deny_suggest_edit(user: Any, post: Any) -> str | None:
    """Users below the edit privilege may suggest an edit; reviewers decide."""
    if denial := _writer(user):
        return denial
    if post.is_deleted:
        return "You cannot edit a deleted post."
    if _thread_locked(post):
        return "This thread is locked: only moderators can edit it."
    if post.author_id == user.id or has_privilege(user, "edit_others"):
        return "You can edit this post directly."
    return None


def deny_delete(user: Any, post: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if post.is_deleted:
        return "This post is already deleted."
    if user.is_moderator:
        return None
    if post.author_id != user.id:
        return "You can only delete your own posts."
    if post.type == "question" and _has_helpful_answers(post):
        return ("This question has an accepted or upvoted answer; deleting it would throw "
                "away other people's work. Ask a moderator if it must go.")
    return None


def _has_helpful_answers(question: Any) -> bool:
    from sqlalchemy import exists, select

    from forum.extensions import db
    from forum.models import Answer

    if question.accepted_answer_id is not None:
        return True
    return bool(db.session.scalar(select(exists().where(
        Answer.question_id == question.id, Answer.deleted_at.is_(None), Answer.score > 0,
    ))))


def deny_create_tag(user: Any) -> str | None:
    return _writer(user) or _privilege(user, "create_tags", "Creating new tags")


def deny_delete_comment(user: Any, comment: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if comment.author_id == user.id or user.is_moderator:
        return None
    return "You can only delete your own comments."


def _company_staff(user: Any, what: str) -> str | None:
    if denial := _writer(user):
        return denial
    if not user.is_company_staff:
        return f"Only {_company()} staff can {what}."
    return None


def _company() -> str:
    return current_app.config.get("COMPANY_NAME") or "company"


def deny_mark_official(user: Any, answer: Any) -> str | None:
    if denial := _company_staff(user, "mark answers official"):
        return denial
    if answer.is_deleted or answer.question.is_deleted:
        return "You cannot verify a deleted answer."
    return None


def deny_mark_known(user: Any, question: Any) -> str | None:
    if denial := _company_staff(user, "mark known issues"):
        return denial
    if question.is_deleted:
        return "This question has been deleted."
    return None


def deny_verify_file(user: Any, attachment: Any) -> str | None:
    if denial := _company_staff(user, "mark a fix as verified"):
        return denial
    if attachment.kind != "fix":
        return "Only files of the kind \"fix\" can be marked as a verified fix."
    return None


def deny_attach_fix_to_question(user: Any) -> str | None:
    """A question's files are the asker's logs and screenshots: only company
    staff label one a fix (which staff may then mark verified)."""
    return _company_staff(user, "label a file on a question as a fix")


def deny_staff_desk(user: Any) -> str | None:
    return _company_staff(user, "use the staff desk")


def deny_upload_executable(user: Any) -> str | None:
    return _company_staff(user, "attach executables and installers")


def deny_manage_roles(user: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if user.role != "admin":
        return "Only admins can change roles."
    return None


def deny_manage_products(user: Any) -> str | None:
    """The list of products, their versions and owners: admins."""
    if denial := _writer(user):
        return denial
    if user.role != "admin":
        return "Only admins can change the list of products."
    return None


def deny_manage_jobs(user: Any) -> str | None:
    """The job queue's parked jobs: admins (they may hold other people's events)."""
    if denial := _writer(user):
        return denial
    if user.role != "admin":
        return "Only admins can see and retry the job queue."
    return None


# -- the support desk (forum/services/cases.py) ------------------------------------

def deny_open_case(user: Any, question: Any) -> str | None:
    if denial := _company_staff(user, "open support cases"):
        return denial
    if question.is_deleted:
        return "This question has been deleted."
    return None


def deny_view_case(user: Any, case: Any) -> str | None:
    """A case is private: its requester and company staff (moderators curate the
    public forum; they see cases only if they are staff too)."""
    if not _signed_in(user):
        return "Log in first."
    if user.id == case.requester_id or user.is_company_staff:
        return None
    return "This case is private."


def deny_reply_case(user: Any, case: Any) -> str | None:
    return _writer(user) or deny_view_case(user, case)


def deny_manage_case(user: Any, case: Any) -> str | None:
    """Tier, assignment, state, internal notes, resolving: company staff."""
    return _company_staff(user, "manage support cases")


def deny_me_too(user: Any, question: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if question.is_deleted:
        return "This question has been deleted."
    if question.author_id == user.id:
        return "You asked this question: you are already counted."
    return None


def deny_delete_attachment(user: Any, attachment: Any, post: Any) -> str | None:
    """A file leaves a post by its author, its uploader or a moderator."""
    if denial := _writer(user):
        return denial
    if user.is_moderator or user.id in (post.author_id, attachment.uploader_id):
        return None
    return "Only the author of the post or a moderator can remove its files."


def deny_attach(user: Any, post: Any) -> str | None:
    """Files go on your own posts, or on posts you may edit."""
    return deny_edit(user, post)


# -- moderation -------------------------------------------------------------

def deny_flag(user: Any, post: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if post.is_deleted:
        return "This post has been deleted."
    if post.author_id == user.id:
        return "You cannot flag your own post."
    return _privilege(user, "flag", "Flagging")


def _close_voter(user: Any, question: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if not question.is_question:
        return "Only questions can be closed or reopened."
    if question.is_deleted:
        return "This question has been deleted."
    if question.is_locked and not user.is_moderator:
        return "This question is locked."
    return _privilege(user, "close", "Voting to close or reopen")


def deny_close(user: Any, question: Any) -> str | None:
    if denial := _close_voter(user, question):
        return denial
    if question.status == "closed":
        return "This question is already closed."
    return None


def deny_reopen(user: Any, question: Any) -> str | None:
    if denial := _close_voter(user, question):
        return denial
    if question.status != "closed":
        return "This question is not closed."
    return None


def deny_review(user: Any) -> str | None:
    """The review queues (suggested edits, first posts)."""
    return _writer(user) or _privilege(user, "close", "Reviewing")


def deny_moderate(user: Any) -> str | None:
    """Moderator actions: flag decisions, lock, pin, protect, delete anything,
    undelete, merge, roll back, suspend, the audit log."""
    if denial := _writer(user):
        return denial
    if not user.is_moderator:
        return "Only moderators can do that."
    return None


def deny_manage_tag_synonyms(user: Any) -> str | None:
    """Adding and removing tag synonyms (which may merge a tag into another):
    moderators and admins, like every moderator action."""
    return deny_moderate(user)


def deny_undelete(user: Any, post: Any) -> str | None:
    if denial := _writer(user):
        return denial
    if not post.is_deleted:
        return "This post is not deleted."
    if user.is_moderator:
        return None
    if post.author_id == user.id and post.deleted_by_id == user.id:
        return None
    return "Only moderators can undelete posts that others deleted."


def deny_suspend(user: Any, target: Any) -> str | None:
    if denial := deny_moderate(user):
        return denial
    if target.id == user.id:
        return "You cannot suspend yourself."
    if target.is_moderator and user.role != "admin":
        return "Only admins can suspend moderators and admins."
    return None


# -- knowledge-base articles (forum/services/knowledge_base.py) -----------------
# Company staff write, edit and review articles. Publishing needs a second pair
# of eyes: the reviewer is neither the one who sent the article to review nor
# the author of its current text; an admin may publish on their own (from draft
# or review).

def deny_write_article(user: Any) -> str | None:
    return _company_staff(user, "write knowledge-base articles")


def deny_edit_article(user: Any, article: Any) -> str | None:
    return _company_staff(user, "edit knowledge-base articles")


def deny_view_article(user: Any, article: Any) -> str | None:
    """Published articles are public; drafts and articles in review are staff's."""
    if article.state == "published":
        return None
    if _signed_in(user) and user.is_company_staff:
        return None
    return "This article is not published."


def deny_submit_article(user: Any, article: Any) -> str | None:
    if denial := _company_staff(user, "send articles to review"):
        return denial
    if article.state != "draft":
        return "Only a draft can be sent to review."
    return None


def deny_publish_article(user: Any, article: Any) -> str | None:
    if denial := _company_staff(user, "publish knowledge-base articles"):
        return denial
    if article.state == "published":
        return "This article is already published."
    if user.role == "admin":
        return None
    if article.state != "review":
        return "Send the article to review first: another staff member publishes it."
    if user.id in (article.submitted_by_id, article.edited_by_id):
        return ("Another staff member must review it: you sent it to review or wrote "
                "its current text.")
    return None


def deny_unpublish_article(user: Any, article: Any) -> str | None:
    """Back to draft: a published article, or one in review sent back."""
    if denial := _company_staff(user, "unpublish knowledge-base articles"):
        return denial
    if article.state == "draft":
        return "This article is already a draft."
    return None


RULES: dict[str, Callable[..., str | None]] = {
    "ask": deny_ask,
    "answer": deny_answer,
    "comment": deny_comment,
    "vote": deny_vote,
    "accept": deny_accept,
    "edit": deny_edit,
    "delete": deny_delete,
    "create_tag": deny_create_tag,
    "delete_comment": deny_delete_comment,
    "mark_official": deny_mark_official,
    "mark_known": deny_mark_known,
    "verify_file": deny_verify_file,
    "staff_desk": deny_staff_desk,
    "upload_executable": deny_upload_executable,
    "manage_roles": deny_manage_roles,
    "manage_jobs": deny_manage_jobs,
    "manage_products": deny_manage_products,
    "me_too": deny_me_too,
    "open_case": deny_open_case,
    "view_case": deny_view_case,
    "reply_case": deny_reply_case,
    "manage_case": deny_manage_case,
    "attach": deny_attach,
    "attach_fix_to_question": deny_attach_fix_to_question,
    "delete_attachment": deny_delete_attachment,
    "suggest_edit": deny_suggest_edit,
    "flag": deny_flag,
    "close": deny_close,
    "reopen": deny_reopen,
    "review": deny_review,
    "moderate": deny_moderate,
    "manage_tag_synonyms": deny_manage_tag_synonyms,
    "undelete": deny_undelete,
    "suspend": deny_suspend,
    "write_article": deny_write_article,
    "edit_article": deny_edit_article,
    "view_article": deny_view_article,
    "submit_article": deny_submit_article,
    "publish_article": deny_publish_article,
    "unpublish_article": deny_unpublish_article,
}


def can(action: str, user: Any, *args: Any) -> bool:
    return RULES[action](user, *args) is None


def require(action: str, user: Any, *args: Any) -> None:
    if (denial := RULES[action](user, *args)) is not None:
        raise PermissionDenied(denial)
