"""The search page, the header search box and similar threads on /ask."""

from __future__ import annotations

import pytest

from forum.services import accepting
from tests.factories import make_answer, make_question, make_user


@pytest.fixture
def threads(app):
    asker = make_user("maria")
    printer = make_question(asker, title="PrintJet 3200 shows offline on Windows 11",
                            body="The printer shows offline although its own test page prints.",
                            tags=("printing", "windows-11"))
    answer = make_answer(printer, body="Remove the WSD port and add a TCP/IP port for the printer.")
    accepting.accept_answer(asker, answer.id)
    wifi = make_question(title="Wi-Fi drops every ten minutes after sleep",
                         body="The laptop loses Wi-Fi every ten minutes since waking from sleep.",
                         tags=("wifi", "windows-11"))
    return {"printer": printer, "wifi": wifi}


def test_header_has_a_search_box_on_every_page(client, threads):
    for url in ("/", "/tags", f"/questions/{threads['wifi'].id}"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert 'role="search"' in page and 'name="q"' in page and 'action="/search"' in page


def test_search_finds_the_thread_with_highlighted_snippet(client, threads):
    response = client.get("/search?q=printer+offline")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "PrintJet 3200 shows offline on Windows 11" in page
    assert "<mark>" in page
    assert "1 result" in page
    assert "stat--solved" in page


def test_filters_and_facets(client, threads):
    page = client.get("/search?q=tag:windows-11").get_data(as_text=True)
    assert "2 results" in page
    assert "Narrow by tag" in page
    assert 'href="/search?q=tag:windows-11+tag:wifi"' in page
    page = client.get("/search?q=tag:windows-11 is:solved").get_data(as_text=True)
    assert "PrintJet" in page and "Wi-Fi drops" not in page
    page = client.get("/search?q=user:maria").get_data(as_text=True)
    assert "PrintJet" in page and "Wi-Fi drops" not in page


def test_sort_tabs_keep_the_query(client, threads):
    page = client.get("/search?q=windows&sort=newest").get_data(as_text=True)
    assert 'href="/search?q=windows&amp;sort=votes"' in page
    assert 'aria-current="page">Newest' in page


def test_a_misspelt_query_that_finds_nothing_shows_the_corrected_results(client, threads):
    page = client.get("/search?q=printng").get_data(as_text=True)
    assert "Showing results for" in page and "<strong>printing</strong>" in page
    assert f'href="/questions/{threads["printer"].id}/' in page
    assert 'href="/search?q=printng&amp;exact=1"' in page      # search instead for the words as typed
    assert "1 result" in page


def test_did_you_mean_when_the_words_as_typed_are_asked_for(client, threads):
    page = client.get("/search?q=printng&exact=1").get_data(as_text=True)
    assert "Showing results for" not in page
    assert "Did you mean" in page
    assert 'href="/search?q=printing"' in page
    assert "0 results" in page


def test_no_results_offers_to_ask(client, threads):
    page = client.get("/search?q=bluetooth+headphones").get_data(as_text=True)
    assert "No thread matches" in page
    assert "/ask?title=bluetooth+headphones" in page


def test_empty_query_explains_the_language(client, threads):
    page = client.get("/search").get_data(as_text=True)
    assert "tag:wifi" in page and "is:solved" in page


@pytest.mark.parametrize("q", [
    '"unbalanced quote', "the and of", "x" * 10_000, "tag:", "tag:bad/name", "打印机 ÉCRAN",
    '(((*?[]{}^~:!\\"\'', "is:bogus", "-", "AND OR NOT", "\x00\x01", "product:", "user:",
    "%", "_%_", "' OR 1=1 --",
])
def test_bad_queries_never_fail(client, threads, q):
    response = client.get("/search", query_string={"q": q, "page": "abc", "sort": "nope"})
    assert response.status_code == 200
    assert "<script" not in response.get_data(as_text=True).split("</header>")[1].split("<footer")[0]


def test_notes_explain_ignored_parts(client, threads):
    page = client.get("/search?q=is:bogus+printer").get_data(as_text=True)
    assert "is:bogus" in page and "is not a filter" in page


def test_user_text_is_escaped_in_results(client, app):
    make_question(title="Printer shows <script>alert(1)</script> in its name",
                  body="The printer name shows <img src=x onerror=alert(1)> in the list here.")
    page = client.get("/search?q=printer").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in page


def test_page_beyond_the_end(client, threads):
    page = client.get("/search?q=windows&page=9").get_data(as_text=True)
    assert "no more results" in page


def test_ask_page_suggests_similar_threads_without_javascript(client, auth, threads):
    auth.login(make_user())
    response = client.post("/ask", data={"title": "printer offline windows", "body": "",
                                         "tags": "", "similar": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "These threads may already answer it" in page
    assert "PrintJet 3200 shows offline on Windows 11" in page
    assert "is required" not in page          # checking is not submitting
    page = client.get("/ask?title=PrintJet+offline").get_data(as_text=True)
    assert "PrintJet 3200 shows offline on Windows 11" in page
    assert 'value="PrintJet offline"' in page


def test_ask_page_wires_the_live_panel(client, auth, threads):
    auth.login(make_user())
    page = client.get("/ask").get_data(as_text=True)
    assert 'data-similar-url="/api/v1/questions/similar"' in page
    assert 'id="similar-threads"' in page
