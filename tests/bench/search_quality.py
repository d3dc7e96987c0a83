"""Search quality on real judgments: `python -m tests.bench.search_quality`.

Imports every `se_*.jsonl` (and, as distractors, the 20 Newsgroups threads) with
the real importer into a scratch instance, builds the index with
`forum.services.searching.reindex()`, then for each pair of
`related_links.jsonl` (questions the sites themselves linked as related)
searches with the query question's title, parsed by `search.query.parse` like
the search box does, and notes where the related question ranks (the query
thread itself left out). Pairs are taken as listed, query_id -> related_id
(the file lists some pairs in both directions; each listed direction counts).

Rows: the whoosh backend; the postgres backend when PostgreSQL answers on
127.0.0.1:5432 (in its own database `crowdfix_bench`, which this resets);
`similar()` of each backend (the related-questions column, /ask's suggestions);
and a plain baseline: a separate Whoosh index of title + body with no stemming, no
field boosts, BM25F defaults, queried with an OR of the title's words.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.bench import common

RANK_DEPTH = 50
# One more than the depth, so that leaving out the query thread still leaves 50.
PER_PAGE = RANK_DEPTH + 1


@dataclass
class Metrics:
    name: str
    pairs: int = 0
    hit3: int = 0
    hit10: int = 0
    hit50: int = 0
    rr10: float = 0.0
    seconds: float = 0.0

    def add(self, rank: int | None) -> None:
        self.pairs += 1
        if rank is not None and rank <= 3:
            self.hit3 += 1
        if rank is not None and rank <= 10:
            self.hit10 += 1
            self.rr10 += 1.0 / rank
        if rank is not None and rank <= RANK_DEPTH:
            self.hit50 += 1

    def row(self) -> list:
        n = self.pairs or 1
        return [self.name, self.pairs, self.hit3 / n, self.hit10 / n, self.hit50 / n,
                self.rr10 / n, f"{1000 * self.seconds / n:.1f}"]


def load_pairs() -> list[tuple[str, str]]:
    path = common.DATA / "related_links.jsonl"
    with path.open(encoding="utf-8") as lines:
        return [(p["query_id"], p["related_id"]) for p in map(json.loads, lines) if p]


def evaluate(name: str, ranked: Callable[[str], list[int]], threads: dict[str, tuple[int, str]],
             pairs: list[tuple[str, str]]) -> Metrics:
    """`ranked(title)` -> thread ids, best first. `threads`: source -> (id, title)."""
    metrics = Metrics(name)
    started = time.perf_counter()
    for query_source, related_source in pairs:
        if query_source not in threads or related_source not in threads:
            continue
        query_id, title = threads[query_source]
        ids = [i for i in ranked(title) if i != query_id][:RANK_DEPTH]
        related_id = threads[related_source][0]
        metrics.add(ids.index(related_id) + 1 if related_id in ids else None)
    metrics.seconds = time.perf_counter() - started
    return metrics


def build_site(app, files: list[Path], jobs: int,
               embed: bool = True) -> dict[str, tuple[int, str]]:
    """Migrate, import and index; return source -> (question id, title)."""
    from sqlalchemy import select

    from forum import importing
    from forum.extensions import db
    from forum.models import Question
    from forum.services import searching

    with app.app_context():
        common.migrate()
        started = time.perf_counter()
        report = importing.import_files(files, jobs=jobs)
        imported = time.perf_counter() - started
        count = searching.reindex()
        indexed = time.perf_counter() - started - imported
        print(f"  imported {report.threads} threads, {report.answers} answers in {imported:.1f} s; "
              f"indexed {count} threads in {indexed:.1f} s")
        if embed:
            from forum.services import semantic

            started = time.perf_counter()
            vectors = semantic.embed_pending()
            took = time.perf_counter() - started
            print(f"  embedded {vectors} threads (title + lead) in {took:.1f} s "
                  f"({vectors / max(took, 1e-9):.1f} threads/s)")
        rows = db.session.execute(select(Question.source, Question.id, Question.title)
                                  .where(Question.source.is_not(None))).all()
        db.session.remove()
    return {source: (qid, title) for source, qid, title in rows}


def backend_ranker(app) -> Callable[[str], list[int]]:
    from forum.services import searching
    from search.query import parse

    with app.app_context():
        index = searching.get_index()

    def ranked(title: str) -> list[int]:
        results = index.search(parse(title), sort="relevance", page=1, per_page=PER_PAGE)
        return [hit.id for hit in results.hits]

    return ranked


def similar_ranker(app) -> Callable[[str], list[int]]:
    """What the related-questions column and /ask's suggestions use: `similar()`."""
    from forum.services import searching

    with app.app_context():
        index = searching.get_index()

    def ranked(title: str) -> list[int]:
        return [hit.id for hit in index.similar(title, limit=PER_PAGE)]

    return ranked


def vector_ranker(app) -> Callable[[str], list[int]]:
    """The semantic side alone: nearest thread vectors to the title's embedding."""
    from forum.services import semantic

    def ranked(title: str) -> list[int]:
        with app.app_context():
            vectors = semantic.vector_set()
            query = semantic.query_vector(semantic.thread_text(title))
            return [i for i, _ in vectors.nearest(query, PER_PAGE)] if query is not None else []

    return ranked


