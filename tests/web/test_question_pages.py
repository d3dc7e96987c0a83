"""Asking, answering, commenting, editing, deleting, voting and accepting through the pages."""

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Answer, Comment, Post, Question, Revision, User
from tests.factories import ensure_tags, make_answer, make_question, make_user

GOOD_BODY = "My printer shows offline although it is on the same network as the laptop."


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def ask(client, **overrides):
    data = {"title": "PrintJet 3200 shows offline on Windows 11", "body": GOOD_BODY,
            "tags": "printing windows-11"}
    data.update(overrides)
    return client.post("/ask", data=data)


def test_ask_creates_question_and_redirects_to_slug_url(client, auth):
    ensure_tags("printing", "windows-11")
    auth.login(make_user())
    response = ask(client)
    assert response.status_code == 303
    question = db.session.scalar(select(Question))
    assert response.headers["Location"].endswith(f"/questions/{question.id}/printjet-3200-shows-offline-on-windows-11")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "PrintJet 3200 shows offline on Windows 11" in page
    assert question.tag_names == ["printing", "windows-11"]
    assert count(Revision, Revision.post_id == question.id) == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "Title is required"),
    ({"title": "too short"}, "at least 15"),
    ({"title": "x" * 151}, "at most 150"),
    ({"body": "tiny"}, "at least 30"),
    ({"tags": ""}, "at least 1 tag"),
    ({"tags": "a b c d e f"}, "at most 5"),
    ({"tags": "Bad_Tag!"}, "may only use"),
    ({"tags": "x" * 36}, "longer than 35"),
])
def test_ask_refuses_bad_input_and_keeps_what_was_typed(client, auth, overrides, message):
    ensure_tags("printing", "windows-11")
    auth.login(make_user())
    response = ask(client, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert overrides.get("body", GOOD_BODY)[:20] in page  # nothing the user typed is lost
    assert count(Question) == 0


def test_new_tag_needs_privilege(client, auth):
    auth.login(make_user())
    response = ask(client, tags="brand-new-tag")
    assert response.status_code == 422
    assert "300 reputation" in response.get_data(as_text=True)
    assert count(Question) == 0


def test_user_with_300_reputation_may_create_a_tag(client, auth):
    auth.login(make_user(reputation_points=300))
    assert ask(client, tags="brand-new-tag").status_code == 303


def test_preview_renders_markdown_without_posting(client, auth):
    ensure_tags("printing")
    auth.login(make_user())
    response = ask(client, body="**bold move** and a `code span` that is long enough", preview="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>bold move</strong>" in page
    assert count(Question) == 0


def test_question_id_url_redirects_to_canonical_slug(client):
    question = make_question(title="Bluetooth headphones stutter on AeroBook")
    response = client.get(f"/questions/{question.id}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/questions/{question.id}/bluetooth-headphones-stutter-on-aerobook")
    assert client.get(f"/questions/{question.id}/wrong-slug").status_code == 301


def test_unknown_question_is_a_404_page(client):
    response = client.get("/questions/424242/nothing")
    assert response.status_code == 404
    assert "does not exist" in response.get_data(as_text=True)


def test_user_html_is_sanitised_on_the_page(client):
    question = make_question(body='Hello <script>alert("x")</script> <img src=x onerror=alert(1)> world of text')
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "onerror" not in page


def test_answer_and_comment(client, auth):
    question = make_question()
    auth.login(make_user(reputation_points=60))
    response = client.post(f"/questions/{question.id}/answers", data={"body": "Reinstall the driver from the vendor page."})
    assert response.status_code == 303
    answer = db.session.scalar(select(Answer))
    assert db.session.get(Question, question.id).answer_count == 1
    response = client.post(f"/posts/{answer.id}/comments", data={"body": "This worked on my AeroBook too."})
    assert response.status_code == 303
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Reinstall the driver" in page and "This worked on my AeroBook too." in page


def test_short_answer_is_refused_and_kept(client, auth):
    question = make_question()
    auth.login(make_user())
    response = client.post(f"/questions/{question.id}/answers", data={"body": "try again"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "at least 30" in page and "try again" in page
    assert count(Answer) == 0


def test_comment_on_others_post_needs_50_reputation(client, auth):
    question = make_question()
    auth.login(make_user(reputation_points=49))
    response = client.post(f"/posts/{question.id}/comments", data={"body": "Which driver version do you have?"})
    assert response.status_code == 403
    assert "50 reputation" in response.get_data(as_text=True)
    assert count(Comment) == 0


def test_asker_may_comment_on_answers_to_own_question(client, auth):
    asker = make_user()
    question = make_question(asker)
    answer = make_answer(question)
    auth.login(asker)
    assert client.post(f"/posts/{answer.id}/comments", data={"body": "Thanks, trying it tonight."}).status_code == 303
    assert count(Comment) == 1


def test_too_short_comment_is_flashed_and_not_saved(client, auth):
    asker = make_user()
    question = make_question(asker)
    auth.login(asker)
    response = client.post(f"/posts/{question.id}/comments", data={"body": "short"}, follow_redirects=True)
    assert "Comment not added" in response.get_data(as_text=True)
    assert count(Comment) == 0


def test_edit_own_question_records_revision_and_shows_diff(client, auth):
    asker = make_user()
    question = make_question(asker, body="The Wi-Fi drops every five minutes on battery power only.")
    auth.login(asker)
    response = client.post(f"/posts/{question.id}/edit", data={
        "title": question.title, "tags": "wifi",
        "body": "The Wi-Fi drops every two minutes on battery power only.", "comment": "fix the interval"})
    assert response.status_code == 303
    assert count(Revision, Revision.post_id == question.id) == 2
    history = client.get(f"/posts/{question.id}/revisions").get_data(as_text=True)
    assert "fix the interval" in history
    assert re.search(r"<del>five</del>\s*<ins>two</ins>", history)


def test_editing_others_posts_needs_1000_reputation(client, auth):
    """Below 1000 the edit is only a suggestion for reviewers (tests/moderation/test_reviews.py)."""
    question = make_question()
    auth.login(make_user(reputation_points=999))
    page = client.get(f"/posts/{question.id}/edit")
    assert page.status_code == 200 and "sent for review" in page.get_data(as_text=True)
    response = client.post(f"/posts/{question.id}/edit", data={"title": question.title, "tags": "wifi",
                                                                "body": "Completely rewritten by someone else."})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, question.id).body != "Completely rewritten by someone else."


def test_edit_that_changes_nothing_is_refused(client, auth):
    asker = make_user()
    question = make_question(asker)
    auth.login(asker)
    response = client.post(f"/posts/{question.id}/edit", data={"title": question.title, "tags": "wifi", "body": question.body})
    assert response.status_code == 422
    assert "changes nothing" in response.get_data(as_text=True)


def test_delete_own_answer_is_soft(client, auth):
    question = make_question()
    answerer = make_user()
    answer = make_answer(question, answerer)
    auth.login(answerer)
    assert client.post(f"/posts/{answer.id}/delete").status_code == 303
    row = db.session.get(Post, answer.id)
    assert row is not None and row.deleted_at is not None
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Update the wireless driver" not in page


def test_cannot_delete_question_with_accepted_answer(client, auth):
    from forum.services import accepting

    asker = make_user()
    question = make_question(asker)
    answer = make_answer(question)
    accepting.accept_answer(asker, answer.id)
    auth.login(asker)
    response = client.post(f"/posts/{question.id}/delete")
    assert response.status_code == 403
    assert "other people" in response.get_data(as_text=True)
    assert db.session.get(Post, question.id).deleted_at is None


def test_deleted_question_is_gone_for_readers(client, auth):
    asker = make_user()
    question = make_question(asker)
    auth.login(asker)
    client.post(f"/posts/{question.id}/delete")
    assert client.get(f"/questions/{question.id}/{question.slug}").status_code == 404
    assert question.title not in client.get("/").get_data(as_text=True)


def test_vote_through_form_and_json(client, auth):
    question = make_question()
    auth.login(make_user(reputation_points=20))
    assert client.post(f"/posts/{question.id}/vote", data={"value": "1"}).status_code == 303
    assert db.session.get(Post, question.id).score == 1
    response = client.post(f"/posts/{question.id}/vote", data={"value": "0"}, headers={"Accept": "application/json"})
    assert response.get_json() == {"post_id": question.id, "score": 0, "my_vote": 0}


def test_vote_on_own_post_is_refused_with_a_message(client, auth):
    author = make_user(reputation_points=500)
    question = make_question(author)
    auth.login(author)
    response = client.post(f"/posts/{question.id}/vote", data={"value": "1"})
    assert response.status_code == 403
    assert "own post" in response.get_data(as_text=True)


def test_vote_buttons_hidden_for_users_without_privilege(client, auth):
    question = make_question()
    auth.login(make_user(reputation_points=1))
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "15 reputation" in page


def test_accept_and_unaccept_through_the_page(client, auth):
    asker = make_user()
    question = make_question(asker)
    answer = make_answer(question)
    auth.login(asker)
    client.post(f"/answers/{answer.id}/accept")
    assert db.session.get(Question, question.id).accepted_answer_id == answer.id
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Accepted answer" in page
    client.post(f"/answers/{answer.id}/accept", data={"action": "unaccept"})
    assert db.session.get(Question, question.id).accepted_answer_id is None


def test_only_asker_may_accept(client, auth):
    question = make_question()
    answer = make_answer(question)
    auth.login(make_user(reputation_points=5000))
    response = client.post(f"/answers/{answer.id}/accept")
    assert response.status_code == 403
    assert db.session.get(Question, question.id).accepted_answer_id is None


def test_lists_tabs_tags_and_pagination(client, app):
    app.config["QUESTIONS_PER_PAGE"] = 2
    old = make_question(title="Router firmware update fails at 99 percent", tags=("router",))
    new = make_question(title="Phone not charging with the original cable", tags=("charging",))
    make_answer(old)
    newest = client.get("/").get_data(as_text=True)
    assert newest.index(new.title) < newest.index(old.title)
    unanswered = client.get("/?sort=unanswered").get_data(as_text=True)
    assert new.title in unanswered and old.title not in unanswered
    tagged = client.get("/tags/router").get_data(as_text=True)
    assert old.title in tagged and new.title not in tagged
    make_question(title="Third question to push pagination over", tags=("router",))
    assert old.title in client.get("/?page=2").get_data(as_text=True)
    assert client.get("/?page=abc&sort=nonsense").status_code == 200
    assert client.get("/tags/does-not-exist").status_code == 404
    tags_page = client.get("/tags").get_data(as_text=True)
    assert "router" in tags_page and "charging" in tags_page


def test_user_page_shows_reputation_history_questions_and_answers(client):
    from forum.services import voting

    asker = make_user("lena")
    question = make_question(asker, title="VPN will not connect after the update")
    make_answer(make_question(), asker, body="Turn off IPv6 on the adapter and reconnect the VPN.")
    voting.cast_vote(make_user(reputation_points=20), question.id, 1)
    response = client.get(f"/users/{asker.id}/lena")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "question upvoted" in page and "+10" in page
    assert "VPN will not connect after the update" in page
    assert client.get(f"/users/{asker.id}").status_code == 301
    assert db.session.get(User, asker.id).reputation == 11


@pytest.mark.parametrize("url", ["/questions/9223372036854775808", "/questions/99999999999/x",
                                 "/users/99999999999999999999/x", "/api/v1/questions/9223372036854775808",
                                 "/posts/99999999999/revisions"])
def test_huge_ids_are_404_not_500(client, url):
    assert client.get(url).status_code == 404


def test_answering_a_deleted_question_is_404(client, auth):
    asker = make_user()
    question = make_question(asker)
    from forum.services import posting

    posting.delete_post(asker, question.id)
    auth.login(make_user())
    response = client.post(f"/questions/{question.id}/answers", data={"body": "Reinstall the driver from the vendor page."})
    assert response.status_code == 404
    assert count(Answer) == 0
