"""User profiles: reputation, its history, questions and answers."""

from flask import Blueprint, redirect, render_template

from forum.services import badges, browsing, reputation
from forum.web.context import user_url

bp = Blueprint("users", __name__)


@bp.route("/users/<int:user_id>")
@bp.route("/users/<int:user_id>/<username>")
def show(user_id: int, username: str | None = None):
    user = browsing.get_user(user_id)
    if username != user.username:
        return redirect(user_url(user), 301)
    return render_template(
        "users/show.html", user=user,
        history=reputation.history(user.id),
        questions=browsing.user_questions(user.id), answers=browsing.user_answers(user.id),
        badges=badges.of_user(user.id), top_tags=browsing.top_tags(user.id),
        graph=reputation.graph(user.id),
        link_rel="noopener" if user.reputation >= 2000 else "nofollow ugc noopener",
    )
