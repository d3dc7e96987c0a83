"""Search speed at scale: `python -m tests.bench.search_speed [--threads 100000]`.

Builds an index of N threads (default 100,000): the real threads of
../shared/data repeated, each copy with a perturbed title and body (words
swapped, synonyms, a product and version appended), fed to the backend's
`upsert_many` in batches as `search.ThreadDoc`s (no database rows are needed
for the Whoosh index; for PostgreSQL, whose `search_threads` rows reference
`posts`, stub question rows are inserted first, untimed). Prints the indexing
rate, then p50/p99 latency over a few hundred mixed queries (words, phrases,
tag:/is: filters, exclusions, misspellings, whole titles; all four sorts)
through `index.search(parse(q), ...)`.

Built indexes are kept and reused when the same size is asked for again:
Whoosh under instance/bench/, PostgreSQL in the database `crowdfix_bench`
(which this resets when it rebuilds; never `test`). `--rebuild` forces a build.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tests.bench import common

VERSION = 2   # bump when the generated documents or the analysis change, so caches are rebuilt
SYNONYMS = {
    "error": "failure", "problem": "issue", "issue": "problem", "install": "set up",
    "fast": "quick", "slow": "sluggish", "question": "query", "answer": "reply",
    "broken": "faulty", "fix": "repair", "using": "with", "how": "how do i",
    "use": "utilise", "change": "modify", "remove": "delete", "delete": "remove",
    "show": "display", "find": "locate", "get": "obtain", "make": "create",
    "device": "gadget", "network": "net", "computer": "pc", "program": "application",
    "file": "document", "new": "fresh", "old": "legacy", "site": "website",
    "tag": "label", "post": "message", "user": "member", "data": "dataset",
}
PRODUCTS = ("Raspberry Pi 4", "ESP32", "Arduino Uno", "Windows 11", "macOS 14", "Ubuntu 24.04",
            "AeroBook 14", "Qiskit", "TensorFlow", "PyTorch", "Zigbee2MQTT", "Home Assistant",
            "Shimano 105", "Firefox", "Chrome", "Android 14", "iOS 17", "Prusa MK4")
_STOPWORDS = """a an and are as at be but by can do for from has have how i if in is it my no
not of on or so that the this to was what when where which why with you your does there their
one any"""
STOP = frozenset(_STOPWORDS.split())
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#-]{2,}")


@dataclass(frozen=True)
class Base:
    title: str
    body: str
    tags: tuple[str, ...]
    answers: tuple[str, ...]
    top_answers: tuple[str, ...]
    score: int
    created_at: datetime


def _text(record_body: str, is_html: bool) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", record_body)).split()) if is_html else record_body


def load_bases() -> list[Base]:
    files = [*common.se_files()]
    if common.newsgroups_file().exists():
        files.append(common.newsgroups_file())
    bases = []
    for path in files:
        with path.open(encoding="utf-8") as lines:
            for record in map(json.loads, lines):
                is_html = bool(record.get("site"))
                accepted = record.get("accepted_answer_id")
                answers = [(a["id"] == accepted or a.get("accepted"), _text(a["body"], is_html))
                           for a in record.get("answers", [])]
                created = record.get("creation_date")
                bases.append(Base(
                    title=record["title"], body=_text(record["body"], is_html),
                    tags=tuple(t.lower() for t in record.get("tags", [])[:5]),
                    answers=tuple(t for top, t in answers if not top),
                    top_answers=tuple(t for top, t in answers if top),
                    score=record.get("score") or 0,
                    created_at=datetime.fromisoformat(created) if created else datetime(1993, 4, 1),
                ))
    return bases


def _perturb(words: list[str], rng: random.Random, swaps: int) -> list[str]:
    words = list(words)
    for _ in range(swaps):
        if len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
    for i, word in enumerate(words):
        synonym = SYNONYMS.get(word.lower())
        if synonym and rng.random() < 0.5:
            words[i] = synonym
    return words


def documents(n: int, bases: list[Base], seed: int = 7) -> Iterator:
    """N ThreadDocs, ids 1..N: the real threads, then perturbed copies of them."""
    from search import ThreadDoc

    for i in range(n):
        base = bases[i % len(bases)]
        copy = i // len(bases)
        rng = random.Random(seed * 1_000_003 + i)
        title, body, tags = base.title, base.body, base.tags
        if copy:
            product = rng.choice(PRODUCTS)
            version = f"{rng.randint(1, 12)}.{rng.randint(0, 9)}"
            title = " ".join(_perturb(title.split(), rng, 1)) + f" ({product} {version})"
            body = (f"Using {product} {version}. "
                    + " ".join(_perturb(body.split()[:800], rng, 3)))
            slug = re.sub(r"[^a-z0-9]+", "-", product.lower()).strip("-")
            tags = tuple(dict.fromkeys([*tags[:4], slug]))
        created = base.created_at + timedelta(days=rng.randint(0, 900) * bool(copy))
        yield ThreadDoc(
            id=i + 1, title=title[:150], body=body, tags=tags, answers=base.answers,
            top_answers=base.top_answers, author=f"user{rng.randint(1, 5000)}",
            solved=bool(base.top_answers), status="closed" if rng.random() < 0.03 else "open",
            score=base.score + (rng.randint(-2, 5) if copy else 0),
            answer_count=len(base.answers) + len(base.top_answers), created_at=created,
            activity_at=created + timedelta(hours=rng.randint(0, 2000)),
        )


# -- queries ---------------------------------------------------------------------------

def _misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return rng.choice([word[:i] + word[i + 1:], word[:i] + word[i + 1] + word[i] + word[i + 2:],
                       word[:i] + word[i] + word[i:]])


def queries(bases: list[Base], count: int, seed: int = 11) -> list[tuple[str, str, str]]:
    """(kind, query text, sort) mixed like a search box sees them."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        base = rng.choice(bases)
        words = [w.lower() for w in _WORD.findall(base.title) if w.lower() not in STOP]
        if len(words) < 2:
            continue
        roll = rng.random()
        if roll < 0.35:
            kind, q = "words", " ".join(rng.sample(words, min(len(words), rng.randint(1, 3))))
        elif roll < 0.45:
            i = rng.randrange(len(words) - 1)
            kind, q = "phrase", f'"{words[i]} {words[i + 1]}"'
        elif roll < 0.60 and base.tags:
            kind, q = "tag", f"tag:{rng.choice(base.tags)} {rng.choice(words)}"
        elif roll < 0.70:
            flag = rng.choice(("is:solved", "is:unsolved", "is:unanswered", "is:open"))
            kind, q = "is", f"{rng.choice(words)} {flag}"
        elif roll < 0.80 and any(len(w) >= 5 for w in words):
            word = rng.choice([w for w in words if len(w) >= 5])
            kind, q = "misspelt", " ".join([_misspell(word, rng), *rng.sample(words, 1)])
        elif roll < 0.88:
            a, b = rng.sample(words, 2)
            kind, q = "exclude", f"{a} -{b}"
        else:
            kind, q = "title", base.title
        sort = rng.choices(("relevance", "newest", "votes", "activity"), (7, 1, 1, 1))[0]
        out.append((kind, q, sort))
    return out


