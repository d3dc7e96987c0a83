"""Every page, for every demo role, on a 360×740 phone: nothing scrolls sideways and
the header stays under 64px. The menu opens without JavaScript. On a 1366px
desktop the header is one row for every role and the search box keeps its room.

One browser context per role visits a list of pages, so the whole matrix stays fast."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in, screenshot

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
HEADER_MAX = 64

# role -> demo user (None: signed out)
ROLES = {"anonymous": None, "member": "maria_k", "staff": "sam_support",
         "moderator": "priya.n", "admin": "admin"}

# Pages everyone sees; "{thread}", "{question_id}", "{profile}", "{badge}", "{tag}" are filled in.
PUBLIC = ["/", "/questions?sort=votes", "/questions?sort=unanswered", "{thread}", "/tags",
          "/tags/{tag}", "/search?q=wifi", "/search?q=is%3Asolved+tag%3Awifi",
          "/search?q=zzzqqq+nothing", "{profile}", "/posts/{question_id}/revisions", "/badges",
          "/badges/{badge}", "/about", "/help", "/help/api", "/terms", "/privacy",
          "/tags/synonyms", "/no-such-page"]
SIGNED_OUT = ["/login", "/register", "/forgot-password", "/ask"]
SIGNED_IN = ["/ask", "/inbox", "/settings", "/flags/mine", "/posts/{question_id}/edit",
             "/cases", "/logout"]
REVIEWERS = ["/moderation/review"]
STAFF = ["/staff", "/staff/tracker", "/staff/recurring"]
MODERATORS = ["/moderation", "/moderation/log", "/moderation/log?action=close",
              "/moderation/users/{member_id}", "/questions/{question_id}/merge"]
ADMINS = ["/admin/users", "/admin/jobs", "/admin/products"]

PAGES = {
    "anonymous": PUBLIC + SIGNED_OUT,
    "member": PUBLIC + SIGNED_IN + REVIEWERS,
    "staff": PUBLIC + SIGNED_IN + REVIEWERS + STAFF,
    "moderator": PUBLIC + SIGNED_IN + REVIEWERS + MODERATORS,
    "admin": PUBLIC + SIGNED_IN + REVIEWERS + STAFF + MODERATORS + ADMINS,
}

# Where the brief asks for screenshots to look at: (role, path) -> name.
SHOTS = {("anonymous", "/"): "home", ("member", "{thread}"): "question",
         ("staff", "/staff"): "staff-desk", ("moderator", "/moderation"): "moderation-queue",
         ("moderator", "/moderation/log"): "audit-log", ("member", "/settings"): "settings",
         ("anonymous", "/help"): "help", ("anonymous", "/help/api"): "api-reference"}

MEASURE = """() => {
    const width = document.documentElement.clientWidth;
    const header = document.querySelector(".site-header").getBoundingClientRect();
    const wide = Array.from(document.querySelectorAll("body *"))
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .filter((el) => !el.closest(".site-header"))
        .slice(0, 6)
        .map((el) => el.tagName.toLowerCase()
             + (el.className && typeof el.className === "string"
                ? "." + el.className.trim().replace(/ +/g, ".") : "")
             + " right=" + Math.round(el.getBoundingClientRect().right));
    // Not window.innerWidth: a phone zooms out to show a too-wide page whole, and
    // innerWidth then grows with the page; clientWidth stays the 360px layout width.
    return {scroll: document.documentElement.scrollWidth, window: width,
            header: Math.round(header.height), wide: wide};
}"""


HEADER_PARTS = """() => Array.from(document.querySelectorAll(".site-header__inner > *, .user-area__me > *"))
    .map((el) => el.className + " x=" + Math.round(el.getBoundingClientRect().left)
                 + " w=" + Math.round(el.getBoundingClientRect().width))"""


def _fill(path: str, site) -> str:
    question_id = re.search(r"/questions/(\d+)", site.thread_path).group(1)
    return path.format(thread=site.thread_path, question_id=question_id,
                       profile=site.profile_path, member_id=site.users["maria_k"],
                       badge="{badge}", tag="wifi")


@pytest.fixture(scope="module")
def badge_slug(site, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(site("/badges"))
        href = page.locator(".badge-list a").first.get_attribute("href")
        return href.rsplit("/", 1)[-1]
    finally:
        context.close()


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_a_phone(site, new_context, badge_slug, role):
    page = new_context(ROLES[role], **PHONE).new_page()
    problems = []
    for template in PAGES[role]:
        path = _fill(template, site).replace("{badge}", badge_slug)
        response = page.goto(site(path))
        status = response.status if response else 0
        if status >= 500 or (status >= 400 and template != "/no-such-page"):
            problems.append(f"{path}: HTTP {status}")
            continue
        found = page.evaluate(MEASURE)
        if found["scroll"] > found["window"]:
            problems.append(f"{path}: {found['scroll']}px wide in a {found['window']}px "
                            f"window; too wide: {found['wide']}")
        if found["header"] >= HEADER_MAX:
            problems.append(f"{path}: header {found['header']}px tall")
        if (role, template) in SHOTS or problems and problems[-1].startswith(path):
            screenshot(page, f"mobile-{role}-{SHOTS.get((role, template), 'failed')}")
    assert not problems, f"{role} at 360px:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", list(ROLES))
def test_header_is_one_row_on_a_desktop(site, new_context, role):
    page = new_context(ROLES[role], **DESKTOP).new_page()
    for path in ("/", site.thread_path):
        page.goto(site(path))
        header = page.locator(".site-header").bounding_box()
        assert header and header["height"] < HEADER_MAX + 8, (role, path, header)
        search = page.locator(".site-search").bounding_box()
        # A member's search box was squeezed to 160px; staff roles have more links.
        need = 360 if role in ("anonymous", "member") else 280
        assert search and search["width"] >= need, (role, path, page.evaluate(HEADER_PARTS))
    for (who, template), name in SHOTS.items():      # the pages to look at, as desktop
        if who == role:
            page.goto(site(_fill(template, site)))
            screenshot(page, f"desktop-{role}-{name}")


@pytest.mark.parametrize(("role", "links"), [
    ("member", ["Your profile", "Inbox", "My flags", "Review queue", "Badges", "Settings"]),
    ("moderator", ["Moderation", "Review queue", "Audit log", "My flags", "Settings"]),
    ("anonymous", ["Log in", "Sign up", "Help"]),
])
def test_phone_menu_opens_without_javascript(site, new_context, role, links):
    page = new_context(ROLES[role], java_script_enabled=False, **PHONE).new_page()
    page.goto(site(site.thread_path))
    menu = page.locator(".site-menu")
    assert not menu.get_by_role("link", name="Tags").is_visible()
    menu.locator("summary").click()
    for name in links:      # the Inbox link's name ends with its unread count
        assert menu.get_by_role("link", name=re.compile(f"^{name}( \\d+ unread)?$")).is_visible(), name
    header = page.locator(".site-header").bounding_box()
    assert header and header["height"] < HEADER_MAX
    screenshot(page, f"mobile-menu-{role}")
    if role != "anonymous":
        menu.get_by_role("link", name="Settings", exact=True).click()
        page.wait_for_url(re.compile(r"/settings$"))


def test_user_menu_logs_out_on_a_desktop(site, new_context):
    from forum.seeding import DEMO_PASSWORD

    page = new_context(**DESKTOP).new_page()
    log_in(page, site, "dana.w", DEMO_PASSWORD)
    menu = page.locator(".user-menu")
    menu.locator("summary").click()
    assert menu.get_by_role("link", name="My flags").is_visible()
    assert not menu.get_by_role("link", name="Audit log").count()
    menu.get_by_role("button", name="Log out").click()
    page.wait_for_url(site("/"))
    assert page.get_by_role("link", name="Log in").is_visible()


def test_header_does_not_cover_the_content_on_a_phone(site, new_context):
    page = new_context(**PHONE).new_page()
    page.goto(site(site.thread_path))
    header = page.locator(".site-header").bounding_box()
    title = page.locator("h1").bounding_box()
    assert header and title
    assert title["y"] >= header["y"] + header["height"] - 1, (header, title)


def test_menus_close_on_escape_and_outside_click(site, new_context):
    page = new_context("maria_k", **DESKTOP).new_page()
    page.goto(site("/"))
    menu = page.locator(".user-menu")
    summary = menu.locator("summary")
    summary.click()
    assert menu.get_by_role("link", name="Settings").is_visible()
    page.keyboard.press("Escape")
    assert not menu.get_by_role("link", name="Settings").is_visible()
    assert summary.evaluate("(el) => document.activeElement === el")
    summary.click()
    page.locator("h1").click()
    assert not menu.get_by_role("link", name="Settings").is_visible()
