"""The PostgreSQL backend: full-text search in the forum's own database.

Each thread is one row of `search_threads` (created by migration
0003_postgres_search, PostgreSQL only; it is no ORM model, hence the `search_`
prefix) whose `document` is a weighted `tsvector` under a GIN index, computed by
this backend on every write (`heading`, title and tags alone, serves similar()):

    A  title      B  tags      C  question body, accepted/official answers
    D  other answers

Ranking sums, over the query's words, each word's `ts_rank` with `WEIGHTS`
({D, C, B, A}: title over tags over body over answers), saturated and weighted by
the word's BM25 idf (see COMMON_FRACTION below: ts_rank alone has no idf, and
ranked related threads worse than a plain BM25 baseline).
Queries are built from the `Query`'s words by PostgreSQL itself
(`plainto_tsquery` for a word, `phraseto_tsquery` for a phrase, both safe for any
input) under the 'english' configuration, so "printers" finds "printer".
Snippets come from `ts_headline` with the `search` markers as StartSel/StopSel:
plain text, never HTML.

"Did you mean" reads `search_words` (the unstemmed words of titles and tags with
the number of threads that have each; trigram-indexed), kept in step on write.

Writers take a transaction-scoped advisory lock per thread id, in ascending
order, before they read anything: `apply()` calls the loader only once it holds
the locks of its threads, so the last writer always indexes the latest committed
state. As in the Whoosh backend, nothing is lost when that cannot be done right
away: ids whose lock stays busy, and ids changed while a bulk load
(`upsert_many`, i.e. a reindex, whose documents were read without the locks)
runs, go to `search_pending`, which the next `apply()` writes again.
Every database failure reaches the caller as `IndexUnavailable`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from psycopg.errors import LockNotAvailable
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from search import (
    MARK_END,
    MARK_START,
    PRIOR_VOTES,
    PRIOR_WEIGHT,
    RELAX_BELOW,
    STRICT_BONUS,
    Hit,
    IndexUnavailable,
    Loader,
    Results,
    ThreadDoc,
)
from search.query import Query
from search.text import edit_distance, folded_text, highlight, lead

log = logging.getLogger(__name__)

CONFIG = "english"
WEIGHTS = "{0.2, 0.4, 0.6, 1.0}"            # D (answers), C (body, top answers), B (tags), A (title)
# Ranking words: PostgreSQL's ts_rank has no inverse document frequency, so a common
# word counts as much as a rare one. Each word's rank is weighted by its BM25 idf,
# from the lexeme frequencies ANALYZE keeps for the tsvector column, and saturates
# (normalisation 32: r / (r + 1)) as BM25's term frequency does. Words in more than
# COMMON_FRACTION of the threads are left out when rarer ones are there, and only
# the MAX_MATCH_WORDS rarest are kept (a pasted title costs what a few words cost).
COMMON_FRACTION = 0.3
MAX_MATCH_WORDS = 8
COMMON_MIN_DOCS = 2_000
STATS_SECONDS = 300.0
# similar(): on the related-question pairs (tests/bench/search_quality.py) the 3
# rarest title words choose better than 8 (Recall@10 0.195 vs 0.185, MRR@10 0.081 vs
# 0.079) and every word (0.178 / 0.074), at a third of the time of 8 at 100k threads.
SIMILAR_MATCH_WORDS = 3
SIMILAR_WEIGHTS = "{0, 0.15, 0.3, 1.0}"     # like Whoosh's similar(): title doubled, no answers
RANK_POOL = 200          # matches given the full rank (the best by one ts_rank)
RANK_NORMALIZATION = 32                    # r / (r + 1): saturates like BM25's tf
MAX_FIELD_CHARS = 100_000
SNIPPET_CHARS = 4_000
BATCH = 500                                 # threads per write transaction
BATCH_CHARS = 8_000_000                     # ... or fewer, when they are long
LOCK_NAMESPACE = 0x5EA7C4                   # first key of pg_advisory_xact_lock(int, int)
LOCK_TIMEOUT = "30s"
SEARCH_TIMEOUT = "10s"
MAX_ID = 2**31 - 1                          # posts.id is an integer
# Between fields, so that a phrase cannot match across the end of the title and
# the start of the body: stop words are dropped but still advance the position.
FIELD_GAP = "a a a a "
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ue000]")

_DOC_COLUMNS = ("id int, title text, tags text[], product text, author text, status text, "
                "solved bool, official bool, known bool, unanswered bool, duplicate_of int, "
                "score int, answer_count int, created_at timestamp, activity_at timestamp, "
                "snippet text, words text[], ftitle text, ftags text, tparts text, fbody text, "
                "ftop text, fanswers text, parts text")

_UPSERT = text(f"""
INSERT INTO search_threads AS s (id, title, tags, product, author, status, solved, official,
    known, unanswered, duplicate_of, score, answer_count, created_at, activity_at, snippet,
    words, heading, document)
