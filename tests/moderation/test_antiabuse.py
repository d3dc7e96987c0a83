"""Anti-abuse rules: the new-user link limit and question interval, the sign-up
honeypot, and repeated text. Each refusal changes nothing in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Answer, Post, Question, Revision, User, utcnow
from forum.services import throttling
from tests.factories import ensure_tags, make_question, make_user

BODY = "My laptop drops the Wi-Fi connection every few minutes, since the update."


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def links(n: int) -> str:
    forms = ["[the driver page](https://example.com/driver)", "<https://example.org/forum>",
             "https://example.net/log.txt", "[vendor notes](http://vendor.example/notes)"]
    return "My adapter drops the connection. I read " + ", ".join(forms[:n]) + " already."


def ask(client, title="Wi-Fi adapter drops after sleep on Windows", body=BODY):
    return client.post("/ask", data={"title": title, "body": body, "tags": "wifi"})


def api_ask(api, user, title="Wi-Fi adapter drops after sleep on Windows", body=BODY):
    return api.post(user, "/api/v1/questions", json={"title": title, "body": body,
                                                      "tags": ["wifi"]})


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True}


@pytest.fixture(autouse=True)
def tags(app):
    ensure_tags("wifi")


# ---------------------------------------------------------------- counting links

@pytest.mark.parametrize("body, expected", [
    ("No links here at all, just words about my router.", 0),
    ("See [this](https://example.com/a) and [that](/questions/3).", 2),
    ("Autolink <https://example.com/a> and bare https://example.org/b here.", 2),
    ("By reference: [the notes][1]\n\n[1]: https://example.com/notes", 1),
    ("Bare http://a.example/x https://b.example/y https://c.example/z", 3),
    ("A log:\n\n    GET https://example.com/a\n    GET https://example.com/b\n\n"
     "and `https://example.com/c` inline.", 0),
    ("An image ![screenshot](https://example.com/s.png) is not a link.", 0),
])
def test_count_links(app, body, expected):
    assert throttling.count_links(body) == expected


# ---------------------------------------------------------------- the link limit

def test_two_links_are_fine_for_a_new_user(client, auth):
    auth.login(make_user(reputation_points=5))
    assert ask(client, body=links(2)).status_code == 303
    assert count(Question) == 1


def test_three_links_are_refused_for_a_new_user(client, auth):
    auth.login(make_user(reputation_points=5))
    r = ask(client, body=links(3))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="body-error"' in page
    assert "at most 2 links" in page and "10 reputation" in page
    assert count(Question) == 0 and count(Revision) == 0


def test_three_links_are_fine_with_ten_reputation_or_for_staff(client, auth, api):
    auth.login(make_user(reputation_points=10))
    assert ask(client, body=links(3)).status_code == 303
    assert api_ask(api, make_user(role="staff"), body=links(4)).status_code == 201
    assert count(Question) == 2


def test_link_limit_in_the_api_for_answers_and_edits(api):
    newbie = make_user(reputation_points=5)
    question = make_question()
    r = api.post(newbie, f"/api/v1/questions/{question.id}/answers", json={"body": links(3)})
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_failed" and "at most 2 links" in error["fields"]["body"]
    assert count(Answer) == 0

    own = make_question(newbie, body=links(1))
    r = api.patch(newbie, f"/api/v1/posts/{own.id}", json={"body": links(3)})
    assert r.status_code == 422 and "at most 2 links" in r.get_json()["error"]["fields"]["body"]
    assert db.session.get(Post, own.id).body == links(1)
    assert count(Revision, Revision.post_id == own.id) == 1


def test_answer_page_shows_the_link_rule(client, auth):
    question = make_question()
    auth.login(make_user(reputation_points=5))
    r = client.post(f"/questions/{question.id}/answers", data={"body": links(3)})
    assert r.status_code == 422 and "at most 2 links" in r.get_data(as_text=True)
    assert count(Answer) == 0


# ---------------------------------------------------------------- the question interval

def test_a_new_user_asks_once_per_twenty_minutes(client, auth):
    user = make_user(reputation_points=5)
    auth.login(user)
    assert ask(client).status_code == 303
    r = ask(client, title="Bluetooth mouse lags after waking the laptop",
            body="The mouse lags for a whole minute after the laptop wakes up.")
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert "one question every 20 minutes" in page and "ask again in 20 minutes" in page
    assert 1150 <= int(r.headers["Retry-After"]) <= 1200
    assert count(Question) == 1

    first = db.session.scalar(select(Question))
    first.created_at = utcnow() - timedelta(minutes=21)
    db.session.commit()
    assert ask(client, title="Bluetooth mouse lags after waking the laptop",
               body="The mouse lags for a whole minute after the laptop wakes up.").status_code == 303
    assert count(Question) == 2


def test_the_interval_in_the_api(api):
    user = make_user(reputation_points=9)
    assert api_ask(api, user).status_code == 201
    r = api_ask(api, user, title="Bluetooth mouse lags after waking the laptop",
                body="The mouse lags for a whole minute after the laptop wakes up.")
    assert r.status_code == 429
    error = r.get_json()["error"]
    assert error["code"] == "rate_limited" and "You can ask again in" in error["message"]
    assert int(r.headers["Retry-After"]) > 0
    assert count(Question) == 1


def test_no_interval_with_ten_reputation_or_for_staff(api):
    for user in (make_user(reputation_points=10), make_user(role="moderator")):
        assert api_ask(api, user).status_code == 201
        assert api_ask(api, user, title="Bluetooth mouse lags after waking the laptop",
                       body="The mouse lags for a whole minute after the laptop wakes.").status_code == 201
    assert count(Question) == 4


def test_answers_are_not_held_to_the_interval(api):
    user = make_user(reputation_points=5)
    assert api_ask(api, user).status_code == 201
    q = make_question()
    r = api.post(user, f"/api/v1/questions/{q.id}/answers",
                 json={"body": "Turn off power saving for the adapter in Device Manager."})
    assert r.status_code == 201


class TestThrottlesOff:
    """RATELIMIT_ENABLED=false turns the new-user throttles off."""

    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": False}

    def test_new_user_links_and_interval_are_not_limited(self, api):
        user = make_user(reputation_points=1)
        assert api_ask(api, user, body=links(4)).status_code == 201
        assert api_ask(api, user, title="Bluetooth mouse lags after waking the laptop",
                       body="The mouse lags for a whole minute after the laptop wakes.").status_code == 201
        assert count(Question) == 2

    def test_repeated_text_is_still_refused(self, api):
        user = make_user(reputation_points=1)
        assert api_ask(api, user).status_code == 201
        r = api_ask(api, user, title="Wi-Fi adapter keeps dropping after sleep")
        assert r.status_code == 422 and "You posted the same text" in r.get_json()["error"]["message"]
        assert count(Question) == 1


# ---------------------------------------------------------------- honeypot

REGISTRATION = {"username": "wifi_fixer", "email": "fixer@example.com",
                "password": "a-long-unusual-passphrase",
                "password_confirm": "a-long-unusual-passphrase"}


def test_the_honeypot_is_hidden_from_people(client):
    page = client.get("/register").get_data(as_text=True)
    field = page[page.index('class="field field--trap"') - 5:]
    field = field[:field.index("</div>")]
    assert 'aria-hidden="true"' in field and 'name="website"' in field
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_a_filled_honeypot_refuses_the_registration(client):
    r = client.post("/register", data={**REGISTRATION, "website": "http://spam.example"})
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    assert "could not create an account" in text and "website" not in text.lower().split("<main")[-1]
    assert count(User) == 0


def test_an_empty_honeypot_registers(client):
    assert client.post("/register", data={**REGISTRATION, "website": ""}).status_code == 302
    assert count(User) == 1


# ---------------------------------------------------------------- repeated text

def test_the_same_body_twice_is_refused(client, auth):
    user = make_user(reputation_points=50)
    auth.login(user)
    assert ask(client).status_code == 303
    first = db.session.scalar(select(Question))
    first.created_at = utcnow() - timedelta(hours=1)    # past the new-user interval anyway
    db.session.commit()
    r = ask(client, title="Wi-Fi drops again and again after sleeping",
            body="  my LAPTOP drops the wi-fi connection\nevery few minutes,   since the update. ")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "You posted the same text" in page and 'id="body-error"' in page
    assert count(Question) == 1


def test_an_answer_repeating_your_question_is_refused(api):
    user = make_user(reputation_points=50)
    mine = make_question(user, body=BODY)
    other = make_question()
    r = api.post(user, f"/api/v1/questions/{other.id}/answers", json={"body": BODY.upper()})
    assert r.status_code == 422 and "You posted the same text" in r.get_json()["error"]["message"]
    assert count(Answer) == 0
    # Editing another post of yours into the same text is refused too.
    answer = api.post(user, f"/api/v1/questions/{other.id}/answers",
                      json={"body": "Reset the network settings, then reboot the router."})
    assert answer.status_code == 201
    r = api.patch(user, f"/api/v1/posts/{answer.get_json()['id']}", json={"body": BODY})
    assert r.status_code == 422
    assert db.session.get(Post, answer.get_json()["id"]).body.startswith("Reset the network")
    assert db.session.get(Post, mine.id).body == BODY


def test_repeated_text_is_allowed_after_24_hours(api):
    user = make_user(reputation_points=50)
    old = make_question(user, body=BODY)
    old.created_at = utcnow() - timedelta(hours=24, minutes=1)
    db.session.commit()
    assert api_ask(api, user).status_code == 201
    assert count(Question) == 2


def test_another_users_identical_text_is_allowed(api):
    make_question(make_user(), body=BODY)
    assert api_ask(api, make_user(reputation_points=50)).status_code == 201
    assert count(Question) == 2


def test_a_deleted_posts_text_may_be_posted_again(api):
    user = make_user(reputation_points=50)
    old = make_question(user, body=BODY)
    assert api.delete(user, f"/api/v1/posts/{old.id}").status_code == 200
    assert api_ask(api, user).status_code == 201
