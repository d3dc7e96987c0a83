"""Stored posts are rendered again when the Markdown rules change."""

from __future__ import annotations

from sqlalchemy import update

from forum.extensions import db
from forum.models import Comment, Post
from forum.services import posting, rendering
from tests.factories import make_answer, make_question, make_user

NESTED = "Steps:\n\n1. Open settings\n   - Wi-Fi\n   - Advanced\n2. Restart\n"


def test_rerender_writes_only_what_changed_and_fixes_old_html(app):
    question = make_question(title="Wi-Fi drops after sleep on the laptop")
    answer = make_answer(question, body=NESTED)
    commenter = make_user(reputation_points=100)
    comment = posting.add_comment(commenter, answer.id, "Thanks, **that** worked")
    answer_id, comment_id = answer.id, comment.id
    good_html = db.session.get(Post, answer_id).body_html
    assert "<ul>" in good_html
    # As stored before the nested-list rules: one paragraph with literal dashes.
    db.session.execute(update(Post).where(Post.id == answer_id)
                       .values(body_html="<p>Steps: 1. Open settings - Wi-Fi - Advanced</p>"))
    db.session.execute(update(Comment).where(Comment.id == comment_id).values(body_html="old"))
    db.session.commit()

    report = rendering.rerender(batch=1)
    assert (report.posts, report.comments) == (2, 1)
    assert (report.changed_posts, report.changed_comments) == (1, 1)
    db.session.expire_all()
    assert db.session.get(Post, answer_id).body_html == good_html
    assert "<strong>that</strong>" in db.session.get(Comment, comment_id).body_html
    assert rendering.rerender().changed_posts == 0


def test_the_command_reports_what_it_changed(app):
    make_question(title="Printer offline after the update", body="1. One\n  - two\n")
    result = app.test_cli_runner().invoke(args=["posts", "rerender"])
    assert result.exit_code == 0, result.output
    assert "0 of 1 posts and 0 of 0 comments re-rendered." in result.output