def measure(index, qs: list[tuple[str, str, str]]) -> dict[str, list[float]]:
    from search.query import parse

    for _, q, sort in qs[:20]:                         # warm caches; not counted
        index.search(parse(q), sort=sort, page=1, per_page=20)
    times: dict[str, list[float]] = {}
    for kind, q, sort in qs:
        started = time.perf_counter()
        index.search(parse(q), sort=sort, page=1, per_page=20)
        times.setdefault(kind, []).append(1000 * (time.perf_counter() - started))
    return times


# -- similar while asking at scale ---------------------------------------------------------

def base_vectors(bases: list[Base]):
    """The real threads' vectors (title + lead, as the app embeds them), cached under
    instance/bench: embedding every base takes minutes, the copies reuse them."""
    import numpy as np

    from forum.services.semantic import MAX_TOKENS, thread_text
    from search.embedding import MODEL_NAME

    path = common.CACHE / f"base-vectors-{MODEL_NAME}-{MAX_TOKENS}-{len(bases)}.npy"
    if path.exists():
        return np.load(path)
    import multiprocessing

    from search.embedding import embed_in_worker

    started = time.perf_counter()
    texts = [thread_text(b.title, b.body) for b in bases]
    procs = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(procs) as pool:
        parts = [(texts[i:i + 256], MAX_TOKENS) for i in range(0, len(texts), 256)]
        vectors = np.concatenate(pool.starmap(embed_in_worker, parts))
    took = time.perf_counter() - started
    print(f"  embedded the {len(bases)} real threads in {took:.0f} s "
          f"({len(bases) / took:.1f} threads/s); cached in {path}")
    np.save(path, vectors)
    return vectors


