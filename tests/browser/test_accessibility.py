"""axe-core on the main pages, in the light and the dark theme: no violation of
impact "serious" or "critical". Findings are fixed in the templates and CSS;
a node is excluded only when it is a proven false positive (see EXCLUDE)."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import AXE_JS, screenshot

BLOCKING = {"serious", "critical"}

# (name, path or Site attribute, signed-in user)
PAGES = [
    ("front", "/", None),
    ("thread", "thread_path", None),
    ("thread-member", "thread_path", "maria_k"),
    ("thread-staff", "thread_path", "sam_support"),
    ("thread-moderator", "thread_path", "priya.n"),
    ("ask", "/ask", "newbie_rob"),
    ("search", "/search?q=wifi", None),
    ("login", "/login", None),
    ("register", "/register", None),
    ("profile", "profile_path", None),
    ("tags", "/tags", None),
    ("staff-desk", "/staff", "sam_support"),
    ("moderation", "/moderation", "priya.n"),
    ("audit-log", "/moderation/log", "priya.n"),
    ("inbox", "/inbox", "maria_k"),
    ("settings", "/settings", "maria_k"),
    ("help", "/help", None),
    ("about", "/about", None),
    ("api-reference", "/help/api", None),
    ("terms", "/terms", None),
    ("privacy", "/privacy", "maria_k"),
]

# CSS selectors axe should skip, each with the reason it is a false positive.
EXCLUDE: list[str] = []


def readable(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {' '.join(node['target'])}")
            lines.append(f"       {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


@pytest.fixture(scope="module", autouse=True)
def _needs_axe():
    if not AXE_JS.exists():
        pytest.skip(f"axe tests skipped: {AXE_JS} missing — install npm, then `make install`")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("name", "where", "user"), PAGES, ids=[p[0] for p in PAGES])
def test_no_serious_axe_violations(site, new_context, name, where, user, scheme):
    page = new_context(user, color_scheme=scheme).new_page()
    path = getattr(site, where) if where.endswith("_path") else where
    response = page.goto(site(path))
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async (exclude) => await axe.run(
               {include: [document], exclude: exclude.map((s) => [s])},
               {resultTypes: ["violations"]})""",
        EXCLUDE)
    screenshot(page, f"{name}-{scheme}")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    others = [v for v in results["violations"] if v["impact"] not in BLOCKING]
    if others:
        print(f"{name} ({scheme}), minor findings:\n{readable(others)}")
    assert not blocking, f"{name} ({scheme}) {path}:\n{readable(blocking)}"
    json.dumps(results["violations"])          # the findings stay plain data


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async (exclude) => await axe.run(
               {include: [document], exclude: exclude.map((s) => [s])},
               {resultTypes: ["violations"]})""",
        EXCLUDE)
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize(("menu", "width", "user"), [
    (".site-menu", 360, "priya.n"), (".site-menu", 360, None), (".user-menu", 1366, "admin"),
])
def test_open_header_menus_have_no_serious_axe_violations(site, new_context, menu, width, user):
    page = new_context(user, viewport={"width": width, "height": 800}).new_page()
    page.goto(site("/help"))
    page.locator(f"{menu} > summary").click()
    assert page.locator(f"{menu} .menu__panel").is_visible()
    blocking = run_axe(page)
    screenshot(page, f"menu-open-{width}-{user or 'anonymous'}")
    assert not blocking, readable(blocking)