def hybrid_ranker(app, vector_weight: float | None = None) -> Callable[[str], list[int]]:
    """What the app ranks similar threads by: lexical similar() and vectors fused
    (forum.services.searching.similar_signals), before the "clearly related" cut."""
    from forum.services import searching

    weight = searching.VECTOR_WEIGHT if vector_weight is None else vector_weight

    def ranked(title: str) -> list[int]:
        with app.test_request_context():
            signals = searching.similar_signals(title, depth=PER_PAGE, vector_weight=weight)
            return [i for i, _ in signals.fused] if signals else []

    return ranked


def baseline_ranker(app, directory: Path) -> Callable[[str], list[int]]:
    """Title + body, `RegexTokenizer() | LowercaseFilter()`, no boosts, BM25F, OR of words."""
    from sqlalchemy import select
    from whoosh import fields, index
    from whoosh import query as Q
    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    from forum.extensions import db
    from forum.models import Question
    from forum.services import searching

    analyzer = RegexTokenizer() | LowercaseFilter()
    schema = fields.Schema(id=fields.NUMERIC(stored=True, unique=True),
                           title=fields.TEXT(analyzer=analyzer),
                           body=fields.TEXT(analyzer=analyzer))
    directory.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(directory), schema)
    with app.app_context():
        ids = list(db.session.scalars(select(Question.id).where(Question.deleted_at.is_(None))))
        writer = ix.writer(limitmb=256)
        for start in range(0, len(ids), 500):
            for doc in searching.thread_docs(ids[start:start + 500]).values():
                if doc is not None:
                    writer.add_document(id=doc.id, title=doc.title, body=doc.body)
        writer.commit()
        db.session.remove()
    searcher = ix.searcher()

    def ranked(title: str) -> list[int]:
        words = list(dict.fromkeys(t.text for t in analyzer(title)))
        if not words:
            return []
        q = Q.Or([Q.Term(f, w) for w in words for f in ("title", "body")])
        return [hit["id"] for hit in searcher.search(q, limit=PER_PAGE)]

    return ranked


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-distractors", action="store_true",
                        help="Leave the 20 Newsgroups threads out.")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--jobs", type=int, default=2, help="Importer worker processes.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch instance.")
    parser.add_argument("--tune", action="store_true",
                        help="Also rank with a range of vector weights for the fusion.")
    args = parser.parse_args(argv)
    common.require_data()
    files = common.se_files()
    if not args.no_distractors and common.newsgroups_file().exists():
        files.append(common.newsgroups_file())
    pairs = load_pairs()
    listed = set(pairs)
    both = sum(1 for a, b in listed if (b, a) in listed) // 2
    scratch = Path(tempfile.mkdtemp(prefix="crowdfix-quality-"))
    results: list[Metrics] = []
    try:
        print(f"Whoosh backend on SQLite ({scratch}):")
        app = common.bench_app(scratch / "whoosh", f"sqlite:///{scratch / 'whoosh' / 'bench.db'}")
        threads = build_site(app, files, args.jobs)
        results.append(evaluate("whoosh (app)", backend_ranker(app), threads, pairs))
        results.append(evaluate("whoosh similar() (lexical side)", similar_ranker(app),
                                threads, pairs))
        results.append(evaluate("vector (all-MiniLM-L6-v2, title)", vector_ranker(app),
                                threads, pairs))
        results.append(evaluate("hybrid (app: similar + vector, weighted RRF)",
                                hybrid_ranker(app), threads, pairs))
        if args.tune:
            for weight in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 8.0):
                results.append(evaluate(f"  hybrid, vector weight {weight}",
                                        hybrid_ranker(app, weight), threads, pairs))
        print("Baseline index (title + body, no stemming, no boosts, BM25F, OR of words):")
        baseline = baseline_ranker(app, scratch / "baseline-index")
        results.append(evaluate("baseline (plain BM25F)", baseline, threads, pairs))
        if args.no_postgres:
            pass
        elif not common.postgres_answers():
            print("PostgreSQL does not answer on 127.0.0.1:5432: postgres backend skipped.")
        else:
            print(f"Postgres backend (database {common.BENCH_DB}):")
            url = common.ensure_bench_database()
            common.reset_bench_database()
            pg_app = common.bench_app(scratch / "postgres", url, backend="postgres")
            pg_threads = build_site(pg_app, files, args.jobs, embed=True)
            results.append(evaluate("postgres (app)", backend_ranker(pg_app), pg_threads, pairs))
            results.append(evaluate("postgres similar() (lexical side)", similar_ranker(pg_app),
                                    pg_threads, pairs))
            results.append(evaluate("postgres hybrid (app)", hybrid_ranker(pg_app),
                                    pg_threads, pairs))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print()
    print(f"Related-question retrieval: {len(pairs)} pairs from related_links.jsonl, query = "
          f"the query_id question's title, target = related_id, as listed ({both} pairs are "
          f"listed both ways and count twice); query thread left out of the ranking; "
          f"{'with' if len(files) > len(common.se_files()) else 'without'} the 20 Newsgroups "
          "threads as distractors.")
    common.print_table(["index", "pairs", "Recall@3", "Recall@10", "Recall@50", "MRR@10",
                        "ms/query"], [m.row() for m in results])
    base = next((m for m in results if m.name.startswith("baseline")), None)
    hybrid = next((m for m in results if m.name.startswith("hybrid")), None)
    if base and hybrid and base.hit3 and base.rr10:
        print(f"\nhybrid / plain BM25: Recall@3 x{hybrid.hit3 / base.hit3:.2f}, "
              f"MRR@10 x{hybrid.rr10 / base.rr10:.2f}")


if __name__ == "__main__":
    main()
