"""Profiles (badges, top tags, website with nofollow, reputation graph), following and watching."""

from __future__ import annotations

from forum.extensions import db
from forum.models import Follow, TagWatch
from forum.services import accepting, voting
from tests.factories import make_answer, make_question, make_user


def test_profile_shows_badges_top_tags_graph_and_a_nofollow_link(client):
    helper = make_user("helper_hal")
    helper.website = "https://hal.example.com"
    db.session.commit()
    asker = make_user()
    answer = make_answer(make_question(asker, tags=("printing",)), helper)
    accepting.accept_answer(asker, answer.id)
    voting.cast_vote(make_user(reputation_points=20), answer.id, 1)
    page = client.get(f"/users/{helper.id}/helper_hal").get_data(as_text=True)
    assert "Teacher" in page and 'href="/badges/teacher"' in page
    assert "printing" in page and "score 1" in page
    assert 'rel="nofollow ugc noopener"' in page
    assert '<svg class="rep-graph"' in page and "<polyline points=" in page


def test_high_reputation_links_are_followed(client):
    expert = make_user("expert_eve", reputation_points=2500)
    expert.website = "https://eve.example.com"
    db.session.commit()
    page = client.get(f"/users/{expert.id}/expert_eve").get_data(as_text=True)
    assert '<a href="https://eve.example.com" rel="noopener">' in page


def test_follow_and_watch_buttons(client, auth):
    question = make_question(tags=("printing",))
    user = make_user()
    auth.login(user)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert ">Follow</button>" in page
    client.post(f"/questions/{question.id}/follow")
    assert db.session.get(Follow, (user.id, question.id)) is not None
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Following" in page
    client.post(f"/questions/{question.id}/follow", data={"action": "unfollow"})
    db.session.expire_all()
    assert db.session.get(Follow, (user.id, question.id)) is None
    assert "Watch this tag" in client.get("/tags/printing").get_data(as_text=True)
    client.post("/tags/printing/watch")
    assert db.session.query(TagWatch).count() == 1
    assert "Watching printing" in client.get("/tags/printing").get_data(as_text=True)
    assert client.post("/tags/nope/watch").status_code == 404


def test_header_shows_the_unread_count(client, auth):
    asker = make_user()
    make_answer(make_question(asker))
    auth.login(asker)
    page = client.get("/").get_data(as_text=True)
    assert 'class="inbox-count">1</span>' in page


def test_question_page_has_qapage_json_ld_and_opengraph(client):
    import json
    import re

    asker = make_user()
    question = make_question(asker, title="Printer offline after the </script> router reboot")
    answer = make_answer(question)
    accepting.accept_answer(asker, answer.id)
    make_answer(question, body="Also try a static IP address for the printer on the router.")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(block)
    entity = data["mainEntity"]
    assert data["@type"] == "QAPage" and entity["answerCount"] == 2
    assert entity["name"] == "Printer offline after the </script> router reboot"
    assert entity["acceptedAnswer"]["url"].endswith(f"#answer-{answer.id}")
    assert len(entity["suggestedAnswer"]) == 1
    assert '<meta property="og:title" content="Printer offline after the &lt;/script&gt; router reboot">' in page


def test_the_thread_lists_related_questions_in_the_side_column(client):
    first = make_question(title="Printer shows offline after the router reboot",
                          body="The PrintJet shows offline on every laptop since the router rebooted.")
    second = make_question(title="Printer offline again after a router firmware update",
                           body="After the router firmware update the printer is offline for everyone.")
    make_question(title="Bluetooth mouse lags after waking from sleep", tags=("bluetooth",),
                  body="The mouse pointer stutters for a minute after the laptop wakes up.")
    page = client.get(f"/questions/{first.id}/{first.slug}").get_data(as_text=True)
    side = page[page.index('id="related-heading"'):]
    assert second.title in side
    assert "Bluetooth mouse lags" not in side
    assert side.count(first.title) == 0


def test_related_questions_are_searched_when_threads_change_never_when_read(client, auth,
                                                                           monkeypatch):
    from forum.services import searching

    calls = []
    real = searching.similar_ids
    monkeypatch.setattr(searching, "similar_ids",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    first = make_question(title="Printer shows offline after the router reboot")
    make_question(title="Printer offline again after a router firmware update")
    searched = len(calls)
    assert searched >= 2                # each new thread, and the older one it appears beside
    auth.login(make_user())            # signed in: the page itself is never served from cache
    for _ in range(3):
        page = client.get(f"/questions/{first.id}/{first.slug}").get_data(as_text=True)
        assert "Printer offline again after a router firmware update" in page
    assert len(calls) == searched
