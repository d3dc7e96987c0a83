"""The post editor in a real browser: the formatting toolbar inserts Markdown, the
live preview sits right under the editor, drafts survive a reload and go once
posted, a pasted image is attached to the post, and the tag field warns about a
new tag the writer may not create."""

from __future__ import annotations

import base64
import re

import pytest

from tests.browser.conftest import screenshot
from tests.unit.test_attachments_service import png_bytes

WRITER = "editor_tester"
PASSWORD = "a long editor passphrase"
ANSWER = ("Open the adapter's Power Management tab and untick 'Allow the computer to "
          "turn off this device'; the drops stopped for me after that.")


@pytest.fixture(scope="module")
def writer_state(site, browser):
    """A new member (reputation 1), signed up through the form."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(site("/register"))
        page.get_by_label("Username").fill(WRITER)
        page.get_by_label("Email").fill("editor.tester@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Confirm password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_url(lambda url: "/register" not in url)
        return context.storage_state()
    finally:
        context.close()


def draft(page, key: str):
    return page.evaluate("k => localStorage.getItem(k)", f"crowdfix:draft:{key}")


def answer_key(site) -> str:
    return "answer:" + site.thread_path.rsplit("/", 1)[1]


def test_toolbar_inserts_markdown_and_preview_sits_under_the_editor(site, new_context):
    page = new_context("ohm-dev", viewport={"width": 1366, "height": 900}).new_page()
    page.goto(site(site.thread_path))
    box = page.get_by_role("textbox", name="Your answer")
    toolbar = page.get_by_role("toolbar", name="Formatting")
    names = [b.get_attribute("aria-label") for b in toolbar.get_by_role("button").all()]
    assert names == ["Bold", "Italic", "Code", "Link", "Bulleted list", "Numbered list", "Quote"]

    box.fill("restart the adapter")
    box.press("Control+a")
    toolbar.get_by_role("button", name="Bold").click()
    assert box.input_value() == "**restart the adapter**"
    box.press("End")
    box.press("Enter")
    box.press_sequentially("first step")
    toolbar.get_by_role("button", name="Numbered list").click()
    box.press("Enter")
    box.press_sequentially("run")
    toolbar.get_by_role("button", name="Code").click()     # the placeholder stays selected
    assert page.evaluate("() => document.getSelection().toString() || "
                         "document.activeElement.value.slice(document.activeElement.selectionStart,"
                         " document.activeElement.selectionEnd)") == "code"
    box.press("End")
    toolbar.get_by_role("button", name="Link").click()
    assert box.input_value() == ("**restart the adapter**\n1. first step\nrun`code`"
                                 "[link text](https://)")
    box.press("Control+i")
    assert box.input_value().endswith("[link text](_https://_)")

    preview = page.locator("#answer-preview")
    preview.locator("strong").wait_for()
    assert preview.locator("strong").inner_text() == "restart the adapter"
    assert preview.locator("ol li").inner_text().startswith("first step")
    editor_box = box.bounding_box()
    preview_box = page.locator("[data-preview-section]").last.bounding_box()
    files_box = page.locator("form.answer-form input[type=file]").bounding_box()
    assert editor_box["y"] + editor_box["height"] <= preview_box["y"] < files_box["y"]
    assert preview_box["y"] - (editor_box["y"] + editor_box["height"]) < 60
    screenshot(page, "editor-answer-desktop")
    box.fill("")            # leave no draft behind for the other tests


def test_draft_survives_reload_and_is_cleared_after_posting(site, new_context):
    page = new_context("ohm-dev").new_page()
    page.goto(site(site.thread_path))
    key = answer_key(site)
    page.get_by_role("textbox", name="Your answer").fill(ANSWER)
    page.wait_for_function("k => localStorage.getItem(k) !== null", arg=f"crowdfix:draft:{key}")

    page.reload()
    box = page.get_by_role("textbox", name="Your answer")
    assert box.input_value() == ANSWER
    assert "Restored your unsent draft" in page.locator(".editor-draft").inner_text()

    # Refused (too short): the draft stays, holding what was sent.
    box.fill("too short")
    box.evaluate("el => el.removeAttribute('minlength')")     # let the server say it
    with page.expect_navigation():
        page.get_by_role("button", name="Post your answer").click()
    assert "too short" in (draft(page, key) or "")

    page.get_by_role("textbox", name="Your answer").fill(ANSWER)
    with page.expect_navigation():
        page.get_by_role("button", name="Post your answer").click()
    assert re.search(r"#answer-\d+$", page.url), page.url
    assert draft(page, key) is None
    page.reload()
    assert page.get_by_role("textbox", name="Your answer").input_value() == ""
    assert page.locator(".editor-draft").count() == 0


def test_discarding_a_draft_restores_the_form(site, new_context, writer_state):
    page = new_context(storage_state=writer_state).new_page()
    page.goto(site("/ask"))
    template = page.get_by_label("Details").input_value()
    page.get_by_label("Title").fill("A draft title that should come back after a reload")
    page.wait_for_function("() => localStorage.getItem('crowdfix:draft:ask') !== null")
    page.reload()
    assert page.get_by_label("Title").input_value().startswith("A draft title")
    page.get_by_role("button", name="Discard draft").click()
    assert page.get_by_label("Title").input_value() == ""
    assert page.get_by_label("Details").input_value() == template
    assert draft(page, "ask") is None


PASTE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/png" }));
  const box = document.querySelector("textarea[data-editor]");
  box.focus();
  box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
}"""


