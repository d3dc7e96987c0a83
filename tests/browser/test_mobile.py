"""A 360×740 phone: the front page and a thread never scroll sideways."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}

OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    return Array.from(document.querySelectorAll("body *"))
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .filter((el) => !el.closest(".visually-hidden"))
        .slice(0, 10)
        .map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).replace(/ +/g, ".") : "")
                     + " right=" + Math.round(el.getBoundingClientRect().right));
}"""


@pytest.mark.parametrize(("name", "where", "user"), [
    ("front", "/", None),
    ("thread", "thread_path", None),
    ("thread-member", "thread_path", "maria_k"),
])
def test_no_horizontal_scrolling_on_a_phone(site, new_context, name, where, user):
    page = new_context(user, **PHONE).new_page()
    page.goto(site(getattr(site, where) if where.endswith("_path") else where))
    screenshot(page, f"mobile-{name}")
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], (
        f"{name}: page is {sizes[0]}px wide in a {sizes[1]}px window; too wide: "
        f"{page.evaluate(OVERFLOWING)}")


def test_header_does_not_cover_the_content_on_a_phone(site, new_context):
    page = new_context(**PHONE).new_page()
    page.goto(site(site.thread_path))
    header = page.locator(".site-header").bounding_box()
    title = page.locator("h1").bounding_box()
    assert header and title
    assert title["y"] >= header["y"] + header["height"] - 1, (header, title)
