"""The semantic layer: each thread's meaning as a vector, for "similar while
asking", related questions and a second signal in search.

- The text of a thread is its title and the lead of its question (`thread_text`):
  what a person describing the same problem would write; whole threads dilute it.
- Vectors come from all-MiniLM-L6-v2 (`search.embedding`, weights shipped in a
  package, run with numpy) and live in `thread_vectors`, one row per thread with
  the thread's edit time when it was embedded: what is missing or stale is read
  off the database (`pending_ids`), so a crash or a restart loses nothing.
- They are computed after commit, off the request path (`forum.services.related`
  runs `embed_threads` in a thread of the process), and by `flask search reindex`.
- Each process holds the vectors in a `search.vectors.VectorSet`, loaded once and
  refreshed from rows updated since (at most every REFRESH_SECONDS).
- When the model is not installed or SEMANTIC_SEARCH is off, everything here
  answers "nothing": similar threads are then found by their words alone.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.markup import html_to_text
from forum.models import Question, ThreadVector, utcnow
from search.text import lead

log = logging.getLogger(__name__)

EXTENSION = "crowdfix.semantic"
LEAD_CHARS = 400          # of the question's body, after the title
# The model's input, in word pieces. On the related pairs 64 ranks as well as 128
# (Recall@10 0.438 vs 0.444) at 1.7x the speed (42 vs 24 threads/s on one core).
MAX_TOKENS = 64
# BLAS threads for the model's matrix products: one. Two were 10x slower than one
# when the other core was busy (a second worker, the database): measured with a
# 40x384 by 384x1536 product, 0.6 ms on one thread, 6.5 ms on two under load.
BLAS_THREADS = 1
BATCH = 64                # threads embedded per transaction
REFRESH_SECONDS = 2.0     # how stale another process's new vectors may be here
LOAD_ROWS = 5_000


def thread_text(title: str, body_text: str = "") -> str:
    title = " ".join((title or "").split())
    body = lead(body_text or "", LEAD_CHARS).removesuffix(" …")
    return f"{title}. {body}" if body else title


@functools.cache
def _model():
    """The embedder of this process, or None when the model cannot be loaded."""
    try:
        from threadpoolctl import threadpool_limits

        from search.embedding import get_embedder

        threadpool_limits(limits=BLAS_THREADS, user_api="blas")   # for this process
        return get_embedder()
    except Exception as e:  # noqa: BLE001 - EmbeddingUnavailable, a missing numpy, ...
        log.warning("semantic search is off: %s", e)
        return None


def warm() -> None:
    """Load the model and the vectors now: gunicorn's master calls this before it
    forks the workers (`gunicorn.conf.py`), so their pages are shared, not copied
    into each worker. Refreshes after the fork touch only the rows that changed."""
    if enabled():
        vector_set()


def model_name() -> str:
    from search.embedding import MODEL_NAME

    return MODEL_NAME


def enabled() -> bool:
    return bool(current_app.config.get("SEMANTIC_SEARCH", True)) and _model() is not None


# -- embedding threads --------------------------------------------------------------

def _stale(model: str):
    """Questions whose vector is missing, of another model, or older than an edit."""
    return (select(Question.id)
            .outerjoin(ThreadVector, ThreadVector.question_id == Question.id)
            .where(Question.listed(), or_(
                ThreadVector.question_id.is_(None), ThreadVector.model != model,
                ThreadVector.source_at < func.coalesce(Question.edited_at, Question.created_at))))


def pending_ids(session: Session, ids: Iterable[int] | None = None,
                limit: int | None = None) -> list[int]:
    stmt = _stale(model_name())
    if ids is not None:
        stmt = stmt.where(Question.id.in_(list(ids)))
    stmt = stmt.order_by(Question.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def pending_count() -> int:
    with Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(
            _stale(model_name()).subquery())) or 0


def embed_threads(ids: Iterable[int], embed: Callable[[list[str]], np.ndarray] | None = None,
                  batch: int = BATCH) -> list[int]:
    """Compute and store the vectors of these threads where missing or stale;
    returns the ids embedded. Reads and writes in a session of its own. `embed`
    (texts -> vectors) defaults to this process's model."""
    ids = list(ids)
    if not ids or not enabled():
        return []
    name = model_name()
    if embed is None:
        model = _model()

        def embed(texts: list[str]) -> np.ndarray:
            return model.embed(texts, max_tokens=MAX_TOKENS)

    done: list[int] = []
    with Session(db.engine) as session:
        for start in range(0, len(ids), batch):
            todo = pending_ids(session, ids[start:start + batch])
            if not todo:
                continue
            questions = list(session.scalars(select(Question).where(Question.id.in_(todo))
                                              .order_by(Question.id)))
            texts = [thread_text(q.title or "", html_to_text(q.body_html)) for q in questions]
            vectors = embed(texts)
            now = utcnow()
            for q, vector in zip(questions, vectors, strict=True):
                session.merge(ThreadVector(question_id=q.id, model=name,
                                           vector=vector.astype(np.float32).tobytes(),
                                           source_at=q.edited_at or q.created_at, updated_at=now))
            session.commit()
            done += [q.id for q in questions]
            vector_set_add([q.id for q in questions], vectors)
    return done


