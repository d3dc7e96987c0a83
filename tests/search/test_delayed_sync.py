"""SEARCH_SYNC_DELAY: changes reach a Whoosh index in batches from a background
thread, queued on disk so that a crash or a busy lock loses nothing."""

from __future__ import annotations

import time

import pytest

from forum.inputs import SearchRequest
from forum.services import searching
from search.whoosh_index import WhooshIndex
from tests.factories import make_answer, make_question


@pytest.fixture
def config_overrides():
    return {"SEARCH_BACKEND": "whoosh", "SEARCH_SYNC_DELAY": 0.2}


def found(q: str) -> list[int]:
    return [f.question.id for f in searching.search_threads(SearchRequest(q=q)).items]


def eventually(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_default_delay_is_one_second_on_whoosh_and_none_when_testing_or_postgres():
    assert searching.sync_delay({"SEARCH_BACKEND": "whoosh"}) == 1.0
    assert searching.sync_delay({"SEARCH_BACKEND": "whoosh", "TESTING": True}) == 0.0
    assert searching.sync_delay({"SEARCH_BACKEND": "postgres"}) == 0.0
    assert searching.sync_delay({"SEARCH_BACKEND": "postgres", "SEARCH_SYNC_DELAY": 2}) == 2.0


def test_changes_are_indexed_in_the_background_in_one_batch(app, monkeypatch):
    index = searching.get_index()
    loaded: list[set[int]] = []
    load = searching.thread_docs
    monkeypatch.setattr(searching, "thread_docs", lambda ids: (loaded.append(set(ids)), load(ids))[1])
    earlier = make_question(title="Keyboard backlight stays off after waking up")
    assert eventually(lambda: found("keyboard backlight") == [earlier.id])
    loaded.clear()
    held = index._writer(5.0)          # another process is writing: the lock is busy
    try:
        first = make_question(title="Thunderbolt dock flickers with the external monitor")
        second = make_question(title="Thunderbolt dock loses the ethernet link overnight")
        make_answer(first, body="Update the dock firmware to 1.4 and the flicker stops for good.")
        time.sleep(0.5)                 # past the delay: the flusher waits for the lock
        assert index.pending() >= {first.id, second.id}       # queued on disk
        assert found("thunderbolt dock") == []
    finally:
        held.cancel()
    assert eventually(lambda: set(found("thunderbolt dock")) == {first.id, second.id})
    assert eventually(lambda: first.id in found("firmware flicker"))
    assert index.pending() == set()
    assert loaded and {first.id, second.id} <= loaded[0]     # all of it in one commit


def test_queued_changes_survive_the_process(app):
    index = searching.get_index()
    held = index._writer(5.0)          # keep this process's flusher from taking the queue
    try:
        index.queue([12345])            # a thread since deleted: its document goes
        question = make_question(title="Headset microphone is silent in video calls")
        # Another process (a new index object on the same directory) finds the queue.
        other = WhooshIndex(index.directory)
        assert {12345, question.id} <= other.pending()
    finally:
        held.cancel()
    other.apply(set(), searching.thread_docs)   # whichever process gets the lock first
    other.close()
    assert eventually(lambda: other.pending() == set())
    assert eventually(lambda: found("headset microphone") == [question.id])
