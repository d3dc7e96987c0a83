"""Bulk-writing prepared threads: Core inserts shaped like the services' rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select, update

from forum.extensions import db
from forum.importing.records import ImportFailure, PreparedPost, PreparedThread
from forum.models import Post, Revision, Tag, User, question_tags, utcnow
from forum.slugs import slugify

UNUSABLE_PASSWORD = "!imported-account-cannot-sign-in"
IMPORT_EMAIL_DOMAIN = "import.invalid"


@dataclass
class ImportReport:
    threads: int = 0
    answers: int = 0
    skipped: int = 0           # threads already imported
    empty_replies: int = 0     # answers without any text, left out
    users: int = 0
    tags: int = 0
    per_file: dict[str, int] = field(default_factory=dict)


class Writer:
    """Bulk-writes prepared threads; caches user and tag ids across batches."""

    def __init__(self, report: ImportReport):
        self.report = report
        self.users: dict[str, int] = {}
        self.tags: dict[str, int] = {}

    def user_id(self, username: str, site: str | None) -> int:
        if username not in self.users:
            email = f"{username}@{IMPORT_EMAIL_DOMAIN}"
            user = db.session.scalar(select(User).where(User.username_lower == username.lower()))
            if user is not None and user.email != email:
                raise ImportFailure(f"The username {username!r} belongs to a real account; "
                                    "rename it before importing.")
            if user is None:
                origin = f"https://{site}" if site else "the 20 Newsgroups corpus (Usenet, 1993)"
                user = User(username=username, username_lower=username.lower(), email=email,
                            password_hash=UNUSABLE_PASSWORD, role="member",
                            about=f"Imported threads from {origin}. The original authors are "
                                  "credited through each post's source link.")
                db.session.add(user)
                db.session.flush()
                self.report.users += 1
            self.users[username] = user.id
        return self.users[username]

    def tag_ids(self, names: set[str]) -> None:
        missing = names - self.tags.keys()
        if missing:
            self.tags.update(db.session.execute(
                select(Tag.name, Tag.id).where(Tag.name.in_(missing))).all())
        new = sorted(names - self.tags.keys())
        if new:
            rows = db.session.execute(
                Tag.__table__.insert().returning(Tag.id, sort_by_parameter_order=True),
                [{"name": n, "description": "", "question_count": 0, "created_at": utcnow()}
                 for n in new]).scalars().all()
            self.tags.update(zip(new, rows, strict=True))
            self.report.tags += len(new)

    def write(self, threads: list[PreparedThread]) -> int:
        """Insert one batch of new threads (in the caller's unit of work); return how many."""
        if not threads:
            return 0
        authors = [self.user_id(t.username, t.site) for t in threads]
        self.tag_ids({n for t in threads for n in t.tags})
        posts = Post.__table__
        insert = posts.insert().returning(posts.c.id, sort_by_parameter_order=True)
        question_ids = db.session.execute(insert, [_question_row(t, a) for t, a in zip(
            threads, authors, strict=True)]).scalars().all()
        answer_rows, owners = [], []
        for thread, author, qid in zip(threads, authors, question_ids, strict=True):
            for answer in thread.answers:
                answer_rows.append(_answer_row(answer, author, qid))
                owners.append((thread, answer, author))
        answer_ids = db.session.execute(insert, answer_rows).scalars().all() if answer_rows else []
        revisions = [_revision(qid, a, t.body, t.created_at, t.title, " ".join(sorted(t.tags)))
                     for t, a, qid in zip(threads, authors, question_ids, strict=True)]
        revisions += [_revision(aid, author, answer.body, answer.created_at)
                      for (_, answer, author), aid in zip(owners, answer_ids, strict=True)]
        db.session.execute(Revision.__table__.insert(), revisions)
        db.session.execute(question_tags.insert(), [
            {"question_id": qid, "tag_id": self.tags[n]}
            for t, qid in zip(threads, question_ids, strict=True) for n in t.tags])
        qid_of = {id(t): qid for t, qid in zip(threads, question_ids, strict=True)}
        accepted = [{"b_id": qid_of[id(t)], "b_answer": aid}
                    for (t, answer, _), aid in zip(owners, answer_ids, strict=True) if answer.accepted]
        if accepted:
            db.session.execute(update(posts).where(posts.c.id == bindparam("b_id"))
                               .values(accepted_answer_id=bindparam("b_answer")), accepted)
        counts = Counter(n for t in threads for n in t.tags)
        tags = Tag.__table__
        db.session.execute(
            update(tags).where(tags.c.id == bindparam("b_id"))
            .values(question_count=tags.c.question_count + bindparam("b_n")),
            [{"b_id": self.tags[n], "b_n": c} for n, c in counts.items()])
        self.report.answers += len(answer_rows)
        return len(threads)


def _question_row(t: PreparedThread, author_id: int) -> dict:
    activity = max([t.created_at, *(a.created_at for a in t.answers)])
    return {**_post_row(t, author_id, "question"), "title": t.title, "slug": slugify(t.title),
            "status": "closed" if t.closed else "open", "answer_count": len(t.answers),
            "view_count": t.view_count, "last_activity_at": activity}


def _answer_row(a: PreparedPost, author_id: int, question_id: int) -> dict:
    return {**_post_row(a, author_id, "answer"), "question_id": question_id,
            "last_activity_at": a.created_at}


def _post_row(p: PreparedPost, author_id: int, kind: str) -> dict:
    return {"type": kind, "author_id": author_id, "body": p.body, "body_html": p.body_html,
            "score": p.score, "imported_score": p.score, "comment_count": 0, "created_at": p.created_at,
            "source": p.source, "source_url": p.source_url, "content_license": p.content_license}


def _revision(post_id: int, author_id: int, body: str, when: datetime,
              title: str | None = None, tags: str | None = None) -> dict:
    return {"post_id": post_id, "number": 1, "author_id": author_id, "title": title,
            "body": body, "tags": tags, "comment": "imported", "created_at": when}
