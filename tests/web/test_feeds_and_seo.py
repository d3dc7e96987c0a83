"""Atom feeds, sitemap.xml, robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from forum.services import posting
from tests.factories import make_answer, make_question, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response):
    assert response.status_code == 200
    return ET.fromstring(response.data)


def test_newest_questions_feed(client):
    make_question(title="Printer offline after the router reboot", tags=("printing",),
                  body="The <b>printer</b> & the router: <script>alert(1)</script> nothing helps.")
    newer = make_question(title="Wi-Fi drops every few minutes on my laptop", tags=("wifi",))
    response = client.get("/feeds/questions.atom")
    assert response.content_type.startswith("application/atom+xml")
    feed = parse(response)
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["Wi-Fi drops every few minutes on my laptop",
                      "Printer offline after the router reboot"]
    first = feed.findall(f"{ATOM}entry")[0]
    assert first.find(f"{ATOM}link").get("href").endswith(f"/questions/{newer.id}/{newer.slug}")
    content = feed.findall(f"{ATOM}entry")[1].find(f"{ATOM}content").text
    assert "<script>" not in content            # sanitised HTML, escaped into the XML


def test_tag_feed_and_deleted_questions(client):
    kept = make_question(tags=("printing",), title="Printer offline after the router reboot")
    gone = make_question(tags=("printing",), title="Printer prints blank pages since Tuesday")
    make_question(tags=("wifi",), title="Wi-Fi drops every few minutes on my laptop")
    posting.delete_post(make_user(role="moderator"), gone.id)
    feed = parse(client.get("/feeds/tags/printing.atom"))
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == [kept.title]
    assert client.get("/feeds/tags/nope.atom").status_code == 404


def test_answers_feed(client):
    question = make_question()
    make_answer(question, make_user("helper_hal"))
    feed = parse(client.get(f"/feeds/questions/{question.id}.atom"))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}author/{ATOM}name").text for e in entries] == ["helper_hal"]
    assert client.get("/feeds/questions/999999.atom").status_code == 404


def test_sitemap_and_robots(client):
    question = make_question()
    gone = make_question()
    posting.delete_post(make_user(role="moderator"), gone.id)
    tree = parse(client.get("/sitemap.xml"))
    locs = [e.text for e in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(loc.endswith(f"/questions/{question.id}/{question.slug}") for loc in locs)
    assert not any(f"/questions/{gone.id}/" in loc for loc in locs)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /api/" in robots and "Sitemap: http://crowdfix.test/sitemap.xml" in robots
