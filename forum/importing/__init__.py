"""Importing real threads for `flask seed-import FILE...`: Stack Exchange site dumps
(`se_*.jsonl`) and 20 Newsgroups threads (format: ../shared/data/README.md).

Rows are written in bulk (Core inserts, a commit per batch) but look like the
services' own: revision #1 for every post, tag counts, answer_count,
last_activity_at, slug, Markdown in `body` and `body_html` rendered by
`forum.markup` (HTML from Stack Exchange is turned into Markdown first; raw HTML
is never stored).

Attribution: every imported post keeps `source` (the data id; answers
"<thread id>#a<answer id>"), `source_url` (the post on its site) and
`content_license`. A thread whose `source` exists is skipped, so re-running an
import adds nothing.

Authors: the data names no authors, so each site gets one imported account
(`se-iot`, `se-meta-3dprinting`, `usenet`) that cannot sign in.

Scores are imported, not vote-backed: the original score goes to
`posts.imported_score` (and `score`), and no `votes` or reputation events are
created, so an imported account keeps reputation 1 and `flask users recount`
changes nothing. Votes cast here add to the imported score (a post's score is
`imported_score` + the sum of its votes). An accepted answer is a self-accept
(asker and answerer are the same imported account), which by the rules earns no
reputation either.

Search: imports write `changes.untracked()`, so no batch reaches the search index
on its own; the command rebuilds the index once at the end.

`records` reads, checks and prepares lines (pure, run in worker processes),
`text` fits titles and bodies to the rules and converts them to Markdown,
`writer` inserts the rows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from forum import changes
from forum.extensions import db
from forum.importing.records import (
    ImportFailure,
    Limits,
    PreparedThread,
    check_record,
    prepare_batch,
    prepare_thread,
    read_records,
)
from forum.importing.writer import ImportReport, Writer
from forum.models import Post, utcnow

__all__ = ["ImportFailure", "ImportReport", "Limits", "check_record", "import_files",
           "prepare_thread", "read_records"]


Progress = Callable[[str, int], object]   # (label, length) -> context manager with .update(n)


def _chunks(path: Path, size: int, seen: set[str], report: ImportReport) -> Iterator[tuple]:
    """(records not imported yet, first line, last line, records read) per `size` records."""
    def flush(records, first, last):
        known = set(db.session.scalars(
            select(Post.source).where(Post.source.in_([r["id"] for r in records]))))
        report.skipped += len(known)
        return [r for r in records if r["id"] not in known], first, last, len(records)

    records: list[dict] = []
    first = read = 0
    for number, record in read_records(path):
        read += 1
        if record["id"] in seen:
            report.skipped += 1
            continue
        seen.add(record["id"])
        records.append(record)
        first = first or number
        if len(records) >= size:
            yield flush(records, first, number)
            records, first = [], 0
    if records:
        yield flush(records, first, number)


def _prepared(chunks: Iterator[tuple], now: datetime, limits: Limits, pool) -> Iterator[tuple]:
    """The chunks with their records prepared, in order; a pool works a few chunks ahead."""
    if pool is None:
        for records, *meta in chunks:
            yield prepare_batch(records, now, limits), *meta
        return
    ahead: deque = deque()
    for records, *meta in chunks:
        ahead.append((pool.submit(prepare_batch, records, now, limits), meta))
        if len(ahead) > 2 * pool._max_workers:
            future, meta = ahead.popleft()
            yield future.result(), *meta
    while ahead:
        future, meta = ahead.popleft()
        yield future.result(), *meta


def import_files(paths: list[Path], *, batch_size: int = 200, jobs: int = 1,
                 progress: Progress | None = None) -> ImportReport:
    """Check every file first (a bad line imports nothing), then import them, one
    transaction per `batch_size` threads; `jobs` > 1 converts and renders bodies in
    that many worker processes. Raises ImportFailure with a clear message."""
    paths = [Path(p) for p in paths]
    sizes = {p: sum(1 for _ in read_records(p)) for p in paths}
    limits = Limits.from_config(current_app.config)
    report = ImportReport()
    writer = Writer(report)
    now = utcnow()
    seen: set[str] = set()
    pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) if jobs > 1 else None
    try:
        for path in paths:
            added = 0
            with progress(f"Importing {path.name}", sizes[path]) if progress else nullcontext() as bar:
                chunks = _chunks(path, batch_size, seen, report)
                for threads, first, last, read in _prepared(chunks, now, limits, pool):
                    added += _commit(writer, threads, path, first, last)
                    if bar is not None:
                        bar.update(read)
            report.per_file[str(path)] = added
            report.threads += added
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return report


def _commit(writer: Writer, threads: list[PreparedThread], path: Path, first: int,
            last: int) -> int:
    try:
        with changes.untracked(), changes.writing():
            added = writer.write(threads)
    except SQLAlchemyError as e:
        reason = (str(getattr(e, "orig", None) or e).splitlines() or [""])[0]
        raise ImportFailure(f"{path}: lines {first}-{last} were not imported: database "
                            f"error ({e.__class__.__name__}: {reason}). "
                            "Earlier batches are kept; re-running continues after them.") from None
    report = writer.report
    report.empty_replies += sum(t.empty_replies for t in threads)
    return added
