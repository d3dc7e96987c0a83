"""With JavaScript off, voting and answering still work through plain forms."""

from __future__ import annotations

import re

ANSWER = ("Turn off 'Print on both sides' in the printer's own panel, then pick "
          "'Long-edge binding' in the macOS dialog: the back pages come out right.")


def test_vote_and_answer_without_javascript(site, new_context):
    page = new_context("ohm-dev", java_script_enabled=False).new_page()
    page.goto(site(site.vote_thread_path))
    question = page.locator("#question")
    before = int(question.locator("[data-score]").inner_text())
    up = question.get_by_role("button", name="Vote up")
    assert up.get_attribute("aria-pressed") == "false"

    with page.expect_navigation():
        up.click()
    question = page.locator("#question")
    assert int(question.locator("[data-score]").inner_text()) == before + 1
    assert question.get_by_role("button", name="Vote up").get_attribute("aria-pressed") == "true"

    page.get_by_role("textbox", name="Your answer").fill(ANSWER)
    with page.expect_navigation():
        page.get_by_role("button", name="Post your answer").click()
    assert re.search(r"#answer-\d+$", page.url), page.url
    answer_id = page.url.rsplit("#answer-", 1)[1]
    assert "Long-edge binding" in page.locator(f"#answer-{answer_id}").inner_text()
