"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from forum.extensions import db


def insert_thread_of_0001(conn) -> None:
    """A user and a question in the columns of 0001_core, written as raw SQL so
    that they fit any later schema an upgrade starts from."""
    from sqlalchemy import text

    conn.execute(text(
        "INSERT INTO users (id, username, username_lower, email, password_hash, role, reputation,"
        " about, created_at) VALUES (1, 'Maria', 'maria', 'm@example.com', 'x', 'member', 11, '',"
        " '2026-01-01 00:00:00')"))
    conn.execute(text(
        "INSERT INTO posts (id, type, author_id, body, body_html, score, comment_count, created_at,"
        " title, slug, status, answer_count, last_activity_at, view_count) VALUES (1, 'question', 1,"
        " 'Printer offline since the update', '<p>Printer offline since the update</p>', 1, 0,"
        " '2026-01-01 00:00:00', 'Printer offline after update', 'printer-offline-after-update',"
        " 'open', 0, '2026-01-01 00:00:00', 0)"))


def test_migration_head_matches_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, *_: not (
                (type_ == "table" and name.startswith("search_"))
                or getattr(getattr(obj, "table", None), "name", "").startswith("search_")),
        })
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_upgrade_creates_every_table(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_downgrade_to_base_and_upgrade_again(app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_upgrade_from_0001_keeps_existing_threads(app):
    """0002 adds the import-source columns to a database that already has posts."""
    from sqlalchemy import text

    downgrade(revision="0001_core")
    with db.engine.begin() as conn:
        insert_thread_of_0001(conn)
    upgrade()
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT title, score, source FROM posts WHERE id = 1")).one()
    assert row == ("Printer offline after update", 1, None)


def test_postgres_search_tables_come_and_go_with_0003(app):
    """0003 (PostgreSQL only) adds search_threads with a GIN-indexed tsvector;
    going back to 0002 drops it and keeps the posts; upgrading recreates it."""
    import pytest
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        pytest.skip("search_threads is PostgreSQL only")

    def search_indexes() -> list[str]:
        with db.engine.connect() as conn:
            return list(conn.scalars(text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'search_threads'")))

    search_tables = {"search_threads", "search_words", "search_pending"}
    assert search_tables <= set(inspect(db.engine).get_table_names())
    assert any("USING gin (document)" in d for d in search_indexes())
    with db.engine.begin() as conn:
        insert_thread_of_0001(conn)
    downgrade(revision="0002_import_source")
    assert not search_tables & set(inspect(db.engine).get_table_names())
    upgrade()
    assert search_tables <= set(inspect(db.engine).get_table_names())
    assert any("USING gin (document)" in d for d in search_indexes())
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM posts WHERE id = 1")).scalar_one() == \
            "Printer offline after update"
        assert conn.execute(text("SELECT count(*) FROM search_threads")).scalar_one() == 0


def test_upgrade_to_0004_keeps_imported_scores_and_votes_add_to_them(app):
    """Imported posts had their original score set directly; 0004 keeps it as the
    base that votes add to, and leaves posts without a source alone."""
    from sqlalchemy import text

    from forum.models import User
    from forum.services import voting
    from tests.factories import make_question, make_user

    imported = make_question(title="How can I properly test my device's PCB antenna?")
    native = make_question(title="Printer offline since the November update")
    voter = make_user(reputation_points=200)
    voting.cast_vote(voter, native.id, 1)
    imported_id, native_id, voter_id = imported.id, native.id, voter.id
    db.session.remove()
    downgrade(revision="0003_postgres_search")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE posts SET score = 19, source = 'iot.stackexchange.com/1' "
                          "WHERE id = :id"), {"id": imported_id})
    upgrade()
    with db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, imported_score FROM posts")).all())
    assert rows[imported_id] == 19 and rows[native_id] == 0
    voter = db.session.get(User, voter_id)
    assert voting.cast_vote(voter, imported_id, 1).score == 20
    assert voting.cast_vote(voter, native_id, 0).score == 0


def test_upgrade_to_0005_keeps_threads_and_they_take_official_answers(app):
    """0005 adds the support columns and tables to a database that has threads,
    votes and an accepted answer; afterwards the thread takes an official answer."""
    from sqlalchemy import text

    from forum.models import Answer, Question
    from forum.services import accepting, official
    from tests.factories import make_answer, make_question, make_user

    asker = make_user()
    question = make_question(asker, title="Printer offline since the November update")
    answer = make_answer(question)
    accepting.accept_answer(asker, answer.id)
    staff = make_user(role="staff")
    question_id, answer_id, staff_id = question.id, answer.id, staff.id
    db.session.remove()
    downgrade(revision="0004_imported_score")
    assert "me_toos" not in inspect(db.engine).get_table_names()
    upgrade()
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT me_too_count, official_answer_id, accepted_answer_id "
                                "FROM posts WHERE id = :id"), {"id": question_id}).one()
    assert tuple(row) == (0, None, answer_id)
    from forum.models import User
    official.mark_official(db.session.get(User, staff_id), answer_id)
    db.session.expire_all()
    assert db.session.get(Question, question_id).official_answer_id == answer_id
    assert db.session.get(Answer, answer_id).official_stale is False