SELECT d.id, d.title, d.tags, d.product, d.author, d.status, d.solved, d.official, d.known,
    d.unanswered, d.duplicate_of, d.score, d.answer_count, d.created_at, d.activity_at,
    d.snippet, d.words,
    setweight(to_tsvector('{CONFIG}', d.ftitle), 'A')
    || setweight(to_tsvector('{CONFIG}', '{FIELD_GAP}' || d.ftags || ' ' || d.tparts), 'B'),
    setweight(to_tsvector('{CONFIG}', d.ftitle), 'A')
    || setweight(to_tsvector('{CONFIG}', '{FIELD_GAP}' || d.ftags || ' ' || d.tparts), 'B')
    || setweight(to_tsvector('{CONFIG}', '{FIELD_GAP}' || d.fbody), 'C')
    || setweight(to_tsvector('{CONFIG}', '{FIELD_GAP}' || d.ftop), 'C')
    || setweight(to_tsvector('{CONFIG}', '{FIELD_GAP}' || d.fanswers), 'D')
    || setweight(to_tsvector('{CONFIG}', '{FIELD_GAP}' || d.parts), 'D')
FROM jsonb_to_recordset(CAST(:docs AS jsonb)) AS d({_DOC_COLUMNS})
WHERE EXISTS (SELECT 1 FROM posts p WHERE p.id = d.id)
ORDER BY d.id
ON CONFLICT (id) DO UPDATE SET
    title = EXCLUDED.title, tags = EXCLUDED.tags, product = EXCLUDED.product,
    author = EXCLUDED.author, status = EXCLUDED.status, solved = EXCLUDED.solved,
    official = EXCLUDED.official, known = EXCLUDED.known, unanswered = EXCLUDED.unanswered,
    duplicate_of = EXCLUDED.duplicate_of, score = EXCLUDED.score,
    answer_count = EXCLUDED.answer_count, created_at = EXCLUDED.created_at,
    activity_at = EXCLUDED.activity_at, snippet = EXCLUDED.snippet, words = EXCLUDED.words,
    heading = EXCLUDED.heading, document = EXCLUDED.document
RETURNING s.id
""")

_LOCK = text("SELECT pg_advisory_xact_lock(:ns, u.id) "
             "FROM unnest(CAST(:ids AS int[])) WITH ORDINALITY AS u(id, n) ORDER BY u.n")
# Key 0 of the namespace (thread ids start at 1): held by a bulk load for its whole
# run, shared by each apply() transaction.
_TAKE_BULK = text("SELECT set_config('lock_timeout', :t, true), pg_advisory_lock(:ns, 0)")
_DROP_BULK = text("SELECT pg_advisory_unlock(:ns, 0)")
_SHARE_BULK = text("SELECT pg_try_advisory_xact_lock_shared(:ns, 0)")
_TIMEOUTS = text("SELECT set_config('lock_timeout', :t, true), "
                 "set_config('statement_timeout', '300s', true)")
_QUEUE = text("INSERT INTO search_pending (id) SELECT unnest(CAST(:ids AS int[])) "
              "ON CONFLICT DO NOTHING")
_DRAIN = text("DELETE FROM search_pending WHERE id IN "
              "(SELECT id FROM search_pending FOR UPDATE SKIP LOCKED) RETURNING id")
_OLD_WORDS = text("SELECT words FROM search_threads WHERE id = ANY(CAST(:ids AS int[]))")
_DELETE = text("DELETE FROM search_threads WHERE id = ANY(CAST(:ids AS int[])) RETURNING words")
_COUNT_WORDS = text("""
INSERT INTO search_words AS w (word, ndoc)
SELECT u.word, u.n FROM unnest(CAST(:words AS text[]), CAST(:deltas AS int[]))
    WITH ORDINALITY AS u(word, n, i)
ORDER BY u.i
ON CONFLICT (word) DO UPDATE SET ndoc = w.ndoc + EXCLUDED.ndoc
""")
_TSQUERIES = text(f"""
SELECT set_config('statement_timeout', :timeout, true),
    ARRAY(SELECT plainto_tsquery('{CONFIG}', x)::text
          FROM unnest(CAST(:terms AS text[])) WITH ORDINALITY AS u(x, n) ORDER BY n),
    ARRAY(SELECT phraseto_tsquery('{CONFIG}', x)::text
          FROM unnest(CAST(:phrases AS text[])) WITH ORDINALITY AS u(x, n) ORDER BY n),
    ARRAY(SELECT phraseto_tsquery('{CONFIG}', x)::text
          FROM unnest(CAST(:excluded AS text[])) WITH ORDINALITY AS u(x, n) ORDER BY n)
""")
_SIMILAR_LEXEMES = text(f"""
SELECT set_config('statement_timeout', :timeout, true),
    ARRAY(SELECT '(' || plainto_tsquery('simple', v.lexeme)::text || ')'
          FROM unnest(to_tsvector('{CONFIG}', :title)) AS v
          ORDER BY v.positions[1] LIMIT 24),
    ARRAY(SELECT v.lexeme FROM unnest(to_tsvector('{CONFIG}', :title)) AS v
          ORDER BY v.positions[1] LIMIT 24)
