"""The embedded default backend: a Whoosh index on disk.

Ranking is BM25F over weighted fields: title over tags over the question body
over accepted/official answers over other answers (`FIELD_BOOSTS`). Words go
through a stemming analyzer (so "printers" finds "printer"); an unstemmed copy of
the title and tags feeds "did you mean".

Several processes may write: Whoosh allows one writer at a time through a lock
file. `apply()` waits for the lock (up to `lock_timeout` seconds) and loads the
threads from the database only once it holds it, so the last writer always
indexes the latest committed state. If the lock cannot be had in time, the ids go
to a pending file that the next writer (or a reindex) picks up: no lost update,
and no LockError reaches a user.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import shutil
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import scoring
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import BOOLEAN, COLUMN, DATETIME, ID, KEYWORD, NUMERIC, TEXT, SchemaClass
from whoosh.index import LockError

from search import (
    MARK_END,
    MARK_START,
    RELAX_BELOW,
    STRICT_BONUS,
    Hit,
    IndexUnavailable,
    Loader,
    Results,
    ThreadDoc,
    prior,
    with_prior,
)
from search.query import Query
from search.text import ANALYZER, PLAIN_ANALYZER, STOP_WORDS, edit_distance, highlight, lead

log = logging.getLogger(__name__)

COMMON_FRACTION = 0.3
COMMON_MIN_DOCS = 2_000   # below this every word is worth matching on its own
MAX_MATCH_WORDS = 8
# similar(): how many of a title's rarest words are also matched in the bodies. On the
# related-question pairs (tests/bench/search_quality.py) 2 keeps Recall@10 at 0.245
# of the 0.254 that matching every word in the bodies gives, at a third of its time.
SIMILAR_BODY_WORDS = 2
FACET_SAMPLE = 200        # facets count the tags of this many top results
FIELD_BOOSTS = {"title": 5.0, "tags": 3.0, "body": 1.5, "top_answers": 1.0, "answers": 0.5}
TEXT_FIELDS = ("title", "body", "top_answers", "answers")
MAX_FIELD_CHARS = 100_000
SNIPPET_CHARS = 4_000
OPEN_ATTEMPTS = 5         # a segment gone while opening: another process's merge; read again
STEM = ANALYZER          # folded words (search.text), stop words out, plain words stemmed
PLAIN = PLAIN_ANALYZER


class ThreadSchema(SchemaClass):
    id = NUMERIC(int, bits=32, stored=True, unique=True, signed=False)
    title = TEXT(analyzer=STEM, field_boost=FIELD_BOOSTS["title"])
    tags = KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=FIELD_BOOSTS["tags"])
    body = TEXT(analyzer=STEM, field_boost=FIELD_BOOSTS["body"])
    top_answers = TEXT(analyzer=STEM, field_boost=FIELD_BOOSTS["top_answers"])
    answers = TEXT(analyzer=STEM, field_boost=FIELD_BOOSTS["answers"])
    words = TEXT(analyzer=PLAIN)              # unstemmed title + tags, for "did you mean"
    snippet = ID(stored=True)                  # start of the body, for snippets
    tagset = COLUMN(VarBytesColumn())          # "a,b,c" per doc: facets of the top hits
    prior = COLUMN(NumericColumn("f"))         # search.prior(): solved, official, votes
    product = ID
    author = ID
    status = ID
    solved = BOOLEAN
    official = BOOLEAN
    known = BOOLEAN
    unanswered = BOOLEAN
    score = NUMERIC(int, bits=32, sortable=True)
    created = DATETIME(sortable=True)
    activity = DATETIME(sortable=True)


def _analyzed(analyzer, text: str) -> list[str]:
    try:
        return [t.text for t in analyzer(text, mode="query")]
    except Exception:  # an analyzer never sees text it cannot handle, but be sure
        return []


class WhooshIndex:
    def __init__(self, directory: str | os.PathLike, lock_timeout: float = 10.0):
        self.directory = Path(directory)
        self.lock_timeout = lock_timeout
        self._ix = None
        self._searcher = None
        self._guard = threading.RLock()
        self.recovered = False   # set when a missing/corrupt index was replaced by an empty one

    # -- opening, recovering ------------------------------------------------

    @contextlib.contextmanager
    def _dir_lock(self) -> Iterator[None]:
        """Serialises creating and replacing the index between processes."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.directory}.lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _open(self):
        if self._ix is not None:
            return self._ix
        with self._guard, self._dir_lock():
            if self._ix is not None:
                return self._ix
            with warnings.catch_warnings():
                # Whoosh leaves a damaged file open when it fails to read it.
                warnings.simplefilter("ignore", ResourceWarning)
                ix = self._open_existing()
            if ix is not None:
                self._ix = ix
                return ix
            self._ix = whoosh_index.create_in(str(self.directory), ThreadSchema())
            self.recovered = True
            return self._ix

    def close(self) -> None:
        """Let go of open files (the index stays on disk)."""
        self._reset()

    def _open_existing(self):
        """The index on disk, or None after moving a damaged one aside."""
        try:
            # Not whoosh's exists_in(): it swallows a damaged index's error and
            # reports it as missing.
            if self.directory.is_dir() and any(self.directory.glob("_MAIN_*.toc")):
                ix = self._open_settled()
                if set(ix.schema.names()) == set(ThreadSchema().names()):
                    return ix
                log.warning("search index at %s has an older schema; starting a new one "
                            "(it is rebuilt from the database)", self.directory)
                shutil.rmtree(self.directory, ignore_errors=True)
        except Exception as e:  # noqa: BLE001  (any damage means: start afresh)
            # str(e): a log record holding the exception would keep its frames,
            # and the damaged file they hold, alive.
            log.error("search index at %s is unreadable (%s); starting a new one",
                      self.directory, str(e))
            aside = self.directory.with_name(f"{self.directory.name}.corrupt-{int(time.time())}")
            with contextlib.suppress(OSError):
                shutil.move(str(self.directory), str(aside))
            gc.collect()   # close what the failed open left behind, inside the caller's filter
        self.directory.mkdir(parents=True, exist_ok=True)
        return None

    def _open_settled(self, attempts: int = OPEN_ATTEMPTS):
        """Open the index and touch its segments. Another process committing at
        the same moment may delete the segments of the table of contents just
        read (a merge): that is not damage, and reading the newest table again
        succeeds. Only an index that fails every attempt is taken as damaged."""
        for attempt in range(1, attempts + 1):
            try:
                ix = whoosh_index.open_dir(str(self.directory))
                with ix.searcher() as s:   # touch the segments: corrupt files fail here
                    s.doc_count()
                return ix
            except FileNotFoundError:
                if attempt == attempts:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    def _reset(self) -> None:
        with self._guard:
            if self._searcher is not None:
                with contextlib.suppress(Exception):
                    self._searcher.close()
            self._searcher = None
            self._ix = None

    def _current_searcher(self):
        ix = self._open()
        if self._searcher is not None and self._searcher.up_to_date():
            return self._searcher
        # A new searcher, not Searcher.refresh(): refresh() reuses the readers of
        # segments it already has and misses deletions made in them since, so an
        # updated thread would show twice.
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = ix.searcher(weighting=scoring.BM25F(B=0.75, K1=1.2))
        return self._searcher

    # -- writing --------------------------------------------------------------

    def _fields(self, doc: ThreadDoc) -> dict:
        def cut(text: str) -> str:
            return text[:MAX_FIELD_CHARS]

        return {
            "id": doc.id,
            "title": cut(doc.title),
            "tags": ",".join(doc.tags),
            "body": cut(doc.body),
            "top_answers": cut("\n\n".join(doc.top_answers)),
            "answers": cut("\n\n".join(doc.answers)),
            "words": " ".join([doc.title, *doc.tags])[:2_000],
            "snippet": doc.body[:SNIPPET_CHARS],
            "tagset": ",".join(doc.tags).encode(),
            "prior": prior(doc),
            "product": doc.product or "",
            "author": (doc.author or "").lower(),
            "status": doc.status,
            "solved": doc.solved,
            "official": doc.official,
            "known": doc.known,
            "unanswered": doc.answer_count == 0,
            "score": max(-(2**31), min(2**31 - 1, doc.score)),
            "created": doc.created_at,
            "activity": doc.activity_at,
        }

    def _writer(self, timeout: float):
        return self._open().writer(timeout=timeout, delay=0.05)

    @property
    def _pending_path(self) -> Path:
        return self.directory.with_name(f"{self.directory.name}.pending")

    def _take_pending(self) -> set[int]:
        path = self._pending_path
        if not path.exists():
            return set()
        with open(path, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            ids = {int(line) for line in handle.read().split() if line.isdigit()}
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
        return ids

    def _defer(self, ids: Iterable[int]) -> None:
        with open(self._pending_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write("".join(f"{i}\n" for i in ids))
            fcntl.flock(handle, fcntl.LOCK_UN)

    def pending(self) -> set[int]:
        path = self._pending_path
        if not path.exists():
            return set()
        return {int(line) for line in path.read_text().split() if line.isdigit()}

    def queue(self, ids: Iterable[int]) -> None:
        """Note these threads as changed, for a later `apply()` (by any process) to
        index. The note is a file next to the index, so a crash loses nothing."""
        self._defer(ids)

    def apply(self, ids: Iterable[int], load: Loader) -> None:
        ids = set(ids)
        try:
            writer = self._writer(self.lock_timeout)
        except LockError:
            log.warning("search index busy for %.0fs; %d thread(s) queued", self.lock_timeout, len(ids))
            self._defer(ids)
            return
        try:
            ids |= self._take_pending()
            docs = load(sorted(ids))
            for thread_id in sorted(ids):
                doc = docs.get(thread_id)
                if doc is None:
                    writer.delete_by_term("id", thread_id)
                else:
                    writer.update_document(**self._fields(doc))
            writer.commit()
        except BaseException:
            writer.cancel()
            self._defer(ids)
            raise

    def upsert_many(self, docs: Iterable[ThreadDoc], procs: int = 1) -> int:
        """Write many documents in one commit. Into an empty index (a rebuild) with
        `procs` > 1, documents are analysed by that many processes (Whoosh's
        MpWriter; each writes a segment of its own, kept as they are): for the
        command line, never from a threaded web worker."""
        timeout = max(self.lock_timeout, 60.0)
        fresh = procs > 1 and self._open().doc_count() == 0
        if fresh:
            writer = self._open().writer(timeout=timeout, delay=0.05, procs=procs,
                                         multisegment=True, limitmb=128)
        else:
            writer = self._writer(timeout)
        add = writer.add_document if fresh else writer.update_document
        count = 0
        try:
            for doc in docs:
                add(**self._fields(doc))
                count += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return count

    def delete(self, thread_id: int) -> None:
        writer = self._writer(self.lock_timeout)
        writer.delete_by_term("id", thread_id)
        writer.commit()

    def clear(self) -> None:
        """Replace the index with an empty one."""
        with self._guard, self._dir_lock():
            self._reset()
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.mkdir(parents=True, exist_ok=True)
            self._ix = whoosh_index.create_in(str(self.directory), ThreadSchema())
            with contextlib.suppress(FileNotFoundError):
                self._pending_path.unlink()

    def count(self) -> int:
        with self._guard:
            try:
                return self._current_searcher().doc_count()
            except Exception as e:  # noqa: BLE001
                self._reset()
                raise IndexUnavailable(str(e)) from e

    # -- reading ----------------------------------------------------------------

    def _word_query(self, word: str, alternatives: tuple[str, ...] = ()) -> Q.Query | None:
        """One plain word, across the weighted fields (None for a stop word); a
        thread with one of its `alternatives` (tag synonyms) has it too."""
        if word in STOP_WORDS:
            return None
        if alternatives:
            found = [q for q in (self._word_query(w) for w in (word, *alternatives)) if q]
            return Q.Or(found) if len(found) > 1 else (found[0] if found else None)
        stems = _analyzed(STEM, word)
        parts: list[Q.Query] = [Q.Term("tags", word)]
        for field in TEXT_FIELDS:
            if len(stems) == 1:
                parts.append(Q.Term(field, stems[0]))
            elif len(stems) > 1:   # "foo/bar" -> foo, bar: a phrase in each field
                parts.append(Q.Phrase(field, stems))
        return Q.Or(parts) if len(parts) > 1 else parts[0]

    def _phrase_query(self, phrase: str) -> Q.Query | None:
        stems = _analyzed(STEM, phrase)
        if not stems:
            return None
        if len(stems) == 1:
            return Q.Or([Q.Term(f, stems[0]) for f in TEXT_FIELDS])
        return Q.Or([Q.Phrase(f, stems) for f in TEXT_FIELDS])

    def _proximity(self, terms: tuple[str, ...]) -> list[Q.Query]:
        """Bonus for the words close together and in order (in the title most)."""
        stems = [st for t in terms if t not in STOP_WORDS for st in _analyzed(STEM, t)]
        if len(stems) < 2:
            return []
        stems = stems[:MAX_MATCH_WORDS]
        return [Q.Phrase("title", stems, slop=2, boost=2.0), Q.Phrase("body", stems, slop=6)]

    def _filters(self, query: Query) -> list[Q.Query]:
        filters: list[Q.Query] = [Q.Term("tags", t) for t in query.tags]
        if query.products:
            filters.append(Q.Or([Q.Term("product", p) for p in query.products]))
        if query.users:
            filters.append(Q.Or([Q.Term("author", u.lower()) for u in query.users]))
        flags = query.flags
        for flag, term in (("solved", Q.Term("solved", True)), ("unsolved", Q.Term("solved", False)),
                           ("official", Q.Term("official", True)), ("known", Q.Term("known", True)),
                           ("unanswered", Q.Term("unanswered", True)),
                           ("open", Q.Term("status", "open")), ("closed", Q.Term("status", "closed"))):
            if flag in flags:
                filters.append(term)
        return filters

    def _by_rarity(self, searcher, terms: tuple[str, ...]) -> tuple[list[str], list[str]]:
        """(the words that may be required, rarest first; the words that only add to
        the score). A word no thread has (a typo: "did you mean" handles it) and,
        past COMMON_MIN_DOCS threads, words in more than COMMON_FRACTION of them
        ("using", "how") never choose; only the MAX_MATCH_WORDS rarest may."""
        words = [t for t in dict.fromkeys(terms) if self._word_query(t) is not None]
        reader, docs = searcher.reader(), searcher.doc_count()

        def frequency(term: str) -> int:
            stems = _analyzed(STEM, term)
            found = [reader.doc_frequency(f, st) for st in stems for f in ("title", "body")]
            return max([*found, reader.doc_frequency("tags", term)])

        rated = sorted((frequency(w), i, w) for i, w in enumerate(words))
        known = [w for f, _, w in rated if f > 0]
        if docs >= COMMON_MIN_DOCS:
            limit = COMMON_FRACTION * docs
            known = [w for f, _, w in rated if 0 < f <= limit] or known[:1]
        choosing = known[:MAX_MATCH_WORDS]
        return choosing, [w for w in words if w not in choosing]

    def _levels(self, searcher, query: Query) -> Iterator[tuple[Q.Query, Q.Query]]:
        """The query with all its words required, then with the least informative
        ones relaxed one by one (they still add to the score), and at last any of
        them: see RELAX_BELOW."""
        choosing, extra = self._by_rarity(searcher, query.terms)

        def word(t: str) -> Q.Query | None:
            return self._word_query(t, query.alternatives(t))

        fixed = [q for q in (self._phrase_query(p) for p in query.phrases) if q is not None]
        fixed += self._filters(query)
        bonus = self._proximity(query.terms) if len(choosing) > 1 else []
        if not choosing:
            if query.has_text and not fixed[:len(query.phrases)] and not any(
                    word(t) for t in query.terms):
                return           # only stop words (or unknown words): nothing can match
            optional = [q for q in (word(t) for t in extra) if q is not None]
            main = Q.And(fixed) if len(fixed) > 1 else (fixed[0] if fixed else Q.Every())
            if optional and fixed:
                yield Q.AndMaybe(main, Q.Or(optional)), main
            elif optional:
                yield Q.Or(optional), Q.Or(optional)
            else:
                yield main, main
            return
        # Relaxed levels: every word still scores, and all of them together once more.
        strict = ([Q.And([word(t) for t in choosing], boost=STRICT_BONUS)]
                  if len(choosing) > 1 else [])
        for keep in range(len(choosing), 0, -1):
            required = [word(t) for t in choosing[:keep]]
            optional = [word(t) for t in (*choosing[keep:], *extra)]
            main = Q.And(required + fixed) if len(required) + len(fixed) > 1 else required[0]
            optional = [q for q in optional if q is not None] + bonus
            if keep < len(choosing):
                optional += strict
            yield (Q.AndMaybe(main, Q.Or(optional)) if optional else main), main
        if len(choosing) > 1:       # last resort: any of the words (more of them rank higher)
            anyword = Q.Or([word(t) for t in choosing])
            main = Q.And([anyword, *fixed]) if fixed else anyword
            optional = [q for q in (word(t) for t in extra) if q is not None] + strict
            yield Q.AndMaybe(main, Q.Or(optional)), main

    def _build(self, query: Query, searcher) -> Q.Query | None:
        """The strictest form of the query (all words required)."""
        return next((q for q, _ in self._levels(searcher, query)), None)

    def _mask(self, query: Query) -> Q.Query | None:
        """What -word and -"phrase" leave out, as the collector's mask: an AndNot
        query trips a Whoosh bug (IndexError in AndNotMatcher.skip_to_quality) on
        large segments."""
        excluded = [q for q in (self._phrase_query(x) for x in query.excluded) if q is not None]
        return Q.Or(excluded) if excluded else None

    def _sort(self, sort: str, has_text: bool):
        if sort == "newest":
            return "created", True
        if sort == "votes":
            return "score", True
        if sort == "activity" or not has_text:
            return "activity", True
        return None, False

    def search(self, query: Query, sort: str = "relevance", page: int = 1,
               per_page: int = 20) -> Results:
        with self._guard:
            try:
                searcher = self._current_searcher()
                return self._run(searcher, query, sort, max(1, page), per_page)
            except IndexUnavailable:
                raise
            except Exception as e:  # noqa: BLE001  (damaged segments, vanished files)
                log.exception("search failed")
                self._reset()
                raise IndexUnavailable(f"The search index could not be read: {e}") from e

    def _run(self, searcher, query: Query, sort: str, page: int, per_page: int) -> Results:
        sortedby, reverse = self._sort(sort, query.has_text)
        # No groupedby facets: Whoosh builds a doc->tags map of every segment for
        # them on each query (two thirds of the time at 20k threads). The tags of
        # the top FACET_SAMPLE hits come from a column instead.
        limit = max(page * per_page, FACET_SAMPLE)
        results = required = None
        for q, main in self._levels(searcher, query):
            required = main
            results = searcher.search(q, limit=limit, sortedby=sortedby, reverse=reverse,
                                      mask=self._mask(query))
            if results.scored_length() >= RELAX_BELOW:
                break
        if results is None:
            return Results(total=0)
        reader = searcher.reader()
        ranked = list(results.top_n)      # (score, docnum), best first
        if sortedby is None and reader.has_column("prior"):
            priors = reader.column_reader("prior")
            ranked = sorted(((with_prior(score, priors[docnum]), docnum) for score, docnum in ranked),
                            key=lambda x: -x[0])
        words = [*query.terms, *query.phrases]
        hits = []
        for score, docnum in ranked[(page - 1) * per_page: page * per_page]:
            fields = searcher.stored_fields(docnum)
            text = fields.get("snippet", "")
            snippet = highlight(text, words, MARK_START, MARK_END) if query.has_text else ""
            hits.append(Hit(id=fields["id"], score=float(score or 0.0),
                            snippet=snippet or lead(text)))
        counts: Counter[str] = Counter()
        if ranked and reader.has_column("tagset"):
            column = reader.column_reader("tagset")
            for _, docnum in ranked[:FACET_SAMPLE]:
                counts.update(t for t in column[docnum].decode().split(",") if t)
        facets = sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:10]
        total = self._count(searcher, results, required, query, limit)
        suggestion = self._suggest(searcher, query) if total < 3 and query.terms else None
        return Results(total=total, hits=hits, facets=facets, suggestion=suggestion,
                       estimated=results.scored_length() >= limit and required is not None
                       and not query.excluded)

    def _count(self, searcher, results, required: Q.Query | None, query: Query,
               limit: int) -> int:
        """How many threads match. The collector skips blocks that cannot reach the
        top, so Whoosh counts by walking the query's matches again; the words that
        only add to the score cannot change that count; beyond the collected
        `limit` the total is an estimate (`Results.estimated`)."""
        if results.scored_length() < limit:
            return results.scored_length()          # every match was collected
        if required is None or query.excluded:
            return len(results)
        # Whoosh's estimate, from the words' document counts (an upper bound):
        # walking every match of a broad query cost up to half a second at
        # 100,000 threads, most of a search.
        return max(limit, results.estimated_length())

    def _suggest(self, searcher, query: Query) -> str | None:
        reader = searcher.reader()
        corrected, changed = [], False
        for term in query.terms:
            known = reader.doc_frequency("words", term) > 0 or reader.doc_frequency("tags", term) > 0
            if known or len(term) < 4 or not term.isalpha():
                corrected.append(term)
                continue
            options = searcher.suggest("words", term, limit=8, maxdist=2, prefix=1)
            if options:
                # Nearest first, then the word more threads use ("printr" -> printer, not prints)
                best = min(options, key=lambda w: (edit_distance(term, w),
                                                   -reader.doc_frequency("words", w)))
                corrected.append(best)
                changed = True
            else:
                corrected.append(term)
        if not changed:
            return None
        better = Query(raw=" ".join(corrected), terms=tuple(corrected), phrases=query.phrases)
        q = self._build(better, searcher)
        if q is None or searcher.search(q, limit=1).is_empty():
            return None
        return better.text()

    def similar(self, title: str, limit: int = 5) -> list[Hit]:
        words = list(dict.fromkeys(_analyzed(PLAIN, title[:300])))[:24]
        if not words:
            return []
        with self._guard:
            try:
                searcher = self._current_searcher()
                kept, _ = self._by_rarity(searcher, tuple(words))     # as in search()
                # Titles and tags for every word, bodies for the rarest few only: the
                # bodies' long posting lists were nine tenths of the time.
                parts = []
                for rank, word in enumerate(kept):
                    stems = _analyzed(STEM, word)
                    parts.append(Q.Or([*(Q.Term("title", st, boost=2.0) for st in stems),
                                       Q.Term("tags", word),
                                       *(Q.Term("body", st) for st in stems
                                         if rank < SIMILAR_BODY_WORDS)]))
                if not parts:
                    return []
                results = searcher.search(Q.Or(parts), limit=limit)
                return [Hit(id=h["id"], score=float(h.score or 0.0)) for h in results]
            except Exception as e:  # noqa: BLE001
                self._reset()
                raise IndexUnavailable(str(e)) from e
