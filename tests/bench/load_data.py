"""The load benchmark's data set: N threads built from ../shared/data, cached.

Every real thread is prepared once by the importer (`forum.importing.prepare_thread`:
Markdown, sanitised HTML, fitted titles and tags) and kept in a pickle. Thread i is
real thread i % R; copies get a perturbed title (words swapped, synonyms, a product
and version), a product tag, and a body with a first line naming the product and a
last line of shuffled title words, both plain words, so the stored HTML is the real
one's with two paragraphs added: bodies are rendered once per distinct source body.
Each thread gets about 3 answers (its own, then others' from the pool), about 4
comments, and 0-3 votes per post from random users (score = imported score + votes).

Every thread also gets a vector and a stored related list, as `flask search
reindex` leaves a site (so no worker starts embedding 100,000 threads under load):
the real threads are embedded once (cached under instance/bench/), copy k of a real
thread gets that vector moved a little, and its related list is the next five
copies of the same real thread.

Left out on purpose: revisions and reputation events (no page under load reads
them); user reputation is set directly.

Rows are written with SQLAlchemy Core executemany in big transactions, then the
app's `searching.reindex()` rebuilds the search index (Whoosh for SQLite, the
postgres backend for PostgreSQL). Cached: SQLite under instance/bench/
(`load-<n>-v<V>.db`, its Whoosh index beside it); PostgreSQL in the database
`crowdfix_load`, one schema per size and version (`load_<n>_v<V>`). Never `test`.
"""

from __future__ import annotations

import json
import pickle
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from tests.bench import common
from tests.bench.search_speed import PRODUCTS, STOP, _perturb

VERSION = 2            # bump when the generated rows change: old caches are rebuilt
LOAD_DB = "crowdfix_load"
CHUNK = 2000           # threads per executemany round
COMMIT_EVERY = 20_000  # threads per transaction
_WORDCHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass
class DataSet:
    threads: int
    kind: str                 # "sqlite" | "postgres"
    url: str                  # SQLAlchemy URL the app uses
    index_dir: Path | None    # Whoosh index (SQLite)
    meta: dict                # build time, id ranges, samples for the URLs
    reused: bool


# -- the real threads, prepared once ---------------------------------------------------

def _bases_path() -> Path:
    return common.CACHE / f"load-bases-v{VERSION}.pickle"


def load_bases() -> list[dict]:
    """The real threads as the importer prepares them (cached in a pickle)."""
    path = _bases_path()
    if path.exists():
        return pickle.loads(path.read_bytes())
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from forum.importing import Limits, read_records
    from forum.importing.records import prepare_batch

    started = time.perf_counter()
    files = [*common.se_files()]
    if common.newsgroups_file().exists():
        files.append(common.newsgroups_file())
    records = [r for f in files for _, r in read_records(f)]
    now = datetime(2026, 1, 1)
    batches = [records[i:i + 250] for i in range(0, len(records), 250)]
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        prepared = [t for batch in pool.map(prepare_batch, batches, [now] * len(batches),
                                            [Limits()] * len(batches)) for t in batch]
    bases = [{
        "title": t.title, "body": t.body, "html": t.body_html, "tags": list(t.tags),
        "score": t.score, "created_at": t.created_at, "views": t.view_count, "closed": t.closed,
        "answers": [(a.body, a.body_html, a.score, a.accepted) for a in t.answers][:6],
    } for t in prepared]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(bases))
    print(f"  prepared {len(bases)} real threads in {time.perf_counter() - started:.1f} s")
    return bases


def _comment_pool(bases: list[dict], rng: random.Random, size: int = 400) -> list[tuple[str, str]]:
    """Short comments made of real answer words (plain words: Markdown is the text)."""
    import re

    words = [w for b in bases[:3000] for a in b["answers"][:1]
             for w in re.findall(r"[A-Za-z][a-z]{2,}", a[0])[:40]]
    pool = []
    for _ in range(size):
        text = " ".join(rng.sample(words, rng.randint(6, 24))).capitalize() + "."
        pool.append((text, f"<p>{escape(text)}</p>"))
    return pool


