"""Knowledge-base articles: promoted from an official answer, reviewed, published,
linked with their threads, first in search and on /ask, in the feed and sitemap."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Answer, Article, ArticleRevision, ArticleSource, AuditEntry, User
from forum.services import knowledge_base as kb
from forum.services import official
from tests.factories import make_answer, make_question, make_user

PROBLEM_TITLE = "Bluetooth mouse stutters after the dock firmware update"
SOLUTION = ("Open the dock utility, choose Firmware, and roll back to 2.1.7; "
            "then unpair and pair the mouse again.")


@pytest.fixture
def thread(app):
    question = make_question(title=PROBLEM_TITLE, tags=("bluetooth",), product="DockPro 3",
                             body="Since the dock firmware update my Bluetooth mouse stutters "
                                  "and skips whenever the dock is connected.")
    answer = make_answer(question, body=SOLUTION)
    official.mark_official(make_user(role="staff"), answer.id)
    return question, answer


@pytest.fixture
def writer(app):
    return make_user("Sofia", role="staff")


@pytest.fixture
def reviewer(app):
    return make_user("Tomas", role="staff")


def article_row(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def published_article(thread, writer, reviewer) -> Article:
    _, answer = thread
    article, _ = kb.promote_answer(writer, answer.id)
    kb.submit_for_review(writer, article.id)
    kb.publish(reviewer, article.id)
    return article_row(article.id)


def test_staff_promote_an_official_answer_to_a_prefilled_draft(client, auth, thread, writer):
    question, answer = thread
    auth.login(writer)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Promote to article" in page
    response = client.post(f"/answers/{answer.id}/promote")
    assert response.status_code == 303
    article = db.session.scalars(select(Article)).one()
    assert response.headers["Location"].endswith(f"/kb/{article.id}/edit")
    assert (article.title, article.state, article.product) == (PROBLEM_TITLE, "draft", "DockPro 3")
    assert "mouse stutters" in article.problem and article.solution == SOLUTION
    assert "<p>" in article.solution_html
    source = db.session.scalars(select(ArticleSource)).one()
    assert (source.question_id, source.answer_id) == (question.id, answer.id)
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.target_type == "article")) == "article.promoted"
    # Promoting the same answer again gives the same article back.
    again = client.post(f"/answers/{answer.id}/promote")
    assert again.headers["Location"].endswith(f"/kb/{article.id}/edit")
    assert db.session.scalar(select(db.func.count()).select_from(Article)) == 1


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_who_is_not_company_staff_cannot_promote(client, auth, thread, role):
    question, answer = thread
    auth.login(make_user(role=role, reputation_points=5000))
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Promote to article" not in page
    assert client.post(f"/answers/{answer.id}/promote").status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(Article)) == 0


def test_an_answer_that_is_not_official_cannot_be_promoted(client, auth, writer):
    question = make_question(title="Printer queue stuck on paused forever")
    answer = make_answer(question, body="Restart the spooler service from the services panel.")
    auth.login(writer)
    assert client.post(f"/answers/{answer.id}/promote").status_code == 409
    assert db.session.scalar(select(db.func.count()).select_from(Article)) == 0


def test_review_then_another_staff_member_publishes(client, auth, thread, writer, reviewer):
    _, answer = thread
    article, _ = kb.promote_answer(writer, answer.id)
    url = f"/kb/{article.id}/state"
    auth.login(writer)
    assert client.post(url, data={"action": "publish"}).status_code == 403    # not in review
    assert client.post(url, data={"action": "submit"}).status_code == 303
    assert article_row(article.id).state == "review"
    response = client.post(url, data={"action": "publish"})                   # own submission
    assert response.status_code == 403
    assert "Another staff member must review it" in response.get_data(as_text=True)
    assert article_row(article.id).state == "review"
    auth.logout()
    auth.login(reviewer)
    assert client.post(url, data={"action": "publish"}).status_code == 303
    row = article_row(article.id)
    assert (row.state, row.published_by_id) == ("published", reviewer.id)
    assert row.published_at is not None
    assert client.post(url, data={"action": "unpublish"}).status_code == 303
    assert article_row(article.id).state == "draft"
    assert client.post(url, data={"action": "nonsense"}).status_code == 422


def test_an_admin_publishes_a_draft_alone(client, auth, thread):
    _, answer = thread
    admin = make_user(role="admin")
    article, _ = kb.promote_answer(admin, answer.id)
    auth.login(admin)
    assert client.post(f"/kb/{article.id}/state", data={"action": "publish"}).status_code == 303
    assert article_row(article.id).state == "published"


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_members_and_moderators_cannot_review_or_edit(client, auth, thread, writer, role):
    _, answer = thread
    article, _ = kb.promote_answer(writer, answer.id)
    kb.submit_for_review(writer, article.id)
    auth.login(make_user(role=role, reputation_points=5000))
    assert client.post(f"/kb/{article.id}/state", data={"action": "publish"}).status_code == 404
    assert client.get(f"/kb/{article.id}/edit").status_code == 404
    assert article_row(article.id).state == "review"


def test_every_save_is_a_revision_with_a_word_diff(client, auth, thread, writer):
    _, answer = thread
    article, _ = kb.promote_answer(writer, answer.id)
    auth.login(writer)
    form = {"title": PROBLEM_TITLE, "product": "DockPro 3", "problem": article.problem,
            "solution": SOLUTION.replace("2.1.7", "2.1.9"), "comment": "Newer safe firmware"}
    assert client.post(f"/kb/{article.id}/edit", data=form).status_code == 303
    assert client.post(f"/kb/{article.id}/edit", data=form).status_code == 303   # unchanged
    revs = db.session.scalars(select(ArticleRevision).where(
        ArticleRevision.article_id == article.id).order_by(ArticleRevision.number)).all()
    assert [r.number for r in revs] == [1, 2]
    assert "2.1.7" in revs[0].solution and "2.1.9" in revs[1].solution
    assert revs[1].comment == "Newer safe firmware" and revs[1].author_id == writer.id
    page = client.get(f"/kb/{article.id}/history").get_data(as_text=True)
    assert "<del>2.1.7;</del>" in page and "<ins>2.1.9;</ins>" in page
    assert "Newer safe firmware" in page


def test_a_bad_edit_is_refused_and_changes_nothing(client, auth, thread, writer):
    _, answer = thread
    article, _ = kb.promote_answer(writer, answer.id)
    auth.login(writer)
    response = client.post(f"/kb/{article.id}/edit",
                           data={"title": "short", "problem": "x", "solution": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The title needs" in page and "The solution needs" in page
    row = article_row(article.id)
    assert row.title == PROBLEM_TITLE and row.revision_count == 1


def test_drafts_are_invisible_to_members_and_anonymous(client, auth, thread, writer):
    _, answer = thread
    article, _ = kb.promote_answer(writer, answer.id)
    for who in (None, make_user()):
        if who:
            auth.login(who)
        assert client.get(f"/kb/{article.id}/{article.slug}").status_code == 404
        assert client.get(f"/kb/{article.id}/history").status_code == 404
        assert PROBLEM_TITLE not in client.get("/kb").get_data(as_text=True)
        assert client.get(f"/api/v1/articles/{article.id}").status_code == 404
        assert client.get("/api/v1/articles").get_json() == {"articles": []}
    auth.logout()
    auth.login(writer)
    assert client.get(f"/kb/{article.id}/{article.slug}").status_code == 200
    kb_page = client.get("/kb").get_data(as_text=True)
    assert "Drafts and articles in review" in kb_page and PROBLEM_TITLE in kb_page


def test_published_article_page_links_its_threads_both_ways(client, thread, writer, reviewer):
    question, _ = thread
    article = published_article(thread, writer, reviewer)
    response = client.get(f"/kb/{article.id}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/kb/{article.id}/{article.slug}")
    assert client.get(f"/kb/{article.id}/wrong-slug").status_code == 301
    page = client.get(f"/kb/{article.id}/{article.slug}").get_data(as_text=True)
    assert PROBLEM_TITLE in page and "roll back to 2.1.7" in page
    assert f'href="/questions/{question.id}/{question.slug}"' in page        # its source
    author = db.session.scalar(select(User.username).join(Answer, Answer.author_id == User.id)
                               .where(Answer.id == thread[1].id))
    assert f"based on the answer by {author} in" in page                      # credited
    thread_page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "This is answered in the knowledge base:" in thread_page
    assert f'href="/kb/{article.id}/{article.slug}"' in thread_page


def test_kb_lists_published_articles_by_product(client, thread, writer, reviewer):
    article = published_article(thread, writer, reviewer)
    page = client.get("/kb").get_data(as_text=True)
    assert PROBLEM_TITLE in page and 'href="/kb?product=DockPro+3"' in page
    assert PROBLEM_TITLE in client.get("/kb?product=DockPro 3").get_data(as_text=True)
    other = client.get("/kb?product=Other").get_data(as_text=True)
    assert PROBLEM_TITLE not in other and "No published articles for Other" in other
    data = client.get("/api/v1/articles?product=DockPro 3").get_json()
    assert [a["id"] for a in data["articles"]] == [article.id]
    assert client.get("/api/v1/articles?product=Other").get_json() == {"articles": []}
    one = client.get(f"/api/v1/articles/{article.id}").get_json()["article"]
    assert one["solution"] == SOLUTION and one["state"] == "published"
    assert [s["id"] for s in one["sources"]] == [thread[0].id]


def test_unpublishing_takes_the_link_off_the_thread(client, thread, writer, reviewer):
    question, _ = thread
    article = published_article(thread, writer, reviewer)
    url = f"/questions/{question.id}/{question.slug}"
    assert "answered in the knowledge base" in client.get(url).get_data(as_text=True)
    kb.unpublish(writer, article.id)
    assert "answered in the knowledge base" not in client.get(url).get_data(as_text=True)
    assert client.get(f"/kb/{article.id}/{article.slug}").status_code == 404


def test_an_article_ranks_first_for_its_problem_in_search(client, thread, writer, reviewer):
    article = published_article(thread, writer, reviewer)
    make_question(title="Bluetooth mouse stutters near the microwave oven",
                  tags=("bluetooth",), body="My bluetooth mouse stutters whenever the "
                                            "microwave oven runs in the kitchen.")
    page = client.get("/search?q=bluetooth mouse stutters dock").get_data(as_text=True)
    assert "From the knowledge base" in page
    article_at = page.index(f'href="/kb/{article.id}/{article.slug}"')
    assert article_at < page.index('class="question-list search-results"')
    data = client.get("/api/v1/search?q=bluetooth mouse stutters dock").get_json()
    assert [a["id"] for a in data["articles"]] == [article.id]
    assert data["results"]                                   # the threads are still there
    unrelated = client.get("/api/v1/search?q=printer paper jam").get_json()
    assert unrelated["articles"] == []


def test_an_article_comes_first_in_similar_while_asking(client, auth, thread, writer, reviewer):
    article = published_article(thread, writer, reviewer)
    title = "My bluetooth mouse stutters with the dock"
    data = client.get("/api/v1/questions/similar", query_string={"title": title}).get_json()
    assert [a["id"] for a in data["articles"]] == [article.id]
    auth.login(make_user())
    page = client.get("/ask", query_string={"title": title}).get_data(as_text=True)
    similar = page[page.index("data-similar-list"):]
    threads = [m.start() for m in re.finditer(r'href="/(questions|ask/open)/', similar)]
    assert threads                                          # the source thread is listed too
    assert similar.index(f'href="/kb/{article.id}/{article.slug}"') < min(threads)


def test_feed_and_sitemap_include_published_articles_only(client, thread, writer, reviewer):
    draft_q = make_question(title="Laptop fan loud during video calls every day")
    draft_a = make_answer(draft_q, body="Set the power plan to balanced and update the BIOS.")
    official.mark_official(writer, draft_a.id)
    draft, _ = kb.promote_answer(writer, draft_a.id)
    article = published_article(thread, writer, reviewer)
    feed = client.get("/feeds/articles.atom")
    assert feed.content_type.startswith("application/atom+xml")
    text = feed.get_data(as_text=True)
    assert PROBLEM_TITLE in text and draft.title not in text
    assert f"/kb/{article.id}/{article.slug}" in text
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/kb/{article.id}/{article.slug}</loc>" in sitemap
    assert f"/kb/{draft.id}/" not in sitemap


def test_linking_another_thread_shows_it_as_a_source(client, auth, thread, writer, reviewer):
    article = published_article(thread, writer, reviewer)
    other = make_question(title="Mouse pointer jumps when the USB-C dock is plugged in")
    auth.login(writer)
    response = client.post(f"/kb/{article.id}/sources",
                           data={"question": f"https://crowdfix.test/questions/{other.id}/x"})
    assert response.status_code == 303
    page = client.get(f"/kb/{article.id}/{article.slug}").get_data(as_text=True)
    assert other.title in page
    assert client.post(f"/kb/{article.id}/sources", data={"question": "none"}).status_code == 422
    auth.logout()
    other_page = client.get(f"/questions/{other.id}/{other.slug}").get_data(as_text=True)
    assert "This is answered in the knowledge base:" in other_page


def test_readers_answer_did_this_solve_it_once_each(app, client, auth, thread, writer, reviewer):
    from forum.models import ThreadFeedback

    article = published_article(thread, writer, reviewer)
    url = f"/kb/{article.id}/feedback"
    page = client.get(f"/kb/{article.id}/{article.slug}").get_data(as_text=True)
    assert "Did this solve your problem?" in page
    first = client.post(url, data={"helpful": "no", "reason": "Still stutters"})
    assert first.status_code == 303 and first.headers["Location"].endswith("#feedback")
    client.post(url, data={"helpful": "yes"})               # the same visitor changes it
    other = app.test_client()
    assert other.post(url, data={"helpful": "yes"}).status_code == 303
    rows = db.session.scalars(select(ThreadFeedback).where(
        ThreadFeedback.article_id == article.id)).all()
    assert sorted(r.helpful for r in rows) == [True, True]
    assert client.post(url, data={"helpful": "maybe"}).status_code == 422
    auth.login(writer)
    staff_page = client.get(f"/kb/{article.id}/{article.slug}").get_data(as_text=True)
    assert "<strong>2</strong> yes · <strong>0</strong> no" in staff_page
    kb.unpublish(writer, article.id)
    auth.logout()
    assert client.post(url, data={"helpful": "yes"}).status_code == 404


def test_the_staff_desk_links_the_knowledge_base(client, auth, writer):
    auth.login(writer)
    page = client.get("/staff").get_data(as_text=True)
    assert '<a class="tabs__link" href="/kb">Knowledge base</a>' in page


def test_article_actions_read_in_the_audit_log(client, auth, thread, writer, reviewer):
    published_article(thread, writer, reviewer)
    auth.login(make_user(role="moderator"))
    response = client.get("/moderation/log")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Sofia" in page and "Tomas" in page


def test_staff_read_a_draft_through_the_api(api, thread, writer):
    _, answer = thread
    article, _ = kb.promote_answer(writer, answer.id)
    assert api.get(None, f"/api/v1/articles/{article.id}").status_code == 404
    data = api.get(writer, f"/api/v1/articles/{article.id}").get_json()["article"]
    assert (data["state"], data["title"]) == ("draft", PROBLEM_TITLE)