def test_upgrade_to_0008_keeps_threads_and_indexes_every_list_order(app):
    """0008 swaps the score and answer-count indexes for wider ones on a database
    with threads; the lists and the linked-duplicates box read the same rows."""
    from forum.inputs import ListQuery
    from forum.services import browsing
    from tests.factories import make_answer, make_question

    questions = [make_question(title=f"Scanner offline after the update, case {i}") for i in range(3)]
    make_answer(questions[1])
    ids = [q.id for q in questions]
    db.session.remove()
    downgrade(revision="0007_notifications")
    names = {ix["name"] for ix in inspect(db.engine).get_indexes("posts")}
    assert "ix_posts_type_score" in names and "ix_posts_duplicate_of_id" not in names
    upgrade()
    names = {ix["name"] for ix in inspect(db.engine).get_indexes("posts")}
    assert {"ix_posts_type_score_created_at", "ix_posts_type_answer_count_created_at",
            "ix_posts_duplicate_of_id", "ix_posts_accepted_answer_id"} <= names
    assert "ix_posts_type_score" not in names

    def listed(sort):
        page = browsing.list_questions(ListQuery(sort=sort, tag=None, page=1, per_page=20))
        return [q.id for q in page.items]

    assert listed("newest") == ids[::-1]
    assert set(listed("unanswered")) == {ids[0], ids[2]}
    assert sorted(listed("votes")) == sorted(ids)


def test_upgrade_to_0009_keeps_threads_and_adds_the_finding_tables(app):
    """0009 adds tag synonyms, thread vectors and stored related lists beside
    existing threads; the threads are untouched and the new tables start empty."""
    from forum.models import Question, RelatedList, TagSynonym, ThreadVector
    from tests.factories import make_question

    question = make_question(title="Printer offline after the firmware update", tags=["printer"])
    question_id = question.id
    db.session.remove()
    downgrade(revision="0008_list_indexes")
    assert not {"tag_synonyms", "thread_vectors", "related_lists"} & set(
        inspect(db.engine).get_table_names())
    upgrade()
    assert {"tag_synonyms", "thread_vectors", "related_lists"} <= set(
        inspect(db.engine).get_table_names())
    assert db.session.get(Question, question_id).title == "Printer offline after the firmware update"
    assert db.session.query(TagSynonym).count() == 0
    assert db.session.query(ThreadVector).count() == 0
    assert db.session.query(RelatedList).count() == 0


