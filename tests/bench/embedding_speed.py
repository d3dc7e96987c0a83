"""Embedding speed: `python -m tests.bench.embedding_speed [--threads N] [--docs 512]`.

Times search/embedding.py (all-MiniLM-L6-v2 in numpy) on real text from
../shared/data/se_*.jsonl: the model's load time; one query's latency (median and
p99 of 50 different real titles, one at a time); bulk documents per second at
max_tokens 64 and 128, over `--docs` title + lead texts (the title and the first
120 words of the question, HTML stripped), taken in turn from every site; and
the process's peak RSS. `--model-dir PATH` times another model folder of the
same layout (a BERT sentence model: config.json, tokenizer.json, model.safetensors).

`--threads N` (default 1) caps numpy's BLAS threads for the whole run: through
threadpoolctl when it is installed, otherwise by setting OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS before numpy is first imported (this
module imports numpy only after reading its arguments). Elementwise numpy work
is single-threaded either way, so two threads help the matrix products only.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import importlib.util
import json
import os
import re
import resource
import statistics
import sys
import time

from tests.bench import common

LEAD_WORDS = 120
QUERY_RUNS = 50
_TAG = re.compile(r"<[^>]+>")


def _plain(body: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", body)).split())


def real_texts(count: int) -> tuple[list[str], list[str]]:
    """(titles, title + lead texts), `count` of each, round-robin over the se_* sites."""
    per_site = []
    for path in common.se_files():
        with path.open(encoding="utf-8") as lines:
            per_site.append([json.loads(line) for line, _ in zip(lines, range(count), strict=False)])
    records = []
    for i in range(count):
        records.extend(site[i] for site in per_site if i < len(site))
    records = records[:count]
    titles = [r["title"] for r in records]
    docs = [r["title"] + "\n" + " ".join(_plain(r["body"]).split()[:LEAD_WORDS]) for r in records]
    return titles, docs


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def thread_cap(threads: int):
    """A context that caps BLAS threads; sets the environment when threadpoolctl is absent."""
    if importlib.util.find_spec("threadpoolctl") is not None:
        from threadpoolctl import threadpool_limits

        return "threadpoolctl", lambda: threadpool_limits(limits=threads)
    if "numpy" in sys.modules:
        print("warning: numpy is already imported; the thread variables may not apply")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    return "environment variables", contextlib.nullcontext


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1).")
    parser.add_argument("--docs", type=int, default=512, help="Documents for the bulk rates.")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model-dir", help="A model folder (default: the installed package's).")
    args = parser.parse_args(argv)
    common.require_data()
    how, cap = thread_cap(args.threads)

    started = time.perf_counter()
    import numpy as np

    from search.embedding import MODEL_NAME, Embedder, EmbeddingUnavailable
    imported = time.perf_counter() - started
    rss_before = peak_rss_mb()
    titles, docs = real_texts(args.docs)

    with cap():
        started = time.perf_counter()
        try:
            embedder = Embedder.load(args.model_dir)
        except EmbeddingUnavailable as e:
            print(f"{e}: nothing to benchmark.")
            return
        loaded = time.perf_counter() - started
        print(f"{MODEL_NAME if args.model_dir is None else 'model'} from {embedder.path}")
        print(f"numpy {np.__version__}, BLAS threads {args.threads} (set by {how}), "
              f"{len(docs)} documents from {common.DATA}")
        print(f"import {imported:.2f} s, load {loaded:.2f} s "
              f"(peak RSS {rss_before:.0f} MB before loading)")

        for title in titles[:3]:
            embedder.embed_one(title)                                # warm up
        latencies = []
        for title in titles[:QUERY_RUNS]:
            started = time.perf_counter()
            embedder.embed_one(title)
            latencies.append((time.perf_counter() - started) * 1000)
        p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
        print(f"one query (a real title, {len(latencies)} runs): "
              f"p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")

        rows = []
        for max_tokens in (64, 128):
            embedder.embed(docs[:args.batch_size], max_tokens=max_tokens)   # warm up
            tokens = [min(len(ids), max_tokens) for ids in embedder._tokenize(docs, 512)]
            started = time.perf_counter()
            embedder.embed(docs, max_tokens=max_tokens, batch_size=args.batch_size)
            seconds = time.perf_counter() - started
            rows.append((max_tokens, f"{statistics.mean(tokens):.0f}",
                         f"{sum(t == max_tokens for t in tokens) / len(tokens):.0%}",
                         f"{seconds:.2f}", f"{len(docs) / seconds:.0f}"))
        print()
        common.print_table(("max_tokens", "mean tokens", "cut", "seconds", "docs/s"), rows)
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
