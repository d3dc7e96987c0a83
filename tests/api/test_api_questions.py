"""API v1: questions, answers, comments, votes, acceptance, edits, deletes, users.

Each test works through the HTTP API and checks what a client sees (status,
JSON) and what the database holds afterwards (re-read, never trusted from
objects loaded before the request).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from forum import changes
from forum.extensions import db
from forum.models import Answer, Comment, Post, Question, Revision, Tag, User, Vote
from tests.factories import ensure_tags, make_answer, make_question, make_user

TITLE = "Printer shows offline after the latest update"
BODY = "Since yesterday's update my printer shows as offline, yet it prints a test page fine."
ANSWER = "Update the wireless driver and turn off power saving for the adapter."  # factory default
COMMENT = "Which printer model and driver version is this?"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

SUMMARY_KEYS = {
    "id", "title", "tags", "author", "score", "answer_count", "accepted_answer_id", "status",
    "solved", "has_official_answer", "created_at", "url",
}
QUESTION_KEYS = SUMMARY_KEYS | {"body", "body_html", "answers"}
ANSWER_KEYS = {
    "id", "body", "body_html", "author", "score", "is_accepted", "official", "attachments",
    "comments",
}


# ---------------------------------------------------------------- helpers

def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def rep(user) -> int:
    return fresh(User, user.id).reputation


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def set_times(post_id: int, *, created: datetime, active: datetime | None = None) -> None:
    db.session.execute(update(Post).where(Post.id == post_id).values(
        created_at=created, last_activity_at=active or created))
    db.session.commit()


def ids(response) -> list[int]:
    return [q["id"] for q in response.get_json()["questions"]]


def brief(user) -> dict:
    u = fresh(User, user.id)
    return {"id": u.id, "username": u.username, "reputation": u.reputation}


def ask(api, user, **overrides):
    payload = {"title": TITLE, "body": BODY, "tags": ["printer"], **overrides}
    return api.post(user, "/api/v1/questions", json=payload)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


# ---------------------------------------------------------------- GET /questions

BASE = datetime(2024, 3, 1, 12, 0, 0)


def three_questions():
    """Three questions whose order differs under every sort:
    newest: new, mid, old · active: mid, new, old · votes: old, mid, new ·
    unanswered: new, old (mid has an answer)."""
    old = make_question(make_user(), title="Oldest: printer offline after the update",
                        tags=("printer",))
    mid = make_question(make_user(), title="Middle: printer drops off the Wi-Fi network",
                        tags=("printer", "wifi"))
    new = make_question(make_user(), title="Newest: laptop Wi-Fi keeps disconnecting",
                        tags=("wifi",))
    make_answer(mid)
    api_vote_up, api_vote_down = make_user(reputation_points=20), make_user(reputation_points=200)
    from forum.services import voting

    voting.cast_vote(api_vote_up, old.id, 1)
    voting.cast_vote(api_vote_down, new.id, -1)
    set_times(old.id, created=BASE)
    set_times(mid.id, created=BASE + timedelta(hours=1), active=BASE + timedelta(hours=5))
    set_times(new.id, created=BASE + timedelta(hours=2))
    return old, mid, new


def test_list_sorts(app, api):
    old, mid, new = three_questions()
    expected = {
        "newest": [new.id, mid.id, old.id],
        "active": [mid.id, new.id, old.id],
        "votes": [old.id, mid.id, new.id],
        "unanswered": [new.id, old.id],
    }
    for sort, order in expected.items():
        r = api.get(None, f"/api/v1/questions?sort={sort}")
        assert r.status_code == 200
        assert ids(r) == order, sort
        assert r.get_json()["total"] == len(order)


def test_list_default_and_unknown_sort_are_newest(app, api):
    old, mid, new = three_questions()
    assert ids(api.get(None, "/api/v1/questions")) == [new.id, mid.id, old.id]
    assert ids(api.get(None, "/api/v1/questions?sort=bogus")) == [new.id, mid.id, old.id]


def test_list_tag_filter(app, api):
    old, mid, new = three_questions()
    r = api.get(None, "/api/v1/questions?tag=printer")
    assert ids(r) == [mid.id, old.id]
    assert r.get_json()["total"] == 2
    assert ids(api.get(None, "/api/v1/questions?tag=WIFI")) == [new.id, mid.id]
    assert ids(api.get(None, "/api/v1/questions?tag=wifi&sort=unanswered")) == [new.id]
    r = api.get(None, "/api/v1/questions?tag=no-such-tag")
    assert r.status_code == 200
    assert r.get_json()["total"] == 0 and r.get_json()["questions"] == []


def test_list_excludes_deleted_questions(app, api):
    author = make_user()
    gone = make_question(author)
    kept = make_question(author)
    assert api.delete(author, f"/api/v1/posts/{gone.id}").status_code == 200
    r = api.get(None, "/api/v1/questions")
    assert ids(r) == [kept.id]
    assert r.get_json()["total"] == 1


def test_list_pagination(app, api):
    author = make_user()
    made = [make_question(author) for _ in range(5)]
    for i, q in enumerate(made):
        set_times(q.id, created=BASE + timedelta(minutes=i))
    newest_first = [q.id for q in reversed(made)]

    r = api.get(None, "/api/v1/questions?per_page=2&page=2")
    data = r.get_json()
    assert ids(r) == newest_first[2:4]
    assert (data["total"], data["page"], data["per_page"], data["pages"]) == (5, 2, 2, 3)
    assert ids(api.get(None, "/api/v1/questions?per_page=2&page=3")) == newest_first[4:]
    r = api.get(None, "/api/v1/questions?per_page=2&page=99")
    assert r.status_code == 200 and ids(r) == [] and r.get_json()["total"] == 5
    # Nonsense values fall back to sensible ones rather than failing.
    r = api.get(None, "/api/v1/questions?per_page=abc&page=-3")
    assert r.status_code == 200
    assert (r.get_json()["page"], r.get_json()["per_page"]) == (1, 20)
    assert ids(r) == newest_first
    r = api.get(None, "/api/v1/questions?per_page=0")
    assert r.get_json()["per_page"] == 1 and len(ids(r)) == 1


def test_list_per_page_is_clamped_to_100(app, api):
    author = make_user()
    with changes.writing():             # one commit for the 101 questions
        for _ in range(101):
            make_question(author)
    r = api.get(None, "/api/v1/questions?per_page=1000")
    data = r.get_json()
    assert r.status_code == 200
    assert data["per_page"] == 100
    assert len(data["questions"]) == 100
    assert data["total"] == 101 and data["pages"] == 2
    assert len(ids(api.get(None, "/api/v1/questions?per_page=1000&page=2"))) == 1


def test_list_json_shape(app, api):
    author = make_user(reputation_points=40)
    q = make_question(author, title="Printer offline after the update", tags=("printer", "wifi"))
    a = make_answer(q)
    from forum.services import accepting

    accepting.accept_answer(author, a.id)
    r = api.get(None, "/api/v1/questions")
    assert r.status_code == 200 and r.is_json
    data = r.get_json()
    assert data["total"] == 1
    (item,) = data["questions"]
    assert set(item) >= SUMMARY_KEYS
    assert item["id"] == q.id
    assert item["title"] == "Printer offline after the update"
    assert item["tags"] == ["printer", "wifi"]
    assert item["author"] == brief(author)
    assert item["score"] == 0
    assert item["answer_count"] == 1
    assert item["accepted_answer_id"] == a.id
    assert item["status"] == "open"
    assert item["solved"] is True
    assert item["has_official_answer"] is False
    assert ISO.match(item["created_at"])
    assert item["url"] == f"http://crowdfix.test/questions/{q.id}/printer-offline-after-the-update"
    assert "body" not in item


# ---------------------------------------------------------------- POST /questions

def test_ask_creates_a_question(app, api):
    user = make_user()
    ensure_tags("printer", "windows")
    r = ask(api, user, title="  Printer shows   offline after the update  ",
            tags=["Printer", "windows", "printer"])
    assert r.status_code == 201, r.get_data(as_text=True)
    data = r.get_json()
    assert set(data) >= QUESTION_KEYS
    assert r.headers["Location"].endswith(f"/api/v1/questions/{data['id']}")
    assert data["title"] == "Printer shows offline after the update"
    assert data["body"] == BODY
    assert data["body_html"].startswith("<p>") and "printer" in data["body_html"]
    assert data["tags"] == ["printer", "windows"]
    assert data["author"] == brief(user)
    assert (data["score"], data["answer_count"], data["accepted_answer_id"]) == (0, 0, None)
    assert (data["status"], data["solved"], data["has_official_answer"]) == ("open", False, False)
    assert ISO.match(data["created_at"])
    assert data["url"].endswith(f"/questions/{data['id']}/printer-shows-offline-after-the-update")
    assert data["answers"] == []

    q = fresh(Question, data["id"])
    assert q.author_id == user.id and q.title == data["title"] and q.body == BODY
    assert q.tag_names == ["printer", "windows"]
    assert [r.number for r in db.session.scalars(
        select(Revision).where(Revision.post_id == q.id))] == [1]
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "printer")) == 1

    again = api.get(None, r.headers["Location"])
    assert again.status_code == 200 and again.get_json()["id"] == data["id"]


def test_new_user_cannot_create_a_tag(app, api):
    ensure_tags("printer")
    user = make_user()
    r = ask(api, user, tags=["printer", "brand-new-tag"])
    error = assert_error(r, 422, "validation_failed")
    assert "brand-new-tag" in error["fields"]["tags"]
    assert "300" in error["fields"]["tags"]
    assert count(Post) == 0
    assert count(Revision) == 0
    assert count(Tag, Tag.name == "brand-new-tag") == 0
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "printer")) == 0


def test_existing_tags_work_for_a_new_user(app, api):
    ensure_tags("printer")
    user = make_user()
    r = ask(api, user, tags=["printer"])
    assert r.status_code == 201
    assert fresh(Question, r.get_json()["id"]).tag_names == ["printer"]


def test_300_reputation_may_create_a_tag(app, api):
    user = make_user(reputation_points=300)
    r = ask(api, user, tags=["brand-new-tag"])
    assert r.status_code == 201
    assert r.get_json()["tags"] == ["brand-new-tag"]
    tag = db.session.scalar(select(Tag).where(Tag.name == "brand-new-tag"))
    assert tag is not None and tag.question_count == 1


# ---------------------------------------------------------------- GET /questions/<id>

def thread_with_answers():
    asker = make_user()
    q = make_question(asker)
    plain = make_answer(q, make_user())
    voted = make_answer(q, make_user())
    accepted = make_answer(q, make_user())
    from forum.services import accepting, posting, voting

    voter = make_user(reputation_points=200)
    voting.cast_vote(voter, voted.id, 1)
    voting.cast_vote(make_user(reputation_points=200), voted.id, 1)
    voting.cast_vote(voter, accepted.id, -1)
    accepting.accept_answer(asker, accepted.id)
    posting.add_comment(asker, plain.id, COMMENT)
    return asker, q, plain, voted, accepted, voter


def test_thread_orders_answers_accepted_first_then_score(app, api):
    asker, q, plain, voted, accepted, _ = thread_with_answers()
    r = api.get(None, f"/api/v1/questions/{q.id}")
    assert r.status_code == 200
    data = r.get_json()
    assert set(data) >= QUESTION_KEYS
    assert [a["id"] for a in data["answers"]] == [accepted.id, voted.id, plain.id]
    assert [a["score"] for a in data["answers"]] == [-1, 2, 0]
    assert [a["is_accepted"] for a in data["answers"]] == [True, False, False]
    assert data["accepted_answer_id"] == accepted.id and data["solved"] is True
    assert data["answer_count"] == 3
    for a in data["answers"]:
        assert set(a) >= ANSWER_KEYS
        assert a["official"] is None
        assert a["attachments"] == []
        assert "my_vote" not in a
        assert a["body"] == ANSWER and a["body_html"].startswith("<p>")
        assert a["author"] == brief(fresh(Answer, a["id"]).author)
    assert "my_vote" not in data
    comments = {a["id"]: a["comments"] for a in data["answers"]}
    assert comments[voted.id] == [] and comments[accepted.id] == []
    (c,) = comments[plain.id]
    assert c["body"] == COMMENT and c["author"] == brief(asker)


def test_thread_shows_my_vote_with_a_token(app, api):
    _, q, plain, voted, accepted, voter = thread_with_answers()
    data = api.get(voter, f"/api/v1/questions/{q.id}").get_json()
    assert data["my_vote"] == 0
    assert {a["id"]: a["my_vote"] for a in data["answers"]} == {
        accepted.id: -1, voted.id: 1, plain.id: 0,
    }


def test_thread_of_deleted_or_unknown_question_is_404(app, api):
    author = make_user()
    q = make_question(author)
    assert api.delete(author, f"/api/v1/posts/{q.id}").status_code == 200
    assert_error(api.get(None, f"/api/v1/questions/{q.id}"), 404, "not_found")
    assert_error(api.get(author, f"/api/v1/questions/{q.id}"), 404, "not_found")
    assert_error(api.get(None, "/api/v1/questions/987654"), 404, "not_found")


def test_thread_of_an_answer_id_is_404(app, api):
    a = make_answer(make_question())
    assert_error(api.get(None, f"/api/v1/questions/{a.id}"), 404, "not_found")


# ---------------------------------------------------------------- answers

def test_post_answer(app, api):
    q = make_question()
    answerer = make_user()
    r = api.post(answerer, f"/api/v1/questions/{q.id}/answers", json={"body": ANSWER})
    assert r.status_code == 201, r.get_data(as_text=True)
    data = r.get_json()
    assert set(data) >= ANSWER_KEYS
    assert data["body"] == ANSWER and data["body_html"].startswith("<p>")
    assert data["author"] == brief(answerer)
    assert (data["score"], data["is_accepted"], data["official"]) == (0, False, None)
    assert data["attachments"] == [] and data["comments"] == []
    answer = fresh(Answer, data["id"])
    assert answer.question_id == q.id and answer.author_id == answerer.id
    assert fresh(Question, q.id).answer_count == 1
    thread = api.get(None, f"/api/v1/questions/{q.id}").get_json()
    assert [a["id"] for a in thread["answers"]] == [data["id"]]
    assert thread["answer_count"] == 1


def test_answer_to_unknown_question_is_404(app, api):
    a = make_answer(make_question())
    user = make_user()
    assert_error(api.post(user, "/api/v1/questions/987654/answers", json={"body": ANSWER}),
                 404, "not_found")
    assert_error(api.post(user, f"/api/v1/questions/{a.id}/answers", json={"body": ANSWER}),
                 404, "not_found")
    assert count(Answer) == 1


# ---------------------------------------------------------------- comments

def test_comment_on_own_question_needs_no_reputation(app, api):
    asker = make_user()
    q = make_question(asker)
    r = api.post(asker, f"/api/v1/posts/{q.id}/comments", json={"body": COMMENT})
    assert r.status_code == 201, r.get_data(as_text=True)
    data = r.get_json()
    assert data["body"] == COMMENT and data["post_id"] == q.id
    assert data["author"] == brief(asker)
    row = fresh(Comment, data["id"])
    assert row.post_id == q.id and row.author_id == asker.id
    thread = api.get(None, f"/api/v1/questions/{q.id}").get_json()
    assert [c["id"] for c in thread["comments"]] == [data["id"]]


def test_comment_on_someone_elses_post_needs_50_reputation(app, api):
    q = make_question()
    newcomer = make_user(reputation_points=49)
    r = api.post(newcomer, f"/api/v1/posts/{q.id}/comments", json={"body": COMMENT})
    error = assert_error(r, 403, "forbidden")
    assert "50 reputation" in error["message"]
    assert count(Comment) == 0
    regular = make_user(reputation_points=50)
    r = api.post(regular, f"/api/v1/posts/{q.id}/comments", json={"body": COMMENT})
    assert r.status_code == 201
    assert count(Comment) == 1


def test_asker_may_comment_on_answers_to_their_question(app, api):
    asker = make_user()
    q = make_question(asker)
    a = make_answer(q)
    r = api.post(asker, f"/api/v1/posts/{a.id}/comments", json={"body": COMMENT})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert fresh(Comment, r.get_json()["id"]).post_id == a.id
    thread = api.get(None, f"/api/v1/questions/{q.id}").get_json()
    assert [c["body"] for c in thread["answers"][0]["comments"]] == [COMMENT]
    # ...but a third person with 1 reputation may not.
    r = api.post(make_user(), f"/api/v1/posts/{a.id}/comments", json={"body": COMMENT})
    assert_error(r, 403, "forbidden")
    assert count(Comment) == 1


# ---------------------------------------------------------------- votes

def test_upvote_and_undo(app, api):
    asker = make_user()
    q = make_question(asker)
    voter = make_user(reputation_points=15)
    r = api.post(voter, f"/api/v1/posts/{q.id}/vote", json={"value": 1})
    assert r.status_code == 200
    assert r.get_json()["score"] == 1 and r.get_json()["my_vote"] == 1
    assert fresh(Post, q.id).score == 1
    assert count(Vote, Vote.post_id == q.id, Vote.user_id == voter.id, Vote.value == 1) == 1
    assert rep(asker) == 11
    assert api.get(voter, f"/api/v1/questions/{q.id}").get_json()["my_vote"] == 1

    r = api.post(voter, f"/api/v1/posts/{q.id}/vote", json={"value": 0})
    assert r.status_code == 200 and r.get_json()["score"] == 0
    assert fresh(Post, q.id).score == 0
    assert count(Vote) == 0
    assert rep(asker) == 1


def test_changing_a_vote(app, api):
    answerer = make_user(reputation_points=100)
    a = make_answer(make_question(), answerer)
    voter = make_user(reputation_points=200)
    assert api.post(voter, f"/api/v1/posts/{a.id}/vote", json={"value": 1}).get_json()["score"] == 1
    assert rep(answerer) == 110
    r = api.post(voter, f"/api/v1/posts/{a.id}/vote", json={"value": -1})
    assert r.status_code == 200 and r.get_json()["score"] == -1
    assert fresh(Post, a.id).score == -1
    assert [v.value for v in db.session.scalars(select(Vote))] == [-1]
    assert rep(answerer) == 98
    assert rep(voter) == 199


def test_cannot_vote_on_own_post(app, api):
    author = make_user(reputation_points=500)
    q = make_question(author)
    error = assert_error(api.post(author, f"/api/v1/posts/{q.id}/vote", json={"value": 1}),
                         403, "forbidden")
    assert "own post" in error["message"]
    assert fresh(Post, q.id).score == 0 and count(Vote) == 0


def test_upvote_needs_15_reputation(app, api):
    asker = make_user()
    q = make_question(asker)
    r = api.post(make_user(reputation_points=14), f"/api/v1/posts/{q.id}/vote", json={"value": 1})
    error = assert_error(r, 403, "forbidden")
    assert "15 reputation" in error["message"]
    assert fresh(Post, q.id).score == 0 and count(Vote) == 0 and rep(asker) == 1


# ---------------------------------------------------------------- accept

def test_accept_and_unaccept(app, api):
    asker = make_user()
    answerer = make_user()
    q = make_question(asker)
    a = make_answer(q, answerer)
    r = api.post(asker, f"/api/v1/answers/{a.id}/accept")
    assert r.status_code == 200
    assert r.get_json() == {"answer_id": a.id, "question_id": q.id, "accepted": True}
    assert fresh(Question, q.id).accepted_answer_id == a.id
    assert rep(answerer) == 16 and rep(asker) == 3
    thread = api.get(None, f"/api/v1/questions/{q.id}").get_json()
    assert thread["solved"] is True and thread["answers"][0]["is_accepted"] is True

    r = api.delete(asker, f"/api/v1/answers/{a.id}/accept")
    assert r.status_code == 200 and r.get_json()["accepted"] is False
    assert fresh(Question, q.id).accepted_answer_id is None
    assert rep(answerer) == 1 and rep(asker) == 1
    assert api.get(None, f"/api/v1/questions/{q.id}").get_json()["solved"] is False


def test_changing_the_accepted_answer_moves_reputation(app, api):
    asker = make_user()
    first, second = make_user(), make_user()
    q = make_question(asker)
    a1, a2 = make_answer(q, first), make_answer(q, second)
    assert api.post(asker, f"/api/v1/answers/{a1.id}/accept").status_code == 200
    assert api.post(asker, f"/api/v1/answers/{a2.id}/accept").status_code == 200
    assert fresh(Question, q.id).accepted_answer_id == a2.id
    assert (rep(first), rep(second), rep(asker)) == (1, 16, 3)


def test_only_the_asker_may_accept(app, api):
    asker = make_user()
    q = make_question(asker)
    a = make_answer(q)
    other = make_user(reputation_points=5000)
    error = assert_error(api.post(other, f"/api/v1/answers/{a.id}/accept"), 403, "forbidden")
    assert "asked" in error["message"]
    assert fresh(Question, q.id).accepted_answer_id is None
    api.post(asker, f"/api/v1/answers/{a.id}/accept")
    assert_error(api.delete(other, f"/api/v1/answers/{a.id}/accept"), 403, "forbidden")
    assert fresh(Question, q.id).accepted_answer_id == a.id


def test_unaccept_of_an_answer_that_is_not_accepted_is_409(app, api):
    asker = make_user()
    q = make_question(asker)
    a1, a2 = make_answer(q), make_answer(q)
    assert_error(api.delete(asker, f"/api/v1/answers/{a1.id}/accept"), 409, "conflict")
    api.post(asker, f"/api/v1/answers/{a2.id}/accept")
    assert_error(api.delete(asker, f"/api/v1/answers/{a1.id}/accept"), 409, "conflict")
    assert fresh(Question, q.id).accepted_answer_id == a2.id


def test_accepting_a_question_id_is_404(app, api):
    asker = make_user()
    q = make_question(asker)
    make_answer(q)
    assert_error(api.post(asker, f"/api/v1/answers/{q.id}/accept"), 404, "not_found")
    assert_error(api.post(asker, "/api/v1/answers/987654/accept"), 404, "not_found")


# ---------------------------------------------------------------- edit

def revisions_of(api, post_id: int) -> list[dict]:
    r = api.get(None, f"/api/v1/posts/{post_id}/revisions")
    assert r.status_code == 200
    return r.get_json()["revisions"]


def test_author_edits_question_and_a_revision_is_recorded(app, api):
    ensure_tags("printer", "windows")
    author = make_user()
    q = make_question(author, tags=("printer",))
    new_body = BODY + " It started after installing KB5034441."
    r = api.patch(author, f"/api/v1/posts/{q.id}", json={
        "title": "Printer offline since the January update", "body": new_body,
        "tags": ["printer", "windows"], "comment": "added the update number",
    })
    assert r.status_code == 200, r.get_data(as_text=True)
    data = r.get_json()
    assert data["title"] == "Printer offline since the January update"
    assert data["body"] == new_body and data["tags"] == ["printer", "windows"]
    row = fresh(Question, q.id)
    assert row.title == data["title"] and row.body == new_body
    assert row.tag_names == ["printer", "windows"] and row.edited_by_id == author.id

    revs = revisions_of(api, q.id)
    assert [rev["number"] for rev in revs] == [1, 2]
    assert revs[1]["title"] == "Printer offline since the January update"
    assert revs[1]["body"] == new_body
    assert revs[1]["tags"] == ["printer", "windows"]
    assert revs[1]["comment"] == "added the update number"
    assert revs[1]["author"]["id"] == author.id
    assert revs[0]["body"] == "My laptop drops the Wi-Fi connection every few minutes."


def test_author_edits_answer(app, api):
    author = make_user()
    a = make_answer(make_question(), author)
    new_body = ANSWER + " Then print a test page."
    r = api.patch(author, f"/api/v1/posts/{a.id}", json={"body": new_body})
    assert r.status_code == 200
    data = r.get_json()
    assert data["id"] == a.id and data["body"] == new_body and "title" not in data
    assert fresh(Answer, a.id).body == new_body
    assert [rev["body"] for rev in revisions_of(api, a.id)] == [ANSWER, new_body]


def test_one_rep_user_cannot_edit_someone_elses_post(app, api):
    """Below 1000 the edit waits for review (tests/moderation/test_reviews.py)."""
    q = make_question()
    r = api.patch(make_user(), f"/api/v1/posts/{q.id}", json={"body": BODY + " (edited)"})
    assert r.status_code == 202 and r.get_json()["status"] == "pending"
    assert fresh(Question, q.id).body == "My laptop drops the Wi-Fi connection every few minutes."
    assert count(Revision, Revision.post_id == q.id) == 1


def test_1000_rep_user_may_edit_someone_elses_post(app, api):
    a = make_answer(make_question())
    editor = make_user(reputation_points=1000)
    r = api.patch(editor, f"/api/v1/posts/{a.id}", json={"body": ANSWER + " Fixed typo."})
    assert r.status_code == 200
    assert fresh(Answer, a.id).body == ANSWER + " Fixed typo."
    assert fresh(Answer, a.id).edited_by_id == editor.id
    assert revisions_of(api, a.id)[-1]["author"]["id"] == editor.id


def test_title_or_tags_on_an_answer_is_422(app, api):
    author = make_user()
    a = make_answer(make_question(), author)
    for payload in ({"title": "A title for an answer, which has none"},
                    {"tags": ["printer"]},
                    {"body": ANSWER + " more", "title": "A title for an answer here"}):
        error = assert_error(api.patch(author, f"/api/v1/posts/{a.id}", json=payload),
                             422, "validation_failed")
        assert "title" in error["fields"]
    assert fresh(Answer, a.id).body == ANSWER
    assert count(Revision, Revision.post_id == a.id) == 1


def test_empty_or_no_op_edit_is_422(app, api):
    author = make_user()
    q = make_question(author)
    error = assert_error(api.patch(author, f"/api/v1/posts/{q.id}", json={}),
                         422, "validation_failed")
    assert error["fields"]
    r = api.patch(author, f"/api/v1/posts/{q.id}", json={"body": fresh(Question, q.id).body})
    assert_error(r, 422, "validation_failed")
    assert count(Revision, Revision.post_id == q.id) == 1
    assert fresh(Question, q.id).edited_at is None


def test_edit_that_would_create_a_tag_needs_300(app, api):
    author = make_user()
    q = make_question(author, tags=("printer",))
    r = api.patch(author, f"/api/v1/posts/{q.id}", json={"tags": ["printer", "brand-new"]})
    assert "tags" in assert_error(r, 422, "validation_failed")["fields"]
    assert fresh(Question, q.id).tag_names == ["printer"]
    assert count(Tag, Tag.name == "brand-new") == 0


# ---------------------------------------------------------------- delete

def test_delete_question_is_soft(app, api):
    author = make_user()
    q = make_question(author)
    r = api.delete(author, f"/api/v1/posts/{q.id}")
    assert r.status_code == 200
    assert r.get_json() == {"id": q.id, "deleted": True}
    row = fresh(Question, q.id)
    assert row is not None and row.deleted_at is not None and row.deleted_by_id == author.id
    assert_error(api.get(None, f"/api/v1/questions/{q.id}"), 404, "not_found")
    assert_error(api.get(None, f"/api/v1/posts/{q.id}/revisions"), 404, "not_found")
    assert ids(api.get(None, "/api/v1/questions")) == []


def test_delete_answer(app, api):
    asker = make_user()
    answerer = make_user()
    q = make_question(asker)
    a = make_answer(q, answerer)
    api.post(asker, f"/api/v1/answers/{a.id}/accept")
    assert api.delete(answerer, f"/api/v1/posts/{a.id}").status_code == 200
    assert fresh(Answer, a.id).deleted_at is not None
    row = fresh(Question, q.id)
    assert row.answer_count == 0 and row.accepted_answer_id is None
    assert rep(answerer) == 1 and rep(asker) == 1
    thread = api.get(None, f"/api/v1/questions/{q.id}").get_json()
    assert thread["answers"] == [] and thread["solved"] is False


def test_others_cannot_delete(app, api):
    q = make_question()
    a = make_answer(q)
    for post in (q, a):
        r = api.delete(make_user(reputation_points=5000), f"/api/v1/posts/{post.id}")
        assert_error(r, 403, "forbidden")
        assert fresh(Post, post.id).deleted_at is None
    assert api.get(None, f"/api/v1/questions/{q.id}").get_json()["answer_count"] == 1


# ---------------------------------------------------------------- users

def test_get_user(app, api):
    user = make_user("Ada_L", reputation_points=42)
    r = api.get(None, f"/api/v1/users/{user.id}")
    assert r.status_code == 200
    data = r.get_json()
    assert {k: data[k] for k in ("id", "username", "reputation", "role", "badges")} == {
        "id": user.id, "username": "Ada_L", "reputation": 42, "role": "member", "badges": [],
    }
    assert "email" not in data and "password_hash" not in data
    assert_error(api.get(None, "/api/v1/users/987654"), 404, "not_found")


def test_me(app, api):
    user = make_user("grace", role="staff", reputation_points=7)
    r = api.get(user, "/api/v1/me")
    assert r.status_code == 200
    data = r.get_json()
    assert (data["id"], data["username"], data["reputation"], data["role"]) == (
        user.id, "grace", 7, "staff")
    assert data["badges"] == []
    assert_error(api.get(None, "/api/v1/me"), 401, "unauthorized")


def test_tags(app, api):
    make_question(tags=("printer", "wifi"))
    make_question(tags=("printer",))
    ensure_tags("unused")
    r = api.get(None, "/api/v1/tags")
    assert r.status_code == 200
    assert r.get_json()["tags"] == [
        {"name": "printer", "question_count": 2}, {"name": "wifi", "question_count": 1},
    ]
    assert [t["name"] for t in api.get(None, "/api/v1/tags?q=WI").get_json()["tags"]] == ["wifi"]
