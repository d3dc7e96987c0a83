"""Finding threads as the forum changes: vectors and related questions computed
after commits, the semantic layer switched off, tag synonyms in search and lists."""

from __future__ import annotations

from forum.extensions import db
from forum.inputs import SearchRequest
from forum.models import ThreadVector
from forum.services import related, searching


def search_ids(q: str, **kwargs) -> list[int]:
    page = searching.search_threads(SearchRequest(q=q, **kwargs))
    return [f.question.id for f in page.items]


def test_a_new_thread_gets_a_vector_and_related_questions_and_shows_in_older_ones(app):
    from tests.factories import make_question

    older = make_question(title="Printer shows offline although it is connected to the network",
                          body="Windows says the printer is offline; the printer's own screen "
                               "shows it connected to the Wi-Fi and its test page prints.")
    newer = make_question(title="My printer is marked offline on the laptop but prints a test page",
                          body="Every job waits in the queue and Windows calls the printer offline.")
    assert db.session.get(ThreadVector, newer.id) is not None
    assert related.stored_ids(newer.id) == [older.id]
    assert newer.id in related.stored_ids(older.id)     # the older thread learnt of the newer
    assert searching.related_threads(older) == [newer]


def test_an_edit_recomputes_the_vector_and_the_related_list(app):
    from forum.inputs import PostEdit
    from forum.services import posting
    from tests.factories import make_question

    first = make_question(title="Laptop fan is loud all the time",
                          body="The fan runs at full speed even when idle.")
    other = make_question(title="Router firmware upgrade stops at 87 percent",
                          body="The router's firmware update fails with an image error.")
    before = db.session.get(ThreadVector, other.id).vector
    assert first.id not in related.stored_ids(other.id)
    posting.edit_post(other.author, other.id, PostEdit(
        title="Laptop fan noise is loud even when idle",
        body="My laptop fan spins loudly all the time, even with nothing running.",
        tags=None, comment="clearer"))
    db.session.expire_all()
    assert db.session.get(ThreadVector, other.id).vector != before
    assert first.id in related.stored_ids(other.id)


def test_without_the_semantic_layer_similar_threads_come_from_words(app):
    from tests.factories import make_question

    app.config["SEMANTIC_SEARCH"] = False
    question = make_question(title="Scanner driver install fails with error 1603")
    make_question(title="Bluetooth mouse lags on battery power")
    assert searching.similar_threads("scanner driver error 1603") == [question]
    assert db.session.query(ThreadVector).count() == 0


def test_tag_synonyms_apply_to_tag_filters_and_to_words(app):
    from moderation import tag_synonyms
    from tests.factories import make_question, make_user

    tagged = make_question(title="Connection drops every few minutes", tags=("wifi",))
    moderator = make_user(role="moderator")
    tag_synonyms.add_synonym(moderator, "wireless", "wifi")
    assert search_ids("tag:wireless") == [tagged.id]
    assert tagged.id in search_ids("wireless drops")


def test_a_tag_synonym_lists_the_master_tags_questions(app, client):
    from moderation import tag_synonyms
    from tests.factories import make_question, make_user

    tagged = make_question(title="Connection drops every few minutes", tags=("wifi",))
    tag_synonyms.add_synonym(make_user(role="moderator"), "wireless", "wifi")
    data = client.get("/api/v1/questions?tag=wireless").get_json()
    assert [q["id"] for q in data["questions"]] == [tagged.id]


def test_in_production_a_thread_of_the_process_computes_them_after_the_commit(app):
    import time

    from tests.factories import make_question

    app.config["SEMANTIC_DELAY"] = 0.1
    older = make_question(title="Webcam image is black in video calls",
                          body="The laptop webcam shows only a black picture in every app.")
    newer = make_question(title="Black picture from the built-in webcam in video calls",
                          body="Every video app shows a black image from the camera.")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        db.session.rollback()
        if related.stored_ids(newer.id) == [older.id] and newer.id in (
                related.stored_ids(older.id) or []):
            break
        time.sleep(0.1)
    assert related.stored_ids(newer.id) == [older.id]
    assert newer.id in related.stored_ids(older.id)
    assert db.session.get(ThreadVector, newer.id) is not None


def test_catch_up_computes_what_is_due_once_even_for_a_thread_dated_in_the_future(app):
    from datetime import timedelta

    from forum.models import Question, RelatedList, utcnow
    from tests.factories import make_question

    first = make_question(title="Tablet screen flickers at low brightness")
    second = make_question(title="Screen flicker on the tablet when brightness is low")
    db.session.get(Question, second.id).created_at = utcnow() + timedelta(days=2)
    db.session.query(RelatedList).delete()
    db.session.commit()                     # the change itself recomputes both lists
    assert related.stored_ids(first.id) == [second.id]
    # The future-dated thread stays due after its list is stored: each catch-up
    # computes it once and returns, instead of looping on it.
    assert related.catch_up() == 1
    assert related.catch_up() == 1