def thread_vectors(n: int, bases: list[Base]):
    """A VectorSet of N threads: copy k of a real thread has that thread's vector
    moved a little (the copies' texts are perturbed too), renormalised."""
    import numpy as np

    from search.vectors import VectorSet

    base = base_vectors(bases)
    rng = np.random.default_rng(5)
    vectors = VectorSet(base.shape[1])
    for start in range(0, n, 10_000):
        ids = np.arange(start, min(n, start + 10_000))
        chunk = base[ids % len(bases)] + rng.normal(0, 0.02, (len(ids), base.shape[1])).astype(
            np.float32) * (ids >= len(bases))[:, None]
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        vectors.upsert((ids + 1).tolist(), chunk)
    return vectors


def measure_similar(index, vectors, bases: list[Base], count: int = 200, seed: int = 13):
    """What /ask's similar threads cost: the backend's lexical similar() of the title,
    the title's embedding, the nearest of every thread vector, and the fusion, as
    forum.services.searching.similar_signals does (less its visibility query).
    Returns ms per step and in all."""
    from forum.services.searching import LEXICAL_WEIGHT, SIMILAR_CANDIDATES, VECTOR_WEIGHT
    from forum.services.semantic import MAX_TOKENS, thread_text
    from search.embedding import get_embedder
    from search.vectors import fuse

    embedder = get_embedder()
    rng = random.Random(seed)
    titles = [rng.choice(bases).title for _ in range(count)]
    steps: dict[str, list[float]] = {"lexical": [], "embed": [], "nearest": [], "all": []}
    for n, title in enumerate(titles):
        t0 = time.perf_counter()
        lexical = index.similar(title, limit=SIMILAR_CANDIDATES)
        t1 = time.perf_counter()
        query = embedder.embed([thread_text(title)], max_tokens=MAX_TOKENS)[0]
        t2 = time.perf_counter()
        nearest = vectors.nearest(query, SIMILAR_CANDIDATES)
        fuse([([i for i, _ in nearest], VECTOR_WEIGHT), ([h.id for h in lexical], LEXICAL_WEIGHT)])
        t3 = time.perf_counter()
        if n >= 10:         # the first ten warm caches
            for key, (a, b) in {"lexical": (t0, t1), "embed": (t1, t2), "nearest": (t2, t3),
                                "all": (t0, t3)}.items():
                steps[key].append(1000 * (b - a))
    return steps


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# -- building (or reusing) the indexes -------------------------------------------------

def _feed(index, docs: Iterator, batch: int, procs: int = 1) -> float:
    """upsert_many in batches (or, with procs > 1, in one call that analyses the
    text in that many processes, as `flask search reindex` does); threads/s."""
    started, total, chunk = time.perf_counter(), 0, []
    if procs > 1:
        total = index.upsert_many(docs, procs=procs)
        elapsed = time.perf_counter() - started
        print(f"  indexed {total} threads in {elapsed:.1f} s ({procs} processes)")
        return total / elapsed
    for doc in docs:
        chunk.append(doc)
        if len(chunk) >= batch:
            total += index.upsert_many(chunk)
            chunk = []
            if sys.stdout.isatty():
                print(f"\r  indexed {total}", end="", flush=True)
    if chunk:
        total += index.upsert_many(chunk)
    elapsed = time.perf_counter() - started
    print(f"\r  indexed {total} threads in {elapsed:.1f} s")
    return total / elapsed


def whoosh_index(n: int, bases: list[Base], batch: int, rebuild: bool):
    from search.whoosh_index import WhooshIndex

    directory = common.CACHE / f"whoosh-{n}"
    marker = directory.parent / f"whoosh-{n}.json"
    index = WhooshIndex(directory)
    if not rebuild and marker.exists():
        built = json.loads(marker.read_text())
        if built.get("version") == VERSION and index.count() == n:
            return index, built["rate"], True
    index.clear()
    rate = _feed(index, documents(n, bases), batch, procs=os.cpu_count() or 1)
    marker.write_text(json.dumps({"version": VERSION, "threads": n, "rate": rate}))
    return index, rate, False


def postgres_index(n: int, bases: list[Base], batch: int, rebuild: bool):
    from sqlalchemy import create_engine, text

    from search.postgres_index import PostgresIndex

    url = common.ensure_bench_database()
    label = f"crowdfix-bench speed v{VERSION} threads={n}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            comment = conn.execute(text(
                "SELECT obj_description(to_regclass('search_threads'), 'pg_class')")).scalar()
        if not rebuild and comment and comment.startswith(label + " rate="):
            return PostgresIndex(url), float(comment.rsplit("=", 1)[1]), True
        common.reset_bench_database()
        _stub_posts(url, n)
        index = PostgresIndex(url)
        rate = _feed(index, documents(n, bases), batch)
        with engine.begin() as conn:
            conn.execute(text(f"COMMENT ON TABLE search_threads IS '{label} rate={rate:.1f}'"))
            conn.execute(text("ANALYZE search_threads"))
        return index, rate, False
    finally:
        engine.dispose()


