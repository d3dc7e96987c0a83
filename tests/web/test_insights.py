"""Insights (issue 17 A): the search log and its content gaps, "Did this solve your
problem?" on solved threads, and deflection on /ask, as users and staff see them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from forum.extensions import db
from forum.models import AskSession, SearchLog, ThreadFeedback
from forum.services import accepting, deflection, search_log
from tests.factories import PASSWORD, make_answer, make_question, make_user


@pytest.fixture
def threads(app):
    asker = make_user("maria")
    printer = make_question(asker, title="PrintJet 3200 shows offline on Windows 11",
                            body="The printer shows offline although its own test page prints.",
                            tags=("printing", "windows-11"), product="PrintJet")
    answer = make_answer(printer, body="Remove the WSD port and add a TCP/IP port for the printer.")
    accepting.accept_answer(asker, answer.id)
    wifi = make_question(title="Wi-Fi drops every ten minutes after sleep",
                         body="The laptop loses Wi-Fi every ten minutes since waking from sleep.",
                         tags=("wifi", "windows-11"))
    return {"printer": printer, "wifi": wifi, "asker": asker}


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start:page.index("</div>", start)]


def insights_page(client, auth, **args) -> str:
    auth.login(make_user(role="staff"))
    response = client.get("/staff/insights", query_string=args)
    assert response.status_code == 200
    auth.logout()
    return response.get_data(as_text=True)


def rows() -> list[SearchLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(SearchLog).order_by(SearchLog.id)))


# ------------------------------------------------------------------ search log

def test_searches_are_logged_normalised_without_addresses(client, threads):
    client.get("/search", query_string={"q": "  PRINTER   Offline "})
    client.get("/search", query_string={"q": "bluetooth headphones"})
    client.get("/search", query_string={"q": "printer offline", "page": 2})    # not page 1
    client.get("/search")                                                   # no query
    logged = rows()
    assert [(r.query, r.result_count, r.source, r.signed_in, r.opened_question_id)
            for r in logged] == [("printer offline", 1, "page", False, None),
                                 ("bluetooth headphones", 0, "page", False, None)]
    columns = set(SearchLog.__table__.columns.keys())
    assert not {c for c in columns if "ip" in c.split("_") or "addr" in c or "user" in c}


def test_query_is_cut_to_200_characters_and_product_filter_is_kept(client, threads):
    client.get("/search", query_string={"q": "word " * 100})
    client.get("/search", query_string={"q": "offline product:PrintJet"})
    first, second = rows()
    assert len(first.query) <= 200 and first.query == ("word " * 40).strip()
    assert (second.query, second.product, second.result_count) == (
        "offline product:printjet", "printjet", 1)


def test_signed_in_and_api_searches_are_logged_as_such(client, auth, api, threads):
    auth.login(threads["asker"])
    client.get("/search?q=printer")
    auth.logout()
    assert api.get(None, "/api/v1/search?q=wifi+sleep").status_code == 200
    assert [(r.query, r.source, r.signed_in) for r in rows()] == [
        ("printer", "page", True), ("wifi sleep", "api", False)]


def test_result_links_record_which_result_was_opened(client, threads):
    page = client.get("/search?q=printer").get_data(as_text=True)
    log_id = rows()[0].id
    printer = threads["printer"]
    link = f"/questions/{printer.id}/{printer.slug}?s={log_id}&r=1"
    assert f'href="{link.replace("&", "&amp;")}"' in page
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/questions/{printer.id}/{printer.slug}")
    assert "no-store" in response.headers["Cache-Control"]
    assert client.get(response.headers["Location"], follow_redirects=True).status_code == 200
    wifi = threads["wifi"]
    client.get(f"/questions/{wifi.id}/{wifi.slug}?s={log_id}&r=2")     # only the first counts
    row = rows()[0]
    assert (row.opened_question_id, row.opened_rank) == (printer.id, 1)
    assert row.opened_at is not None


@pytest.mark.parametrize("url, to", [
    ("/questions/1/x?s=999&r=1", "/questions/1/x"),
    ("/questions/999999?s=1&r=abc", "/questions/999999"),
    ("/questions/1?s=abc&tab=x", "/questions/1?tab=x"),
])
def test_a_made_up_result_link_records_nothing_and_still_redirects(client, threads, url, to):
    client.get("/search?q=printer")
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(to)
    assert rows()[0].opened_question_id is None


def test_staff_see_top_queries_no_results_and_gaps(client, auth, threads):
    for q in ("printer", "printer", "Printer", "bluetooth headphones", "wifi sleep"):
        client.get("/search", query_string={"q": q})
    page = insights_page(client, auth)
    top = section(page, "top-heading")
    assert top.index("printer") < top.index("wifi sleep")
    assert re.search(r"printer</a></th>\s*<td[^>]*>3</td>", top)
    assert "bluetooth headphones" in section(page, "none-heading")
    assert "printer" not in section(page, "none-heading")
    gaps = section(page, "gaps-heading")
    assert "printer" in gaps and "wifi sleep" in gaps and "bluetooth" not in gaps

    # someone opens a printer result: it is no longer a gap
    log_id = rows()[0].id
    client.get(f"/questions/{threads['printer'].id}?s={log_id}&r=1")
    gaps = section(insights_page(client, auth), "gaps-heading")
    assert "printer" not in gaps and "wifi sleep" in gaps


def test_gaps_and_top_follow_the_days_and_product_filters(client, auth, threads):
    client.get("/search?q=offline+product:PrintJet")
    client.get("/search?q=wifi+sleep")
    old = rows()[1]
    old.created_at = old.created_at - timedelta(days=20)
    db.session.commit()
    page = insights_page(client, auth, days=7)
    assert "wifi sleep" not in section(page, "top-heading")
    page = insights_page(client, auth, days=30, product="printjet")
    assert "offline product:printjet" in section(page, "top-heading")
    assert "wifi sleep" not in section(page, "top-heading")


def test_prune_deletes_searches_older_than_the_retention(app, client, threads):
    app.config["SEARCH_LOG_DAYS"] = 10
    client.get("/search?q=printer")
    client.get("/search?q=wifi")
    old = rows()[0]
    old.created_at = old.created_at - timedelta(days=11)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["insights", "prune"])
    assert result.exit_code == 0, result.output
    assert "1 search(es) older than 10 days deleted" in result.output
    assert [r.query for r in rows()] == ["wifi"]


@pytest.mark.parametrize("url", ["/staff/insights"])
def test_insights_page_is_for_staff_only(client, auth, url):
    assert client.get(url).status_code in (302, 401)
    auth.login(make_user())
    assert client.get(url).status_code == 403


def test_staff_desk_links_to_insights(client, auth):
    auth.login(make_user(role="staff"))
    page = client.get("/staff").get_data(as_text=True)
    assert 'href="/staff/insights"' in page


# ---------------------------------------------------- "did this solve it?"

def feedback_rows(question_id: int) -> list[ThreadFeedback]:
    db.session.expire_all()
    return list(db.session.scalars(select(ThreadFeedback).where(
        ThreadFeedback.question_id == question_id).order_by(ThreadFeedback.id)))


def test_the_form_is_on_solved_threads_only_and_in_the_cached_page(client, threads):
    printer, wifi = threads["printer"], threads["wifi"]
    page = client.get(f"/questions/{printer.id}/{printer.slug}").get_data(as_text=True)
    assert "Did this solve your problem?" in page
    assert f'action="/questions/{printer.id}/feedback"' in page
    again = client.get(f"/questions/{printer.id}/{printer.slug}")
    assert "public" in again.headers["Cache-Control"] and "Did this solve" in again.get_data(
        as_text=True)
    assert "Did this solve" not in client.get(
        f"/questions/{wifi.id}/{wifi.slug}").get_data(as_text=True)


def test_anonymous_answers_count_once_per_visitor(app, client, threads):
    printer = threads["printer"]
    first = client.post(f"/questions/{printer.id}/feedback", data={"helpful": "yes"})
    assert first.status_code == 303
    assert "cf_visitor=" in first.headers["Set-Cookie"]
    page = client.get(first.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Thanks for telling us" in page and "Your answer was recorded" in page
    client.post(f"/questions/{printer.id}/feedback",
                data={"helpful": "no", "reason": "  Still  offline after the port change "})
    assert [(r.helpful, r.reason) for r in feedback_rows(printer.id)] == [
        (False, "Still offline after the port change")]
    assert feedback_rows(printer.id)[0].visitor.startswith("v:")

    other = app.test_client()
    assert other.post(f"/questions/{printer.id}/feedback",
                      data={"helpful": "yes"}).status_code == 303
    assert sorted(r.helpful for r in feedback_rows(printer.id)) == [False, True]


def test_signed_in_answers_count_once_per_user(client, auth, threads):
    printer = threads["printer"]
    reader = make_user("reader")
    auth.login(reader)
    for helpful in ("no", "no", "yes"):
        assert client.post(f"/questions/{printer.id}/feedback",
                           data={"helpful": helpful}).status_code == 303
    assert [(r.visitor, r.helpful) for r in feedback_rows(printer.id)] == [
        (f"u:{reader.id}", True)]


def test_anonymous_form_works_with_csrf_on_and_signed_in_needs_the_token(
        app, client, auth, threads):
    app.config["WTF_CSRF_ENABLED"] = True
    printer = threads["printer"]
    assert client.post(f"/questions/{printer.id}/feedback",
                       data={"helpful": "yes"}).status_code == 303
    app.config["WTF_CSRF_ENABLED"] = False      # signing in posts a form too
    auth.login(make_user("member2"))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/questions/{printer.id}/feedback",
                       data={"helpful": "no"}).status_code == 400
    assert [r.helpful for r in feedback_rows(printer.id)] == [True]


@pytest.mark.parametrize("data, status", [
    ({"helpful": "maybe"}, 422),
    ({}, 422),
    ({"helpful": "no", "reason": "x" * 301}, 422),
])
def test_bad_answers_change_nothing(client, threads, data, status):
    printer = threads["printer"]
    response = client.post(f"/questions/{printer.id}/feedback", data=data)
    assert response.status_code == status
    assert "Your answer was not recorded" in response.get_data(as_text=True)
    assert feedback_rows(printer.id) == []


def test_unsolved_or_missing_threads_take_no_answers(client, threads):
    wifi = threads["wifi"]
    assert client.post(f"/questions/{wifi.id}/feedback", data={"helpful": "yes"}).status_code == 422
    assert client.post("/questions/999999/feedback", data={"helpful": "yes"}).status_code == 404
    assert feedback_rows(wifi.id) == []


def test_many_noes_flag_the_thread_for_review(app, client, threads):
    printer = threads["printer"]
    answers = ["no", "no", "yes", "no"]
    for i, helpful in enumerate(answers):
        reader = app.test_client()
        reader.post(f"/questions/{printer.id}/feedback",
                    data={"helpful": helpful, "reason": f"reason {i}" if helpful == "no" else ""})
    staff_client = app.test_client()
    staff = make_user(role="staff")
    staff_client.post("/login", data={"username": staff.username,
                                      "password": PASSWORD})
    page = staff_client.get("/staff/insights").get_data(as_text=True)
    panel = page[page.index('id="feedback-heading"'):page.index('id="deflection"')]
    assert "PrintJet 3200 shows offline" in panel
    assert re.search(r"needs review</span></td>\s*<td[^>]*>3</td>\s*<td[^>]*>1</td>", panel)
    assert "needs review" in panel and "reason 3" in panel


# ------------------------------------------------------------- deflection

def test_an_ask_session_follows_similar_opened_and_posted(client, auth, threads):
    auth.login(make_user("asker2"))
    page = client.get("/ask").get_data(as_text=True)
    token = re.search(r'name="ask_session" value="([^"]+)"', page).group(1)
    similar = client.get("/api/v1/questions/similar",
                         query_string={"title": "printer offline windows", "ask_session": token})
    assert similar.status_code == 200 and similar.get_json()["results"]
    printer = threads["printer"]
    opened = client.get(f"/ask/open/{token}/{printer.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/{printer.id}")
    response = client.post("/ask", data={
        "ask_session": token, "title": "Scanner on the PrintJet 3200 never wakes up",
        "body": "The scanner part of the PrintJet stays asleep whatever I press on it.",
        "tags": "printing"})
    assert response.status_code == 303
    db.session.expire_all()
    session = db.session.scalar(select(AskSession).where(AskSession.token == token))
    assert session.similar_shown_at and session.opened_question_id == printer.id
    assert session.posted_question_id is not None


def test_the_no_javascript_similar_check_counts_and_links_through_the_session(
        client, auth, threads):
    auth.login(make_user("asker3"))
    token = re.search(r'name="ask_session" value="([^"]+)"',
                      client.get("/ask").get_data(as_text=True)).group(1)
    page = client.post("/ask", data={"ask_session": token, "similar": "1",
                                     "title": "PrintJet printer shows offline", "body": "",
                                     "tags": ""}).get_data(as_text=True)
    assert f'href="/ask/open/{token}/{threads["printer"].id}"' in page
    db.session.expire_all()
    assert db.session.scalar(select(AskSession.similar_shown_at)
                             .where(AskSession.token == token)) is not None


def add_session(created, *, shown=False, opened=None, posted=None):
    db.session.add(AskSession(token=f"test{add_session.n:020d}",
                              created_at=created,
                              similar_shown_at=created + timedelta(minutes=1) if shown else None,
                              opened_at=opened, posted_at=posted))
    add_session.n += 1


add_session.n = 0


def test_the_weekly_deflection_rate_follows_from_the_sessions(app):
    now = datetime(2026, 12, 9, 12, 0)          # a Wednesday; the week began Monday 7th
    monday = datetime(2026, 12, 7, 9, 0)
    last_week = monday - timedelta(days=7)
    # this week: 5 sessions; 2 deflected (saw, opened, never posted / posted 2 h later)
    add_session(monday, shown=True, opened=monday + timedelta(minutes=5))
    add_session(monday, shown=True, opened=monday + timedelta(minutes=5),
                posted=monday + timedelta(hours=2, minutes=10))
    add_session(monday, shown=True, opened=monday + timedelta(minutes=5),
                posted=monday + timedelta(minutes=30))                       # posted anyway
    add_session(monday, shown=True)                                          # opened none
    add_session(now - timedelta(minutes=20), shown=True,
                opened=now - timedelta(minutes=10))                          # hour not over yet
    # last week: 4 sessions, 1 deflected; and one session before the 8 weeks
    add_session(last_week, shown=True, opened=last_week + timedelta(minutes=2))
    for _ in range(3):
        add_session(last_week)
    add_session(monday - timedelta(weeks=8), shown=True, opened=monday - timedelta(weeks=8))
    db.session.commit()

    weeks = deflection.weekly(8, now=now)
    assert len(weeks) == 8 and weeks[-1].start.isoformat() == "2026-12-07"
    this, before = weeks[-1], weeks[-2]
    assert (this.sessions, this.saw_similar, this.opened, this.posted, this.deflected) == (
        5, 5, 4, 2, 2)
    assert this.rate == pytest.approx(2 / 5)
    assert (before.sessions, before.deflected, before.rate) == (4, 1, 0.25)
    assert sum(w.sessions for w in weeks) == 9
    assert weeks[0].rate is None


def test_staff_page_shows_the_weekly_rate(client, auth):
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)
    monday = deflection.week_start(start)
    add_session(start, shown=True, opened=start + timedelta(minutes=1))
    add_session(start)
    db.session.commit()
    page = insights_page(client, auth)
    panel = page[page.index('id="deflection-heading"'):]
    assert re.search(rf"{monday.isoformat()}</th><td[^>]*>50%</td><td[^>]*>1</td><td[^>]*>2</td>",
                     panel)


def test_search_log_record_never_fails_the_search(app, monkeypatch):
    def broken(*_a, **_k):
        raise OperationalError("INSERT", {}, Exception("database is down"))

    monkeypatch.setattr(db.session, "add", broken)
    assert search_log.record("printer", 3) is None


class TestFeedbackRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_FEEDBACK": "2 per minute"}

    def test_answers_beyond_the_limit_get_429_and_change_nothing(self, client, threads):
        printer = threads["printer"]
        for helpful in ("yes", "no"):
            assert client.post(f"/questions/{printer.id}/feedback",
                               data={"helpful": helpful}).status_code == 303
        response = client.post(f"/questions/{printer.id}/feedback", data={"helpful": "yes"})
        assert response.status_code == 429
        assert [r.helpful for r in feedback_rows(printer.id)] == [False]
