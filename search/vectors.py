"""Nearest threads by meaning: exact cosine similarity over vectors in memory.

The forum keeps each thread's sentence embedding in the database (a table on
SQLite and PostgreSQL; Debian 12 has no pgvector) and each process holds them in
a `VectorSet`, refreshed after commits. Vectors are L2-normalised, so cosine is a
dot product: one matrix-vector product over every thread (numpy/BLAS), then the
top k by `argpartition`. Exact search needs no tuning and no index to rebuild;
at 100,000 threads of 384 float32 dimensions it is a 150 MB matrix and one
product of a few milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np


class VectorSet:
    def __init__(self, dimensions: int):
        self.dimensions = dimensions
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, dimensions), dtype=np.float32)
        self._row: dict[int, int] = {}
        self._size = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    def __contains__(self, thread_id: int) -> bool:
        return thread_id in self._row

    def _grow(self, needed: int) -> None:
        capacity = self._matrix.shape[0]
        if needed <= capacity:
            return
        capacity = max(needed, capacity * 2, 1024)
        matrix = np.zeros((capacity, self.dimensions), dtype=np.float32)
        ids = np.zeros(capacity, dtype=np.int64)
        matrix[:self._size] = self._matrix[:self._size]
        ids[:self._size] = self._ids[:self._size]
        self._matrix, self._ids = matrix, ids

    def upsert(self, ids: Iterable[int], vectors: np.ndarray) -> None:
        ids = list(ids)
        if not ids:
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dimensions)
        with self._lock:
            self._grow(self._size + len(ids))
            for thread_id, vector in zip(ids, vectors, strict=True):
                row = self._row.get(thread_id)
                if row is None:
                    row = self._size
                    self._size += 1
                    self._row[thread_id] = row
                    self._ids[row] = thread_id
                self._matrix[row] = vector

    def remove(self, ids: Iterable[int]) -> None:
        with self._lock:
            for thread_id in ids:
                row = self._row.pop(thread_id, None)
                if row is None:
                    continue
                last = self._size - 1
                if row != last:        # the last row takes the freed place
                    moved = int(self._ids[last])
                    self._matrix[row] = self._matrix[last]
                    self._ids[row] = moved
                    self._row[moved] = row
                self._size = last

    def vector(self, thread_id: int) -> np.ndarray | None:
        row = self._row.get(thread_id)
        return None if row is None else self._matrix[row].copy()

    def nearest(self, vector: np.ndarray, k: int,
                exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
        """Up to k (thread id, cosine), most similar first."""
        exclude = set(exclude)
        with self._lock:
            size = self._size
            if not size or k <= 0:
                return []
            scores = self._matrix[:size] @ np.asarray(vector, dtype=np.float32)
            want = min(size, k + len(exclude))
            top = np.argpartition(-scores, want - 1)[:want] if want < size else np.arange(size)
            top = top[np.argsort(-scores[top], kind="stable")]
            found = [(int(self._ids[r]), float(scores[r])) for r in top]
        return [(i, s) for i, s in found if i not in exclude][:k]

    def similarity(self, vector: np.ndarray, ids: Iterable[int]) -> dict[int, float]:
        """Cosine of `vector` with each of these threads that has a vector."""
        with self._lock:
            rows = [(i, self._row[i]) for i in ids if i in self._row]
            if not rows:
                return {}
            scores = self._matrix[[r for _, r in rows]] @ np.asarray(vector, dtype=np.float32)
        return {i: float(s) for (i, _), s in zip(rows, scores, strict=True)}

    def nbytes(self) -> int:
        return int(self._matrix.nbytes + self._ids.nbytes)


def fuse(rankings: list[tuple[list[int], float]], k: int = 60) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion: each (ids best first, weight) adds
    weight / (k + rank) to its ids; best first."""
    scores: dict[int, float] = {}
    for ids, weight in rankings:
        for rank, thread_id in enumerate(ids, 1):
            scores[thread_id] = scores.get(thread_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


__all__ = ["VectorSet", "fuse"]
