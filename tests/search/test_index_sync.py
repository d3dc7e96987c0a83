"""The index follows the database: every change a thread shows reaches it after
commit, a rebuild starts from the database, and a broken index heals itself."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from forum import changes
from forum.extensions import db
from forum.inputs import PostEdit, SearchRequest
from forum.models import Question
from forum.services import accepting, posting, searching, voting
from search.query import parse
from tests.factories import ensure_tags, make_answer, make_question, make_user

needs_pg = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                              reason="needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture(params=["whoosh", pytest.param("postgres", marks=needs_pg)])
def config_overrides(request):
    """Every case runs on both backends (PostgreSQL ones when a server is configured)."""
    return {"SEARCH_BACKEND": request.param}


whoosh_only = pytest.mark.parametrize("config_overrides", [{"SEARCH_BACKEND": "whoosh"}],
                                      indirect=False)

PRINTER_BODY = "The PrintJet 3200 shows offline in Windows although its own test page prints."


def ids(q: str, **kwargs) -> list[int]:
    page = searching.search_threads(SearchRequest(q=q, **kwargs))
    return [f.question.id for f in page.items]


def index_ids(q: str) -> list[int]:
    """What the index itself answers, without the database's visibility check."""
    return [h.id for h in searching.get_index().search(parse(q)).hits]


def test_asking_indexes_the_thread(app):
    question = make_question(title="PrintJet 3200 shows offline on Windows 11", body=PRINTER_BODY,
                             tags=("printing",))
    assert ids("printjet offline") == [question.id]
    assert index_ids("tag:printing") == [question.id]


def test_edit_of_title_body_and_tags_reaches_the_index(app):
    author = make_user()
    question = make_question(author, title="PrintJet 3200 shows offline on Windows 11",
                             body=PRINTER_BODY, tags=("printing",))
    ensure_tags("scanner")
    posting.edit_post(author, question.id, PostEdit(
        title="Scanner button does nothing on the PrintJet 3200",
        body="Pressing scan on the printer panel does nothing since the firmware update.",
        tags=("scanner",), comment="it was the scanner"))
    assert ids("scanner firmware") == [question.id]
    assert index_ids("offline") == []
    assert index_ids("tag:printing") == []
    assert index_ids("tag:scanner") == [question.id]


def test_answer_accept_and_vote_reach_the_index(app):
    asker = make_user()
    question = make_question(asker, title="VPN will not connect after the router reboot",
                             body="The VPN client says handshake failed since the router restarted.")
    assert index_ids("is:unanswered") == [question.id]
    answer = make_answer(question, body="Re-enable IPsec passthrough in the router's firewall page.")
    assert index_ids("passthrough") == [question.id]
    assert index_ids("is:unanswered") == []
    assert index_ids("is:unsolved") == [question.id]
    accepting.accept_answer(asker, answer.id)
    assert index_ids("is:solved") == [question.id]
    voter = make_user(reputation_points=100)
    voting.cast_vote(voter, question.id, 1)
    other = make_question(title="VPN drops every hour on the office network",
                          body="The tunnel drops every hour on the hour and reconnects after a minute.")
    assert ids("vpn", sort="votes")[0] == question.id
    assert set(ids("vpn")) == {question.id, other.id}


def test_close_reaches_the_index(app):
    """Closing is moderation's; whatever closes a thread marks it changed, and the
    index follows on commit."""
    question = make_question(title="Blue screen after the November update",
                             body="Since the update the laptop shows a blue screen at every boot.")
    assert index_ids("is:open") == [question.id]
    row = db.session.get(Question, question.id)
    row.status = "closed"
    changes.thread_changed(row.id)
    db.session.commit()
    assert index_ids("is:closed") == [question.id]
    assert index_ids("is:open") == []


def test_deleted_thread_leaves_the_index_and_answers_too(app):
    author = make_user()
    question = make_question(author, title="Phone not charging with the original cable",
                             body="The phone stopped charging with its original cable yesterday.")
    answer = make_answer(question, body="Clean the port with a wooden toothpick; lint blocks it.")
    assert index_ids("toothpick") == [question.id]
    posting.delete_post(answer.author, answer.id)
    assert index_ids("toothpick") == []
    posting.delete_post(author, question.id)
    assert index_ids("charging") == []
    assert ids("charging") == []


def test_rollback_sends_nothing_to_the_index(app):
    question = make_question(title="Printer offline since the update",
                             body="The printer has been offline since the last Windows update.")
    row = db.session.get(Question, question.id)
    row.title = "Something else entirely here"
    changes.thread_changed(row.id)
    db.session.rollback()
    assert index_ids("something") == []
    assert index_ids("printer") == [question.id]


def test_a_stale_index_never_shows_a_hidden_thread(app):
    """Even when the index missed a delete, the page re-checks the database."""
    question = make_question(title="Wi-Fi drops every ten minutes on Windows",
                             body="The Wi-Fi connection drops every ten minutes and comes back.")
    with changes.untracked():           # behind the index's back
        row = db.session.get(Question, question.id)
        row.deleted_at = row.created_at
        db.session.commit()
    assert index_ids("drops") == [question.id]
    page = searching.search_threads(SearchRequest(q="drops"))
    assert page.items == [] and page.total == 0


