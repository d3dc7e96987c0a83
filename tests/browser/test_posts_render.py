"""Posts as people write them, in a real browser: nested lists indented the way
GitHub and Stack Overflow take them render nested, and a screenshot attached to a
post shows in it as a picture that actually loads, linking to the full size."""

from __future__ import annotations

import re

from tests.browser.conftest import screenshot

SCREENSHOT = "event-viewer-5005.png"
ANSWER = """Two things to try:

1. Turn on coexistence:
   - Device Manager → *AeroWave AX211* → Advanced
   - *Bluetooth collaboration* → **Enable**
2. Check the driver:
   ```powershell
   netsh wlan show drivers
   ```

The same errors as in this screenshot:

![Event Viewer showing event 5005]({src})
"""


def _accepted_answer(page):
    return page.locator("article.post--accepted")


def _wait_loaded(page, img) -> int:
    """Scroll a (lazy) image into view, wait until it has decoded; its naturalWidth."""
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    return img.evaluate("img => img.naturalWidth")


def test_the_accepted_wifi_answer_nests_its_list(site, new_context):
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(site(site.thread_path))
    answer = _accepted_answer(page)
    step = answer.locator("ol > li", has_text="Adapter advanced settings")
    nested = step.locator(":scope > ul > li")
    assert nested.count() == 3
    assert nested.nth(0).inner_text().startswith("MIMO Power Save Mode")
    # Indented under its step, not a run-on paragraph with literal dashes.
    assert nested.nth(0).bounding_box()["x"] > step.bounding_box()["x"] + 10
    assert "- MIMO" not in answer.inner_text()
    nested.nth(0).scroll_into_view_if_needed()
    screenshot(page, "posts-nested-list-desktop")


def test_the_demo_screenshot_shows_in_the_post_and_opens_full_size(site, new_context):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(site(site.thread_path))
    img = page.locator(f"#question .attachment__preview img[src$='/{SCREENSHOT}']")
    assert _wait_loaded(page, img) == 760
    box = img.bounding_box()
    assert 0 < box["width"] <= 240 and box["x"] + box["width"] <= 390   # a thumbnail
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "posts-screenshot-thumbnail-phone")

    link = page.locator("#question a.attachment__preview")
    assert link.get_attribute("href") == img.get_attribute("src")
    with page.expect_navigation() as nav:
        link.click()
    response = nav.value
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("inline;")


def test_an_answer_written_with_two_space_lists_and_an_attachment_image(site, new_context):
    page = new_context("maria_k", viewport={"width": 1366, "height": 900}).new_page()
    page.goto(site(site.thread_path))
    src = page.locator(f"#question .attachment__preview img[src$='/{SCREENSHOT}']"
                       ).get_attribute("src")
    page.goto(site("/search?q=Bluetooth+headphones+stutter"))
    page.get_by_role("link", name=re.compile("Bluetooth headphones stutter")).first.click()
    page.wait_for_url(re.compile(r"/questions/\d+"))

    page.get_by_role("textbox", name="Your answer").fill(ANSWER.format(src=src))
    page.get_by_role("button", name="Post your answer").click()
    page.wait_for_url(re.compile(r"#answer-\d+$"))
    answer = page.locator(f"#answer-{page.url.rsplit('#answer-', 1)[1]}")

    first = answer.locator(".post-body > ol > li").first
    assert first.locator(":scope > ul > li").count() == 2
    second = answer.locator(".post-body > ol > li").nth(1)
    code = second.locator("pre code")
    assert code.inner_text().strip() == "netsh wlan show drivers"
    assert "powershell" not in second.inner_text()

    img = answer.locator(".post-body img")
    assert img.get_attribute("alt") == "Event Viewer showing event 5005"
    assert _wait_loaded(page, img) == 760
    assert img.bounding_box()["width"] <= answer.bounding_box()["width"]
    screenshot(page, "posts-answer-with-image-desktop")
