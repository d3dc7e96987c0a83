"""What the page cache's freshness check costs a read: `page_cache.version(scope)`,
on the embedded default (tokens in files every worker shares) and, when Redis
answers on 127.0.0.1:6379, on Redis (database 13, flushed before and after).

    .venv/bin/python -m tests.bench.cache_versions [--threads 10000] [--reads 20000]

Prints the median and 99th percentile of one check, in microseconds, for a
thread whose token exists and for one read right after a change replaced it.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import time
from pathlib import Path


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def measure(config: dict, threads: int, reads: int) -> dict[str, float]:
    from forum.app import create_app
    from forum.infra import page_cache

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
            "SEARCH_INDEX_DIR": str(Path(tmp) / "index"), **config,
        })
        rng = random.Random(7)
        with app.app_context():
            page_cache.threads_changed(set(range(1, threads + 1)))
            ids = [rng.randint(1, threads) for _ in range(reads)]
            hits = []
            for thread_id in ids:
                started = time.perf_counter_ns()
                page_cache.version(page_cache.thread_scope(thread_id))
                hits.append(time.perf_counter_ns() - started)
            after_change = []
            for thread_id in ids[: reads // 10]:
                page_cache.threads_changed({thread_id})
                started = time.perf_counter_ns()
                page_cache.version(page_cache.thread_scope(thread_id))
                after_change.append(time.perf_counter_ns() - started)
            if config.get("CACHE_REDIS_URL"):
                from forum.extensions import cache
                cache.clear()
    return {
        "median_us": statistics.median(hits) / 1000,
        "p99_us": statistics.quantiles(hits, n=100)[98] / 1000,
        "after_change_median_us": statistics.median(after_change) / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=20_000)
    args = parser.parse_args()
    stores = [("files (embedded default)", {})]
    if _redis_answers():
        stores.append(("redis", {"CACHE_REDIS_URL": "redis://127.0.0.1:6379/13"}))
    print(f"page_cache.version(): {args.reads} checks over {args.threads} threads")
    for name, config in stores:
        figures = measure(config, args.threads, args.reads)
        print(f"  {name:26} median {figures['median_us']:7.1f} us   "
              f"p99 {figures['p99_us']:7.1f} us   "
              f"right after a change {figures['after_change_median_us']:7.1f} us")


if __name__ == "__main__":
    main()
