"""API v1 insights (issue 17 A): searches, "did this solve it" answers and deflection,
for company staff, as documented in the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.api.openapi import spec as build_spec
from forum.extensions import db
from forum.models import AskSession
from forum.services import accepting, deflection, feedback
from tests.factories import make_answer, make_question, make_user

URLS = ["/api/v1/insights/searches", "/api/v1/insights/feedback", "/api/v1/insights/deflection"]


@pytest.fixture
def solved(app):
    asker = make_user()
    question = make_question(asker, title="PrintJet 3200 shows offline on Windows 11",
                             body="The printer shows offline although its own test page prints.",
                             tags=("printing",))
    accepting.accept_answer(asker, make_answer(question).id)
    return question


@pytest.mark.parametrize("url", URLS)
def test_insights_need_a_staff_token(api, url):
    assert api.get(None, url).status_code == 401
    assert api.get(make_user(), url).status_code == 403
    assert api.get(make_user(role="staff"), url).status_code == 200


@pytest.mark.parametrize("url", URLS)
def test_insights_are_in_the_openapi_document(app, url):
    doc = build_spec(app)
    operation = doc["paths"][url]["get"]
    assert operation["security"] and {"200", "401", "403"} <= set(operation["responses"])


def test_searches_report_top_no_results_and_gaps(client, api, solved):
    for q in ("PrintJet offline", "printjet   OFFLINE", "bluetooth headphones"):
        client.get("/search", query_string={"q": q})
    assert api.get(None, "/api/v1/search?q=windows+printer").status_code == 200
    staff = make_user(role="staff")
    data = api.get(staff, "/api/v1/insights/searches?days=7").get_json()
    assert data["days"] == 7 and data["total"] == 4 and data["product"] is None
    assert data["top"][0] == {"query": "printjet offline", "searches": 2, "results": 1,
                              "opened": 0}
    assert [r["query"] for r in data["no_results"]] == ["bluetooth headphones"]
    # the API search cannot record an opened result: it is no content gap
    assert [r["query"] for r in data["gaps"]] == ["printjet offline"]
    assert data["by_day"][0]["searches"] == 4 and data["by_day"][0]["no_results"] == 1
    assert api.get(staff, "/api/v1/insights/searches?days=5").get_json()["days"] == 30
    assert api.get(staff, "/api/v1/insights/searches?product=other").get_json()["total"] == 0


def test_feedback_report_counts_and_flags(app, api, solved):
    app.config["FEEDBACK_REVIEW_NO"] = 2
    feedback.record("u:1", question_id=solved.id, helpful=False, reason="Still offline")
    feedback.record("u:2", question_id=solved.id, helpful=False)
    feedback.record("v:abc", question_id=solved.id, helpful=True)
    data = api.get(make_user(role="staff"), "/api/v1/insights/feedback?days=7").get_json()
    assert data["days"] == 7
    (thread,) = data["threads"]
    assert (thread["question_id"], thread["yes"], thread["no"], thread["needs_review"],
            thread["reasons"]) == (solved.id, 1, 2, True, ["Still offline"])
    assert thread["url"].endswith(f"/questions/{solved.id}/{solved.slug}")


def test_deflection_report_gives_the_weekly_rate(api):
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=3)
    db.session.add_all([
        AskSession(token="a" * 22, created_at=start, similar_shown_at=start,
                   opened_at=start + timedelta(minutes=1)),
        AskSession(token="b" * 22, created_at=start, similar_shown_at=start,
                   opened_at=start + timedelta(minutes=1), posted_at=start + timedelta(minutes=9)),
        AskSession(token="c" * 22, created_at=start),
        AskSession(token="d" * 22, created_at=start),
    ])
    db.session.commit()
    weeks = api.get(make_user(role="staff"), "/api/v1/insights/deflection?weeks=3").get_json()[
        "weeks"]
    assert len(weeks) == 3 and weeks[0]["sessions"] == 0 and weeks[0]["rate"] is None
    week = deflection.week_start(start).isoformat()     # this week, or last week on a Monday
    assert [w for w in weeks if w["week"] == week] == [{
        "week": week, "sessions": 4, "saw_similar": 2, "opened": 2, "posted": 1,
        "deflected": 1, "rate": 0.25}]
