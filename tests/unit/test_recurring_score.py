"""The recurring-issue score: one row per canonical thread, rolling up its closed
duplicates and merged threads (with their me-toos), "did not solve it" answers
and failed searches; weekly scores stored and compared."""

from datetime import timedelta

import pytest
from sqlalchemy import inspect, text

from forum import changes
from forum.extensions import db
from forum.models import MeToo, Question, RecurringScore, utcnow
from forum.services import recurring
from moderation import closing, threads
from moderation.inputs import CloseDraft
from tests.factories import make_question, make_user


def me_too(question, n=1, *, days_ago: float = 0):
    with changes.writing():
        for _ in range(n):
            db.session.add(MeToo(question_id=question.id, user_id=make_user().id,
                                 created_at=utcnow() - timedelta(days=days_ago)))


def close_as_duplicate(question, original, staff):
    closing.vote_to_close(staff, question.id, CloseDraft(reason="duplicate",
                                                         duplicate_of=original.id))


@pytest.fixture
def staff(app):
    return make_user(role="staff")


@pytest.fixture
def moderator(app):
    return make_user(role="moderator")


def titles(issues):
    return [i.question.title for i in issues]


def test_duplicates_and_merged_threads_change_the_ranking(app, staff, moderator):
    """On its own me-toos alone, A leads. B's two closed duplicates (one with a
    me-too of its own) and C's merged thread (with two me-toos) lift them above A."""
    a = make_question(title="Alpha: printer offline after update")
    b = make_question(title="Bravo: scanner stops after firmware")
    c = make_question(title="Charlie: battery drains overnight")
    me_too(a, 3)                                        # 3 x 3 = 9
    me_too(b, 1)
    dup1 = make_question(title="Scanner stops working after the firmware")
    dup2 = make_question(title="After firmware the scanner stops")
    me_too(dup1, 1)
    close_as_duplicate(dup1, b, staff)
    close_as_duplicate(dup2, b, staff)                  # B: 2 me-toos (6) + 2 duplicates (10) = 16
    merged = make_question(title="Battery empty every morning")
    me_too(merged, 2)
    threads.merge(moderator, merged.id, c.id)           # C: 2 me-toos (6) + 1 merged (5) = 11

    issues = recurring.ranked(7)

    assert titles(issues) == [b.title, c.title, a.title]
    by_title = {i.question.title: i for i in issues}
    assert by_title[b.title].parts.as_dict() == {
        "duplicates": 2, "merged": 0, "me_toos": 2, "views": 0, "not_solved": 0,
        "failed_searches": 0}
    assert by_title[c.title].parts.merged == 1 and by_title[c.title].parts.me_toos == 2
    assert [i.score for i in issues] == [16, 11, 9]


def test_a_duplicate_of_a_duplicate_rolls_up_to_the_original(app, staff):
    original = make_question(title="Wi-Fi drops every ten minutes")
    first = make_question(title="Wifi disconnects every 10 minutes")
    second = make_question(title="Wireless keeps dropping again and again")
    close_as_duplicate(first, original, staff)
    with changes.writing():                 # an old chain the moderators left behind
        db.session.get(Question, second.id).duplicate_of_id = first.id
        db.session.get(Question, second.id).status = "closed"
    issues = recurring.ranked(7)
    assert titles(issues) == [original.title]
    assert issues[0].parts.duplicates == 2


def test_the_window_and_product_filter(app, staff):
    old = make_question(title="Old problem from last month", product="AeroBook laptops")
    new = make_question(title="New problem from this week", product="PixelJet printers")
    me_too(old, 5, days_ago=20)
    me_too(new, 1)
    assert titles(recurring.ranked(7)) == [new.title]
    assert titles(recurring.ranked(30)) == [old.title, new.title]
    assert titles(recurring.ranked(30, product="AeroBook laptops")) == [old.title]


def test_views_count_only_for_threads_with_recent_activity(app, staff):
    quiet = make_question(title="Much read but nothing new happens")
    busy = make_question(title="Read a lot and people still hit it")
    with changes.writing():
        db.session.get(Question, quiet.id).view_count = 5000
        db.session.get(Question, busy.id).view_count = 250
    me_too(busy, 1)
    issues = recurring.ranked(7)
    assert titles(issues) == [busy.title]
    assert issues[0].parts.views == 250 and issues[0].score == 3 + 2   # 250 // 100 views


def test_not_solved_answers_and_failed_searches_count(app):
    if not {"thread_feedback", "search_log"} <= set(inspect(db.engine).get_table_names()):
        pytest.skip("part A's insight tables are not in this tree yet")
    solved = make_question(title="Bluetooth mouse lags on battery saver")
    other = make_question(title="Keyboard backlight never turns off")
    now = utcnow()
    with db.engine.begin() as conn:
        for n in range(2):
            conn.execute(text(
                "INSERT INTO thread_feedback (question_id, visitor, helpful, created_at, updated_at)"
                " VALUES (:q, :v, :h, :t, :t)"), {"q": solved.id, "v": f"v{n}", "h": False, "t": now})
        conn.execute(text(
            "INSERT INTO thread_feedback (question_id, visitor, helpful, created_at, updated_at)"
            " VALUES (:q, 'v9', :h, :t, :t)"), {"q": other.id, "h": True, "t": now})
        for query, hits in (("bluetooth mouse lags", 0), ("bluetooth mouse lags", 0),
                            ("zebra unicorn quux", 0), ("keyboard backlight", 3)):
            conn.execute(text(
                "INSERT INTO search_log (query, result_count, source, signed_in, created_at)"
                " VALUES (:q, :n, 'page', :s, :t)"), {"q": query, "n": hits, "s": False, "t": now})
    issues = recurring.ranked(7)
    assert titles(issues) == [solved.title]         # a "yes" and a search that found things add nothing
    assert issues[0].parts.not_solved == 2
    assert issues[0].parts.failed_searches == 2


def test_store_week_keeps_scores_and_last_week_gives_the_trend(app):
    thread = make_question(title="Printer jams on thick paper")
    me_too(thread, 1)
    this_week = recurring.week_start(utcnow())
    last_week = this_week - timedelta(days=7)
    with changes.writing():
        db.session.add(RecurringScore(question_id=thread.id, week=last_week, score=6,
                                      me_toos=2))
    assert recurring.store_week(this_week) == 1
    assert recurring.store_week(this_week) == 1            # again: replaced, not added
    rows = db.session.query(RecurringScore).filter_by(week=this_week).all()
    assert [(r.question_id, r.score, r.me_toos) for r in rows] == [(thread.id, 3, 1)]
    issue = recurring.ranked(7)[0]
    assert (issue.current, issue.previous, issue.trend, issue.change) == (3, 6, "down", -50.0)
    weeks = recurring.weekly_series([issue], weeks=3)
    assert weeks == [this_week - timedelta(days=14), last_week, this_week]
    assert [s for _, s in issue.weeks] == [0, 6, 3]