def test_upgrade_to_0010_keeps_threads_and_adds_an_empty_job_queue(app):
    """0010 adds the job queue beside existing threads; a write after the upgrade
    queues its jobs there."""
    from forum.infra import jobs
    from forum.models import Job, Question
    from tests.factories import make_answer, make_question

    question = make_question(title="Projector shows no signal over HDMI", tags=["printer"])
    question_id = question.id
    db.session.remove()
    downgrade(revision="0009_finding")
    assert "jobs" not in set(inspect(db.engine).get_table_names())
    upgrade()
    assert "jobs" in set(inspect(db.engine).get_table_names())
    question = db.session.get(Question, question_id)
    assert question.title == "Projector shows no signal over HDMI"
    assert db.session.query(Job).count() == 0
    app.config["JOBS_WORKER"] = "external"
    make_answer(question, body="Switch the input source to HDMI 2 in the projector menu.")
    assert sorted(j.kind for j in db.session.query(Job)) == ["event", "threads"]
    assert jobs.drain() == 2


def test_upgrade_to_0011_keeps_known_issues_and_they_take_a_tracker_link(app):
    """0011 adds the tracker link to known issues (existing ones keep their free-text
    reference) and three empty tables."""
    from forum.inputs import KnownIssueDraft
    from forum.models import FixCheck, KnownIssue, TrackerDelivery
    from forum.services import escalation, known_issues
    from tests.factories import make_question, make_user

    staff = make_user(role="staff")
    question = make_question(title="Docking station loses the network after sleep")
    known_issues.mark_known(staff, question.id, KnownIssueDraft("fix_planned", "BUG-77", None))
    question_id, staff_id = question.id, staff.id
    db.session.remove()
    downgrade(revision="0010_jobs")
    assert not {"tracker_deliveries", "fix_checks", "answer_reminders"} & set(
        inspect(db.engine).get_table_names())
    upgrade()
    issue = db.session.get(KnownIssue, question_id)
    assert (issue.state, issue.reference, issue.tracker_id) == ("fix_planned", "BUG-77", None)
    assert db.session.query(TrackerDelivery).count() == db.session.query(FixCheck).count() == 0
    link, errors = escalation.parse_bug_link({"tracker_kind": "github",
                                              "tracker_url": "https://github.com/acme/dock/issues/9"})
    escalation.link_bug(db.session.get(type(staff), staff_id), question_id, link)
    assert db.session.get(KnownIssue, question_id).tracker_id == "acme/dock#9"


def test_upgrade_to_0012_counts_existing_accounts_as_verified(app):
    """0012 adds verification, avatar, deletion and session-epoch columns to a
    database with accounts: each existing account counts as verified from its
    creation, has no uploaded avatar, is not deleted, and can still log in."""
    from sqlalchemy import text

    from forum.models import User
    from forum.services import accounts
    from tests.factories import make_question

    question = make_question(title="Headset crackles after the driver update")
    question_id = question.id
    db.session.remove()
    downgrade(revision="0011_escalation")
    assert "email_verified_at" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, username, username_lower, email, password_hash, role, reputation,"
            " about, created_at, email_notifications) VALUES (901, 'Maria', 'maria', 'm@example.com',"
            " 'x', 'member', 11, '', '2026-01-01 00:00:00', 'immediate')"))
    upgrade()
    maria = db.session.get(User, 901)
    assert maria.email_verified_at.isoformat() == "2026-01-01T00:00:00"
    assert (maria.avatar_sha256, maria.deleted_at, maria.session_epoch) == (None, None, 0)
    assert accounts.load_user("901") is maria
    from forum.models import Question
    assert db.session.get(Question, question_id).author.is_verified


def test_upgrade_to_0013_keeps_threads_and_they_take_support_cases(app):
    """0013 adds the support desk's four tables beside existing threads; a thread
    from before the upgrade can be escalated to a case after it."""
    from forum.models import SupportCase, User
    from forum.services import cases
    from tests.factories import make_question, make_user

    staff = make_user(role="staff")
    question = make_question(title="Scanner stops after the firmware update")
    question_id, staff_id = question.id, staff.id
    db.session.remove()
    downgrade(revision="0012_accounts")
    assert not {"support_cases", "case_messages", "case_files", "sla_alerts"} & set(
        inspect(db.engine).get_table_names())
    upgrade()
    case = cases.open_case(db.session.get(User, staff_id), question_id, "Which model exactly?")
    assert db.session.get(SupportCase, case.id).question_id == question_id
    assert cases.handled_by_support(question_id)