def test_pasted_image_is_attached_and_new_tags_are_warned_about(site, new_context, writer_state):
    page = new_context(storage_state=writer_state, viewport={"width": 390, "height": 844}).new_page()
    page.goto(site("/ask"))

    tags = page.get_by_label("Tags")
    tags.press_sequentially("wifi shiny-new-tag ", delay=10)
    warning = page.locator("#tags-new-tags")
    warning.wait_for(state="visible")
    assert "“shiny-new-tag” is not a tag yet" in warning.inner_text()
    assert "needs 300 reputation" in warning.inner_text()
    tags.fill("wifi")
    tags.blur()
    warning.wait_for(state="hidden")

    page.get_by_label("Title").fill("Screenshot shows the Wi-Fi icon greyed out after resume")
    page.get_by_label("Details").fill("After waking from sleep the Wi-Fi icon is grey; "
                                      "see the pasted screenshot of the network panel.")
    page.evaluate(PASTE, [base64.b64encode(png_bytes()).decode(), "image.png"])
    status = page.locator(".editor-status")
    assert "Attached pasted-image-" in status.inner_text()
    chosen = page.locator("form.ask-form input[type=file]").evaluate(
        "input => Array.from(input.files, f => f.name)")
    assert len(chosen) == 1 and re.fullmatch(r"pasted-image-\d{8}-\d{6}\.png", chosen[0]), chosen
    screenshot(page, "editor-ask-mobile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    with page.expect_navigation():
        page.get_by_role("button", name="Post your question").click()
    assert re.search(r"/questions/\d+/", page.url), page.url
    files = page.locator("#question .attachments")
    assert chosen[0] in files.inner_text()
    assert "Screenshot" in files.locator(".attachment__kind").inner_text()
    assert draft(page, "ask") is None


@pytest.mark.parametrize("width", [1366, 360])
def test_ask_page_fits_and_asks_for_files_again_after_an_error(site, new_context, writer_state,
                                                               tmp_path, width):
    page = new_context(storage_state=writer_state,
                       viewport={"width": width, "height": 900}).new_page()
    page.goto(site("/ask"))
    page.get_by_role("toolbar", name="Formatting").wait_for()
    assert page.get_by_label("What the files are").input_value() == "auto"
    log = tmp_path / "router.log"
    log.write_text("20:01:13 wlan0: disassociated (reason 4)\n")
    page.locator("form.ask-form input[type=file]").set_input_files(str(log))
    page.get_by_label("Title").fill("Too short")      # the server refuses it
    with page.expect_navigation():
        page.get_by_role("button", name="Post your question").click()
    again = page.locator(".upload-fields__again")
    assert "router.log was not kept" in again.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"editor-ask-error-{width}")
    page.evaluate("localStorage.clear()")
