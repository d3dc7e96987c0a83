"""The staff desk page and its CSV report, as staff (and everyone else) see them."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from forum import changes
from forum.extensions import db
from forum.models import KnownIssue, MeToo, utcnow
from tests.factories import make_answer, make_question, make_user

ROLES_ALLOWED = ["staff", "admin"]


def me_too(question, *, days_ago: float = 0):
    with changes.writing():             # commits, or joins the caller's unit
        db.session.add(MeToo(question_id=question.id, user_id=make_user().id,
                             created_at=utcnow() - timedelta(days=days_ago)))
        question.me_too_count += 1


def suspended_staff():
    user = make_user(role="staff")
    user.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    return user


def section(page: str, section_id: str) -> str:
    """The HTML of one desk section."""
    start = page.index(f'id="{section_id}"')
    return page[start:page.index("</section>", start)]


def order_in(html: str, *titles: str) -> list[str]:
    """The titles that appear in `html`, in the order they appear."""
    present = [t for t in titles if t in html]
    return sorted(present, key=html.index)


def desk(client, **args):
    """The desk's pages: the tab in `args`, or every tab one after the other (each
    section is on one tab only)."""
    pages = []
    for tab in ([args.pop("tab")] if "tab" in args else ["support", "community", "engineering"]):
        response = client.get("/staff", query_string={**args, "tab": tab})
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    return "\n".join(pages)


# ------------------------------------------------------------ who may see it

@pytest.mark.parametrize("url", ["/staff", "/staff/recurring.csv"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/staff", "/staff/recurring.csv"])
@pytest.mark.parametrize("who", ["member", "moderator", "suspended staff"])
def test_non_staff_are_refused(client, auth, url, who):
    user = suspended_staff() if who == "suspended staff" else make_user(role=who)
    auth.login(user)
    response = client.get(url)
    assert response.status_code == 403
    assert "Recurring issues" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES_ALLOWED)
def test_staff_and_admins_see_the_desk(client, auth, role):
    auth.login(make_user(role=role))
    first = client.get("/staff").get_data(as_text=True)
    assert 'id="cases-heading"' in first and 'id="recurring-heading"' not in first  # a tab a screen
    for tab, headings in (("support", ("Support cases", "Unanswered past their service level",
                                       "Time to first response")),
                          ("community", ("Recurring issues", "Unanswered questions",
                                         "Answers awaiting verification")),
                          ("engineering", ("Known issues", "Fix did not work"))):
        page = desk(client, tab=tab)
        assert f'aria-current="page">{tab.title()}<' in page
        for heading in headings:
            assert heading in page


@pytest.mark.parametrize(("role", "staff_link", "admin_link"), [
    ("member", False, False), ("moderator", False, False),
    ("staff", True, False), ("admin", True, True),
])
def test_header_links_follow_the_role(client, auth, role, staff_link, admin_link):
    auth.login(make_user(role=role))
    page = client.get("/").get_data(as_text=True)
    assert ('href="/staff"' in page) is staff_link
    assert ('href="/admin/users"' in page) is admin_link


# ------------------------------------------------------------ the sections

def test_unanswered_section_lists_open_questions_oldest_first(client, auth):
    old = make_question(title="Old unanswered modem question")
    old.created_at = utcnow() - timedelta(days=6)
    new = make_question(title="New unanswered modem question")
    answered = make_question(title="Answered modem question here")
    make_answer(answered)
    closed = make_question(title="Closed modem question here")
    closed.status = "closed"
    db.session.commit()
    assert new.id
    auth.login(make_user(role="staff"))
    html = section(desk(client), "unanswered")
    assert order_in(html, "Old unanswered modem question", "New unanswered modem question",
                    "Answered modem question here", "Closed modem question here") == [
        "Old unanswered modem question", "New unanswered modem question"]


def test_recurring_section_ranks_and_switches_between_7_and_30_days(client, auth):
    busy = make_question(title="Battery drains overnight fast")
    for _ in range(3):
        me_too(busy, days_ago=1)
    quiet = make_question(title="Screen flickers at low brightness")
    me_too(quiet, days_ago=2)
    older = make_question(title="Fan is loud after the update")
    me_too(older, days_ago=10)
    me_too(older, days_ago=11)
    me_too(older, days_ago=12)
    me_too(older, days_ago=13)
    auth.login(make_user(role="staff"))
    titles = ("Battery drains overnight fast", "Screen flickers at low brightness",
              "Fan is loud after the update")
    week = section(desk(client), "recurring")
    assert order_in(week, *titles) == [titles[0], titles[1]]
    month = section(desk(client, days=30), "recurring")
    assert order_in(month, *titles) == [titles[2], titles[0], titles[1]]
    assert "last 30 days" in month
    # Anything but 7 or 30 falls back to 7 days.
    assert order_in(section(desk(client, days=365), "recurring"), *titles) == [titles[0], titles[1]]


def test_recurring_row_shows_counts_solved_and_known_state(client, auth):
    staff = make_user(role="staff")
    q = make_question(title="Docking station loses USB devices")
    me_too(q, days_ago=1)
    me_too(q, days_ago=20)
    answer = make_answer(q)
    q.accepted_answer_id = answer.id
    db.session.add(KnownIssue(question_id=q.id, state="fix_planned", reference="ENG-4411",
                              marked_by_id=staff.id))
    db.session.commit()
    auth.login(staff)
    html = section(desk(client, days=30), "recurring")
    row = html[html.index("Docking station loses USB devices"):]
    row = row[:row.index("</tr>")]
    cells = re.findall(r'<td class="num[^"]*">(\d+)</td>', row)
    assert cells == ["2", "2", "1"]             # last 30 days, all time, answers
    assert "solved" in row and "Fix planned" in row


def test_awaiting_section_lists_trusted_unverified_answers_by_score(client, auth):
    staff = make_user(role="staff")
    q1 = make_question(title="Printer prints blank pages")
    q2 = make_question(title="Scanner is not detected anymore")
    q3 = make_question(title="Webcam image is upside down")
    q4 = make_question(title="Keyboard repeats every letter")
    a1 = make_answer(q1)
    a1.score = 6
    a2 = make_answer(q2)
    a2.score = 11
    a3 = make_answer(q3)
    a3.score = 30
    a3.official_at, a3.official_by_id = utcnow(), staff.id      # already verified
    a4 = make_answer(q4)
    a4.score = 2                                                 # neither trusted nor accepted
    db.session.commit()
    auth.login(staff)
    html = section(desk(client), "awaiting")
    assert order_in(html, "Printer prints blank pages", "Scanner is not detected anymore",
                    "Webcam image is upside down", "Keyboard repeats every letter") == [
        "Scanner is not detected anymore", "Printer prints blank pages"]
    assert f"#answer-{a2.id}" in html


def test_known_issues_section_groups_by_state(client, auth):
    staff = make_user(username="engineer", role="staff")
    a = make_question(title="Bluetooth mouse lags on wake")
    b = make_question(title="Update fails with error 0x80070")
    db.session.add_all([
        KnownIssue(question_id=a.id, state="investigating", reference="ENG-12",
                   marked_by_id=staff.id),
        KnownIssue(question_id=b.id, state="fixed", reference="https://bugs.example.com/99",
                   fixed_in="3.1.4", marked_by_id=staff.id),
    ])
    db.session.commit()
    auth.login(staff)
    html = section(desk(client), "known")
    investigating = html[html.index('id="known-investigating"'):html.index('id="known-fix_planned"')]
    planned = html[html.index('id="known-fix_planned"'):html.index('id="known-fixed"')]
    fixed = html[html.index('id="known-fixed"'):]
    assert "Bluetooth mouse lags on wake" in investigating and "ENG-12" in investigating
    assert "No issues with a fix planned" in planned
    assert "Update fails with error 0x80070" in fixed
    assert "3.1.4" in fixed and 'href="https://bugs.example.com/99"' in fixed
    assert "engineer" in fixed


def test_tag_and_product_filters_narrow_every_section(client, auth):
    wifi = make_question(title="Router drops wifi at night", tags=("wifi",), product="Router X")
    printer = make_question(title="Printer offline on the network", tags=("printing",),
                            product="Printer Z")
    for q in (wifi, printer):
        me_too(q)
    auth.login(make_user(role="staff"))
    titles = ("Router drops wifi at night", "Printer offline on the network")
    by_tag = desk(client, tag="wifi")
    for sid in ("recurring", "unanswered"):
        assert order_in(section(by_tag, sid), *titles) == [titles[0]]
    by_product = desk(client, product="Printer Z")
    for sid in ("recurring", "unanswered"):
        assert order_in(section(by_product, sid), *titles) == [titles[1]]
    assert 'value="Printer Z"' in by_product            # the filter is kept in the form
    assert "for these filters" in section(desk(client, tag="nothing-here"), "recurring")


def test_desk_page_queries_do_not_grow_with_rows(client, auth):
    staff = make_user(role="staff")

    def seed(n):
        with changes.writing():          # one commit for the lot
            for i in range(n):
                q = make_question(tags=("wifi", f"tag{i}"))
                me_too(q)
                answer = make_answer(q)
                answer.score = 7
                db.session.add(KnownIssue(question_id=q.id, marked_by_id=staff.id,
                                          state=("investigating", "fix_planned", "fixed")[i % 3],
                                          reference=f"ENG-{i}"))
                make_question()

    def count():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            desk(client)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    auth.login(staff)
    seed(3)
    few = count()
    seed(15)
    assert count() == few


# ------------------------------------------------------------ the CSV

def test_recurring_csv_download(client, auth):
    evil = make_question(title='=HYPERLINK("http://evil.example","click me")', tags=("wifi",))
    me_too(evil, days_ago=1)
    me_too(evil, days_ago=10)
    plain = make_question(title="Sound crackles on speakers", tags=("audio",), product="Laptop Y")
    me_too(plain, days_ago=2)
    auth.login(make_user(role="staff"))
    response = client.get("/staff/recurring.csv", query_string={"days": 30})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="recurring-issues-30d.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["question_id", "title", "url", "tags", "product", "me_too_last_30_days",
                       "me_too_total", "answers", "solved", "known_state", "created_at"]
    assert [r[0] for r in rows[1:]] == [str(evil.id), str(plain.id)]
    assert rows[1][1] == "'" + evil.title
    assert rows[1][2] == f"http://crowdfix.test/questions/{evil.id}/{evil.slug}"
    assert rows[1][5:9] == ["2", "2", "0", "no"]
    assert rows[2][3:6] == ["audio", "Laptop Y", "1"]


def test_recurring_csv_defaults_to_7_days_and_keeps_filters(client, auth):
    old = make_question(title="Old complaint about the hinge", tags=("hardware",))
    me_too(old, days_ago=10)
    new = make_question(title="New complaint about the hinge", tags=("hardware",))
    me_too(new, days_ago=1)
    other = make_question(title="Other tag complaint here", tags=("audio",))
    me_too(other, days_ago=1)
    auth.login(make_user(role="staff"))
    response = client.get("/staff/recurring.csv", query_string={"tag": "hardware"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="recurring-issues-7d.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][5] == "me_too_last_7_days"
    assert [r[0] for r in rows[1:]] == [str(new.id)]


def test_staff_mark_an_answer_official_from_the_desk(client, auth):
    staff = make_user(role="staff")
    question = make_question(title="Dock flickers on the second screen")
    answer = make_answer(question)
    answer.score = 9
    db.session.commit()
    auth.login(staff)
    assert "Mark official" in section(desk(client, tab="community"), "awaiting")
    response = client.post(f"/answers/{answer.id}/official", data={"next": "desk"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff?tab=community#awaiting")
    db.session.expire_all()
    assert db.session.get(type(answer), answer.id).is_official
    assert "Dock flickers" not in section(desk(client, tab="community"), "awaiting")
