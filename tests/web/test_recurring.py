"""/staff/recurring, its CSV, the JSON API, the weekly job and the digest mail,
as staff (and everyone else) see them."""

import csv
import io
from datetime import timedelta

import pytest

from forum import changes
from forum.extensions import db
from forum.models import MeToo, OutboxMail, RecurringDigest, RecurringScore, utcnow
from forum.services import products, recurring
from moderation import closing
from moderation.inputs import CloseDraft
from tests.factories import make_question, make_user


def me_too(question, n=1, *, days_ago: float = 0):
    with changes.writing():
        for _ in range(n):
            db.session.add(MeToo(question_id=question.id, user_id=make_user().id,
                                 created_at=utcnow() - timedelta(days=days_ago)))


@pytest.fixture
def threads(app):
    """'Scanner' leads only because of its two closed duplicates; 'Printer' has
    more me-toos of its own; 'Battery' is about another product."""
    staff = make_user(role="staff")
    printer = make_question(title="Printer offline after the update", product="PixelJet printers")
    scanner = make_question(title="Scanner stops after the firmware", product="PixelJet printers")
    battery = make_question(title="Battery drains <b>overnight</b>", product="AeroBook laptops")
    db.session.get(type(scanner), scanner.id).product_version = "3.1"
    db.session.commit()
    me_too(printer, 3)
    me_too(scanner, 1)
    me_too(battery, 1)
    for title in ("The scanner stops after a firmware update", "Scanner dead since firmware"):
        dup = make_question(title=title, product="PixelJet printers")
        closing.vote_to_close(staff, dup.id, CloseDraft(reason="duplicate",
                                                        duplicate_of=scanner.id))
    return {"printer": printer, "scanner": scanner, "battery": battery, "staff": staff}


@pytest.mark.parametrize("url", ["/staff/recurring", "/staff/insights/recurring.csv"])
@pytest.mark.parametrize("role, status", [(None, 302), ("member", 403), ("moderator", 403),
                                          ("staff", 200), ("admin", 200)])
def test_only_company_staff_see_the_report(client, auth, url, role, status):
    if role:
        auth.login(make_user(role=role))
    response = client.get(url)
    assert response.status_code == status


def test_page_ranks_by_rolled_up_score_with_parts_chart_and_trend(client, auth, threads):
    auth.login(threads["staff"])
    page = client.get("/staff/recurring").get_data(as_text=True)
    table = page[page.index('class="data-table desk-table recurring-table"'):]
    order = sorted(["Printer offline", "Scanner stops", "Battery drains"], key=table.index)
    assert order == ["Scanner stops", "Printer offline", "Battery drains"]
    # the chart: inline SVG with a title and a description, no script
    assert '<svg role="img" aria-labelledby="recurring-chart-title recurring-chart-desc"' in page
    assert '<title id="recurring-chart-title">Top recurring issues, score by week</title>' in page
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<b>overnight</b>" not in page and "&lt;b&gt;overnight&lt;/b&gt;" in page
    # the scanner row: 2 duplicates and 1 me-too = 13, new this week
    row = table[table.index("Scanner stops"):]
    row = row[:row.index("</tr>")]
    cells = [c.split(">", 1)[1].split("<", 1)[0].strip() for c in row.split('<td class="num')[1:]]
    assert cells[:7] == ["13", "2", "0", "1", "0", "0", "0"]
    assert "new this week" in row
    # the desk's tabs link here
    assert 'href="/staff/recurring"' in client.get("/staff").get_data(as_text=True)


def test_filters_by_product_version_and_days(client, auth, threads):
    auth.login(threads["staff"])
    page = client.get("/staff/recurring?product=AeroBook+laptops").get_data(as_text=True)
    assert "Battery drains" in page and "Printer offline" not in page
    page = client.get("/staff/recurring?product=PixelJet+printers&version=3.1").get_data(
        as_text=True)
    assert "Scanner stops" in page and "Printer offline" not in page
    response = client.get("/staff/recurring?days=abc")
    assert response.status_code == 422
    assert "days must be a whole number from 1 to 365." in response.get_data(as_text=True)


def test_csv_has_the_parts_and_the_old_csv_still_works(client, auth, threads):
    auth.login(threads["staff"])
    response = client.get("/staff/insights/recurring.csv?days=30")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["title"] for r in rows][:2] == ["Scanner stops after the firmware",
                                              "Printer offline after the update"]
    assert (rows[0]["score"], rows[0]["duplicates"], rows[0]["me_toos"],
            rows[0]["product_version"]) == ("13", "2", "1", "3.1")
    old = client.get("/staff/recurring.csv")
    assert old.status_code == 200 and "me_too_last_7_days" in old.get_data(as_text=True)


