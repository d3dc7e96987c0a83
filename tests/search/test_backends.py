"""The same behaviour from every search backend: Whoosh always, PostgreSQL when
TEST_DATABASE_URL is set (on the migrated test database)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from search import MARK_END, MARK_START, IndexUnavailable, Query, ThreadDoc, snippet_html
from search.whoosh_index import WhooshIndex
from tests.conftest import PG_URL

BASE = datetime(2026, 1, 1, 12, 0, 0)
STUB_POSTS = 300     # search_threads.id references posts.id: rows for ids 1..STUB_POSTS

BACKENDS = [
    "whoosh",
    pytest.param("postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")]),
]


def stub_posts(url: str, count: int = STUB_POSTS) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, username, username_lower, email, password_hash, role,"
            " reputation, about, created_at) VALUES (1, 'Stub', 'stub', 'stub@example.com', 'x',"
            " 'member', 1, '', '2026-01-01 00:00:00') ON CONFLICT DO NOTHING"))
        conn.execute(text(
            "INSERT INTO posts (id, type, author_id, body, body_html, score, comment_count,"
            " created_at, title, slug, status, answer_count, last_activity_at, view_count)"
            " SELECT n, 'question', 1, 'stub', '<p>stub</p>', 0, 0, '2026-01-01 00:00:00',"
            " 'Stub ' || n, 'stub-' || n, 'open', 0, '2026-01-01 00:00:00', 0"
            " FROM generate_series(1, :count) AS n ON CONFLICT DO NOTHING"), {"count": count})
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def index(request, tmp_path):
    if request.param == "whoosh":
        yield WhooshIndex(tmp_path / "ix")
        return
    from search.postgres_index import PostgresIndex

    url = request.getfixturevalue("database_url")   # migrated; truncated after the test
    stub_posts(url)
    ix = PostgresIndex(url)
    ix.clear()
    yield ix
    ix.close()


def doc(id: int, title: str = "", body: str = "", **kw) -> ThreadDoc:
    kw.setdefault("created_at", BASE)
    kw.setdefault("activity_at", kw["created_at"])
    return ThreadDoc(id=id, title=title, body=body, **kw)


def q(*terms: str, **kw) -> Query:
    return Query(raw=" ".join(terms), terms=terms, **kw)


def ids(index, query: Query, sort: str = "relevance", **kw) -> list[int]:
    return [h.id for h in index.search(query, sort=sort, **kw).hits]


# -- ranking and matching ------------------------------------------------------------

def test_title_match_ranks_above_body_only_match(index):
    index.upsert_many([
        doc(1, "Scanner makes a grinding noise", "Since the update my printer shows offline."),
        doc(2, "Printer shows offline", "It started yesterday after I moved the desk."),
        doc(3, "Keyboard lag", "Nothing to do with it."),
    ])
    assert ids(index, q("printer")) == [2, 1]


def test_stemming_finds_other_forms(index):
    index.upsert_many([doc(1, "Two printers jammed", "Both printing trays stuck."),
                       doc(2, "Mouse", "Nothing here.")])
    assert ids(index, q("printer")) == [1]
    assert ids(index, q("printed")) == [1]
    index.upsert_many([doc(3, "My printer", "One of them.")])
    assert sorted(ids(index, q("printers"))) == [1, 3]


def test_more_matching_words_rank_higher_and_any_word_may_match(index):
    index.upsert_many([
        doc(1, "Printer driver", "The driver crashes."),
        doc(2, "Printer driver queue", "The driver crashes and the queue stalls."),
        doc(3, "Queue", "Only the queue."),
    ])
    found = ids(index, q("printer", "driver", "queue"))
    assert found[0] == 2
    assert sorted(found) == [1, 2, 3]


def test_phrase_must_match_in_order(index):
    index.upsert_many([
        doc(1, "Help", "My printer offline since the update."),
        doc(2, "Help", "Offline printer since the update."),
        doc(3, "Help", "The printer drivers stay offline."),
    ])
    assert ids(index, Query(raw='"printer offline"', phrases=("printer offline",))) == [1]
    # a word and a phrase: the phrase must hold
    assert ids(index, q("update", phrases=("printer offline",))) == [1]


def test_excluded_words_and_phrases_must_not_match(index):
    index.upsert_many([
        doc(1, "Printer offline over wifi", "The wifi printer drops."),
        doc(2, "Printer offline over usb", "The usb cable is fine."),
        doc(3, "Printer paper jam", "A paper jam every morning."),
    ])
    assert sorted(ids(index, q("printer", excluded=("wifi",)))) == [2, 3]
    assert sorted(ids(index, q("printer", excluded=("paper jam",)))) == [1, 2]
    assert sorted(ids(index, Query(raw="-wifi", excluded=("wifi",)))) == [2, 3]


def test_accepted_answers_rank_above_other_answers(index):
    index.upsert_many([
        doc(1, "Cannot print", "It just sits there.", answers=("Restart the spooler service.",)),
        doc(2, "Cannot print", "It just sits there.",
            top_answers=("Restart the spooler service.",)),
    ])
    assert ids(index, q("spooler")) == [2, 1]


def test_only_stop_words_find_nothing(index):
    index.upsert_many([doc(1, "The printer of the office", "It is what it is.")])
    results = index.search(q("the", "of"))
    assert results.total == 0
    assert results.hits == []


# -- filters -------------------------------------------------------------------------

def test_tag_product_and_user_filters(index):
    index.upsert_many([
        doc(1, "Wifi drops", "Drops.", tags=("wifi", "windows"), product="aerobook", author="maria"),
        doc(2, "Wifi slow", "Slow.", tags=("wifi",), product="zenbook", author="li"),
        doc(3, "Wifi gone", "Gone.", tags=("windows",), product="aerobook", author="sam"),
        doc(4, "Battery", "Drains.", tags=("battery",), product="other", author="maria"),
    ])
    assert sorted(ids(index, q("wifi", tags=("wifi",)))) == [1, 2]
    assert ids(index, q("wifi", tags=("wifi", "windows"))) == [1]       # all tags must hold
    assert sorted(ids(index, Query(tags=("windows",)))) == [1, 3]        # a filter alone
    assert sorted(ids(index, q("wifi", products=("aerobook", "zenbook")))) == [1, 2, 3]
    assert ids(index, q("wifi", products=("zenbook",))) == [2]
    assert sorted(ids(index, Query(users=("maria", "li")))) == [1, 2, 4]  # any of the users
    assert ids(index, q("wifi", users=("maria",))) == [1]


@pytest.mark.parametrize("flag, expected", [
    ("solved", [1, 2]), ("unsolved", [3, 4]), ("official", [2]), ("known", [3]),
    ("unanswered", [4]), ("open", [1, 2, 4]), ("closed", [3]),
])
def test_each_is_flag(index, flag, expected):
    index.upsert_many([
        doc(1, "Router one", "x", solved=True, answer_count=2),
        doc(2, "Router two", "x", solved=True, official=True, answer_count=1),
        doc(3, "Router three", "x", known=True, status="closed", answer_count=3),
        doc(4, "Router four", "x", answer_count=0),
    ])
    assert sorted(ids(index, q("router", flags=frozenset({flag})))) == expected
    assert sorted(ids(index, Query(flags=frozenset({flag})))) == expected


# -- sorting, paging, facets ---------------------------------------------------------

def test_sorts(index):
    index.upsert_many([
        doc(1, "Router resets", "x", created_at=BASE, activity_at=BASE + timedelta(days=9), score=5),
        doc(2, "Router resets", "x", created_at=BASE + timedelta(days=2),
            activity_at=BASE + timedelta(days=3), score=-1),
        doc(3, "Router resets", "x", created_at=BASE + timedelta(days=1),
            activity_at=BASE + timedelta(days=1), score=12),
    ])
    assert ids(index, q("router"), sort="newest") == [2, 3, 1]
    assert ids(index, q("router"), sort="votes") == [3, 1, 2]
    assert ids(index, q("router"), sort="activity") == [1, 2, 3]
    # no words to rank by: relevance means latest activity
    assert ids(index, Query(flags=frozenset({"open"}))) == [1, 2, 3]


def test_pagination_and_total(index):
    index.upsert_many([doc(i, f"Router problem {i}", "x", created_at=BASE + timedelta(hours=i))
                       for i in range(1, 26)])
    pages = [index.search(q("router"), sort="newest", page=p, per_page=10) for p in (1, 2, 3, 4)]
    assert [r.total for r in pages] == [25, 25, 25, 25]
    assert [len(r.hits) for r in pages] == [10, 10, 5, 0]
    seen = [h.id for r in pages for h in r.hits]
    assert seen == list(range(25, 0, -1))


def test_tag_facets_count_the_whole_match_set(index):
    tags = [("wifi", "windows"), ("wifi",), ("wifi", "printer"), ("printer",), ("usb",)]
    index.upsert_many([doc(i, f"Problem {i}", "x", tags=t) for i, t in enumerate(tags, 1)])
    index.upsert_many([doc(9, "Unrelated", "y", tags=("wifi",))])
    results = index.search(q("problem"), per_page=1)
    assert results.total == 5
    assert results.facets == [("wifi", 3), ("printer", 2), ("usb", 1), ("windows", 1)]


# -- snippets, suggestions, similar --------------------------------------------------

def test_snippet_marks_matches_and_keeps_markup_as_text(index):
    index.upsert_many([doc(1, "Queue stuck",
                           "Since Tuesday my printer <script>alert(1)</script> shows offline.")])
    [hit] = index.search(q("printers")).hits
    assert f"{MARK_START}printer{MARK_END}" in hit.snippet
    assert "<script>alert(1)</script>" in hit.snippet      # plain text, as written
    html = str(snippet_html(hit.snippet))
    assert "<mark>printer</mark>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_snippet_without_a_body_match_is_the_start_of_the_body(index):
    index.upsert_many([doc(1, "Printer offline", "Since Tuesday nothing prints at all.")])
    [hit] = index.search(q("printer")).hits
    assert hit.snippet == "Since Tuesday nothing prints at all."
    [hit] = index.search(Query(flags=frozenset({"open"}))).hits     # no words at all
    assert hit.snippet == "Since Tuesday nothing prints at all."


def test_did_you_mean(index):
    index.upsert_many([doc(1, "Printer offline after update", "The spooler stops."),
                       doc(2, "Scanner noise", "Grinding.")])
    results = index.search(q("printr"))
    assert results.total == 0
    assert results.suggestion == "printer"
    assert index.search(q("printr", "offline")).suggestion == "printer offline"
    assert index.search(q("printer")).suggestion is None           # nothing to correct
    # a correction that would still find nothing is not offered
    assert index.search(q("printr", phrases=("zebra crossing",))).suggestion is None


def test_did_you_mean_follows_edits(index):
    index.upsert_many([doc(1, "Printer offline", "x")])
    index.upsert_many([doc(1, "Scanner offline", "x")])
    assert index.search(q("scanr")).suggestion == "scanner"
    assert index.search(q("printr")).suggestion is None


def test_similar_titles(index):
    index.upsert_many([
        doc(1, "Scanner makes grinding noise", "Since the update."),
        doc(2, "Printer offline after the Windows update", "It shows offline."),
        doc(3, "Update broke my wifi", "The printer is fine."),
        doc(4, "Battery drains", "Overnight."),
    ])
    hits = index.similar("Printer is offline since update", limit=5)
    assert hits[0].id == 2
    assert 4 not in [h.id for h in hits]
    assert len(index.similar("Printer is offline since update", limit=1)) == 1
    assert index.similar("the of and") == []


# -- writing -------------------------------------------------------------------------

def test_apply_upserts_and_deletes(index):
    store = {1: doc(1, "Printer offline", "x"), 2: doc(2, "Scanner noise", "y")}

    def load(wanted):
        return {i: store.get(i) for i in wanted}

    index.apply([1, 2], load)
    assert index.count() == 2
    store[2] = doc(2, "Scanner grinding", "y")
    index.apply({2}, load)
    assert ids(index, q("grinding")) == [2]
    assert ids(index, q("noise")) == []
    del store[1]                      # the loader says None: no longer indexable
    index.apply([1], load)
    assert index.count() == 1
    assert ids(index, q("printer")) == []


def test_upsert_many_delete_count_clear(index):
    assert index.upsert_many(doc(i, f"Router {i}", "x") for i in range(1, 41)) == 40
    assert index.count() == 40
    index.upsert_many([doc(5, "Router five again", "x")])
    assert index.count() == 40
    index.delete(5)
    index.delete(5)                   # deleting what is gone is fine
    assert index.count() == 39
    index.clear()
    assert index.count() == 0
    assert index.search(q("router")).total == 0


def test_apply_loads_under_the_lock_so_the_last_writer_wins(index):
    """Writer A reads the database, then takes a while; writer B, started after
    the second version was committed, must not be overwritten by A's stale doc."""
    database = {"title": "First version of the router thread"}
    reading = threading.Event()
    errors: list[BaseException] = []

    def slow_load(wanted):
        title = database["title"]
        reading.set()
        time.sleep(0.5)
        return {i: doc(i, title, "x") for i in wanted}

    def load(wanted):
        return {i: doc(i, database["title"], "x") for i in wanted}

    def writer_a():
        try:
            index.apply([7], slow_load)
        except BaseException as e:  # noqa: BLE001  (asserted below)
            errors.append(e)

    a = threading.Thread(target=writer_a)
    a.start()
    assert reading.wait(10)
    database["title"] = "Second version of the router thread"
    index.apply([7], load)
    a.join(20)
    assert not errors
    assert ids(index, q("second")) == [7]
    assert ids(index, q("first")) == []


