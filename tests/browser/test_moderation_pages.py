"""The moderator's daily pages in Chromium: the flag queue and the audit log at
1366 and 390 px (titles, one set of actions, nothing wider than the screen,
times in the reader's own zone), and the close form's original found by title
as you type."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

SIZES = {"desktop": {"viewport": {"width": 1366, "height": 900}},
         "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1,
                   "is_mobile": True, "has_touch": True}}

OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    return {scroll: document.documentElement.scrollWidth, width: width,
            wide: Array.from(document.querySelectorAll("main *"))
                .filter((el) => el.getBoundingClientRect().right > width + 1)
                .filter((el) => !el.closest(".visually-hidden"))
                .slice(0, 5).map((el) => el.tagName + "." + el.className)};
}"""


@pytest.mark.parametrize("size", list(SIZES))
def test_the_queue_shows_titles_and_one_set_of_actions(new_context, site, size):
    page = new_context("priya.n", **SIZES[size]).new_page()
    page.goto(site("/moderation"))
    card = page.locator(".mod-item", has_text="PrintJet 3200 goes offline in Windows")
    assert card.count() == 1
    assert card.get_by_role("link", name=re.compile("^PrintJet 3200 shows")).count() >= 1
    assert card.locator("form").count() == 1
    for name in ("Helpful", "Decline", "Close as duplicate"):
        assert card.get_by_role("button", name=re.compile(name)).count() == 1
    assert not re.search(r"\bquestion \d+\b", page.locator("main").inner_text())
    measured = page.evaluate(OVERFLOW)
    assert measured["scroll"] <= measured["width"], measured
    screenshot(page, f"moderation-queue-{size}")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_audit_log_reads_as_sentences_in_local_time(new_context, site, size):
    page = new_context("priya.n", timezone_id="Europe/Berlin", locale="en-GB",
                       **SIZES[size]).new_page()
    page.goto(site("/moderation/log"))
    text = page.locator(".audit-list").inner_text()
    assert re.search(r"priya\.n \(moderator\) closed “AeroBook 14 keeps disconnecting from "
                     r"Wi-Fi and reconnecting by itself” as a duplicate of “AeroBook 14 Wi-Fi "
                     r"drops every few minutes", text)
    assert "{" not in text and "voters" not in text
    first = page.locator("time[data-local-time]").first
    assert re.search(r"CET|GMT\+1", first.inner_text()), first.inner_text()
    assert first.get_attribute("title").endswith("UTC")
    measured = page.evaluate(OVERFLOW)
    assert measured["scroll"] <= measured["width"], measured
    screenshot(page, f"audit-log-{size}")


def test_the_close_form_finds_the_original_by_title(new_context, site):
    page = new_context("priya.n", viewport={"width": 1366, "height": 900}).new_page()
    page.goto(site(site.vote_thread_path))
    field = page.locator("#mod-duplicate-of")
    field.fill("PrintJet 3200 offline")
    option = page.locator("#mod-duplicate-of-listbox").get_by_role(
        "option", name=re.compile("PrintJet 3200 shows"))
    option.first.wait_for()
    option.first.click()
    assert re.match(r"^/questions/\d+/", field.input_value())
    assert page.locator(".lookup-chosen:not([hidden])").inner_text().startswith("Original: PrintJet 3200 shows")
    assert page.get_by_role("button", name="Close now").is_visible()
    assert page.get_by_text("Your vote is binding: it closes the question at once.").is_visible()
    screenshot(page, "close-form-lookup")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_official_banner_quotes_an_answer_other_than_the_accepted_one(new_context, site, size):
    page = new_context(**SIZES[size]).new_page()
    page.goto(site("/search?q=battery+overnight+asleep"))
    page.get_by_role("link", name=re.compile("AeroBook 13 loses 30-40% battery")).first.click()
    banner = page.locator(".banner--official")
    quote = banner.locator("blockquote").inner_text()
    assert quote.startswith("Official note for AeroBook 13 owners"), quote
    banner.get_by_role("link", name=re.compile("Read the official answer")).click()
    official = page.locator(".post--official")
    assert "Official note for AeroBook 13 owners" in official.inner_text()
    assert page.locator(".post--accepted").count() == 1
    assert "post--official" not in page.locator(".post--accepted").get_attribute("class")
    screenshot(page, f"official-banner-{size}")
    page.goto(site("/search?q=image+verification+failed"))
    assert "Fixed in 2.4.1" in page.locator(".search-results").inner_text()
    page.goto(site("/search?q=printjet+3200+offline"))
    assert "Known issue: Investigating" in page.locator(".search-results").inner_text()
    screenshot(page, f"search-known-issue-{size}")
