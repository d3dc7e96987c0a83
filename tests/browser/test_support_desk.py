"""The support desk in a real browser: staff see the demo's late case on the desk's
Support tab and work it; the asker reads the private conversation without staff's
internal note; another member gets 404. Desktop and phone, no sideways scrolling."""

from __future__ import annotations

import re

from tests.browser.conftest import screenshot

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def no_sideways_scrolling(page) -> None:
    width, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"{page.url}: {width}px wide in a {window}px window"


def test_staff_work_the_late_case_from_the_desk(site, new_context):
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_context("sam_support", **options).new_page()
        page.goto(site("/staff"))
        cases = page.locator("#cases")
        assert "Overdue" in cases.inner_text()
        screenshot(page, f"staff-desk-support-{name}")
        no_sideways_scrolling(page)
        cases.get_by_role("link", name=re.compile("ST-4012")).click()
        assert "Internal note" in page.locator(".case-conversation").inner_text()
        assert "overdue" in page.locator(".case-clock").inner_text()
        screenshot(page, f"case-staff-{name}")
        no_sideways_scrolling(page)


def test_the_asker_reads_the_case_and_others_get_404(site, new_context):
    page = new_context("dana.w", **PHONE).new_page()
    page.goto(site("/cases"))
    page.get_by_role("link", name=re.compile("ST-4012")).click()
    case_url = page.url
    conversation = page.locator(".case-conversation").inner_text()
    assert "securetunnel-client.log" in conversation
    assert "Internal note" not in conversation and "passing to network engineering" not in conversation
    screenshot(page, "case-asker-phone")
    no_sideways_scrolling(page)
    page.get_by_role("link", name="the public thread").click()
    assert "Being handled by support" in page.locator(".thread-header").inner_text()

    other = new_context("maria_k").new_page()
    response = other.goto(case_url)
    assert response.status == 404
