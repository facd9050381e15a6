"""Hashed character and word n-gram features of a text, computed with NumPy alone.

What makes a TF-IDF model strong at a strict false-alarm budget is the exact wording of attacks
("ignore all previous", "developer mode", "[INST]"); these features give the guard's combined model the
same, without scikit-learn at run time: scikit-learn's HashingVectorizer would do it, but it is a
100 MB dependency for one function, and its hashing (MurmurHash3 over Python strings) runs per n-gram
in a loop. Here a text's code points are one array, every character n-gram (3 to 5 characters,
whitespace runs as one space) is a polynomial rolling hash computed for all positions at once, and the
words (and word pairs) hash the same way over a prefix sum: a 600-character window costs ~0.35 ms of
CPU on this loaded machine, against ~30 ms for its embedding.

Features are signed (the hashing trick's sign bit halves the bias of collisions), counted, damped as
log(1 + count), and each block (characters, words) scaled to unit length.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import numpy as np
import numpy.typing as npt

CHAR_BITS = 16  # 65,536 buckets for character 3-5-grams
WORD_BITS = 15  # 32,768 buckets for words and word pairs
CHAR_SIZES = (3, 4, 5)
DIMENSIONS = (1 << CHAR_BITS) + (1 << WORD_BITS)
_P = np.uint64(0x100000001B3)  # FNV's 64-bit prime: an odd multiplier for the rolling hash
_P_INVERSE = np.uint64(pow(int(_P), -1, 1 << 64))
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of h * _MIX pick the bucket
_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


def normalise(text: str) -> str:
    """NFKC, case folded, whitespace runs as one space, with a space at either end."""
    return " " + _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip() + " "


def _codes(text: str) -> npt.NDArray[np.uint64]:
    """The text's code points (a lone surrogate, which cannot be encoded, counts as U+FFFD)."""
    raw = text.encode("utf-32-le", "replace")
    return np.frombuffer(raw, dtype="<u4").astype(np.uint64)


def _buckets(hashes: npt.NDArray[np.uint64], bits: int) -> tuple[Ints, Floats]:
    """A bucket of 2**bits and a sign for each hash."""
    with np.errstate(over="ignore"):
        mixed = hashes * _MIX
    index = (mixed >> np.uint64(64 - bits)).astype(np.int64)
    sign = np.where((mixed >> np.uint64(31)) & np.uint64(1), 1.0, -1.0).astype(np.float32)
    return index, sign


def _block(index: Ints, sign: Floats) -> tuple[Ints, Floats]:
    """Sparse (index, value): signed counts damped as log(1 + |count|), scaled to unit length."""
    if not len(index):
        return index, sign
    buckets, where = np.unique(index, return_inverse=True)
    counts = np.bincount(where, weights=sign)
    kept = counts != 0
    used, counts = buckets[kept], counts[kept]
    values = (np.sign(counts) * np.log1p(np.abs(counts))).astype(np.float32)
    norm = float(np.linalg.norm(values))
    return used.astype(np.int64), values / norm if norm else values


def _spans(clean: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORDS.finditer(clean)]


def _word_hashes(codes: npt.NDArray[np.uint64], spans: list[tuple[int, int]]) -> npt.NDArray[np.uint64]:
    """Hashes of the words (at ``spans``) and of the pairs of neighbouring words (a word's by a prefix
    sum of code * P**position, times P**-start: P is odd, so it has an inverse modulo 2**64)."""
    if not spans:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(len(codes), _P, dtype=np.uint64))
        prefix = np.concatenate([[np.uint64(0)], np.cumsum(codes * powers, dtype=np.uint64)])
        starts = np.array([s for s, _ in spans], dtype=np.intp)
        ends = np.array([e for _, e in spans], dtype=np.intp)
        inverse = np.cumprod(np.full(len(codes), _P_INVERSE, dtype=np.uint64))[starts]
        words = (prefix[ends] - prefix[starts]) * inverse + (ends - starts).astype(np.uint64)
        pairs = (words[:-1] * _P + words[1:] + np.uint64(7)) * _P
    return np.concatenate([words, pairs])


def features(text: str) -> tuple[Ints, Floats]:
    """The text's features as a sparse vector of DIMENSIONS: (indices, values), indices ascending."""
    clean = normalise(text)
    codes = _codes(clean)
    chars: list[npt.NDArray[np.uint64]] = []
    with np.errstate(over="ignore"):
        for n in CHAR_SIZES:
            if len(codes) < n:
                continue
            h = np.full(len(codes) - n + 1, np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = h * _P + codes[k : len(codes) - n + 1 + k]
            chars.append(h)
    char_hashes = np.concatenate(chars) if chars else np.zeros(0, dtype=np.uint64)
    ci, cs = _block(*_buckets(char_hashes, CHAR_BITS))
    wi, ws = _block(*_buckets(_word_hashes(codes, _spans(clean)), WORD_BITS))
    return np.concatenate([ci, wi + (1 << CHAR_BITS)]), np.concatenate([cs, ws])


def terms(text: str) -> list[tuple[str, int, float]]:
    """The words and word pairs of a text, each with its feature index and sign (for explanations)."""
    clean = normalise(text)
    spans = _spans(clean)
    names = [clean[s:e] for s, e in spans]
    names += [f"{a} {b}" for a, b in itertools.pairwise(names)]
    index, sign = _buckets(_word_hashes(_codes(clean), spans), WORD_BITS)
    return [(n, int(i) + (1 << CHAR_BITS), float(s)) for n, i, s in zip(names, index, sign, strict=True)]
