"""Insights in a real browser (issue 17 A): staff read /staff/insights from the
demo content (searches, gaps, "did this solve it", deflection) on a desktop and a
phone without sideways scrolling; a reader answers "Did this solve your
problem?" on a solved thread without being signed in and is thanked."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AXE_JS, SCREENSHOTS, screenshot

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def no_sideways_scrolling(page) -> None:
    width, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= window, f"{page.url}: {width}px wide in a {window}px window"


def test_staff_read_every_insights_panel(site, new_context):
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_context("sam_support", **options).new_page()
        page.goto(site("/staff"))
        page.get_by_role("link", name="Insights").click()
        assert page.url.endswith("/staff/insights")
        searches = page.locator("#searches").inner_text()
        assert "printer offline" in searches
        assert "nimbus x3 esim" in searches             # found nothing
        assert "fan loud" in searches                    # found something nobody opened
        feedback = page.locator("#feedback").inner_text()
        assert "needs review" in feedback and "Wi-Fi drops" in feedback
        assert "%" in page.locator("#deflection").inner_text()
        screenshot(page, f"staff-insights-{name}")
        no_sideways_scrolling(page)
        page.get_by_label("Window").select_option("7")
        page.get_by_role("button", name="Apply filters").click()
        assert "days=7" in page.url


def test_an_anonymous_reader_answers_did_this_solve_it(site, new_context):
    page = new_context(**PHONE).new_page()
    page.goto(site(site.thread_path))
    box = page.locator("#feedback")
    assert "Did this solve your problem?" in box.inner_text()
    box.get_by_label("What was missing").fill("Drops again after a reboot")
    box.get_by_role("button", name="No, it did not").click()
    assert "Thanks for telling us" in page.locator(".flashes").inner_text()
    assert "Your answer was recorded" in box.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    box.screenshot(path=str(SCREENSHOTS / "thread-feedback-thanks-phone.png"))
    no_sideways_scrolling(page)


def test_insights_page_has_no_serious_axe_violations(site, new_context):
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} missing")
    for scheme in ("light", "dark"):
        page = new_context("sam_support", color_scheme=scheme).new_page()
        page.goto(site("/staff/insights"))
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations""")
        blocking = [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in violations
                    if v["impact"] in ("serious", "critical")]
        assert not blocking, f"/staff/insights ({scheme}): {blocking}"