def test_writes_during_a_bulk_load_are_written_again_afterwards(index):
    """A reindex reads its documents without the threads' locks: a thread changed
    (and applied) meanwhile is queued, and the next apply() writes it again."""
    if hasattr(index, "lock_timeout"):
        index.lock_timeout = 0.2      # Whoosh: the bulk load holds the writer lock
    database = {"title": "Router firmware old"}

    def load(wanted):
        return {i: doc(i, database["title"], "x") for i in wanted}

    def docs():
        yield doc(1, database["title"], "x")         # read before the change ...
        database["title"] = "Router firmware new"    # ... which commits now,
        writer = threading.Thread(target=index.apply, args=([1], load))   # and syncs
        writer.start()
        writer.join(10)
        yield doc(2, "Switch", "y")

    assert index.upsert_many(docs()) == 2
    index.apply(set(), load)        # what a reindex does when it is done
    assert ids(index, q("new")) == [1]
    assert ids(index, q("old")) == []
    assert index.pending() == set()


# -- PostgreSQL only -----------------------------------------------------------------

pg_only = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture
def pg_index(database_url):
    from search.postgres_index import PostgresIndex

    stub_posts(database_url)
    ix = PostgresIndex(database_url)
    ix.clear()
    yield ix
    ix.close()


@pg_only
@pytest.mark.postgres
def test_postgres_missing_tables_are_index_unavailable(database_url):
    from search.postgres_index import PostgresIndex

    ix = PostgresIndex(f"{database_url}?options=-csearch_path%3Dno_such_schema")
    for call in (ix.count, lambda: ix.search(q("printer")), lambda: ix.similar("printer"),
                 lambda: ix.upsert_many([doc(1, "x")]), lambda: ix.apply([1], lambda w: {})):
        with pytest.raises(IndexUnavailable, match="search_(threads|pending)"):
            call()
    ix.close()