def test_reindex_rebuilds_from_the_database(app):
    questions = [make_question(title=f"Monitor flickers at 144 Hz on cable number {n}",
                               body="The external monitor flickers black every few seconds.")
                 for n in range(3)]
    searching.get_index().clear()
    assert index_ids("flickers") == []
    assert searching.reindex() == 3
    assert set(index_ids("flickers")) == {q.id for q in questions}


def test_cli_reindex_prints_the_count(app):
    make_question(title="Bluetooth mouse lags after sleep mode",
                  body="After the laptop wakes up the Bluetooth mouse lags for a minute.")
    searching.get_index().clear()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 thread(s) indexed" in result.output
    assert index_ids("bluetooth")


@whoosh_only
@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_missing_or_corrupt_index_is_rebuilt_on_query(app, damage):
    question = make_question(title="Laptop fan runs loud all the time now",
                             body="The fan runs at full speed even when the laptop is idle.")
    directory = Path(app.config["SEARCH_INDEX_DIR"])
    app.extensions.pop(searching.EXTENSION).index.close()   # a new process meets the damage
    if damage == "delete":
        shutil.rmtree(directory)
    else:
        for path in directory.iterdir():
            path.write_bytes(b"\x00garbage" * 64)
    response = app.test_client().get("/search?q=fan")
    assert response.status_code == 200
    assert "Laptop fan runs loud all the time now" in response.get_data(as_text=True)
    assert index_ids("fan") == [question.id]


def test_large_site_falls_back_to_titles_while_rebuilding(app, monkeypatch):
    app.config["SEARCH_SYNC_REBUILD_MAX"] = 0   # every rebuild goes to the background
    question = make_question(title="Docking station not detected after BIOS update",
                             body="After the BIOS update the dock is no longer detected at all.")
    searching.get_index().clear()
    started = []
    monkeypatch.setattr(searching, "_rebuild_in_background", lambda: started.append(True))
    page = searching.search_threads(SearchRequest(q="docking"))
    assert started == [True]
    assert page.notice and "rebuilt" in page.notice
    assert [f.question.id for f in page.items] == [question.id]


def test_a_failing_index_never_fails_the_write(app, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(searching.get_index()), "apply", broken)
    question = make_question(title="Keyboard types wrong characters suddenly",
                             body="Typing @ gives a quote mark and the Y and Z keys are swapped.")
    assert db.session.get(Question, question.id) is not None


def test_official_answers_and_known_issues_reach_the_index(app):
    from forum.inputs import KnownIssueDraft
    from forum.services import known_issues, official

    question = make_question(title="Docking station monitors stay black after wake",
                             body="Both monitors on the dock stay black after the laptop wakes up.")
    answer = make_answer(question, body="Install dock firmware 1.4.2, it fixes the wake handshake.")
    staff = make_user(role="staff")
    assert index_ids("is:official") == [] and index_ids("is:solved") == []
    official.mark_official(staff, answer.id)
    assert index_ids("is:official") == [question.id]
    assert index_ids("is:solved") == [question.id]
    known_issues.mark_known(staff, question.id, KnownIssueDraft("fix_planned", "DOCK-77", None))
    assert index_ids("is:known") == [question.id]
    official.withdraw_official(staff, answer.id)
    known_issues.clear_known(staff, question.id)
    assert index_ids("is:official") == [] and index_ids("is:known") == []
    assert index_ids("is:unsolved") == [question.id]


def test_a_rebuild_in_two_processes_indexes_every_thread(tmp_path):
    from datetime import datetime

    from search import ThreadDoc
    from search.query import parse
    from search.whoosh_index import WhooshIndex

    index = WhooshIndex(tmp_path / "index")
    index.clear()
    docs = (ThreadDoc(id=n, title=f"Printer {n} shows offline after the update",
                      body="The printer is offline in Windows but prints a test page.",
                      tags=("printing",), created_at=datetime(2026, 1, 1),
                      activity_at=datetime(2026, 1, 1)) for n in range(1, 301))
    assert index.upsert_many(docs, procs=2) == 300
    assert index.count() == 300
    assert index.search(parse("printer offline"), per_page=5).total == 300
    index.close()


def test_cli_vectors_computes_what_is_missing_in_two_processes(app):
    from sqlalchemy import select

    from forum.models import ThreadVector

    questions = [make_question(title=f"Docking station {n} drops the external monitor",
                               body="The monitor on the dock goes black every few minutes.")
                 for n in range(3)]
    db.session.query(ThreadVector).delete()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["search", "vectors", "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert "Vectors computed: 3 thread(s)" in result.output
    assert {v.question_id for v in db.session.scalars(select(ThreadVector))} == {
        q.id for q in questions}