""")
# Candidates by title and tags (a small vector), then ranked on the whole thread.
_SIMILAR = text("""
WITH c AS (
    SELECT id FROM search_threads WHERE heading @@ CAST(:q AS tsquery)
    ORDER BY ts_rank_cd(CAST(:weights AS float4[]), heading, CAST(:q AS tsquery)) DESC, id DESC
    LIMIT :candidates
)
SELECT id, rank FROM (
    SELECT s.id, ts_rank_cd(CAST(:weights AS float4[]), s.document, CAST(:q AS tsquery), 32) AS rank
    FROM c JOIN search_threads s ON s.id = c.id
) AS r
ORDER BY rank DESC, id DESC LIMIT :limit
""")
# Too few titles alike: the threads that have the words anywhere but in answers.
_SIMILAR_BODIES = text("""
SELECT id, rank FROM (
    SELECT id, ts_rank_cd(CAST(:weights AS float4[]), document, CAST(:q AS tsquery), 32) AS rank
    FROM search_threads
    WHERE document @@ CAST(:q AS tsquery) AND id <> ALL(CAST(:found AS int[]))
) AS r
WHERE rank > 0 ORDER BY rank DESC, id DESC LIMIT :limit
""")
_PREFER_INDEX = text("SELECT set_config('enable_seqscan', 'off', true)")
_ANALYZE = text("ANALYZE search_threads")
# The statistics of the search_threads the search_path finds: a database may hold
# several schemas with one each (staging copies, the load benchmark's sizes).
_STATS = text("""
WITH t AS (SELECT c.reltuples, n.nspname FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.oid = 'search_threads'::regclass)
SELECT (SELECT greatest(reltuples, 0)::bigint FROM t),
       (SELECT most_common_elems::text::text[] FROM pg_stats, t
         WHERE schemaname = t.nspname AND tablename = 'search_threads' AND attname = 'document'),
       (SELECT most_common_elem_freqs FROM pg_stats, t
         WHERE schemaname = t.nspname AND tablename = 'search_threads' AND attname = 'document')
""")
_LEXEMES = text(f"""
SELECT ARRAY(SELECT array_to_string(tsvector_to_array(to_tsvector('{CONFIG}', x)), ' ')
             FROM unnest(CAST(:terms AS text[])) WITH ORDINALITY AS u(x, n) ORDER BY n)
""")
_KNOWN_WORDS = text("SELECT word FROM search_words "
                    "WHERE word = ANY(CAST(:words AS text[])) AND ndoc > 0")
_CANDIDATES = text("""
(SELECT word, ndoc FROM search_words WHERE word % :term AND ndoc > 0
 ORDER BY similarity(word, :term) DESC, ndoc DESC LIMIT 30)
UNION
(SELECT word, ndoc FROM search_words
 WHERE word >= :prefix AND word < :prefix_end AND ndoc > 0
   AND length(word) BETWEEN :shortest AND :longest
 ORDER BY ndoc DESC LIMIT 300)
