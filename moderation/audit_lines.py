"""The audit log in words: each entry as a sentence a moderator can read.

"priya.n closed “Printer offline” as a duplicate of “PrintJet offline after
update”", "sam_support suspended spammer42 for 3 days": post titles (linked by
the page), people's names, human action names, and the details as words, never
a raw dictionary. Everything an entry points at is loaded in bulk, a fixed
number of queries for a page of the log.

A sentence is a list of `Part`s: plain text, or a question, an answer or a user
the template turns into a link, so no HTML is built here and every piece of
user text is escaped by the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from forum.extensions import db
from forum.models import Attachment, AuditEntry, Flag, Post, Question, SupportCase, User
from moderation import audit
from moderation.closing import SHORT_LABELS
from moderation.flags import REASON_LABELS, posts_with_threads, thread_of

# Human names of the actions, for the log's filter.
ACTION_NAMES = {
    "answer.confirmed": "Confirmed an official answer",
    "case.assigned": "Assigned a support case",
    "case.opened": "Opened a support case",
    "case.published": "Published a case's solution",
    "case.resolved": "Resolved a support case",
    "case.state": "Changed a support case's state",
    "case.tier": "Changed a support case's tier",
    "answer.official": "Marked an answer official",
    "answer.official_withdrawn": "Withdrew an official mark",
    "attachment.verified": "Verified a fix file",
    "flag.declined": "Declined a flag",
    "flag.helpful": "Marked a flag helpful",
    "post.deleted": "Deleted a post",
    "post.hidden_by_flags": "Post hidden by flags",
    "post.locked": "Locked a post",
    "post.rolled_back": "Rolled back a post",
    "post.undeleted": "Undeleted a post",
    "post.unhidden": "Showed a hidden post again",
    "post.unlocked": "Unlocked a post",
    "question.bug_linked": "Linked a bug",
    "question.bug_requested": "Asked the tracker for a bug",
    "question.closed": "Closed a question",
    "question.known_issue": "Marked a known issue",
    "question.known_issue_cleared": "Cleared a known issue",
    "question.known_issue_reopened": "Reopened a known issue",
    "question.merged": "Merged questions",
    "question.pinned": "Pinned a question",
    "question.protected": "Protected a question",
    "question.reopened": "Reopened a question",
    "question.unpinned": "Unpinned a question",
    "question.unprotected": "Unprotected a question",
    "review.approved": "Approved a review task",
    "review.rejected": "Rejected a review task",
    "tag_synonym.added": "Added a tag synonym",
    "tag_synonym.removed": "Removed a tag synonym",
    "user.role": "Changed a role",
    "user.suspended": "Suspended a user",
    "user.unsuspended": "Lifted a suspension",
    "user.delete": "Deleted their account",
    "user.password_reset": "Reset their password",
}

# Actions whose `reason` is what the moderator typed (shown as "Reason: …");
# for the others the service wrote it and the sentence already says it.
TYPED_REASONS = {"post.locked", "post.unlocked", "post.deleted", "post.undeleted",
                 "question.protected", "question.unprotected", "question.merged",
                 "user.suspended", "user.unsuspended", "flag.helpful", "flag.declined",
                 "review.approved", "review.rejected", "post.unhidden"}
KNOWN_STATES = {"investigating": "Investigating", "fix_planned": "Fix planned",
                "fixed": "Fixed"}
TRACKERS = {"github": "GitHub", "jira": "Jira", "gitlab": "GitLab", "other": "bug"}
REVIEW_KINDS = {"suggested_edit": "a suggested edit to", "first_post": "the first post"}


@dataclass
class Part:
    """A piece of a sentence: text, or a thing the page links to."""

    text: str
    question: Question | None = None      # link to the thread
    anchor: str | None = None             # ... at this answer
    user: User | None = None              # link to the profile
    when: datetime | None = None          # a <time> element


@dataclass
class Line:
    entry: AuditEntry
    parts: list[Part]                     # the sentence after the actor's name
    reason: str = ""                      # what the moderator typed
    notes: list[list[Part]] = field(default_factory=list)   # details, each a sentence

    @property
    def reason_label(self) -> str:
        """A decision's words are a note to the person; an action's, its reason."""
        return "Note" if self.entry.action.startswith(("flag.", "review.")) else "Reason"

    @property
    def actor(self) -> User | None:
        return self.entry.actor

    @property
    def when(self) -> datetime:
        return self.entry.created_at


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action) or action.replace("_", " ").replace(".", ": ").capitalize()


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """(value, label) pairs for the filter, sorted by label."""
    return sorted(((a, action_name(a)) for a in actions), key=lambda pair: pair[1])


# -- loading what the entries point at ------------------------------------------

@dataclass
class _Refs:
    posts: dict[int, Post]
    users: dict[int, User]
    flags: dict[int, Flag]
    files: dict[int, Attachment]
    cases: dict[int, SupportCase]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _load(entries: list[AuditEntry], details: dict[int, dict]) -> _Refs:
    post_ids: set[int] = set()
    user_ids: set[int] = set()
    flag_ids: set[int] = set()
    file_ids: set[int] = set()
    case_ids: set[int] = set()
    for e in entries:
        d = details[e.id]
        {"post": post_ids, "user": user_ids, "flag": flag_ids, "attachment": file_ids,
         "case": case_ids}.get(e.target_type, set()).add(e.target_id)
        for key in ("post_id", "duplicate_of", "into"):
            if _int(d.get(key)):
                post_ids.add(d[key])
        for key in ("flagger_id", "author_id"):
            if _int(d.get(key)):
                user_ids.add(d[key])
    files = {a.id: a for a in db.session.scalars(
        select(Attachment).where(Attachment.id.in_(file_ids)))} if file_ids else {}
    post_ids.update(a.post_id for a in files.values())
    cases = {c.id: c for c in db.session.scalars(
        select(SupportCase).where(SupportCase.id.in_(case_ids)))} if case_ids else {}
    post_ids.update(c.question_id for c in cases.values() if c.question_id)
    flags = {f.id: f for f in db.session.scalars(
        select(Flag).where(Flag.id.in_(flag_ids)))} if flag_ids else {}
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return _Refs(posts=posts_with_threads(post_ids), users=users, flags=flags, files=files,
                 cases=cases)


# -- words ------------------------------------------------------------------------

def _post(refs: _Refs, post_id: int | None, *, bare: bool = False) -> list[Part]:
    """“Title” for a question; "an answer to “Title”" for an answer."""
    post = refs.posts.get(post_id) if post_id else None
    if post is None:
        return [Part(f"post {post_id}" if post_id else "a post that is gone")]
    question = thread_of(post, refs.posts)
    if isinstance(post, Question):
        return [Part(f"“{post.title}”", question=post)]
    if question is None:
        return [Part(f"answer {post.id}")]
    return [Part("" if bare else "an answer to "),
            Part(f"“{question.title}”", question=question, anchor=f"answer-{post.id}")]


def _user(refs: _Refs, user_id: int | None) -> Part:
    user = refs.users.get(user_id) if user_id else None
    return Part(user.username, user=user) if user else Part("a deleted user")


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _voters(d: dict) -> list[Part]:
    voters = [v for v in d.get("voters") or [] if isinstance(v, dict)]
    if d.get("binding"):
        return [Part("A binding vote: it took effect at once.")]
    names = [str(v.get("username") or "someone") for v in voters]
    if not names:
        return []
    return [Part(f"After votes from {_names(names)}.")]


def _days(n: Any) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _sentence(e: AuditEntry, d: dict, refs: _Refs) -> tuple[list[Part], list[list[Part]]]:
    """The sentence for one entry (after the actor) and its notes."""
    a, target = e.action, e.target_id
    notes: list[list[Part]] = []
    post = _post(refs, target) if e.target_type == "post" else []

    if a == "question.closed":
        code = d.get("reason_code")
        if code == "duplicate" and _int(d.get("duplicate_of")):
            parts = [Part("closed "), *post, Part(" as a duplicate of "),
                     *_post(refs, d["duplicate_of"])]
        else:
            label = SHORT_LABELS.get(code) or e.reason or "closed"
            parts = [Part("closed "), *post, Part(f" as {label}")]
        if (voters := _voters(d)):
            notes.append(voters)
    elif a == "question.reopened":
        parts = [Part("reopened "), *post]
        if e.reason:
            notes.append([Part(f"It {e.reason}.")])
        if (voters := _voters(d)):
            notes.append(voters)
    elif a == "question.merged":
        parts = [Part("merged "), *post, Part(" into "), *_post(refs, _int(d.get("into")))]
        moved = d.get("answers") or []
        if isinstance(moved, list):
            notes.append([Part(f"{len(moved)} answer{'' if len(moved) == 1 else 's'} moved.")])
    elif a in ("question.pinned", "question.unpinned"):
        where = f"the top of tag {d['tag']}" if d.get("tag") else "the front page"
        parts = ([Part("pinned "), *post, Part(f" to {where}")] if a == "question.pinned"
                 else [Part("unpinned "), *post, Part(f" from {where}")])
    elif a == "question.protected":
        parts = [Part("protected "), *post]
    elif a == "question.unprotected":
        parts = [Part("removed the protection from "), *post]
    elif a == "question.known_issue":
        state, _, ref = (e.reason or "").partition(": ")
        parts = [Part("marked "), *post,
                 Part(f" as a known issue: {KNOWN_STATES.get(state, state or 'updated')}")]
        if ref:
            notes.append([Part(f"Engineering reference: {ref}.")])
    elif a == "question.known_issue_cleared":
        parts = [Part("cleared the known-issue mark on "), *post]
    elif a == "question.known_issue_reopened":
        parts = [Part("reopened the known issue "), *post, Part(", back to investigating")]
    elif a == "question.bug_linked":
        kind, _, bug = (e.reason or "").partition(" ")
        parts = [Part("linked "), *post,
                 Part(f" to the {TRACKERS.get(kind, kind)} bug {bug}".rstrip())]
    elif a == "question.bug_requested":
        parts = [Part("asked the bug tracker to open a bug for "), *post]
    elif a in ("post.locked", "post.unlocked", "post.deleted", "post.undeleted"):
        parts = [Part(a.split(".")[1] + " "), *post]
    elif a == "post.hidden_by_flags":
        parts = [Part("hid "), *post]
        notes.append([Part(f"{e.reason}.")] if e.reason else [])
    elif a == "post.unhidden":
        parts = [Part("showed "), *post, Part(" again")]
    elif a == "post.rolled_back":
        parts = [Part("rolled "), *post, Part(f" back to revision {d.get('revision', '?')}")]
    elif a in ("flag.helpful", "flag.declined"):
        flag = refs.flags.get(target)
        post_id = _int(d.get("post_id")) or (flag.post_id if flag else None)
        reason = REASON_LABELS.get(d.get("flag_reason") or (flag.reason if flag else ""), "")
        parts = [Part("marked "), _user(refs, _int(d.get("flagger_id"))),
                 Part(f"’s {reason.lower() + ' ' if reason else ''}flag on "),
                 *_post(refs, post_id),
                 Part(" helpful" if a == "flag.helpful" else " declined")]
        if flag is not None and flag.duplicate_of_id:
            notes.append([Part("The flag named "), *_post(refs, flag.duplicate_of_id),
                          Part(" as the original.")])
    elif a in ("review.approved", "review.rejected"):
        what = REVIEW_KINDS.get(d.get("kind"), "a review task on")
        parts = [Part(a.split(".")[1] + f" {what} "), *_post(refs, _int(d.get("post_id"))),
                 Part(" by "), _user(refs, _int(d.get("author_id")))]
    elif a == "answer.official":
        parts = [Part("marked "), *_post(refs, target), Part(" as the official answer")]
    elif a == "answer.confirmed":
        parts = [Part("confirmed the official mark on "), *_post(refs, target),
                 Part(" after an edit")]
    elif a == "answer.official_withdrawn":
        parts = [Part("withdrew the official mark from "), *_post(refs, target)]
    elif a == "attachment.verified":
        file = refs.files.get(target)
        name = f"the file {file.filename}" if file else f"file {target}"
        where = [Part(" on "), *_post(refs, file.post_id)] if file else []
        parts = ([Part(f"marked {name}"), *where, Part(" as a verified fix")] if d.get("verified")
                 else [Part(f"removed the verified mark from {name}"), *where])
    elif a.startswith("case."):
        case = refs.cases.get(target)
        on = ([Part(f"the support case #{target} on "), *_post(refs, case.question_id)]
              if case is not None and case.question_id else [Part(f"support case #{target}")])
        verb = a.split(".", 1)[1]
        if verb == "opened":
            parts = [Part("opened "), *on]
        elif verb == "tier":
            parts = [Part("moved "), *on, Part(f" from {d.get('before', '?')} to "
                                               f"{d.get('after', '?')}")]
        elif verb == "assigned":
            parts = ([Part("assigned "), *on, Part(f" to {d['to']}")] if d.get("to")
                     else [Part("unassigned "), *on])
        elif verb == "state":
            parts = [Part("set "), *on, Part(f" from {d.get('before', '?')} to "
                                             f"{d.get('after', '?')}")]
        elif verb == "published":
            parts = [Part("published the solution of "), *on, Part(" as an official answer")]
        elif verb == "resolved":
            parts = [Part("resolved "), *on]
        else:
            parts = [Part(action_name(a).lower() + ": "), *on]
    elif a == "user.role":
        old, _, new = (e.reason or "").partition(" -> ")
        parts = [Part("changed the role of "), _user(refs, target),
                 Part(f" from {old} to {new}" if new else "")]
    elif a == "user.suspended":
        parts = [Part("suspended "), _user(refs, target)]
        if _int(d.get("days")):
            parts.append(Part(f" for {_days(d['days'])}"))
        if (until := _parse_time(d.get("until"))):
            notes.append([Part("Until "), Part("", when=until), Part(".")])
        if _parse_time(d.get("replaces_until")):
            notes.append([Part("It replaces an earlier suspension.")])
    elif a == "user.unsuspended":
        parts = [Part("lifted the suspension of "), _user(refs, target)]
        if _int(d.get("days")) is not None:
            notes.append([Part(f"{_days(d['days'])} were left." if d["days"] != 1
                               else "1 day was left.")])
    elif a == "tag_synonym.added":
        parts = [Part(f"made the tag “{d.get('source', '?')}” a synonym of "
                      f"“{d.get('tag', '?')}”")]
        moved = _int(d.get("moved_questions"))
        if moved:
            notes.append([Part(f"{moved} question{'' if moved == 1 else 's'} retagged.")])
    elif a == "tag_synonym.removed":
        parts = [Part(f"removed the tag synonym “{d.get('source', '?')}” → "
                      f"“{d.get('tag', '?')}”")]
    else:
        target_part = post or ([_user(refs, target)] if e.target_type == "user"
                               else [Part(f"{e.target_type.replace('_', ' ')} {target}")])
        parts = [Part(action_name(a).lower() + ": "), *target_part]
        if e.reason and a not in TYPED_REASONS:
            notes.append([Part(e.reason)])
    if d.get("via") == "cli":
        notes.append([Part("From the command line.")])
    return parts, [n for n in notes if n]


def describe(entries: list[AuditEntry]) -> list[Line]:
    """A sentence for each entry, in the same order."""
    details = {e.id: audit.details_of(e) for e in entries}
    refs = _load(entries, details)
    lines = []
    for e in entries:
        parts, notes = _sentence(e, details[e.id], refs)
        reason = e.reason if e.action in TYPED_REASONS else ""
        lines.append(Line(entry=e, parts=parts, reason=reason, notes=notes))
    return lines


__all__ = ["ACTION_NAMES", "Line", "Part", "action_choices", "action_name", "describe"]
