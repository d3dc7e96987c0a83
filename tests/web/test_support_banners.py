"""What readers see of official answers and known issues: the thread's banners
(the official answer quoted with a link; a fixed issue that says it is fixed),
and the known issue's state on question lists and search results, loaded in
bulk (the same number of queries for one known issue or many)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from forum.extensions import db
from forum.inputs import KnownIssueDraft
from forum.services import accepting, known_issues, official
from tests.factories import make_answer, make_question, make_user

FIX = ("Open Settings, then Network, then turn off **Wi-Fi power saving**. "
       "Restart the laptop and the connection stays up after sleep.")


@contextmanager
def count_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def config_overrides():
    # The query counts compare requests seconds apart: a process re-reads the
    # tag-synonym map every TAG_SYNONYMS_CACHE_SECONDS (5), one query that would
    # land in one count and not the other on a slow machine.
    return {"TAG_SYNONYMS_CACHE_SECONDS": 3600}


@pytest.fixture
def staff(app):
    return make_user("sam_support", role="staff")


def known(staff, question, state, fixed_in=None):
    known_issues.mark_known(staff, question.id, KnownIssueDraft(state, "ENG-4821", fixed_in))


def test_the_official_banner_quotes_the_answer_and_links_to_it(client, staff):
    asker = make_user()
    question = make_question(asker, title="AeroBook 14 Wi-Fi drops after sleep")
    accepted = make_answer(question, body="Reinstalling the driver worked for me, eventually.")
    verified = make_answer(question, make_user("helper_kim"), body=FIX)
    accepting.accept_answer(asker, accepted.id)
    official.mark_official(staff, verified.id)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    banner = page[page.index('class="banner banner--official"'):]
    banner = banner[:banner.index("</div>")]
    assert "sam_support (staff) verified" in banner
    assert f'<a href="#answer-{verified.id}">an answer by helper_kim</a>' in banner
    assert '<blockquote class="banner__quote"' in banner
    assert "Open Settings, then Network, then turn off Wi-Fi power saving." in text_of(banner)
    assert "Reinstalling the driver" not in banner              # the accepted one is not quoted
    assert f'<a href="#answer-{verified.id}">Read the official answer' in banner


def test_a_long_official_answer_is_quoted_by_its_first_lines(client, staff):
    question = make_question()
    long_body = "First, check the firmware version in the router page. " * 30
    answer = make_answer(question, body=long_body)
    official.mark_official(staff, answer.id)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    quote = page[page.index('<blockquote class="banner__quote"'):]
    quote = text_of(quote[:quote.index("</blockquote>")])
    assert quote.startswith("First, check the firmware version") and quote.endswith("…")
    assert len(quote) <= 270


@pytest.mark.parametrize("state, fixed_in, says, never", [
    ("fixed", "2.4.1", "fixed this problem in version 2.4.1. Update to 2.4.1 to get the fix.",
     "has passed it to engineering"),
    ("investigating", None, "has passed it to engineering. They are investigating.", "fixed"),
    ("fix_planned", None, "has passed it to engineering. A fix is planned.", "Update to"),
])
def test_the_known_issue_banner_says_where_it_stands(client, staff, state, fixed_in, says, never):
    question = make_question()
    known(staff, question, state, fixed_in)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    banner = page[page.index('id="known-issue"'):]
    banner = text_of(banner[:banner.index("</div>")])
    assert says in banner
    assert never not in banner


def test_lists_and_search_show_the_known_issue_state(client, staff):
    fixed = make_question(title="HomeHub forgets Zigbee bulbs after the night restart")
    looking = make_question(title="HomeHub app crashes when adding a Zigbee scene")
    plain = make_question(title="HomeHub Zigbee range is short through a brick wall")
    known(staff, fixed, "fixed", "2.4.1")
    known(staff, looking, "investigating")
    for url in ("/", "/questions?sort=newest", "/tags/wifi", "/search?q=zigbee"):
        text = text_of(client.get(url).get_data(as_text=True))
        row = text[text.index(fixed.title):]
        assert row[len(fixed.title):].lstrip().startswith("Known issue: Fixed in 2.4.1"), url
        row = text[text.index(looking.title):]
        assert row[len(looking.title):].lstrip().startswith("Known issue: Investigating"), url
        row = text[text.index(plain.title):][:len(plain.title) + 20]
        assert "Known issue" not in row, url
        assert "known issue" not in text, url                   # the old bare badge


def test_known_issue_states_cost_no_query_per_row(client, staff):
    make_question(title="PrintJet 100 offline after the 4.1 firmware")
    client.get("/?sort=newest&n=0"), client.get("/search?q=printjet")      # warm up
    first = make_question(title="PrintJet 200 offline after the 4.2 firmware")
    known(staff, first, "investigating")        # a change: both counts below start afresh
    with count_queries() as one:
        client.get("/?sort=newest&n=1")
    with count_queries() as one_search:
        client.get("/search?q=printjet&n=1")
    for n in range(8):
        q = make_question(title=f"PrintJet 200 offline after the 4.{n + 3} firmware, again")
        known(staff, q, ("investigating", "fix_planned", "fixed")[n % 3],
              "2.4.1" if n % 3 == 2 else None)
    with count_queries() as many:
        page = client.get("/?sort=newest&n=2").get_data(as_text=True)
    with count_queries() as many_search:
        found = client.get("/search?q=printjet&n=2").get_data(as_text=True)
    assert page.count("badge--known") == 9 and found.count("badge--known") == 9
    assert text_of(page).count("Fixed in 2.4.1") == 2 and text_of(page).count("Fix planned") == 3
    assert len(many) <= len(one), (len(one), len(many))
    assert len(many_search) <= len(one_search), (len(one_search), len(many_search))
