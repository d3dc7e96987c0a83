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
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.columns import VarBytesColumn
from whoosh.fields import BOOLEAN, COLUMN, DATETIME, ID, KEYWORD, NUMERIC, TEXT, SchemaClass
from whoosh.highlight import ContextFragmenter, Formatter, get_text
from whoosh.index import LockError

from search import MARK_END, MARK_START, Hit, IndexUnavailable, Loader, Results, ThreadDoc
from search.query import Query
from search.text import edit_distance, lead

log = logging.getLogger(__name__)

COMMON_FRACTION = 0.3
COMMON_MIN_DOCS = 2_000   # below this every word is worth matching on its own
MAX_MATCH_WORDS = 8
SCORE_LEFT_OUT = True
# similar(): how many of a title's rarest words are also matched in the bodies. On the
# related-question pairs (tests/bench/search_quality.py) 2 keeps Recall@10 at 0.245
# of the 0.254 that matching every word in the bodies gives, at a third of its time.
SIMILAR_BODY_WORDS = 2
FACET_SAMPLE = 200        # facets count the tags of this many top results
FIELD_BOOSTS = {"title": 5.0, "tags": 3.0, "body": 1.5, "top_answers": 1.0, "answers": 0.5}
TEXT_FIELDS = ("title", "body", "top_answers", "answers")
MAX_FIELD_CHARS = 100_000
SNIPPET_CHARS = 4_000
STEM = StemmingAnalyzer()
PLAIN = StandardAnalyzer()


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