@pg_only
@pytest.mark.postgres
def test_postgres_unreachable_database_is_index_unavailable():
    from search.postgres_index import PostgresIndex

    ix = PostgresIndex("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(IndexUnavailable):
        ix.search(q("printer"))
    ix.close()


def test_postgres_backend_refuses_other_databases():
    from search.postgres_index import PostgresIndex

    with pytest.raises(ValueError, match="PostgreSQL"):
        PostgresIndex("sqlite:///crowdfix.db")


@pg_only
@pytest.mark.postgres
def test_postgres_batches_skip_missing_posts_and_follow_deletes(pg_index, database_url,
                                                                monkeypatch):
    import search.postgres_index as pg

    monkeypatch.setattr(pg, "BATCH", 7)
    docs = [doc(i, f"Router {i}", "x", tags=("router",)) for i in range(1, 31)]
    assert pg_index.upsert_many([*docs, doc(STUB_POSTS + 5, "Router ghost", "x")]) == 30
    assert pg_index.count() == 30
    by_id = {d.id: d for d in docs}
    pg_index.apply(range(1, 31), lambda wanted: {i: by_id[i] if i <= 20 else None for i in wanted})
    assert pg_index.count() == 20
    engine = create_engine(database_url)
    with engine.begin() as conn:
        assert conn.execute(text(
            "SELECT ndoc FROM search_words WHERE word = 'router'")).scalar_one() == 20
        conn.execute(text("DELETE FROM posts WHERE id = 3"))   # the index row goes with it
    engine.dispose()
    assert pg_index.count() == 19


@pg_only
@pytest.mark.postgres
def test_postgres_busy_thread_is_queued_then_written(pg_index, database_url, monkeypatch):
    import search.postgres_index as pg

    monkeypatch.setattr(pg, "LOCK_TIMEOUT", "200ms")
    engine = create_engine(database_url)
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_xact_lock(:ns, 5)"), {"ns": pg.LOCK_NAMESPACE})
        pg_index.apply([4, 5], lambda wanted: {i: doc(i, f"Router {i}", "x") for i in wanted})
        assert pg_index.pending() == {4, 5}
        assert pg_index.count() == 0
        holder.rollback()
    engine.dispose()
    pg_index.apply([], lambda wanted: {i: doc(i, f"Router {i}", "x") for i in wanted})
    assert pg_index.pending() == set()
    assert sorted(ids(pg_index, q("router"))) == [4, 5]


@pg_only
@pytest.mark.postgres
def test_postgres_phrase_does_not_span_fields(pg_index):
    pg_index.upsert_many([doc(1, "My printer", "Offline since Monday.")])
    assert ids(pg_index, Query(phrases=("printer offline",))) == []
    assert ids(pg_index, q("printer", "offline")) == [1]


@pg_only
@pytest.mark.postgres
def test_postgres_odd_input_is_safe(pg_index):
    pg_index.upsert_many([doc(1, "Error 0x80070005 & c++ 'quotes' \\ back\x00slash",
                              "Body with \x02 markers \x03 and NUL \x00.")])
    for word in ("0x80070005", "c++", "'quotes'", "\\", "&", "|", "!", "<->", ":*", "(", "'"):
        pg_index.search(q(word))
        pg_index.search(Query(phrases=(f"{word} {word}",), excluded=(word,)))
    assert ids(pg_index, q("0x80070005")) == [1]
    [hit] = pg_index.search(q("markers")).hits
    assert hit.snippet.count(MARK_START) == hit.snippet.count(MARK_END) == 1


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_postgres_reads_the_statistics_of_its_own_schema(request):
    """Another schema with a search_threads table of its own (a staging copy, the
    load benchmark's sizes) once made every search fail over to the title fallback."""
    from search.postgres_index import PostgresIndex

    url = request.getfixturevalue("database_url")
    stub_posts(url)
    ix = PostgresIndex(url)
    ix.clear()
    ix.upsert_many([doc(i, f"Printer driver crash {i}", "The spooler restarts.") for i in range(1, 40)])
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS crowdfix_other CASCADE"))
        conn.execute(text("CREATE SCHEMA crowdfix_other"))
        conn.execute(text("CREATE TABLE crowdfix_other.search_threads AS TABLE search_threads"))
        conn.execute(text("ANALYZE crowdfix_other.search_threads"))
        conn.execute(text("ANALYZE search_threads"))
    try:
        assert len(ids(ix, q("printer"), per_page=50)) == 39
        assert len(ix.similar("Printer driver crash", limit=5)) == 5
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA crowdfix_other CASCADE"))
        engine.dispose()
        ix.close()
