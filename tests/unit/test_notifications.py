"""Who hears about what: the inbox, follows, watched tags, mentions, and mail."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.inputs import PostEdit
from forum.models import Follow, Notification, OutboxMail, Tag, TagWatch, User, utcnow
from forum.services import accepting, mail, notifications, official, posting
from tests.factories import make_answer, make_question, make_user


def inbox_of(user) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(n.kind, n.text) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_an_answer_reaches_the_asker_and_the_answerer_follows(app):
    asker = make_user("asker_ann")
    question = make_question(asker, title="Printer offline after the router reboot")
    first = make_user("first_fred")
    make_answer(question, first)
    assert inbox_of(asker) == [("answer", "first_fred answered: Printer offline after the router reboot")]
    assert db.session.get(Follow, (first.id, question.id)) is not None
    make_answer(question, make_user("second_sue"), body="Set a static IP for the printer on the router.")
    assert [k for k, _ in inbox_of(first)] == ["answer"]
    assert len(inbox_of(asker)) == 2
    assert inbox_of(make_user()) == []


def test_nobody_hears_about_their_own_actions(app):
    asker = make_user()
    question = make_question(asker)
    make_answer(question, asker, body="Self answer: a firmware update to 2.4 fixed it for me.")
    posting.add_comment(asker, question.id, "Adding the model number: PJ-3200.")
    assert inbox_of(asker) == []


def test_comments_mentions_accept_official_and_edits(app):
    asker = make_user("asker_ann")
    question = make_question(asker)
    helper = make_user("helper_hal")
    answer = make_answer(question, helper)
    bystander = make_user("bystander_bo")
    posting.add_comment(asker, answer.id, "Thanks @helper_hal, and @bystander_bo may know too.")
    assert ("comment" in [k for k, _ in inbox_of(helper)])
    assert [k for k, _ in inbox_of(bystander)] == ["mention"]
    accepting.accept_answer(asker, answer.id)
    official.mark_official(make_user(role="staff"), answer.id)
    posting.edit_post(make_user(reputation_points=2000), answer.id, PostEdit(
        title=None, tags=None, comment="typo",
        body="Update the wireless driver and then turn off power saving for the adapter."))
    kinds = [k for k, _ in inbox_of(helper)]
    assert kinds.count("comment") == 1 and "mention" not in kinds   # one note, not two
    assert {"accepted", "official", "edited"} <= set(kinds)


def test_watched_tags_bring_new_questions(app):
    watcher = make_user()
    make_question(tags=("printing",))
    notifications.set_tag_watch(watcher, "printing", True)
    make_question(tags=("printing",), title="Scanner button does nothing on PJ-3200")
    make_question(tags=("wifi",), title="Wi-Fi drops every few minutes on my laptop")
    assert inbox_of(watcher) == [("watched_tag", "New question in a tag you watch: "
                                                 "Scanner button does nothing on PJ-3200")]
    notifications.set_tag_watch(watcher, "printing", False)
    assert db.session.scalar(select(func.count()).select_from(TagWatch)) == 0


def test_unfollow_stops_answers(app):
    asker = make_user()
    question = make_question(asker)
    notifications.set_follow(asker, question.id, False)
    make_answer(question)
    assert inbox_of(asker) == []


def test_mark_read_and_counts(app):
    asker = make_user()
    question = make_question(asker)
    for _ in range(3):
        make_answer(question, body=f"Try this fix number {_}: reinstall the driver and reboot.")
    assert notifications.unread_count(asker.id) == 3
    first = db.session.scalar(select(Notification.id).where(Notification.user_id == asker.id))
    other = make_user()
    assert notifications.mark_read(other, [first]) == 0          # not theirs
    assert notifications.mark_read(asker, [first]) == 1
    assert notifications.unread_count(asker.id) == 2
    notifications.mark_read(asker)
    assert notifications.unread_count(asker.id) == 0


def test_mail_follows_the_users_choice(app):
    immediate, daily, never = make_user(), make_user(), make_user()
    daily.email_notifications = "daily"
    never.email_notifications = "none"
    db.session.commit()
    for user in (immediate, daily, never):
        make_answer(make_question(user))
    rows = list(db.session.scalars(select(OutboxMail)))
    assert [r.user_id for r in rows] == [immediate.id]
    assert "/unsubscribe/" in rows[0].body and rows[0].to_addr == immediate.email
    assert mail.queue_digests() == 1
    digest = db.session.scalar(select(OutboxMail).where(OutboxMail.user_id == daily.id))
    assert "1 new notification" in digest.subject
    assert mail.queue_digests() == 0              # once a day
    db.session.get(User, daily.id).digest_sent_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert mail.queue_digests() == 0              # nothing new since


def test_unsubscribe_link(app, client):
    user = make_user()
    token = mail.unsubscribe_token(user)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert db.session.get(User, user.id).email_notifications == "immediate"   # GET changes nothing
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).email_notifications == "none"
    assert client.post("/unsubscribe/forged.token").status_code == 404


def test_inbox_page(app, client, auth):
    asker = make_user()
    question = make_question(asker, title="Printer offline after the router reboot")
    make_answer(question, make_user("helper_hal"))
    auth.login(asker)
    page = client.get("/inbox").get_data(as_text=True)
    assert "helper_hal answered: Printer offline after the router reboot" in page
    assert "1 unread" in page
    note = db.session.scalar(select(Notification))
    opened = client.get(f"/inbox/{note.id}")
    assert opened.status_code == 303 and f"/questions/{question.id}/" in opened.headers["Location"]
    assert "0 unread" in client.get("/inbox").get_data(as_text=True)
    other = make_user()
    auth.logout()
    auth.login(other)
    assert client.get(f"/inbox/{note.id}").status_code == 404


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:          # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_flask_mail_send_delivers_over_smtp(app, smtp_server):
    controller, handler = smtp_server
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
    asker = make_user()
    make_answer(make_question(asker, title="Printer offline after the router reboot"))
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert len(handler.messages) == 1
    message = handler.messages[0]
    assert message.rcpt_tos == [asker.email]
    parsed = email.message_from_bytes(message.content, policy=email.policy.default)
    assert "Printer offline after the router reboot" in parsed["Subject"]
    assert parsed["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert parsed["List-Unsubscribe"].strip().strip("<>") in parsed.get_content()
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMail.sent_at)) is not None
    again = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "0 sent" in again.output and len(handler.messages) == 1


def test_mail_send_without_mail_url_says_so(app):
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "MAIL_URL" in result.output


def test_watching_an_unknown_tag_is_not_found(app):
    from forum.errors import NotFound

    with pytest.raises(NotFound):
        notifications.set_tag_watch(make_user(), "no-such-tag", True)
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 0
