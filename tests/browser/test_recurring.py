"""Recurring issues in a real browser, on the demo content: staff reach the page
from the desk's tabs; the chart (inline SVG, no script) and the ranked table fit a
desktop and a phone; filtering by product keeps its threads; admins keep the
product list at /admin/products."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AXE_JS, screenshot

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
WIFI = "AeroBook 14 Wi-Fi drops every few minutes"


def no_sideways_scrolling(page, layout_width: int) -> None:
    """Measured against the layout width: on a mobile viewport window.innerWidth
    grows with a page that is too wide."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= layout_width, f"{page.url}: {width}px wide for a {layout_width}px layout"


def test_recurring_issues_on_desktop_and_phone(site, new_context):
    for name, options in (("1366", DESKTOP), ("390", PHONE)):
        page = new_context("sam_support", **options).new_page()
        page.goto(site("/staff"))
        page.get_by_role("link", name="Recurring issues", exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text() == "Recurring issues"
        chart = page.locator("figure.recurring-chart svg")
        assert chart.get_attribute("role") == "img"
        assert chart.locator("title").first.text_content() == "Top recurring issues, score by week"
        # on a phone the chart keeps readable labels and scrolls inside its own box
        assert page.locator("figure.recurring-chart").bounding_box()["width"] <= options[
            "viewport"]["width"]
        first = page.locator(".recurring-table tbody tr").first
        assert WIFI in first.inner_text()
        screenshot(page, f"recurring-{name}")
        no_sideways_scrolling(page, options["viewport"]["width"])
    page.get_by_label("Product", exact=True).select_option("AeroBook laptops")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator(".recurring-table tbody tr")
    assert rows.count() >= 1
    for text in rows.all_inner_texts():
        assert "AeroBook laptops" in text


def test_admin_keeps_the_product_list(site, new_context):
    page = new_context("admin", **DESKTOP).new_page()
    page.goto(site("/admin/products"))
    assert page.get_by_role("heading", level=2, name="AeroBook laptops").is_visible()
    assert "BIOS 1.12" in page.locator("#product-1, section.product-admin").first.inner_text()
    screenshot(page, "admin-products-1366")
    no_sideways_scrolling(page, 1366)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("path", "user"), [("/staff/recurring", "sam_support"),
                                            ("/admin/products", "admin")])
def test_no_serious_axe_violations(site, new_context, path, user, scheme):
    if not AXE_JS.exists():
        pytest.skip(f"axe tests skipped: {AXE_JS} missing")
    page = new_context(user, color_scheme=scheme, **DESKTOP).new_page()
    assert page.goto(site(path)).ok
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate("""async () => await axe.run(document, {resultTypes: ["violations"]})""")
    blocking = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
                for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    assert not blocking, f"{path} ({scheme}): {blocking}"