class _Marker(Formatter):
    """Wraps each highlighted token in the neutral markers of `search`."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"{MARK_START}{get_text(text, token, replace)}{MARK_END}"


def _analyzed(analyzer, text: str) -> list[str]:
    try:
        return [t.text for t in analyzer(text)]
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
                ix = whoosh_index.open_dir(str(self.directory))
                with ix.searcher() as s:   # touch the segments: corrupt files fail here
                    s.doc_count()
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

    def upsert_many(self, docs: Iterable[ThreadDoc]) -> int:
        writer = self._writer(max(self.lock_timeout, 60.0))
        count = 0
        try:
            for doc in docs:
                writer.update_document(**self._fields(doc))
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

    def _word_query(self, word: str) -> Q.Query | None:
        """One plain word, across the weighted fields."""
        stems = _analyzed(STEM, word)
        parts: list[Q.Query] = [Q.Term("tags", word)]
        for field in TEXT_FIELDS:
            if len(stems) == 1:
                parts.append(Q.Term(field, stems[0]))
            elif len(stems) > 1:   # "wi-fi" -> wi, fi: a phrase in each field
                parts.append(Q.Phrase(field, stems))
        if not stems and not parts[1:]:
            return Q.Term("tags", word) if word else None
        return Q.Or(parts)

    def _phrase_query(self, phrase: str) -> Q.Query | None:
        stems = _analyzed(STEM, phrase)
        if not stems:
            return None
        if len(stems) == 1:
            return Q.Or([Q.Term(f, stems[0]) for f in TEXT_FIELDS])
        return Q.Or([Q.Phrase(f, stems) for f in TEXT_FIELDS])

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

    def _common(self, searcher, terms: tuple[str, ...]) -> set[str]:
        """The words that do not choose threads, only add to the score of those the
        others found (Elasticsearch's cutoff_frequency): words in more than
        COMMON_FRACTION of the bodies ("using", "how"), and those beyond the
        MAX_MATCH_WORDS rarest, so a pasted title costs less than scoring every
        thread with a common word. At least one word always chooses.
        On the related-question benchmark this keeps the quality of matching on
        every word (MRR@10 0.162 either way) at two thirds of its time."""
        if len(terms) < 2 or searcher.doc_count() < COMMON_MIN_DOCS:
            return set()
        reader, limit = searcher.reader(), COMMON_FRACTION * searcher.doc_count()

        def frequency(term: str) -> int:
            stems = _analyzed(STEM, term)
            return max((reader.doc_frequency("body", st) for st in stems), default=0)

        by_rarity = sorted(terms, key=frequency)
        matching = [t for t in by_rarity if frequency(t) <= limit][:MAX_MATCH_WORDS]
        return set(terms) - set(matching or by_rarity[:1])

    def _build(self, query: Query, terms: tuple[str, ...] | None = None,
               searcher=None) -> Q.Query | None:
        terms = query.terms if terms is None else terms
        required: list[Q.Query] = []
        common = self._common(searcher, terms) if searcher is not None else set()
        words = [q for q in (self._word_query(t) for t in terms if t not in common) if q is not None]
        if words:
            # Any word may match; matching more of them scores higher (BM25 sums).
            main = Q.Or(words) if len(words) > 1 else words[0]
            extra = [q for q in (self._word_query(t) for t in terms if t in common) if q]
            if extra and SCORE_LEFT_OUT:
                main = Q.AndMaybe(main, Q.Or(extra))
            required.append(main)
        required += [q for q in (self._phrase_query(p) for p in query.phrases) if q is not None]
        required += self._filters(query)
        if not required:
            if query.has_text:
                return None      # only stop words: nothing can match
            required.append(Q.Every())
        return Q.And(required) if len(required) > 1 else required[0]

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
                q = self._build(query, searcher=searcher)
                if q is None:
                    return Results(total=0)
                return self._run(searcher, query, q, sort, page, per_page)
            except IndexUnavailable:
                raise
            except Exception as e:  # noqa: BLE001  (damaged segments, vanished files)
                log.exception("search failed")
                self._reset()
                raise IndexUnavailable(f"The search index could not be read: {e}") from e

    def _run(self, searcher, query: Query, q, sort: str, page: int, per_page: int) -> Results:
        sortedby, reverse = self._sort(sort, query.has_text)
        page = max(1, page)
        # No groupedby facets: Whoosh builds a doc->tags map of every segment for
        # them on each query (two thirds of the time at 20k threads). The tags of
        # the top FACET_SAMPLE hits come from a column instead.
        results = searcher.search(q, limit=max(page * per_page, FACET_SAMPLE),
                                  sortedby=sortedby, reverse=reverse, mask=self._mask(query))
        results.fragmenter = ContextFragmenter(maxchars=220, surround=60)
        results.formatter = _Marker()
        hits = []
        for hit in results[(page - 1) * per_page: page * per_page]:
            text = hit.get("snippet", "")
            snippet = ""
            if query.has_text and text:
                with contextlib.suppress(Exception):
                    snippet = hit.highlights("body", text=text, top=2)
            hits.append(Hit(id=hit["id"], score=float(hit.score or 0.0),
                            snippet=snippet or lead(text)))
        counts: Counter[str] = Counter()
        reader = searcher.reader()
        if results.top_n and reader.has_column("tagset"):
            column = reader.column_reader("tagset")
            for _, docnum in results.top_n[:FACET_SAMPLE]:
                counts.update(t for t in column[docnum].decode().split(",") if t)
        facets = sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:10]
        total = len(results)
        suggestion = self._suggest(searcher, query) if total < 3 and query.terms else None
        return Results(total=total, hits=hits, facets=facets, suggestion=suggestion)

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
        q = self._build(better, searcher=searcher)
        if q is None or searcher.search(q, limit=1).is_empty():
            return None
        return better.text()

    def similar(self, title: str, limit: int = 5) -> list[Hit]:
        stems = list(dict.fromkeys(_analyzed(STEM, title[:300])))
        if not stems:
            return []
        with self._guard:
            try:
                searcher = self._current_searcher()
                left_out = self._common(searcher, tuple(stems))   # as in search()
                kept = [s for s in stems[:24] if s not in left_out]
                # Titles and tags for every word, bodies for the rarest few only: the
                # bodies' long posting lists were nine tenths of the time.
                reader = searcher.reader()
                in_body = set(sorted(kept, key=lambda s: reader.doc_frequency("body", s))
                              [:SIMILAR_BODY_WORDS])
                parts = [Q.Or([Q.Term("title", s, boost=2.0), Q.Term("tags", s),
                               *([Q.Term("body", s)] if s in in_body else [])])
                         for s in kept]
                results = searcher.search(Q.Or(parts), limit=limit)
                return [Hit(id=h["id"], score=float(h.score or 0.0)) for h in results]
            except Exception as e:  # noqa: BLE001
                self._reset()
                raise IndexUnavailable(str(e)) from e