def test_upgrade_to_0014_keeps_threads_and_they_take_insights(app):
    """0014 adds the search log, "did this solve it" answers and ask sessions beside
    existing threads; a thread from before the upgrade takes feedback after it."""
    from sqlalchemy import text

    from forum.models import ThreadFeedback
    from forum.services import accepting, feedback
    from tests.factories import make_answer, make_question

    question = make_question(title="Scanner stops after the firmware update")
    accepting.accept_answer(question.author, make_answer(question).id)
    question_id = question.id
    db.session.remove()
    downgrade(revision="0013_support_cases")
    assert not {"search_log", "thread_feedback", "ask_sessions"} & set(
        inspect(db.engine).get_table_names())
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM posts WHERE id = :id"),
                            {"id": question_id}).scalar() == "Scanner stops after the firmware update"
    feedback.record("u:1", question_id=question_id, helpful=False, reason="Still stops")
    row = db.session.query(ThreadFeedback).one()
    assert (row.question_id, row.helpful, row.reason) == (question_id, False, "Still stops")


def test_upgrade_to_0015_seeds_products_from_threads_and_they_take_versions(app):
    """0015 adds products, versions and recurring scores beside existing threads;
    the product names threads already carry become rows of the product list, and
    a thread from before the upgrade keeps its product and has no version."""
    from sqlalchemy import text

    from forum.models import Product, Question
    from tests.factories import make_question

    question = make_question(title="Scanner stops after the firmware update",
                             product="AeroScan 300")
    question_id = question.id
    db.session.remove()
    downgrade(revision="0014_insights")
    tables = set(inspect(db.engine).get_table_names())
    assert not {"products", "product_versions", "recurring_scores"} & tables
    assert "product_version" not in {c["name"] for c in inspect(db.engine).get_columns("posts")}
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT product, product_version FROM posts WHERE id = :id"),
                            {"id": question_id}).one() == ("AeroScan 300", None)
    assert [p.name for p in db.session.query(Product)] == ["AeroScan 300"]
    assert db.session.get(Question, question_id).official_version is None


def test_upgrade_to_0016_keeps_official_answers_and_they_become_articles(app):
    """0016 adds the knowledge base's three tables beside existing threads; an
    official answer from before the upgrade can be promoted and published after it."""
    from forum.models import Answer, Article, User
    from forum.services import knowledge_base, official
    from tests.factories import make_answer, make_question, make_user

    writer, reviewer = make_user(role="staff"), make_user(role="staff")
    question = make_question(title="Headset microphone silent after the driver update")
    answer = make_answer(question, body="Reinstall the audio driver 6.2 and reboot twice.")
    official.mark_official(writer, answer.id)
    ids = answer.id, writer.id, reviewer.id
    question_id = question.id
    db.session.remove()
    downgrade(revision="0015_products")
    assert not {"kb_articles", "kb_revisions", "kb_sources"} & set(
        inspect(db.engine).get_table_names())
    upgrade()
    answer_id, writer_id, reviewer_id = ids
    assert db.session.get(Answer, answer_id).is_official
    article, created = knowledge_base.promote_answer(db.session.get(User, writer_id), answer_id)
    knowledge_base.submit_for_review(db.session.get(User, writer_id), article.id)
    knowledge_base.publish(db.session.get(User, reviewer_id), article.id)
    db.session.expire_all()
    row = db.session.get(Article, article.id)
    assert created and row.state == "published"
    assert row.title == "Headset microphone silent after the driver update"
    assert knowledge_base.article_for_thread(question_id).id == article.id