def _stub_posts(url: str, n: int) -> None:
    """The app's schema and N bare question rows (search_threads.id references posts)."""
    import tempfile

    from forum.extensions import db
    from forum.models import Post, User

    with tempfile.TemporaryDirectory(prefix="crowdfix-speed-") as scratch:
        app = common.bench_app(Path(scratch), url, backend="postgres")
        with app.app_context():
            common.migrate()
            now = datetime(2024, 1, 1)
            user_id = db.session.execute(User.__table__.insert().returning(User.id), [{
                "username": "bench", "username_lower": "bench", "email": "bench@bench.invalid",
                "password_hash": "!", "role": "member", "reputation": 1, "about": "",
                "created_at": now}]).scalar_one()
            for start in range(0, n, 5000):
                db.session.execute(Post.__table__.insert(), [
                    {"id": i, "type": "question", "author_id": user_id, "title": f"thread {i}",
                     "slug": f"thread-{i}", "body": "", "body_html": "", "status": "open",
                     "created_at": now, "last_activity_at": now}
                    for i in range(start + 1, min(n, start + 5000) + 1)])
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--batch", type=int, default=2000, help="Documents per upsert_many.")
    parser.add_argument("--rebuild", action="store_true", help="Build even if a cached index fits.")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-similar", action="store_true",
                        help="Skip similar-while-asking (lexical + vectors).")
    args = parser.parse_args(argv)
    common.require_data()
    common.CACHE.mkdir(parents=True, exist_ok=True)
    bases = load_bases()
    qs = queries(bases, args.queries)
    print(f"{args.threads} threads from {len(bases)} real ones; {len(qs)} queries "
          f"({', '.join(f'{k} {sum(1 for q in qs if q[0] == k)}' for k in dict.fromkeys(q[0] for q in qs))})")
    builders = [("whoosh", whoosh_index)]
    if args.no_postgres:
        pass
    elif not common.postgres_answers():
        print("PostgreSQL does not answer on 127.0.0.1:5432: postgres backend skipped.")
    else:
        try:
            import search.postgres_index  # noqa: F401
            builders.append(("postgres", postgres_index))
        except ImportError as e:
            print(f"search.postgres_index is not available ({e}): postgres backend skipped.")
    rows, kinds, similar_rows = [], {}, []
    vectors = None
    if not args.no_similar:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")      # as the app runs the model
        print("vectors:")
        rss = common.rss_mb()
        vectors = thread_vectors(args.threads, bases)
        print(f"  {len(vectors)} thread vectors in memory: {vectors.nbytes() / 2**20:.0f} MB "
              f"(process RSS {rss:.0f} -> {common.rss_mb():.0f} MB with the model)")
    for name, build in builders:
        print(f"{name}:")
        index, rate, reused = build(args.threads, bases, args.batch, args.rebuild)
        if reused:
            print(f"  reusing the {args.threads}-thread index built earlier")
        if vectors is not None:
            steps = measure_similar(index, vectors, bases)
            similar_rows.append([name, *(f"{percentile(steps[k], 50):.1f} / "
                                         f"{percentile(steps[k], 99):.1f}"
                                         for k in ("lexical", "embed", "nearest", "all"))])
        times = measure(index, qs)
        every = [t for ts in times.values() for t in ts]
        rows.append([name, args.threads, f"{rate:.0f}" + (" (cached)" if reused else ""),
                     percentile(every, 50), percentile(every, 99), statistics.fmean(every)])
        kinds[name] = {k: percentile(v, 50) for k, v in times.items()}
    print()
    common.print_table(["backend", "threads", "indexed/s", "p50 ms", "p99 ms", "mean ms"], rows)
    print()
    order = list(dict.fromkeys(q[0] for q in qs))
    common.print_table(["p50 ms by kind", *order],
                       [[name, *(kinds[name].get(k) for k in order)] for name in kinds])
    if similar_rows:
        print()
        print(f"Similar while asking, {args.threads} threads (p50 / p99 ms):")
        common.print_table(["backend", "lexical similar()", "embed title", "nearest vectors",
                            "in all"], similar_rows)


if __name__ == "__main__":
    main()