def test_api_returns_the_ranking_and_refuses_bad_input(api, threads):
    staff = threads["staff"]
    response = api.get(staff, "/api/v1/insights/recurring?days=7&product=PixelJet+printers")
    assert response.status_code == 200
    data = response.get_json()
    assert [i["title"] for i in data["issues"]] == ["Scanner stops after the firmware",
                                                    "Printer offline after the update"]
    assert data["issues"][0]["parts"] == {"duplicates": 2, "merged": 0, "me_toos": 1,
                                          "views": 0, "not_solved": 0, "failed_searches": 0}
    assert data["issues"][0]["trend"] == "new" and data["issues"][0]["last_week"] == 0
    assert data["groups"] == [
        {"product": "PixelJet printers", "version": "3.1", "threads": 1, "score": 13},
        {"product": "PixelJet printers", "version": None, "threads": 1, "score": 9}]
    assert api.get(staff, "/api/v1/insights/recurring?days=0").status_code == 422
    assert api.get(staff, "/api/v1/insights/recurring?version=3.1").status_code == 422
    assert api.get(make_user(), "/api/v1/insights/recurring").status_code == 403
    assert api.get(None, "/api/v1/insights/recurring").status_code == 401


def test_weekly_job_stores_last_week_and_the_trend_follows(app, threads):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["insights", "recurring", "--weeks", "2", "--current"])
    assert result.exit_code == 0, result.output
    this_week = recurring.week_start(utcnow())
    stored = {(r.question_id, r.week): r.score for r in db.session.query(RecurringScore)}
    assert stored[(threads["scanner"].id, this_week)] == 13
    with changes.writing():             # last week: the scanner scored more
        db.session.add(RecurringScore(question_id=threads["scanner"].id,
                                      week=this_week - timedelta(days=7), score=26))
    issue = next(i for i in recurring.ranked(7) if i.question.id == threads["scanner"].id)
    assert (issue.previous, issue.current, issue.trend, issue.change) == (26, 13, "down", -50.0)


def test_digest_goes_to_each_products_owners_once_a_week(app, threads):
    admin = make_user(role="admin")
    owner = make_user("Olga", role="staff")
    other = make_user("Omar", role="staff")
    make_user("Quinn", role="staff").email_notifications = "none"     # turned all mail off
    db.session.commit()
    for name, owners in (("PixelJet printers", ("Olga", "Omar", "Quinn")), ("AeroBook laptops", ()),
                         ("Quiet product", ("Olga",))):
        products.create_product(admin, products.ProductDraft(name=name, owners=owners))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["insights", "digest"])
    assert result.exit_code == 0 and "3 digest mail(s) queued." in result.output
    mails = db.session.query(OutboxMail).order_by(OutboxMail.id).all()
    assert sorted((m.to_addr, "PixelJet" in m.subject) for m in mails) == sorted([
        (owner.email, True), (other.email, True), (owner.email, False)])
    pixel = next(m for m in mails if m.to_addr == owner.email and "PixelJet" in m.subject)
    assert pixel.body.index("Scanner stops") < pixel.body.index("Printer offline")
    assert "Battery drains" not in pixel.body
    assert "Stop all mail: http" in pixel.body and "/unsubscribe/" in pixel.body
    result = runner.invoke(args=["insights", "digest"])          # again the same week
    assert "0 digest mail(s) queued." in result.output
    assert db.session.query(OutboxMail).count() == 3
    assert db.session.query(RecurringDigest).count() == 2


def test_demo_has_products_versions_and_a_recurring_issue_with_duplicates(app, client, auth):
    from forum.models import Product, Question

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert {p.name: p.version_names for p in db.session.query(Product)}["AeroBook laptops"] == [
        "BIOS 1.10", "BIOS 1.11", "BIOS 1.12"]
    wifi = db.session.query(Question).filter(
        Question.title.like("AeroBook 14 Wi-Fi drops every few minutes%")).one()
    assert wifi.product_version == "BIOS 1.11"
    assert db.session.query(Question).filter_by(duplicate_of_id=wifi.id,
                                                closed_reason="duplicate").count() >= 1
    assert db.session.query(RecurringScore).filter(
        RecurringScore.week < recurring.week_start(utcnow())).count() > 0
    top = recurring.ranked(7)[0]
    assert top.question.id == wifi.id and top.parts.duplicates >= 1
    auth.login(make_user(role="staff"))
    page = client.get("/staff/recurring").get_data(as_text=True)
    table = page[page.index('class="data-table desk-table recurring-table"'):]
    first_row = table[table.index("<tbody>"):table.index("</tr>", table.index("<tbody>"))]
    assert "AeroBook 14 Wi-Fi drops every few minutes" in first_row
    assert '<svg role="img"' in page


def test_scores_are_added_up_per_product_and_version(client, auth, threads):
    groups: list = []
    recurring.ranked(7, groups=groups, limit=1)          # every scored thread, not only the first
    assert [(g.product, g.version, g.threads, g.score) for g in groups] == [
        ("PixelJet printers", "3.1", 1, 13), ("PixelJet printers", None, 1, 9),
        ("AeroBook laptops", None, 1, 3)]
    auth.login(threads["staff"])
    page = client.get("/staff/recurring").get_data(as_text=True)
    section = page[page.index('id="recurring-groups-heading"'):page.index("</section>",
                                                                           page.index('id="recurring-groups-heading"'))]
    assert section.index("3.1") < section.index("AeroBook laptops")
    assert 'href="/staff/recurring?days=7&amp;product=PixelJet+printers&amp;version=3.1"' in section
