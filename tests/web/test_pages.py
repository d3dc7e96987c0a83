"""The site's own pages (about, help, terms, privacy, the API reference, the favicon)
and the header and footer links that lead to them and to the pages people look for."""

from __future__ import annotations

import html
import re

import pytest

from forum.api import openapi
from tests.factories import make_user

FOOTER = {"/about": "About", "/help": "Help", "/help/api": "API", "/terms": "Terms",
          "/privacy": "Privacy", "/badges": "Badges"}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(("path", "heading"), [
    ("/about", "About Crowdfix"), ("/help", "Help"), ("/terms", "Terms of use"),
    ("/privacy", "Privacy"), ("/help/api", "API reference"),
])
def test_site_pages_answer_with_their_heading(client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert re.search(rf"<h1[^>]*>\s*{re.escape(heading)}\s*</h1>", text(response))


def test_footer_links_every_site_page(client):
    page = text(client.get("/"))
    footer = page[page.index('<footer class="site-footer">'):]
    for path, label in FOOTER.items():
        assert f'href="{path}">{label}</a>' in footer, path


def test_help_takes_privilege_thresholds_from_config(app, client):
    app.config.update(PRIV_CLOSE=777, PRIV_EDIT_OTHERS=4321, REP_ANSWER_ACCEPTED=17,
                      REP_DAILY_VOTE_CAP=150)
    page = text(client.get("/help"))
    rows = dict(re.findall(r'<tr><td class="num">([\d,]+)</td><td>([^<]+)</td></tr>', page))
    assert rows["777"].startswith("Vote to close and reopen questions")
    assert rows["4,321"].startswith("Edit other people's posts directly")
    assert "500" not in rows and "1,000" not in rows
    assert '<td>Answer accepted</td><td class="num">+17</td>' in page
    assert "at most 150 points a day" in page


def test_help_lists_every_search_filter(client):
    page = text(client.get("/help"))
    for flag in ("solved", "unsolved", "official", "open", "closed", "unanswered", "known"):
        assert f"<code>is:{flag}</code>" in page
    for operator in ('"exact phrase"', "-bluetooth", "tag:wifi", "user:maria_k"):
        assert f"<code>{operator}</code>" in page


def test_api_reference_renders_every_operation_of_the_document(app, client):
    page = text(client.get("/help/api"))
    with app.test_request_context():
        document = openapi.spec()
    operations = [(method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) > 20
    for method, path in operations:
        pattern = (rf'api-method--{method.lower()}">{method}</span>\s*'
                   rf'<code class="api-path">{re.escape(path)}</code>')
        assert re.search(pattern, page), (method, path)
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page, name


def test_api_reference_shows_parameters_bodies_and_responses(client):
    page = text(client.get("/help/api"))
    listing = page[page.index('id="op-get-questions"'):page.index('id="op-post-questions"')]
    assert '<code class="api-field">per_page</code> <span class="api-in">in query</span>' in listing
    assert "maximum 100" in listing
    assert "one of: newest, active, votes, unanswered" in listing
    ask = page[page.index('id="op-post-questions"'):]
    ask = ask[:ask.index("</section>")]
    assert '<span class="api-lock">token</span>' in ask
    assert 'Request body <span class="api-in">application/json</span>' in ask
    assert '<a href="#schema-NewQuestion">NewQuestion</a>' in ask
    assert 'api-status--2xx">201</span>' in ask
    assert 'href="#status-422">422</a>' in ask            # errors: their status, once explained
    assert re.search(r'id="status-422">.*?</dt>\s*<dd>Validation failed', page, re.S)
    error = page[page.index('id="schema-Error"'):]
    assert '<code class="api-field">error</code>' in error
    assert '<span class="api-required">required</span>' in error
    assert "<script" not in page.split("</head>", 1)[1].replace(
        '<script defer src="/static/js/crowdfix.js"></script>', "")


def test_api_reference_is_served_without_any_other_site(client):
    page = client.get("/help/api").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//(?!creativecommons)', page)
    assert "swagger" not in page.lower()


def test_favicon_is_an_svg_and_favicon_ico_leads_to_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/static/favicon.svg")
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200
        assert svg.mimetype == "image/svg+xml"
        assert b"<svg" in svg.data
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)


def menu(client) -> str:
    page = client.get("/").get_data(as_text=True)
    start = page.index('<details class="menu user-menu">')
    return page[start:page.index("</details>", start)]


@pytest.mark.parametrize(("role", "reputation", "review", "audit", "admin"), [
    ("member", 1, False, False, False),
    ("member", 2993, True, False, False),      # well past the review privilege
    ("staff", 1, True, False, False),
    ("moderator", 1, True, True, False),
    ("admin", 1, True, True, True),
])
def test_user_menu_links_follow_privileges(client, auth, role, reputation, review, audit, admin):
    auth.login(make_user(role=role, reputation_points=reputation))
    links = menu(client)
    for always in ('href="/flags/mine"', 'href="/settings"', 'href="/badges"', 'href="/inbox"',
                   'action="/logout"'):
        assert always in links
    assert ('href="/moderation/review"' in links) is review
    assert ('href="/moderation/log"' in links) is audit
    assert ('href="/admin/users"' in links) is admin


def test_review_threshold_comes_from_config(app, client, auth):
    app.config["PRIV_CLOSE"] = 3000
    auth.login(make_user(reputation_points=2993))
    assert 'href="/moderation/review"' not in menu(client)


def test_signed_out_header_offers_log_in_and_sign_up(client):
    page = client.get("/help").get_data(as_text=True)
    assert 'href="/login?next=/help"' in page
    assert 'href="/register' in page
    assert "user-menu" not in page


def test_menu_log_out_button_logs_out(client, auth):
    auth.login(make_user())
    assert 'class="menu__logout"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    assert 'href="/settings"' not in client.get("/").get_data(as_text=True)
