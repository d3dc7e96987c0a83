"""Whoosh totals: exact while every match fits in what the collector keeps, an
estimate (and said so) beyond it, where counting meant walking every match again."""

from __future__ import annotations

from search import ThreadDoc
from search.query import parse
from search.whoosh_index import FACET_SAMPLE, WhooshIndex


def test_totals_are_exact_for_narrow_queries_and_marked_estimates_for_broad_ones(tmp_path):
    index = WhooshIndex(tmp_path / "index")
    n = FACET_SAMPLE + 60
    index.upsert_many(ThreadDoc(id=i, title=f"Printer {i} offline after the update",
                                body="The printer shows offline" + (" on battery" if i % 50 == 0 else ""))
                      for i in range(1, n + 1))
    narrow = index.search(parse("battery"))
    assert (narrow.total, narrow.estimated) == (len(range(50, n + 1, 50)), False)
    broad = index.search(parse("printer offline"))
    assert broad.estimated and broad.total >= n
    excluded = index.search(parse("printer -battery"))
    assert (excluded.total, excluded.estimated) == (n - len(range(50, n + 1, 50)), False)
    index.close()