def embed_pending(progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Embed every thread that has no vector yet, or a stale one; resumable (each
    batch is committed). `progress(n)` after each batch. `procs` > 1 runs the
    model in that many processes (spawned, one BLAS thread each; the command line
    only) while this one reads the threads and writes the vectors."""
    if not enabled():
        return 0
    if procs <= 1 or pending_count() <= procs:
        return _embed_pending(progress, None, BATCH)
    import multiprocessing

    from search.embedding import embed_in_worker

    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        def embed(texts: list[str]) -> np.ndarray:
            share = -(-len(texts) // procs)
            parts = [texts[i:i + share] for i in range(0, len(texts), share)]
            return np.concatenate(pool.starmap(embed_in_worker,
                                               [(p, MAX_TOKENS) for p in parts]))

        return _embed_pending(progress, embed, BATCH * procs)


def _embed_pending(progress, embed, batch: int) -> int:
    count = 0
    with Session(db.engine) as session:
        while True:
            todo = pending_ids(session, limit=batch * 4)
            if not todo:
                return count
            session.rollback()      # read the next batch afresh
            done = embed_threads(todo, embed, batch)
            count += len(done)
            if progress:
                progress(len(todo))
            if not done:
                return count


# -- the vectors of this process ------------------------------------------------------

@dataclass
class _Vectors:
    vectors: object = None            # VectorSet
    seen_until: datetime | None = None
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _holder() -> _Vectors:
    app = current_app
    holder = app.extensions.get(EXTENSION)
    if holder is None:
        holder = app.extensions.setdefault(EXTENSION, _Vectors())
    return holder


def _load(holder: _Vectors) -> None:
    from search.embedding import DIMENSIONS
    from search.vectors import VectorSet

    name = model_name()
    stmt = select(ThreadVector.question_id, ThreadVector.vector, ThreadVector.updated_at).where(
        ThreadVector.model == name)
    if holder.vectors is None:
        holder.vectors = VectorSet(DIMENSIONS)
    elif holder.seen_until is not None:
        stmt = stmt.where(ThreadVector.updated_at >= holder.seen_until)
    with Session(db.engine) as session:
        rows = session.execute(stmt.execution_options(yield_per=LOAD_ROWS))
        for chunk in rows.partitions(LOAD_ROWS):
            ids = [r[0] for r in chunk]
            matrix = np.frombuffer(b"".join(r[1] for r in chunk), dtype=np.float32)
            holder.vectors.upsert(ids, matrix.reshape(len(ids), DIMENSIONS))
            latest = max(r[2] for r in chunk)
            if holder.seen_until is None or latest > holder.seen_until:
                holder.seen_until = latest


def vector_set():
    """This process's VectorSet, refreshed when REFRESH_SECONDS have passed; None
    when the semantic layer is off."""
    if not enabled():
        return None
    holder = _holder()
    now = time.monotonic()
    if holder.vectors is None or now - holder.checked_at > REFRESH_SECONDS:
        with holder.lock:
            if holder.vectors is None or now - holder.checked_at > REFRESH_SECONDS:
                try:
                    _load(holder)
                except Exception:  # noqa: BLE001 - a failed refresh keeps what is loaded
                    log.exception("thread vectors could not be loaded")
                holder.checked_at = time.monotonic()
    return holder.vectors


def vector_set_add(ids: list[int], vectors: np.ndarray) -> None:
    holder = _holder()
    if holder.vectors is not None:
        holder.vectors.upsert(ids, vectors)


@functools.lru_cache(maxsize=512)
def _embed_query(text: str):
    vector = _model().embed([text], max_tokens=MAX_TOKENS)[0]
    vector.setflags(write=False)
    return vector


def query_vector(text: str) -> np.ndarray | None:
    """The vector of a query or a draft title (cached: /ask asks again as people type)."""
    text = " ".join((text or "").split())[:2_000]
    if not text or not enabled():
        return None
    try:
        return _embed_query(text)
    except Exception:  # noqa: BLE001 - a failed embedding means words alone
        log.exception("query embedding failed")
        return None


__all__ = ["embed_pending", "embed_threads", "enabled", "warm", "pending_count", "pending_ids",
           "query_vector", "thread_text", "vector_set"]
