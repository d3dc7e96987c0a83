"""SQLite as a multi-worker server uses it: write-ahead logging, writers that wait
for each other instead of failing with "database is locked"."""

import pytest
from sqlalchemy import func, select, text

from forum.extensions import SQLITE_BUSY_TIMEOUT_MS, db
from forum.models import Post, Vote
from tests.conftest import PG_URL
from tests.factories import make_question, make_user
from tests.unit.test_concurrency import assert_reputation_matches_ledger, run_concurrently

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite only")


def test_connections_use_wal_and_wait_for_the_writer(app):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS


def test_concurrent_votes_on_sqlite_all_land(app):
    question = make_question(make_user())
    voters = [make_user(reputation_points=200) for _ in range(16)]
    errors = run_concurrently(app, [(v.id, question.id, -1 if i % 4 == 0 else 1)
                                    for i, v in enumerate(voters)])
    assert errors == []
    db.session.expire_all()
    total = db.session.scalar(select(func.sum(Vote.value)).where(Vote.post_id == question.id))
    assert db.session.get(Post, question.id).score == total == 8
    assert_reputation_matches_ledger()