def search_words(bases: list[dict], count: int = 600, seed: int = 5) -> list[str]:
    """Search box queries: one to three title words of real threads."""
    import re

    rng = random.Random(seed)
    out = []
    while len(out) < count:
        words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]{3,}", rng.choice(bases)["title"])
                 if w.lower() not in STOP]
        if words:
            out.append(" ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))))
    return out


# -- generating rows ---------------------------------------------------------------------

def _users(n_users: int, rng: random.Random) -> list[dict]:
    when = datetime(2015, 1, 1)
    return [{"id": i, "username": f"member{i}", "username_lower": f"member{i}",
             "email": f"member{i}@load.invalid", "password_hash": "!bench-cannot-sign-in",
             "role": "member", "reputation": max(1, int(rng.paretovariate(1.2) * 8)),
             "about": "", "created_at": when + timedelta(days=i % 3000),
             "email_notifications": rng.choice(("immediate", "daily", "off"))}
            for i in range(1, n_users + 1)]


def _thread_rows(i: int, bases: list[dict], answer_pool: list[tuple], comments: list[tuple],
                 n_users: int, ids: list[int], out: dict[str, list]) -> None:
    """Rows of thread i (question id i + 1) appended to `out`; ids[0] is the next free id."""
    from forum.slugs import slugify

    base = bases[i % len(bases)]
    copy = i // len(bases)
    rng = random.Random(1_000_003 * VERSION + i)
    qid = i + 1
    title, body, html_body, tags = base["title"], base["body"], base["html"], list(base["tags"])
    if copy:
        product = rng.choice(PRODUCTS)
        version = f"{rng.randint(1, 12)}.{rng.randint(0, 9)}"
        title = " ".join(_perturb(title.split(), rng, 1))[:128] + f" ({product} {version})"
        first = f"Seen on {product} {version}."
        words = [w for w in "".join(c if c.lower() in _WORDCHARS else " " for c in title).split()
                 if len(w) > 2]
        rng.shuffle(words)
        last = "Also tried: " + " ".join(words[:8]) + "."
        body = f"{first}\n\n{body}\n\n{last}"
        html_body = f"<p>{escape(first)}</p>\n{html_body}\n<p>{escape(last)}</p>"
        slug = "".join(c if c in _WORDCHARS else "-" for c in product.lower()).strip("-")
        tags = list(dict.fromkeys([*tags[:4], slug]))
    asked = base["created_at"] + timedelta(days=rng.randint(0, 900) * bool(copy),
                                           minutes=rng.randint(0, 1440))
    author = rng.randint(1, n_users)
    answers = list(base["answers"])
    want = rng.choice((0, 1, 2, 3, 3, 3, 4, 4, 5, 6))
    while len(answers) < want:
        answers.append(rng.choice(answer_pool)[:3] + (False,))
    activity = asked
    accepted = None
    posts = [qid]
    for body_a, html_a, score_a, is_accepted in answers:
        aid = ids[0]
        ids[0] += 1
        posts.append(aid)
        at = asked + timedelta(hours=rng.randint(1, 400))
        activity = max(activity, at)
        if is_accepted and accepted is None:
            accepted = aid
        out["answers"].append({
            "id": aid, "type": "answer", "author_id": rng.randint(1, n_users), "body": body_a,
            "body_html": html_a, "score": score_a, "imported_score": score_a,
            "comment_count": 0, "created_at": at, "last_activity_at": at, "question_id": qid,
            "answer_count": 0, "view_count": 0})
    out["questions"].append({
        "id": qid, "type": "question", "author_id": author, "body": body, "body_html": html_body,
        "score": base["score"], "imported_score": base["score"], "comment_count": 0,
        "created_at": asked, "last_activity_at": activity, "title": title, "slug": slugify(title),
        "status": "closed" if base["closed"] else "open",
        "closed_at": asked + timedelta(days=2) if base["closed"] else None,
        "answer_count": len(answers), "view_count": base["views"] + rng.randint(0, 500),
        "question_id": None})
    if accepted:
        out["accepted"].append({"b_id": qid, "b_answer": accepted})
    rows = out["questions"][-1:] + out["answers"][-len(answers):] if answers else out["questions"][-1:]
    for _ in range(rng.randint(2, 6)):
        row = rng.choice(rows)
        body_c, html_c = rng.choice(comments)
        row["comment_count"] += 1
        out["comments"].append({"post_id": row["id"], "author_id": rng.randint(1, n_users),
                                "body": body_c, "body_html": html_c,
                                "created_at": row["created_at"] + timedelta(hours=rng.randint(1, 48))})
    for row in rows:
        for voter in rng.sample(range(1, n_users + 1), rng.randint(0, 3)):
            if voter == row["author_id"]:
                continue
            value = 1 if rng.random() < 0.85 else -1
            row["score"] += value
            out["votes"].append({"post_id": row["id"], "user_id": voter, "value": value,
                                 "created_at": row["created_at"], "updated_at": row["created_at"]})
    for name in tags:
        out["tags"].append((qid, name))


def _write(engine, n: int, bases: list[dict]) -> dict:
    """Insert every row; return the id ranges and samples the load scripts need."""
    from sqlalchemy import bindparam, update

    from forum.models import Comment, Post, Tag, User, Vote, question_tags

    rng = random.Random(99)
    n_users = max(500, n // 10)
    answer_pool = [a for b in bases for a in b["answers"]]
    comments = _comment_pool(bases, rng)
    posts = Post.__table__
    tag_ids: dict[str, int] = {}
    tag_counts: dict[str, int] = {}
    ids = [n + 1]
    conn = engine.connect()
    tx = conn.begin()
    try:
        users = _users(n_users, rng)
        conn.execute(User.__table__.insert(), users)
        for start in range(0, n, CHUNK):
            out: dict[str, list] = {k: [] for k in ("questions", "answers", "comments", "votes",
                                                    "tags", "accepted")}
            for i in range(start, min(n, start + CHUNK)):
                _thread_rows(i, bases, answer_pool, comments, n_users, ids, out)
            new = sorted({name for _, name in out["tags"]} - tag_ids.keys())
            for name in new:
                tag_ids[name] = len(tag_ids) + 1
            if new:
                conn.execute(Tag.__table__.insert(), [
                    {"id": tag_ids[t], "name": t, "description": "", "question_count": 0,
                     "created_at": datetime(2015, 1, 1)} for t in new])
            for _, name in out["tags"]:
                tag_counts[name] = tag_counts.get(name, 0) + 1
            conn.execute(posts.insert(), out["questions"])
            if out["answers"]:
                conn.execute(posts.insert(), out["answers"])
            if out["accepted"]:
                conn.execute(update(posts).where(posts.c.id == bindparam("b_id"))
                             .values(accepted_answer_id=bindparam("b_answer")), out["accepted"])
            conn.execute(question_tags.insert(), [{"question_id": q, "tag_id": tag_ids[t]}
                                                  for q, t in out["tags"]])
            conn.execute(Comment.__table__.insert(), out["comments"])
            if out["votes"]:
                conn.execute(Vote.__table__.insert(), out["votes"])
            if (start + CHUNK) % COMMIT_EVERY == 0:
                tx.commit()
                tx = conn.begin()
            if start % 20_000 == 0:
                print(f"  rows for {min(n, start + CHUNK)} threads", flush=True)
        tags = Tag.__table__
        conn.execute(update(tags).where(tags.c.id == bindparam("b_id"))
                     .values(question_count=bindparam("b_n")),
                     [{"b_id": tag_ids[t], "b_n": c} for t, c in tag_counts.items()])
        tx.commit()
    finally:
        conn.close()
    # Samples for the load scripts: spread over the whole set.
    from forum.slugs import slugify  # noqa: F401  (same slugs as the rows)

    sample = random.Random(3)
    top_tags = sorted(tag_counts, key=lambda t: -tag_counts[t])
    return {
        "threads": n, "user_count": n_users, "max_post_id": ids[0] - 1,
        "tags_top": top_tags[:50], "tags_any": sample.sample(top_tags, min(400, len(top_tags))),
        "user_sample": sorted(sample.sample(range(1, n_users + 1), min(2000, n_users))),
        "question_sample": sorted(sample.sample(range(1, n + 1), min(20_000, n))),
    }


def _sample_rows(engine, meta: dict) -> dict:
    """Slugs of the sampled questions, names of the sampled users (read back)."""
    from sqlalchemy import text

    out = {}
    with engine.connect() as conn:
        qs = meta["question_sample"]
        rows = []
        for start in range(0, len(qs), 5000):
            part = qs[start:start + 5000]
            rows += conn.execute(text(
                f"SELECT id, slug, status FROM posts WHERE id IN ({','.join(map(str, part))})")).all()
        out["questions"] = [[r[0], r[1], r[2]] for r in rows]
        us = meta["user_sample"]
        out["users"] = [list(r) for r in conn.execute(text(
            f"SELECT id, username FROM users WHERE id IN ({','.join(map(str, us))})")).all()]
    return out


# -- vectors and related lists ------------------------------------------------------------

def _base_vectors(bases: list[dict]):
    """The real threads' vectors (title + lead, as the app embeds them), cached."""
    import multiprocessing
    import os

    import numpy as np

    from forum.services.semantic import MAX_TOKENS, thread_text
    from search.embedding import MODEL_NAME, embed_in_worker

    path = common.CACHE / f"load-base-vectors-v{VERSION}-{MODEL_NAME}-{MAX_TOKENS}-{len(bases)}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    texts = [thread_text(b["title"], b["body"]) for b in bases]
    with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 1) as pool:
        parts = [(texts[i:i + 256], MAX_TOKENS) for i in range(0, len(texts), 256)]
        vectors = np.concatenate(pool.starmap(embed_in_worker, parts))
    print(f"  embedded the {len(bases)} real threads in {time.perf_counter() - started:.0f} s",
          flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _write_vectors(engine, n: int, bases: list[dict]) -> None:
    import numpy as np

    from forum.models import RelatedList, ThreadVector
    from search.embedding import MODEL_NAME

    base = _base_vectors(bases)
    rng = np.random.default_rng(5)
    now = datetime.utcnow()
    r = len(bases)
    with engine.begin() as conn:
        for start in range(0, n, CHUNK):
            idx = np.arange(start, min(n, start + CHUNK))
            chunk = base[idx % r] + rng.normal(0, 0.02, (len(idx), base.shape[1])).astype(
                np.float32) * (idx >= r)[:, None]
            chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
            conn.execute(ThreadVector.__table__.insert(), [
                {"question_id": int(i) + 1, "model": MODEL_NAME, "vector": v.astype(np.float32).tobytes(),
                 "source_at": now, "updated_at": now} for i, v in zip(idx, chunk, strict=True)])
            related = []
            for i in idx.tolist():
                copies = [(i + k * r) % (((n - 1 - i % r) // r + 1) * r) for k in range(1, 6)]
                ids = [c + 1 for c in dict.fromkeys(copies) if c != i and c < n]
                related.append({"question_id": i + 1, "ids": ",".join(map(str, ids)),
                                "computed_at": now})
            conn.execute(RelatedList.__table__.insert(), related)


# -- building or reusing ----------------------------------------------------------------

def _reindex(app) -> float:
    import os

    from forum.services import searching

    started = time.perf_counter()
    with app.app_context():
        searching.reindex(procs=os.cpu_count() or 1)     # as `flask search reindex --procs`
    return time.perf_counter() - started


def _finish_postgres(engine) -> None:
    """Move each id sequence past the explicit ids, and refresh statistics."""
    from sqlalchemy import text

    with engine.begin() as conn:
        for table in ("users", "posts", "tags", "comments", "votes"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _upgrade(app) -> None:
    """A cached set built before the latest migration gets it (new indexes, say),
    and fresh planner statistics when it changed anything."""
    from sqlalchemy import text

    from forum.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            before = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        common.migrate()
        with db.engine.connect() as conn:
            after = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if after != before:
            print(f"  upgraded the cached set from {before} to {after}", flush=True)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()


def sqlite_set(n: int, rebuild: bool = False) -> DataSet:
    from sqlalchemy import create_engine, event

    stem = common.CACHE / f"load-{n}-v{VERSION}"
    db_path, index_dir, marker = stem.with_suffix(".db"), Path(f"{stem}-whoosh"), stem.with_suffix(".json")
    url = f"sqlite:///{db_path}"
    if not rebuild and marker.exists() and db_path.exists():
        _upgrade(common.bench_app(common.CACHE / "load-instance", url, "whoosh", index_dir))
        return DataSet(n, "sqlite", url, index_dir, json.loads(marker.read_text()), True)
    bases = load_bases()
    db_path.unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    app = common.bench_app(common.CACHE / "load-instance", url, "whoosh", index_dir)
    with app.app_context():
        common.migrate()
        from forum.extensions import db
        db.session.remove()
        db.engine.dispose()        # no connection of the app's left open on the file
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _fast(dbapi_conn, _record):          # a build that fails is simply rebuilt
        # The migration left the file in WAL mode (the app's); WAL with no syncs is
        # as fast for a bulk load, and needs no change of journal mode, which SQLite
        # refuses ("database is locked") while any other connection is open.
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    meta = _write(engine, n, bases)
    _write_vectors(engine, n, bases)
    rows_s = time.perf_counter() - started
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    meta.update(_sample_rows(engine, meta))
    engine.dispose()
    index_s = _reindex(app)
    meta.update(build_rows_s=rows_s, build_index_s=index_s, version=VERSION)
    marker.write_text(json.dumps(meta))
    return DataSet(n, "sqlite", url, index_dir, meta, False)


def _schema(n: int) -> str:
    return f"load_{n}_v{VERSION}"


def postgres_url(n: int) -> str:
    return (f"postgresql+psycopg://postgres@{common.PG_HOST}:{common.PG_PORT}/{LOAD_DB}"
            f"?options=-csearch_path%3D{_schema(n)},public")


def postgres_set(n: int, rebuild: bool = False) -> DataSet:
    import psycopg
    import psycopg.sql
    from sqlalchemy import create_engine

    admin = f"postgresql://postgres@{common.PG_HOST}:{common.PG_PORT}/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (LOAD_DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{LOAD_DB}"')
    dsn = f"postgresql://postgres@{common.PG_HOST}:{common.PG_PORT}/{LOAD_DB}"
    schema = _schema(n)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        assert conn.info.dbname == LOAD_DB
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        comment = conn.execute("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace "
                               "WHERE nspname = %s", (schema,)).fetchone()
        if not rebuild and comment and comment[0]:
            _upgrade(common.bench_app(common.CACHE / "load-instance", postgres_url(n), "postgres"))
            return DataSet(n, "postgres", postgres_url(n), None, json.loads(comment[0]), True)
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    bases = load_bases()
    url = postgres_url(n)
    started = time.perf_counter()
    app = common.bench_app(common.CACHE / "load-instance", url, "postgres")
    with app.app_context():
        common.migrate()
        from forum.extensions import db
        db.session.remove()
        db.engine.dispose()
    engine = create_engine(url)
    meta = _write(engine, n, bases)
    _write_vectors(engine, n, bases)
    _finish_postgres(engine)
    rows_s = time.perf_counter() - started
    meta.update(_sample_rows(engine, meta))
    engine.dispose()
    index_s = _reindex(app)
    with app.app_context():
        from forum.extensions import db
        db.engine.dispose()
    meta.update(build_rows_s=rows_s, build_index_s=index_s, version=VERSION)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'ANALYZE "{schema}".search_threads')
        conn.execute(psycopg.sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
            psycopg.sql.Identifier(schema), psycopg.sql.Literal(json.dumps(meta))))
    return DataSet(n, "postgres", url, None, meta, False)
