"""Several processes write one Whoosh index (gunicorn workers): no lost update,
and a busy index never raises into the request that wrote."""

from __future__ import annotations

import multiprocessing
from datetime import datetime

from search import ThreadDoc
from search.query import parse
from search.whoosh_index import WhooshIndex


def doc(thread_id: int, version: int) -> ThreadDoc:
    return ThreadDoc(id=thread_id, title=f"Printer offline report {thread_id}",
                     body=f"version{version} of the report", score=version,
                     created_at=datetime(2026, 1, 1), activity_at=datetime(2026, 1, 1))


def _writer(directory: str, worker: int, rounds: int) -> None:
    index = WhooshIndex(directory, lock_timeout=30)
    for n in range(rounds):
        thread_id = worker * 1000 + n
        index.apply([thread_id], lambda ids, t=thread_id, v=n: {t: doc(t, v)})
        # every worker also rewrites one shared thread: the last write must win
        index.apply([1], lambda ids, w=worker, v=n: {1: doc(1, w * 100 + v)})
    index.close()


def test_concurrent_processes_lose_no_update(tmp_path):
    directory = str(tmp_path / "ix")
    WhooshIndex(directory).clear()
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_writer, args=(directory, w, 8)) for w in (1, 2, 3)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
        assert p.exitcode == 0
    index = WhooshIndex(directory)
    assert index.count() == 3 * 8 + 1          # every thread once, the shared one once
    results = index.search(parse("report"), per_page=100)
    assert {h.id for h in results.hits} == {1} | {w * 1000 + n for w in (1, 2, 3) for n in range(8)}
    index.close()


def test_busy_index_queues_the_update_and_the_next_writer_applies_it(tmp_path):
    directory = str(tmp_path / "ix")
    first = WhooshIndex(directory, lock_timeout=0.2)
    first.clear()
    second = WhooshIndex(directory, lock_timeout=0.2)
    held = second._writer(1.0)      # another process is in the middle of a long write
    try:
        first.apply([7], lambda ids: {7: doc(7, 1)})    # returns, does not raise
        assert first.pending() == {7}
    finally:
        held.cancel()
    first.apply([8], lambda ids: {i: doc(i, 2) for i in ids})   # loads 7 and 8 together
    assert first.pending() == set()
    assert {h.id for h in first.search(parse("report")).hits} == {7, 8}
    first.close()
    second.close()


def test_empty_apply_drains_the_queue(tmp_path):
    index = WhooshIndex(str(tmp_path / "ix"), lock_timeout=0.2)
    index.clear()
    index._defer([3, 4])
    index.apply(set(), lambda ids: {i: doc(i, 1) for i in ids})
    assert index.pending() == set()
    assert index.count() == 2
    index.close()


def test_a_segment_merged_away_while_opening_is_not_damage(tmp_path, monkeypatch):
    """Another process's commit can delete the segments of the table of contents
    this one just read: opening reads the newest one again, and keeps the index
    (it used to be moved aside as corrupt, losing every thread until a reindex)."""
    import search.whoosh_index as module

    directory = str(tmp_path / "ix")
    first = WhooshIndex(directory)
    first.clear()
    first.apply([5], lambda ids: {5: doc(5, 1)})
    first.close()
    real_open = module.whoosh_index.open_dir
    calls = []

    def racing_open(path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 1:
            raise FileNotFoundError(f"{path}/MAIN_gone.seg")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(module.whoosh_index, "open_dir", racing_open)
    second = WhooshIndex(directory)
    assert {h.id for h in second.search(parse("report")).hits} == {5}
    assert not second.recovered and len(calls) == 2
    assert not list(tmp_path.glob("ix.corrupt-*"))
    second.close()