""")
_ANY_MATCH = text("SELECT EXISTS (SELECT 1 FROM search_threads "
                  "WHERE document @@ CAST(:match AS tsquery))")

# search.prior(doc) from the row's columns.
_PRIOR_SQL = (f"(0.4 * s.solved::int + 0.3 * s.official::int + 0.3 * least(1.0, "
              f"ln(1 + greatest(s.score, 0)) / ln({1 + PRIOR_VOTES})))")

_SORTS = {     # by the columns of a row "{t}"
    "newest": "{t}.created_at DESC, {t}.id DESC",
    "votes": "{t}.score DESC, {t}.id DESC",
    "activity": "{t}.activity_at DESC, {t}.id DESC",
    "relevance": "{t}.rank DESC, {t}.activity_at DESC, {t}.id DESC",
}
_FLAGS = {
    "solved": "s.solved", "unsolved": "NOT s.solved", "official": "s.official",
    "known": "s.known", "unanswered": "s.unanswered",
    "open": "s.status = 'open'", "closed": "s.status = 'closed'",
}


def _clean(value: str | None, limit: int = MAX_FIELD_CHARS) -> str:
    """Text PostgreSQL accepts (no NUL), without control characters that could be
    taken for snippet markers."""
    return _CONTROL.sub(" ", (value or "")[:limit])


def _utc(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def _words(doc: ThreadDoc) -> list[str]:
    """Unstemmed words of the title and tags as the index has them (folded), and
    the tags themselves, for "did you mean"."""
    tags = [t.lower() for t in doc.tags]
    found = folded_text(" ".join([doc.title[:2_000], *tags]))[0].split() + tags
    return sorted({w for w in found if 2 <= len(w) <= 60})[:200]


def _folded(doc: ThreadDoc) -> dict[str, str]:
    """The texts PostgreSQL analyses, folded as `search.text` folds the query's
    words (wi-fi -> wifi); the parts of technical tokens go in a section of
    their own so that phrases still line up."""
    title, tparts = folded_text(_clean(doc.title))
    body, bparts = folded_text(_clean(doc.body))
    top, top_parts = folded_text(_clean("\n\n".join(doc.top_answers)))
    answers, answer_parts = folded_text(_clean("\n\n".join(doc.answers)))
    return {"ftitle": title, "tparts": tparts,
            "ftags": folded_text(" ".join(_clean(t, 100) for t in doc.tags))[0],
            "fbody": body, "ftop": top, "fanswers": answers,
            "parts": " ".join(filter(None, (bparts, top_parts, answer_parts)))[:MAX_FIELD_CHARS]}



def _any(parts: Sequence[str]) -> str:
    return " | ".join(f"( {p} )" for p in parts)


def _all(parts: Sequence[str]) -> str:
    return " & ".join(f"( {p} )" for p in parts)


def normalise_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class PostgresIndex:
    def __init__(self, database_url: str):
        try:
            url = make_url(normalise_url(str(database_url)))
        except ArgumentError as e:
            raise ValueError(f"The postgres search backend cannot use {database_url!r}: {e}") from e
        if url.get_backend_name() != "postgresql":
            raise ValueError("SEARCH_BACKEND 'postgres' needs a PostgreSQL database, but the "
                             f"database is {url.get_backend_name()!r}; use SEARCH_BACKEND "
                             "'whoosh' with it.")
        # Notices (a query of stop words only) are not worth a log line.
        given = url.query.get("options", "")
        given = " ".join(given) if isinstance(given, tuple) else given
        options = f"-c client_min_messages=warning {given}".strip()
        self.url = url
        # Lazy: no connection until the first call.
        self.engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                                    connect_args={"connect_timeout": 5,
                                                  "options": options})
        self._stats: tuple[float, int, dict[str, float], float] | None = None
        # Close pooled connections when the index goes away, not in the collector.
        self._finalizer = weakref.finalize(self, self.engine.dispose)

    def close(self) -> None:
        """Let go of the pooled connections (the index stays in the database)."""
        self.engine.dispose()

    # -- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _unavailable(self, action: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as e:
            orig = getattr(e, "orig", None) or e
            detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
            hint = ""
            if "search_threads" in detail or "search_words" in detail:
                hint = " (run the migrations: `flask db upgrade`, then `flask search reindex`)"
            log.warning("PostgreSQL search: %s failed: %s", action, detail)
            raise IndexUnavailable(f"The PostgreSQL search index could not {action}: "
                                   f"{detail}{hint}") from e

    @contextmanager
    def _writing(self, action: str) -> Iterator[Connection]:
        with self._unavailable(action), self.engine.begin() as conn:
            conn.execute(_TIMEOUTS, {"t": LOCK_TIMEOUT})
            yield conn

    @staticmethod
    def _lock(conn: Connection, ids: Sequence[int]) -> None:
        """Per-thread write locks, in ascending id order (so writers never deadlock),
        held until the transaction ends."""
        if ids:
            conn.execute(_LOCK, {"ns": LOCK_NAMESPACE, "ids": sorted(ids)})

    @staticmethod
    def _row(doc: ThreadDoc) -> dict:
        return {
            "id": doc.id,
            "title": _clean(doc.title),
            "tags": [_clean(t, 100).lower() for t in doc.tags],
            "product": _clean(doc.product, 200).lower() or None,
            "author": _clean(doc.author, 200).lower(),
            "status": _clean(doc.status, 32) or "open",
            "solved": bool(doc.solved),
            "official": bool(doc.official),
            "known": bool(doc.known),
            "unanswered": doc.answer_count == 0,
            "duplicate_of": doc.duplicate_of if doc.duplicate_of and 0 < doc.duplicate_of <= MAX_ID
            else None,
            "score": max(-(2**31), min(2**31 - 1, int(doc.score))),
            "answer_count": max(0, min(2**31 - 1, int(doc.answer_count))),
            "created_at": _utc(doc.created_at),
            "activity_at": _utc(doc.activity_at),
            "snippet": _clean(doc.body, SNIPPET_CHARS),
            "words": _words(doc),
            **_folded(doc),
        }

    def _write(self, conn: Connection, docs: Sequence[ThreadDoc], deletes: Sequence[int]) -> int:
        """Upsert `docs` and delete `deletes` (whose locks the caller holds), and keep
        the word counts in step. Returns the threads written (a doc whose post no
        longer exists is skipped)."""
        deltas: Counter[str] = Counter()
        if deletes:
            for (words,) in conn.execute(_DELETE, {"ids": sorted(deletes)}):
                deltas.subtract(words or ())
        written = 0
        if docs:
            rows = {doc.id: self._row(doc) for doc in docs}     # the last of a repeated id
            for (words,) in conn.execute(_OLD_WORDS, {"ids": sorted(rows)}):
                deltas.subtract(words or ())
            payload = json.dumps([rows[i] for i in sorted(rows)], ensure_ascii=False)
            stored = {i for (i,) in conn.execute(_UPSERT, {"docs": payload})}
            for thread_id in stored:
                deltas.update(rows[thread_id]["words"])
            written = len(stored)
        changed = sorted(w for w, n in deltas.items() if n)
        if changed:
            conn.execute(_COUNT_WORDS, {"words": changed, "deltas": [deltas[w] for w in changed]})
        return written

    # -- writing --------------------------------------------------------------------

    def apply(self, ids: Iterable[int], load: Loader) -> None:
        """Load and write these threads (and any queued ones) under their locks.

        While a bulk load (`upsert_many`, i.e. a reindex) runs, its documents were
        read without those locks and may be older than what this writes; so the ids
        are also queued, and the first apply() after the bulk load writes them again.
        If a thread's lock cannot be had within LOCK_TIMEOUT, the ids are queued for
        the next writer instead of failing."""
        todo = sorted({i for i in ids if 0 < i <= MAX_ID})
        drained = False
        while True:
            try:
                with self._writing("be updated") as conn:
                    bulk_loading = not conn.execute(_SHARE_BULK, {"ns": LOCK_NAMESPACE}).scalar()
                    if bulk_loading:
                        self._queue(conn, todo)
                    elif not drained:
                        todo = sorted(set(todo) | set(conn.scalars(_DRAIN)))
                        drained = True
                    chunk = todo[:BATCH]
                    if chunk:
                        self._lock(conn, chunk)
                        docs = load(chunk)    # under the locks: the latest committed state
                        found = [d for d in (docs.get(i) for i in chunk) if d is not None]
                        self._write(conn, found, [i for i in chunk if docs.get(i) is None])
            except IndexUnavailable as e:
                if not isinstance(getattr(e.__cause__, "orig", None), LockNotAvailable):
                    self._defer(todo, e)
                    raise
                log.warning("search: threads busy for %s; %d thread(s) queued", LOCK_TIMEOUT,
                            len(todo))
                self._defer(todo, e)
                return
            except BaseException as e:
                self._defer(todo, e)
                raise
            todo = todo[BATCH:]
            if not todo:
                return

    @staticmethod
    def _queue(conn: Connection, ids: Sequence[int]) -> None:
        if ids:
            conn.execute(_QUEUE, {"ids": sorted(ids)})

    def _defer(self, ids: Sequence[int], error: BaseException) -> None:
        """Queue ids whose write failed, in a transaction of its own (best effort: if
        the database cannot take even that, the original error stands)."""
        if not ids:
            return
        try:
            with self.engine.begin() as conn:
                self._queue(conn, ids)
        except SQLAlchemyError:
            log.warning("search: could not queue %d thread(s) after %s", len(ids), error)

    def queue(self, ids: Iterable[int]) -> None:
        """Note these threads as changed (the search_pending table) for the next
        apply(), by any process, to write."""
        todo = sorted({i for i in ids if 0 < i <= MAX_ID})
        with self._unavailable("be queued"), self.engine.begin() as conn:
            self._queue(conn, todo)

    def pending(self) -> set[int]:
        """Thread ids queued for the next apply()."""
        with self._unavailable("be read"), self.engine.connect() as conn:
            return set(conn.scalars(text("SELECT id FROM search_pending")))

    def upsert_many(self, docs: Iterable[ThreadDoc], procs: int = 1) -> int:
        """Write many documents, in batches of their own transactions. Holds the
        bulk-load lock throughout, so that concurrent apply() calls queue their ids
        (these documents were read without the threads' locks)."""
        count = 0
        with self._unavailable("be rebuilt"), self.engine.connect() as conn:
            conn.execute(_TAKE_BULK, {"ns": LOCK_NAMESPACE, "t": LOCK_TIMEOUT})
            conn.commit()     # the lock is the session's: it outlives the transactions
            try:
                batch: list[ThreadDoc] = []
                chars = 0
                for doc in docs:
                    if not 0 < doc.id <= MAX_ID:
                        continue
                    batch.append(doc)
                    chars += (len(doc.body) + sum(map(len, doc.answers))
                              + sum(map(len, doc.top_answers)))
                    if len(batch) >= BATCH or chars >= BATCH_CHARS:
                        count += self._upsert_batch(conn, batch)
                        batch, chars = [], 0
                if batch:
                    count += self._upsert_batch(conn, batch)
                conn.execute(_ANALYZE)     # fresh word frequencies for ranking
                conn.commit()
                self._stats = None
            finally:
                try:
                    if conn.in_transaction():
                        conn.rollback()
                    conn.execute(_DROP_BULK, {"ns": LOCK_NAMESPACE})
                    conn.commit()
                except SQLAlchemyError:
                    conn.invalidate()   # closing the session releases its lock too
        return count

    def _upsert_batch(self, conn: Connection, batch: list[ThreadDoc]) -> int:
        with conn.begin():
            conn.execute(_TIMEOUTS, {"t": LOCK_TIMEOUT})
            self._lock(conn, sorted({d.id for d in batch}))
            return self._write(conn, batch, [])

    def delete(self, thread_id: int) -> None:
        if not 0 < thread_id <= MAX_ID:
            return
        with self._writing("delete a thread") as conn:
            if not conn.execute(_SHARE_BULK, {"ns": LOCK_NAMESPACE}).scalar():
                self._queue(conn, [thread_id])   # a bulk load might write it back
            self._lock(conn, [thread_id])
            self._write(conn, [], [thread_id])

    def clear(self) -> None:
        with self._writing("be cleared") as conn:
            conn.execute(text("TRUNCATE search_threads, search_words, search_pending"))

    def count(self) -> int:
        with self._unavailable("be read"), self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM search_threads")).scalar_one())

    # -- reading ----------------------------------------------------------------------

    @staticmethod
    def _tsqueries(conn: Connection, terms: Sequence[str], phrases: Sequence[str] = (),
                   excluded: Sequence[str] = ()) -> tuple[str | None, str | None, bool]:
        """(what must match, what must not, whether any text was left): PostgreSQL
        turns each word and phrase into a tsquery; words are OR-ed, phrases AND-ed."""
        _, words, quoted, negated = conn.execute(_TSQUERIES, {
            "timeout": SEARCH_TIMEOUT, "terms": list(terms), "phrases": list(phrases),
            "excluded": list(excluded)}).one()
        words = [w for w in words if w]
        parts = ([_any(words)] if words else []) + [p for p in quoted if p]
        negated = [n for n in negated if n]
        return (_all(parts) if parts else None, _any(negated) if negated else None, bool(parts))

    def search(self, query: Query, sort: str = "relevance", page: int = 1,
               per_page: int = 20) -> Results:
        page = max(1, int(page))
        per_page = max(1, int(per_page))
        with self._unavailable("be searched"), self.engine.connect() as conn:
            terms, idfs = self._ranked_terms(conn, query.terms)
            _, words, quoted, negated = conn.execute(_TSQUERIES, {
                "timeout": SEARCH_TIMEOUT, "terms": terms, "phrases": list(query.phrases),
                "excluded": list(query.excluded)}).one()
            words = self._with_alternatives(conn, query, terms, words)
            words = [w for w in words if w]
            quoted = [p for p in quoted if p]
            negated = [n for n in negated if n]
            if query.has_text and not (words or quoted):
                return Results(total=0)     # only stop words: nothing can match
            excluded = _any(negated) if negated else None
            levels = self._levels(words, quoted)
            if levels:
                # The planner does not count reading tsvectors back from TOAST, and
                # so prefers a sequential scan that decompresses every document (up
                # to 5x slower than the GIN index for a word half the threads have).
                conn.execute(_PREFER_INDEX)
            match = levels[0] if levels else None
            for match in levels:
                where, params = self._where(query, match, excluded)
                if len(levels) == 1 or self._at_least(conn, where, params, RELAX_BELOW):
                    break
            where, params = self._where(query, match, excluded)
            rank = (self._rank_sql(terms, idfs, words, quoted, params) if match else "0.0")
            hits = self._page(conn, where, params, match, rank, sort, page, per_page,
                              [*query.terms, *query.phrases] if query.has_text else [])
            total, facets = self._totals(conn, where, params)
            suggestion = None
            if total < 3 and query.terms:
                suggestion = self._suggest(conn, query)
            return Results(total=total, hits=hits, facets=facets, suggestion=suggestion)

    @staticmethod
    def _with_alternatives(conn: Connection, query: Query, terms: list[str],
                           words: list[str]) -> list[str]:
        """Each word's tsquery OR-ed with those of its alternatives (tag synonyms)."""
        alternatives = [query.alternatives(t) for t in terms]
        if not any(alternatives):
            return words
        flat = [a for alts in alternatives for a in alts]
        _, found, _, _ = conn.execute(_TSQUERIES, {"timeout": SEARCH_TIMEOUT, "terms": flat,
                                                   "phrases": [], "excluded": []}).one()
        it = iter(found)
        out = []
        for word, alts in zip(words, alternatives, strict=True):
            parts = [p for p in [word, *(next(it) for _ in alts)] if p]
            out.append(_any(parts) if len(parts) > 1 else (parts[0] if parts else ""))
        return out

    @staticmethod
    def _levels(words: list[str], quoted: list[str]) -> list[str]:
        """What must match: every word (rarest first) and phrase, then with the
        least informative words relaxed one by one, and at last any of the words
        (see `search.RELAX_BELOW`)."""
        if not words:
            return [_all(quoted)] if quoted else []
        levels = [_all(words[:keep] + quoted) for keep in range(len(words), 0, -1)]
        if len(words) > 1:
            levels.append(_all([_any(words), *quoted]))
        return levels

    @staticmethod
    def _at_least(conn: Connection, where: str, params: dict, n: int) -> bool:
        sql = text(f"SELECT count(*) FROM (SELECT 1 FROM search_threads s WHERE {where} "
                   "LIMIT :n) AS x")
        return conn.execute(sql, {**params, "n": n}).scalar_one() >= n

    @staticmethod
    def _where(query: Query, match: str | None, excluded: str | None) -> tuple[str, dict]:
        conds: list[str] = []
        params: dict = {}
        if match:
            conds.append("s.document @@ CAST(:match AS tsquery)")
            params["match"] = match
        if excluded:
            conds.append("NOT (s.document @@ CAST(:excluded AS tsquery))")
            params["excluded"] = excluded
        if query.tags:
            conds.append("s.tags @> CAST(:tags AS text[])")
            params["tags"] = [t.lower() for t in query.tags]
        if query.products:
            conds.append("s.product = ANY(CAST(:products AS text[]))")
            params["products"] = [p.lower() for p in query.products]
        if query.users:
            conds.append("s.author = ANY(CAST(:users AS text[]))")
            params["users"] = [u.lower() for u in query.users]
        conds += [sql for flag, sql in _FLAGS.items() if flag in query.flags]
        return " AND ".join(conds) or "TRUE", params

    def _frequencies(self, conn: Connection) -> tuple[int, dict[str, float], float]:
        """(threads, lexeme -> share of threads having it, share assumed for the
        others), from the statistics ANALYZE keeps; re-read every STATS_SECONDS."""
        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > STATS_SECONDS:
            total, elems, freqs = conn.execute(_STATS).one()
            shares = dict(zip(elems or (), freqs or (), strict=False))
            floor = min(shares.values()) / 2 if shares else 0.0
            self._stats = (now, int(total or 0), shares, floor)
        return self._stats[1], self._stats[2], self._stats[3]

    def _ranked_terms(self, conn: Connection,
                      terms: Sequence[str]) -> tuple[list[str], list[float]]:
        """The words worth matching, rarest first, with their BM25 idf."""
        if not terms:
            return [], []
        total, shares, floor = self._frequencies(conn)
        lexemes = conn.execute(_LEXEMES, {"terms": list(terms)}).scalar_one()
        rated = []
        for term, lex in zip(terms, lexemes, strict=True):
            if lex:    # stop words have none
                rated.append((max(shares.get(x, floor) for x in lex.split()), term))
        rated.sort()
        kept = rated
        if total >= COMMON_MIN_DOCS:   # below it every word is worth matching on its own
            kept = [r for r in rated if r[0] <= COMMON_FRACTION][:MAX_MATCH_WORDS] or rated[:1]
        n = max(total, 1)
        return ([t for _, t in kept],
                [math.log((n - f * n + 0.5) / (f * n + 0.5) + 1) for f, _ in kept])

    @staticmethod
    def _rank_sql(terms: list[str], idfs: list[float], words: list[str], quoted: list[str],
                  params: dict) -> str:
        """(Σ idf(word) × saturated ts_rank(word) + the phrases' ranks + closeness of
        all the words (cover density)) × the thread's mild prior."""
        parts = []
        for i, (q, idf) in enumerate(zip(words, idfs, strict=False)):
            params[f"rq{i}"] = q
            parts.append(f"{idf:.5f} * ts_rank(CAST(:weights AS float4[]), s.document, "
                         f"CAST(:rq{i} AS tsquery), {RANK_NORMALIZATION})")
        top = max(idfs, default=1.0)
        for i, q in enumerate(quoted):
            params[f"rp{i}"] = q
            parts.append(f"{top:.5f} * ts_rank(CAST(:weights AS float4[]), s.document, "
                         f"CAST(:rp{i} AS tsquery), {RANK_NORMALIZATION})")
        if len(words) > 1:
            params["near"] = _all(words)
            parts.append(f"{top:.5f} * ts_rank_cd(CAST(:weights AS float4[]), s.document, "
                         f"CAST(:near AS tsquery), {RANK_NORMALIZATION})")
            # Every word there: their ranks once more, so these threads stay first
            # when the query was relaxed (search.STRICT_BONUS).
            words_rank = " + ".join(parts[:len(words)])
            parts.append(f"CASE WHEN s.document @@ CAST(:near AS tsquery) "
                         f"THEN {STRICT_BONUS} * ({words_rank}) ELSE 0 END")
        if not parts:
            return "0.0"
        return f"({' + '.join(parts)}) * (1.0 + {PRIOR_WEIGHT} * {_PRIOR_SQL})"

    @staticmethod
    def _page(conn: Connection, where: str, params: dict, match: str | None, rank: str,
              sort: str, page: int, per_page: int, words: list[str]) -> list[Hit]:
        if sort not in _SORTS:
            sort = "relevance"
        if sort == "relevance" and not match:     # nothing to rank by: latest activity
            sort = "activity"
        if sort == "relevance" and match and page * per_page <= RANK_POOL:
            # Two stages: one ts_rank of the match picks the RANK_POOL best, and only
            # those get the full rank (a ts_rank per word, closeness, the prior):
            # each ts_rank reads the document again, and a relaxed query can match
            # a tenth of the threads.
            params["pool"] = RANK_POOL
            inner = (f"SELECT s.id, s.activity_at, {rank} AS rank FROM ("
                     f"SELECT * FROM search_threads s WHERE {where} "
                     f"ORDER BY ts_rank(CAST(:weights AS float4[]), s.document, "
                     f"CAST(:match AS tsquery), {RANK_NORMALIZATION}) DESC, s.id DESC "
                     f"LIMIT :pool) AS s ORDER BY rank DESC, s.activity_at DESC, s.id DESC")
            outer_rank = "p.rank"
        elif sort == "relevance":     # rank every match; otherwise only the page's rows
            inner = (f"SELECT s.id, s.activity_at, {rank} AS rank FROM search_threads s "
                     f"WHERE {where} ORDER BY rank DESC, s.activity_at DESC, s.id DESC")
            outer_rank = "p.rank"
        else:
            inner = (f"SELECT s.id, s.created_at, s.score, s.activity_at FROM search_threads s "
                     f"WHERE {where} ORDER BY {_SORTS[sort].format(t='s')}")
            outer_rank = rank
        sql = text(f"""
            SELECT s.id, {outer_rank} AS rank, s.snippet
            FROM ({inner} LIMIT :limit OFFSET :offset) AS p
            JOIN search_threads s ON s.id = p.id
            ORDER BY {_SORTS[sort].format(t='p')}""")
        rows = conn.execute(sql, {**params, "weights": WEIGHTS, "limit": per_page,
                                  "offset": (page - 1) * per_page})
        hits = []
        for thread_id, score, start in rows:
            # The same highlighter as the Whoosh backend (search.text), on the words
            # as typed: stop words never marked, Wi-Fi marked for wifi.
            marked = highlight(start or "", words, MARK_START, MARK_END) if words else ""
            hits.append(Hit(id=thread_id, score=float(score or 0.0),
                            snippet=marked or lead(start or "")))
        return hits

    @staticmethod
    def _totals(conn: Connection, where: str, params: dict) -> tuple[int, list[tuple[str, int]]]:
        sql = text(f"""
            WITH m AS MATERIALIZED (SELECT s.tags FROM search_threads s WHERE {where})
            SELECT (SELECT count(*) FROM m),
                   (SELECT coalesce(json_agg(json_build_array(f.tag, f.n)
                                             ORDER BY f.n DESC, f.tag COLLATE "C"), '[]')
                    FROM (SELECT tag, count(*) AS n FROM m, unnest(m.tags) AS tag
                          WHERE tag <> '' GROUP BY tag
                          ORDER BY n DESC, tag COLLATE "C" LIMIT 10) AS f)""")
        total, facets = conn.execute(sql, params).one()
        if isinstance(facets, str):
            facets = json.loads(facets)
        return int(total), [(tag, int(n)) for tag, n in facets]

    def _suggest(self, conn: Connection, query: Query) -> str | None:
        """A corrected query, when a word is unknown, a known word is at most two
        edits away (same first letter), and the corrected query finds something."""
        known = {w for (w,) in conn.execute(_KNOWN_WORDS, {"words": list(query.terms)})}
        corrected, changed = [], False
        for term in query.terms:
            if term in known or len(term) < 4 or not term.isalpha():
                corrected.append(term)
                continue
            best = self._closest(conn, term)
            corrected.append(best or term)
            changed = changed or best is not None
        if not changed:
            return None
        better = Query(raw=" ".join(corrected), terms=tuple(corrected), phrases=query.phrases)
        match, _, has_words = self._tsqueries(conn, better.terms, better.phrases)
        if not has_words or not conn.execute(_ANY_MATCH, {"match": match}).scalar_one():
            return None
        return better.text()

    @staticmethod
    def _closest(conn: Connection, term: str) -> str | None:
        rows = conn.execute(_CANDIDATES, {
            "term": term, "prefix": term[:2], "prefix_end": term[:2] + "\U0010ffff",
            "shortest": len(term) - 2, "longest": len(term) + 2})
        options = []
        for word, ndoc in rows:
            if word[:1] != term[:1] or word == term or abs(len(word) - len(term)) > 2:
                continue
            distance = edit_distance(term, word)
            if distance <= 2:
                options.append((distance, -ndoc, word))
        return min(options)[2] if options else None

    def _choosing(self, conn: Connection, words: dict[str, str]) -> list[str]:
        """The title's words that choose candidates: not those in more than
        COMMON_FRACTION of the threads, and of the others the SIMILAR_MATCH_WORDS
        rarest (every word of the title cost 69 ms a question page at 100,000 threads)."""
        queries = list(words)
        total, shares, floor = self._frequencies(conn)
        if total < COMMON_MIN_DOCS or len(queries) < 2:
            return queries
        share = {q: shares.get(w, floor) for q, w in words.items()}
        by_rarity = sorted(queries, key=lambda q: share[q])
        kept = [q for q in by_rarity if share[q] <= COMMON_FRACTION][:SIMILAR_MATCH_WORDS]
        return kept or by_rarity[:1]

    def similar(self, title: str, limit: int = 5) -> list[Hit]:
        with self._unavailable("be searched"), self.engine.connect() as conn:
            _, queries, words = conn.execute(_SIMILAR_LEXEMES, {"timeout": SEARCH_TIMEOUT,
                                                                "title": _clean(title, 300)}).one()
            found: dict[str, str] = {}      # tsquery -> lexeme, in title order
            for q, w in zip(queries, words, strict=True):
                if q != "()":
                    found.setdefault(q, w)
            lexemes = self._choosing(conn, found)
            if not lexemes:
                return []
            limit = max(1, int(limit))
            params = {"weights": SIMILAR_WEIGHTS, "q": " | ".join(lexemes), "limit": limit}
            hits = [Hit(id=i, score=float(r)) for i, r in
                    conn.execute(_SIMILAR, {**params, "candidates": max(50, 4 * limit)})]
            if len(hits) < limit:
                conn.execute(_PREFER_INDEX)
                rows = conn.execute(_SIMILAR_BODIES, {**params, "limit": limit - len(hits),
                                                      "found": [h.id for h in hits]})
                hits += [Hit(id=i, score=float(r)) for i, r in rows]
            return hits


__all__ = ["PostgresIndex"]
