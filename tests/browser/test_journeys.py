"""The main journeys in a real browser, one after the other on the same thread:
sign up, ask (with a log file, seeing similar threads while typing the title),
another user answers and votes, the asker accepts, staff verify, search finds it.

The steps share state in `journey`; a step whose predecessor failed skips."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

ASKER = "browser_tester"
ASKER_PASSWORD = "a long browser passphrase"
TITLE = "Wi-Fi drops on the Quokkatron router every evening since firmware 3.1"
BODY = ("Every evening around eight the Wi-Fi drops for a minute, then comes back. "
        "Rebooting the router does not help. The attached log shows the disconnects.")
ANSWER = ("Turn off 'smart band steering' in the router settings under Wireless > Advanced; "
          "firmware 3.1 switches bands too eagerly. That stopped the drops for me.")


@pytest.fixture(scope="module")
def journey() -> dict:
    return {}


def need(journey: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in journey]
    if missing:
        pytest.skip(f"an earlier journey step did not finish (no {', '.join(missing)})")


def test_register_lands_signed_in(site, new_context, journey):
    page = new_context().new_page()
    page.goto(site("/register"))
    page.get_by_label("Username").fill(ASKER)
    page.get_by_label("Email").fill("browser.tester@example.com")
    page.get_by_label("Password", exact=True).fill(ASKER_PASSWORD)
    page.get_by_label("Confirm password").fill(ASKER_PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    page.wait_for_url(site("/"))
    assert page.locator(".user-area__name").inner_text() == ASKER
    assert "Welcome to the community" in page.locator(".flashes").inner_text()
    journey["asker_state"] = page.context.storage_state()


def test_ask_with_attachment_and_similar_threads(site, new_context, journey, tmp_path):
    need(journey, "asker_state")
    page = new_context(storage_state=journey["asker_state"]).new_page()
    page.goto(site("/ask"))
    panel = page.locator("#similar-threads")
    assert panel.is_hidden()

    with page.expect_response(lambda r: "/api/v1/questions/similar" in r.url):
        page.get_by_label("Title").press_sequentially("Wi-Fi drops every few minutes", delay=15)
    panel.wait_for(state="visible")
    similar = panel.locator("[data-similar-list] a")
    similar.first.wait_for()
    assert any("Wi-Fi" in t for t in similar.all_inner_texts()), similar.all_inner_texts()
    screenshot(page, "ask-similar")

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Details").fill(BODY)
    page.get_by_label("Tags").fill("wifi router")
    page.keyboard.press("Escape")                    # close the tag suggestions
    log = tmp_path / "router.log"
    log.write_text("20:01:13 wlan0: disassociated (reason 4)\n20:02:02 wlan0: associated\n")
    page.locator("form.ask-form input[type=file]").set_input_files(str(log))
    page.get_by_label("What the files are").select_option("log")
    page.get_by_role("button", name="Post your question").click()

    page.wait_for_url(re.compile(r"/questions/\d+/"))
    assert page.locator("h1").inner_text() == TITLE
    files = page.locator("#question .attachments")
    assert "router.log" in files.inner_text()
    assert "Log" in files.locator(".attachment__kind").inner_text()
    journey["thread_url"] = page.url


def test_answer_vote_accept_and_official(site, new_context, journey):
    need(journey, "asker_state", "thread_url")
    url = journey["thread_url"]

    # maria_k answers ...
    maria = new_context("maria_k").new_page()
    maria.goto(url)
    maria.get_by_role("textbox", name="Your answer").fill(ANSWER)
    maria.get_by_role("button", name="Post your answer").click()
    maria.wait_for_url(re.compile(r"#answer-\d+$"))
    answer_id = maria.url.rsplit("#answer-", 1)[1]
    answer = maria.locator(f"#answer-{answer_id}")
    assert "smart band steering" in answer.inner_text()

    # ... and votes the question up: the score changes without a page load.
    question = maria.locator("#question")
    score = question.locator("[data-score]")
    before = int(score.inner_text())
    maria.evaluate("window.__same_page = true")
    with maria.expect_response(lambda r: "/vote" in r.url and r.request.method == "POST") as vote:
        question.get_by_role("button", name="Vote up").click()
    assert vote.value.headers["content-type"].startswith("application/json")
    maria.wait_for_function(
        "([el, n]) => el.textContent.trim() === String(n)",
        arg=[score.element_handle(), before + 1])
    assert question.get_by_role("button", name="Vote up").get_attribute("aria-pressed") == "true"
    assert maria.evaluate("window.__same_page") is True, "the vote reloaded the page"

    # The asker accepts it.
    asker = new_context(storage_state=journey["asker_state"]).new_page()
    asker.goto(url)
    assert asker.locator("#question [data-score]").inner_text() == str(before + 1)
    asker.locator(f"#answer-{answer_id}").get_by_role("button", name="Accept").click()
    asker.wait_for_load_state()
    asker.locator(f"#answer-{answer_id} .accepted-label").wait_for()
    assert "Accepted answer" in asker.locator(f"#answer-{answer_id}").inner_text()

    # Staff verify it.
    sam = new_context("sam_support").new_page()
    sam.goto(url)
    sam.locator(f"#answer-{answer_id}").get_by_role(
        "button", name="Mark as official answer").click()
    mark = sam.locator(f"#answer-{answer_id} .official-mark")
    mark.wait_for()
    assert "Verified by staff" in mark.inner_text()
    assert "sam_support" in mark.inner_text()
    badges = sam.locator(".thread-header__badges")
    assert "Official answer" in badges.inner_text()
    assert "Solved" in badges.inner_text()
    screenshot(sam, "thread-official")
    journey["answered"] = True


def test_header_search_finds_the_new_thread(site, new_context, journey):
    need(journey, "thread_url")
    page = new_context().new_page()
    page.goto(site("/"))
    page.get_by_role("searchbox", name="Search questions").fill("Quokkatron")
    page.locator(".site-search").get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search\?q=Quokkatron"))
    hit = page.get_by_role("link", name=TITLE)
    hit.wait_for()
    # Results link to the thread through the search log (?s=<search>&r=<rank>).
    assert hit.get_attribute("href").partition("?")[0] in journey["thread_url"]
    screenshot(page, "search-results")
    hit.click()
    page.wait_for_url(lambda url: url.partition("#")[0] == journey["thread_url"].partition("#")[0])
