"""Rendering stored posts again after the Markdown rules change.

`body_html` is rendered once, when a post or comment is written, by
`forum.markup`. When the markup rules improve (nested lists indented by two
spaces, fenced code inside list items), posts already stored keep their old HTML
until edited; `rerender` renders every body again and writes only what changed,
a batch per unit of work, so each changed thread's caches and search entry are
refreshed by the usual after-commit work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from forum import changes
from forum.extensions import db
from forum.markup import render_comment, render_markdown
from forum.models import Comment, Post


@dataclass
class RerenderReport:
    posts: int = 0
    comments: int = 0
    changed_posts: int = 0
    changed_comments: int = 0


def rerender(batch: int = 500, progress: Callable[[RerenderReport], None] | None = None
             ) -> RerenderReport:
    report = RerenderReport()
    for model, render, seen, changed in ((Post, render_markdown, "posts", "changed_posts"),
                                         (Comment, render_comment, "comments", "changed_comments")):
        last = 0
        while True:
            with changes.writing():
                rows = list(db.session.scalars(select(model).where(model.id > last)
                                               .order_by(model.id).limit(batch)))
                for row in rows:
                    html = render(row.body)
                    if html != row.body_html:
                        row.body_html = html
                        setattr(report, changed, getattr(report, changed) + 1)
            if not rows:
                break
            last = rows[-1].id
            setattr(report, seen, getattr(report, seen) + len(rows))
            db.session.expunge_all()
            if progress:
                progress(report)
    return report
