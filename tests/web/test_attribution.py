"""Imported threads credit their source on the page (CC BY-SA needs it)."""

from forum.extensions import db
from forum.models import Question
from tests.factories import make_question


def test_imported_stack_exchange_thread_links_its_source(client, app):
    question = make_question(title="How can I properly test my device's PCB antenna?")
    row = db.session.get(Question, question.id)
    row.source, row.source_url, row.content_license = (
        "iot/123", "https://iot.stackexchange.com/q/123", "CC BY-SA 3.0")
    db.session.commit()
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert 'href="https://iot.stackexchange.com/q/123"' in page
    assert "iot.stackexchange.com</a>" in page and "CC BY-SA 3.0" in page


def test_imported_usenet_thread_names_the_collection(client, app):
    question = make_question(title="Monitor flickers at high refresh rates on my PC")
    row = db.session.get(Question, question.id)
    row.source = "usenet/comp.graphics/38921"
    db.session.commit()
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "20 Newsgroups Usenet collection" in page


def test_native_thread_has_no_attribution(client, app):
    question = make_question()
    page = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Imported from" not in page
