"""`flask seed-import`: real-format JSONL (Stack Exchange and 20 Newsgroups) as threads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Answer, Post, Question, ReputationEvent, Revision, Tag, User, Vote
from forum.services import reputation
from tests.factories import make_user

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

SE_THREAD = {
    "id": "iot.stackexchange.com/101", "site": "iot.stackexchange.com", "post_id": 101,
    "title": "Why does my Zigbee sensor drop off the network after a router reboot?",
    "body": ('<p>After every router reboot my <strong>Zigbee</strong> door sensor stops '
             'reporting.</p>\n<script>alert("x")</script>\n'
             '<p onclick="steal()">Pairing it again fixes it <a href="javascript:alert(1)">'
             'until the next time</a>.</p>\n<img src="x" onerror="alert(2)">\n'
             '<pre><code>zigbee: device 0x1a2b left\n</code></pre>\n'),
    "body_markdown": None, "tags": ["zigbee", "Home Automation", "networking"],
    "score": 7, "view_count": 321, "creation_date": "2017-03-04T10:11:12.130",
    "closed_date": None, "accepted_answer_id": 103, "content_license": "CC BY-SA 3.0",
    "answers": [
        {"id": 102, "body": "<p>Give the coordinator a fixed channel away from your Wi-Fi.</p>\n",
         "body_markdown": None, "score": 2, "accepted": False,
         "creation_date": "2017-03-04T12:00:00.000"},
        {"id": 103, "body": "<p>Add mains-powered <em>routers</em> so end devices can rejoin "
                            "through them after the coordinator restarts.</p>\n",
         "body_markdown": None, "score": 11, "accepted": True,
         "creation_date": "2017-03-05T08:30:00.000"},
    ],
    "source": {"repo": "example/dump", "path": "iot.stackexchange.com/Posts.xml", "commit": "0" * 40},
}
META_THREAD = {
    "id": "3dprinting.meta.stackexchange.com/7", "site": "3dprinting.meta.stackexchange.com",
    "post_id": 7, "title": "Tag wiki?", "body": "<p>Should we write tag wikis now?</p>\n",
    "body_markdown": "Should we write **tag wikis** now, or wait until we have more questions?",
    "tags": ["discussion"], "score": -1, "view_count": 40,
    "creation_date": "2016-01-12T09:00:00.000", "closed_date": "2016-02-01T00:00:00.000",
    "accepted_answer_id": None, "content_license": "CC BY-SA 3.0", "answers": [],
    "source": {"repo": "example/dump", "path": "x", "commit": "0" * 40},
}
USENET_THREAD = {
    "id": "comp.sys.mac.hardware/51234", "title": "SE/30 won't boot after RAM upgrade",
    "body": ("I put 4 x 4MB SIMMs in my SE/30 and now it only chimes *twice*.\n"
             "Does anyone know <why>? Mail me at <jo@example.edu>\n\n-- \nJo"),
    "body_format": "plain text (Usenet)", "tags": ["comp.sys.mac.hardware"], "score": None,
    "answers": [
        {"id": "comp.sys.mac.hardware/51240",
         "body": "In article <1993Apr1@example.edu> jo@example.edu writes:\n"
                 "> I put 4 x 4MB SIMMs in my SE/30 and now it only chimes twice.\n\n"
                 "The SIMMs must be 80ns or faster; reseat them in bank A first.",
         "score": None, "accepted": False},
        {"id": "comp.sys.mac.hardware/51241", "body": "  ", "score": None, "accepted": False},
    ],
    "source": {"repo": "example/20news", "path": "x", "commit": "0" * 40},
}


def write_jsonl(path: Path, *records, raw_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r) for r in records] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_import(app, *files, extra=("--jobs", "1", "--no-reindex")):
    return app.test_cli_runner().invoke(args=["seed-import", *extra, *map(str, files)])


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def by_source(source: str) -> Post:
    return db.session.scalar(select(Post).where(Post.source == source))


@pytest.fixture
def data_file(tmp_path):
    return write_jsonl(tmp_path / "threads.jsonl", SE_THREAD, META_THREAD, USENET_THREAD)


def test_import_creates_threads_like_the_services(app, data_file):
    result = run_import(app, data_file)
    assert result.exit_code == 0, result.output
    assert "Imported 3 threads and 3 answers" in result.output
    assert count(Question) == 3 and count(Answer) == 3

    question = by_source("iot.stackexchange.com/101")
    assert question.title == SE_THREAD["title"]
    assert question.slug == "why-does-my-zigbee-sensor-drop-off-the-network-after-a-router-reboot"
    assert question.source_url == "https://iot.stackexchange.com/q/101"
    assert question.content_license == "CC BY-SA 3.0"
    assert question.score == 7 and question.view_count == 321 and question.status == "open"
    assert question.tag_names == ["home-automation", "networking", "zigbee"]
    assert question.answer_count == 2
    accepted = by_source("iot.stackexchange.com/101#a103")
    assert question.accepted_answer_id == accepted.id and question.solved
    assert accepted.score == 11 and accepted.question_id == question.id
    assert accepted.source_url == "https://iot.stackexchange.com/a/103"
    assert question.created_at.isoformat() == "2017-03-04T10:11:12.130000"
    assert question.last_activity_at == accepted.created_at
    assert question.author.username == "se-iot"
    assert accepted.author_id == question.author_id

    # Revision #1 for every post, as posting.ask_question / post_answer leave it.
    for post in db.session.scalars(select(Post)):
        revisions = db.session.scalars(select(Revision).where(Revision.post_id == post.id)).all()
        assert [r.number for r in revisions] == [1]
        assert revisions[0].body == post.body and revisions[0].author_id == post.author_id
    first = db.session.scalar(select(Revision).where(Revision.post_id == question.id))
    assert first.title == question.title and first.tags == "home-automation networking zigbee"
    assert {t.name: t.question_count for t in db.session.scalars(select(Tag))} == {
        "home-automation": 1, "networking": 1, "zigbee": 1, "discussion": 1,
        "comp.sys.mac.hardware": 1}


def test_meta_sites_short_titles_markdown_and_closed_threads(app, data_file):
    run_import(app, data_file)
    meta = by_source("3dprinting.meta.stackexchange.com/7")
    assert meta.source_url == "https://3dprinting.meta.stackexchange.com/q/7"
    assert meta.author.username == "se-meta-3dprinting"
    assert meta.title == "Tag wiki? (meta-3dprinting)"            # padded to the 15-char minimum
    assert meta.body == META_THREAD["body_markdown"]                 # the original Markdown wins
    assert "<strong>tag wikis</strong>" in meta.body_html
    assert meta.status == "closed" and meta.score == -1 and meta.answer_count == 0


def test_imported_html_is_sanitised(app, data_file):
    run_import(app, data_file)
    question = by_source("iot.stackexchange.com/101")
    for needle in ("<script", "alert(\"x\")", "onclick", "onerror", "javascript:"):
        assert needle not in question.body_html
    for needle in ("<script", "alert(\"x\")", "onclick", "onerror"):
        assert needle not in question.body           # Markdown source: no raw HTML kept
    assert "<strong>Zigbee</strong>" in question.body_html
    assert "<code>zigbee: device 0x1a2b left" in question.body_html
    assert "<p>" not in question.body                          # stored as Markdown, not HTML


def test_usenet_text_stays_text(app, data_file):
    run_import(app, data_file)
    question = by_source("comp.sys.mac.hardware/51234")
    assert question.source_url is None and question.content_license is None
    assert question.author.username == "usenet" and question.tag_names == ["comp.sys.mac.hardware"]
    assert question.score == 0
    assert "*twice*" in question.body_html and "<em>" not in question.body_html
    assert "&lt;why&gt;" in question.body_html
    reply = by_source("comp.sys.mac.hardware/51234#comp.sys.mac.hardware/51240")
    assert "<blockquote>" in reply.body_html and "80ns or faster" in reply.body_html
    assert question.answer_count == 1          # the blank reply is left out


def test_scores_are_imported_without_votes_or_reputation(app, data_file):
    make_user("maria", reputation_points=40)      # one ledger line: her starting bonus
    run_import(app, data_file)
    assert count(Vote) == 0 and count(ReputationEvent) == 1
    assert all(u.reputation == 1 for u in db.session.scalars(
        select(User).where(User.username != "maria")))
    assert reputation.recount_all() == 0
    result = app.test_cli_runner().invoke(args=["users", "recount"])
    assert "0 user(s) corrected" in result.output


def test_a_vote_adds_to_the_imported_score(app, data_file):
    from forum.services import voting

    run_import(app, data_file)
    question = db.session.scalar(select(Question).where(Question.score == 7))
    assert question.imported_score == 7
    voter = make_user("voter", reputation_points=40)
    assert voting.cast_vote(voter, question.id, 1).score == 8


def test_imported_accounts_cannot_sign_in(app, data_file):
    from forum.services import accounts

    run_import(app, data_file)
    user = db.session.scalar(select(User).where(User.username == "se-iot"))
    assert user.email == "se-iot@import.invalid"
    assert accounts.authenticate("se-iot", "") is None
    assert accounts.authenticate("se-iot", user.password_hash) is None


def test_second_run_adds_nothing(app, data_file):
    assert run_import(app, data_file).exit_code == 0
    before = (count(Post), count(Revision), count(User), count(Tag))
    again = run_import(app, data_file)
    assert again.exit_code == 0, again.output
    assert "Imported 0 threads and 0 answers (3 already present" in again.output
    assert (count(Post), count(Revision), count(User), count(Tag)) == before
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "zigbee")) == 1


def test_a_thread_repeated_in_the_file_is_imported_once(app, tmp_path):
    path = write_jsonl(tmp_path / "twice.jsonl", SE_THREAD, SE_THREAD)
    assert run_import(app, path).exit_code == 0
    assert count(Question) == 1 and count(Answer) == 2


def test_rules_clip_and_pad_real_data(app, tmp_path):
    long = {**SE_THREAD, "id": "iot.stackexchange.com/900", "post_id": 900, "answers": [],
            "accepted_answer_id": None, "title": "Why " + "really " * 40 + "slow?",
            "body": "<p>" + "word " * 8000 + "</p>", "tags": ["???", "ÉTÉ", "x" * 50]}
    empty = {**USENET_THREAD, "id": "comp.graphics/1", "body": "", "tags": [], "answers": []}
    short = {**USENET_THREAD, "id": "comp.graphics/2", "title": "DTP", "tags": ["comp.graphics"],
             "answers": []}
    run_import(app, write_jsonl(tmp_path / "odd.jsonl", long, empty, short))
    assert by_source("comp.graphics/2").title == "DTP (comp.graphics)"
    question = by_source("iot.stackexchange.com/900")
    assert len(question.title) <= 150 and question.title.endswith("\u2026")
    assert len(question.body) <= 30_000 and "shortened to 30,000 characters" in question.body
    assert "https://iot.stackexchange.com/q/900" in question.body
    assert question.tag_names == ["ete", "x" * 35]
    bare = by_source("comp.graphics/1")
    assert bare.tag_names == ["usenet"]                         # no valid tag: the site's
    assert len(bare.body) >= 30 and "has no text" in bare.body


def test_malformed_line_fails_clearly_and_imports_nothing(app, tmp_path):
    path = write_jsonl(tmp_path / "broken.jsonl", SE_THREAD, raw_lines=('{"id": "x", "title": ',))
    result = run_import(app, path)
    assert result.exit_code == 1
    assert "broken.jsonl: line 2: not valid JSON" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert count(Post) == 0 and count(User) == 0


@pytest.mark.parametrize(("record", "message"), [
    ([1, 2], "not a JSON object"),
    ({**SE_THREAD, "answers": "none"}, "'answers' must be a list"),
    ({**SE_THREAD, "title": None}, "'title' must be a string"),
    ({**SE_THREAD, "post_id": "101"}, "'post_id' must be a whole number"),
    ({**SE_THREAD, "creation_date": "yesterday"}, "'creation_date' must be an ISO date"),
])
def test_records_with_wrong_fields_fail_clearly(app, tmp_path, record, message):
    result = run_import(app, write_jsonl(tmp_path / "bad.jsonl", record))
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and count(Post) == 0


def test_a_bad_file_stops_the_good_ones_too(app, tmp_path, data_file):
    result = run_import(app, data_file, tmp_path / "missing.jsonl")
    assert result.exit_code == 1 and "missing.jsonl: no such file" in result.output
    assert count(Post) == 0


def test_import_rebuilds_the_search_index(app, data_file):
    searching = pytest.importorskip("forum.services.searching")
    result = run_import(app, data_file, extra=("--jobs", "1"))
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt: 3 thread(s)" in result.output
    assert searching.get_index().count() == 3


def test_real_iot_site_imports_completely(app):
    path = SHARED_DATA / "se_iot.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared data folder is optional)")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    result = run_import(app, path, extra=("--jobs", "2", "--no-reindex"))
    assert result.exit_code == 0, result.output
    assert count(Question) == len(records)
    assert count(Answer) == sum(len(r["answers"]) for r in records)
    assert count(Question, Question.accepted_answer_id.is_not(None)) == sum(
        1 for r in records if r["accepted_answer_id"])
    assert count(Revision) == count(Post)
    sample = records[0]
    question = by_source(sample["id"])
    assert question.score == sample["score"]
    assert question.source_url == f"https://iot.stackexchange.com/q/{sample['post_id']}"
    assert run_import(app, path).output.count("0 new thread(s)") == 1
