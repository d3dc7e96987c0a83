"""The in-memory nearest-neighbour set and the rank fusion behind similar threads."""

from __future__ import annotations

import numpy as np

from search.vectors import VectorSet, fuse


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_nearest_is_exact_cosine_best_first_and_leaves_out_what_is_excluded():
    vectors = VectorSet(3)
    vectors.upsert([1, 2, 3], np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)]))
    found = vectors.nearest(unit(1, 0.1, 0), k=2)
    assert [i for i, _ in found] == [1, 2]
    assert found[0][1] > found[1][1] > 0.5
    assert [i for i, _ in vectors.nearest(unit(1, 0.1, 0), k=2, exclude=[1])] == [2, 3]
    assert vectors.nearest(unit(1, 0, 0), k=0) == []


def test_upsert_replaces_and_remove_keeps_the_others_findable():
    vectors = VectorSet(2)
    vectors.upsert(range(1, 2001), np.tile(unit(0, 1), (2000, 1)))
    vectors.upsert([7], unit(1, 0)[None, :])               # thread 7 was edited
    assert vectors.nearest(unit(1, 0), k=1)[0][0] == 7
    assert len(vectors) == 2000
    vectors.remove([7, 1, 12345])                          # an unknown id is ignored
    assert len(vectors) == 1998 and 7 not in vectors and 2000 in vectors
    assert vectors.nearest(unit(1, 0), k=1)[0][0] != 7
    np.testing.assert_allclose(vectors.vector(2000), unit(0, 1))
    assert vectors.similarity(unit(0, 1), [2000, 7]) == {2000: 1.0}


def test_weighted_reciprocal_rank_fusion():
    # a thread both sides rank well beats one only a side ranks first
    fused = fuse([([1, 2, 3], 2.0), ([2, 4], 1.0)])
    assert [i for i, _ in fused] == [2, 1, 3, 4]
    assert fuse([([5], 1.0), ([6], 3.0)])[0][0] == 6        # the weight decides ties of rank
