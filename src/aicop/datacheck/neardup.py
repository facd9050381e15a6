"""Near-duplicate records: MinHash signatures over word pairs, found by LSH banding.

A record's shingles are its consecutive word pairs (after the normalisation of the exact check: lower
case, no digits or punctuation), so one changed word in twenty leaves ~80% of them shared. Its
signature holds, for each of PERMUTATIONS hash functions, the least hash of its shingles; the share of
equal places in two signatures estimates the Jaccard similarity of their shingle sets. Records are
bucketed by BANDS slices of ROWS places each: two records at similarity 0.8 share a slice with
probability > 0.99, at 0.5 about 0.3, at 0.3 under 0.03; every shared slice is then confirmed against
the threshold with the whole signature.

Written here rather than taken from datasketch: datasketch pulls SciPy, updates a signature one shingle
per call (~100x slower on short records), and keeps bucket tables of whole slices; a batch of records
here costs one NumPy pass, and the tables hold a 64-bit digest of each slice.
"""

from __future__ import annotations

import itertools
import time
import zlib
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

BANDS = 12
ROWS = 5
PERMUTATIONS = BANDS * ROWS
# The near-duplicate search's default budget: CPU seconds per MB of data read so far, after a floor, so
# the default check keeps its speed on any amount of data (--near-budget sets a fixed total instead).
NEAR_RATE = 0.03
NEAR_FLOOR = 0.25  # CPU seconds always allowed (a small data set is compared whole)
NEAR_BUDGET: float | None = None  # a fixed total of CPU seconds, when one is given
SIMILARITY = 0.7  # the default threshold of estimated Jaccard similarity (a one-word edit in 20 words: ~0.8)
MAX_WORDS = 2000  # of one record; a longer record is compared by its beginning
MAX_INDEXED = 300_000  # records held in the tables (~1.5 KB each); later records are compared, not held
_BATCH_PAIRS = 1 << 16  # shingles hashed at once: PERMUTATIONS x this many 64-bit words (~32 MB)

_rng = np.random.default_rng(0x41_49_43_4F_50)
# Multiply-add hashing modulo 2**64, keeping the high 32 bits: odd multipliers, any offsets.
_MULTIPLY = (_rng.integers(0, 2**62, size=(PERMUTATIONS, 1), dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_ADD = _rng.integers(0, 2**63, size=(PERMUTATIONS, 1), dtype=np.uint64)
_SHIFT = np.uint64(32)
# A band's ROWS values folded into one 64-bit key (a collision only costs one extra comparison).
_FOLD = (_rng.integers(0, 2**62, size=(1, BANDS, ROWS), dtype=np.uint64) << np.uint64(1)) | np.uint64(1)


@dataclass
class Budget:
    """CPU seconds the near-duplicate search may take in one run (signatures and look-ups): a fixed
    total (``seconds``), or ``rate`` seconds per MB of data read so far after NEAR_FLOOR, or no limit
    (both None). CPU time rather than wall time, so a busy machine does not shrink the search. Records
    met while it is spent are still checked for exact and normalised duplicates; the search resumes
    as more data is read, so a proportional budget samples every file rather than the first."""

    seconds: float | None = NEAR_BUDGET
    rate: float | None = NEAR_RATE
    spent: float = 0.0
    skipped: int = 0  # records not compared for near-duplicates

    def allowance(self, read: int) -> float | None:
        """The CPU seconds allowed once ``read`` bytes of data have been read."""
        if self.seconds is not None:
            return self.seconds
        if self.rate is not None:
            return NEAR_FLOOR + self.rate * read / 1e6
        return None

    def left(self, read: int) -> bool:
        allowed = self.allowance(read)
        return allowed is None or self.spent < allowed

    def describe(self, records: int) -> str:
        """What the search covered of the run's ``records`` (records of fewer than MIN_RECORD
        characters are not checked for duplicates at all, so not counted)."""
        if self.seconds is not None:
            limit = f"the {self.seconds:g} s budget"
        elif self.rate is not None:
            limit = f"the budget of {self.rate:g} s of CPU per MB read (after {NEAR_FLOOR:g} s)"
        else:
            limit = "no limit"
        if self.skipped:
            return (
                f"{records - self.skipped:,} of {records:,} records compared for near-duplicates in "
                f"{self.spent:.2f} s of CPU, within {limit}; {self.skipped:,} records were not compared "
                "(--near-budget to raise it) and were checked for exact and normalised duplicates"
            )
        return f"every record compared in {self.spent:.2f} s of CPU ({limit})"


class _Words:
    """CRC-32 of each word, remembered (a corpus repeats its vocabulary; a bounded cache)."""

    def __init__(self) -> None:
        self.cache: dict[str, int] = {}

    def hashes(self, words: list[str]) -> npt.NDArray[np.uint64]:
        """The CRC-32 of each of ``words``: each distinct word hashed once, the rest looked up in C."""
        cache = self.cache
        if len(cache) > 1_000_000:
            cache.clear()
        for word in dict.fromkeys(words).keys() - cache.keys():
            cache[word] = zlib.crc32(word.encode())
        return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))


_words = _Words()
Place = tuple[str, int | None, int | None]  # path, row, line
P = TypeVar("P")  # what a NearIndex gives back for a record it holds


Signature = tuple[bytes, list[int]]  # PERMUTATIONS 32-bit minima, and the key of each band


def _shingles(texts: list[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Every text's consecutive word pairs (of its first MAX_WORDS words) as 64-bit values, one array
    for all the texts in order, and how many each text has: one split per text and NumPy passes over
    them all, not a statement per word."""
    split = list(map(str.split, texts))
    counts = np.fromiter(map(len, split), dtype=np.int64, count=len(texts))
    hashes = _words.hashes(list(itertools.chain.from_iterable(split)))
    ends = np.cumsum(counts)
    starts = ends - counts
    # a pair is a word and the next within a text's first MAX_WORDS words
    position = np.arange(len(hashes)) - np.repeat(starts, counts)
    length = np.repeat(np.minimum(counts, MAX_WORDS), counts)
    first = position < length - 1
    following = np.flatnonzero(first) + 1
    pairs = (hashes[first] << np.uint64(32)) | hashes[following]
    return pairs, np.maximum(np.minimum(counts, MAX_WORDS) - 1, 0)


def signatures(texts: list[str]) -> list[Signature | None]:
    """The signature of each normalised text; None for a text of fewer than two words."""
    out: list[Signature | None] = []
    for start in range(0, len(texts), _BATCH_TEXTS):  # the arrays of a slice stay small
        out += _signatures(texts[start : start + _BATCH_TEXTS])
    return out


_BATCH_TEXTS = 8192


def _signatures(texts: list[str]) -> list[Signature | None]:
    out: list[Signature | None] = [None] * len(texts)
    pairs, counts = _shingles(texts)
    owners = np.flatnonzero(counts)
    if not len(owners):
        return out
    sizes = counts[owners]
    ends = np.cumsum(sizes)
    # batches of whole texts with at most _BATCH_PAIRS pairs (or one text), hashed at once
    batch = 0
    while batch < len(owners):
        stop = max(
            int(np.searchsorted(ends, (ends[batch - 1] if batch else 0) + _BATCH_PAIRS, "right")), batch + 1
        )
        low = int(ends[batch - 1]) if batch else 0
        mixed = np.multiply(pairs[None, low : int(ends[stop - 1])], _MULTIPLY)
        mixed += _ADD
        mixed >>= _SHIFT
        offsets = (ends[batch:stop] - sizes[batch:stop] - low).astype(np.intp)
        least = np.minimum.reduceat(mixed, offsets, axis=1).T.astype(np.uint32)
        keys = (least.reshape(stop - batch, BANDS, ROWS).astype(np.uint64) * _FOLD).sum(axis=2).tolist()
        for owner, row, key in zip(owners[batch:stop].tolist(), least, keys, strict=True):
            out[owner] = (row.tobytes(), key)
        batch = stop
    return out


def similarity(first: bytes, second: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    a: npt.NDArray[np.uint32] = np.frombuffer(first, dtype=np.uint32)
    b: npt.NDArray[np.uint32] = np.frombuffer(second, dtype=np.uint32)
    return float(np.count_nonzero(a == b)) / PERMUTATIONS


@dataclass
class NearIndex(Generic[P]):
    """Signatures met so far, bucketed by band; each bucket keeps the first record that fell in it."""

    threshold: float = SIMILARITY
    tables: list[dict[int, int]] = field(default_factory=lambda: [{} for _ in range(BANDS)])
    held: list[bytes] = field(default_factory=list)
    places: list[P] = field(default_factory=list)
    full: bool = False  # MAX_INDEXED reached: later records were compared but not held

    def match(self, signature: Signature, place: P) -> tuple[P, float] | None:
        """(place, similarity) of the first earlier record at least ``threshold`` similar, or None; a
        record without such a match is held, at ``place``, for the later ones."""
        values, keys = signature
        tried = -1
        for table, key in zip(self.tables, keys, strict=True):
            earlier = table.get(key)
            if earlier is None or earlier == tried:
                continue
            tried = earlier
            score = similarity(values, self.held[earlier])
            if score >= self.threshold:
                return self.places[earlier], score
        if len(self.held) >= MAX_INDEXED:
            self.full = True
            return None
        index = len(self.held)
        self.held.append(values)
        self.places.append(place)
        for table, key in zip(self.tables, keys, strict=True):
            table.setdefault(key, index)
        return None


FEED = 1024  # records looked up between two looks at the budget (a slice costs ~10-20 ms)
Matches = dict[int, tuple[int, float]]  # a record's number -> (the number of the one it repeats, similarity)


class NearSearch:
    """The run's near-duplicate search: records (normalised texts) numbered from 0 in the order given,
    each looked up in the index, and held in it when it matches none, while the budget lasts."""

    def __init__(self, threshold: float, seconds: float | None, rate: float | None) -> None:
        self.index: NearIndex[int] = NearIndex(threshold=threshold)
        self.budget = Budget(seconds, rate)
        self.given = 0
        self.matches: Matches = {}

    @property
    def full(self) -> bool:
        return self.index.full

    def feed(self, texts: list[str], read: int) -> None:
        """Look up the next ``texts``, once ``read`` bytes of data have been read in the run."""
        budget = self.budget
        for start in range(0, len(texts), FEED):
            part = texts[start : start + FEED]
            first = self.given
            self.given += len(part)
            if not budget.left(read):  # spent for now: more data read allows more
                budget.skipped += len(part)
                continue
            started = time.process_time()
            for number, signature in enumerate(signatures(part), start=first):
                if signature is not None and (found := self.index.match(signature, number)) is not None:
                    self.matches[number] = found
            budget.spent += time.process_time() - started

    def sync(self) -> Matches:
        """The matches found since the last call."""
        out, self.matches = self.matches, {}
        return out

    def close(self) -> None:
        """Nothing to stop: the search runs in this process."""


class Searcher(Protocol):
    """A near-duplicate search, here (NearSearch) or in a helper process (parallel.NearHelper)."""

    budget: Budget

    @property
    def full(self) -> bool: ...

    def feed(self, texts: list[str], read: int) -> None: ...

    def sync(self) -> Matches: ...

    def close(self) -> None: ...


@dataclass
class Candidates:
    """The records the near-duplicate search looks up, picked as they are read: those new in the run
    by exact and by normalised key. A record with an earlier copy by either key is that copy's
    duplicate whatever the search would say, so it is never looked up; which records are new by key
    does not depend on the search's answers, so they can be looked up while the file is still read,
    in another process, and the answers joined in when the file is done."""

    search: Searcher
    exact: set[int] = field(default_factory=set)
    words: set[int] = field(default_factory=set)
    done: int = 0  # bytes of the files already checked
    given: int = 0  # records given to the search

    def take(self, exact: list[int], words: list[int], texts: list[str], reading: int) -> None:
        """Pick the new records of a batch (keys and normalised texts aligned) and send their texts
        to the search; ``reading`` bytes of the current file read so far. One loop with two set
        look-ups a record: C-speed passes (maps over the sets, counting the keys shared within the
        batch) cost twice as much (65 against 34 ms for 100,000 rows)."""
        seen_exact, seen_words = self.exact, self.words
        picked = []
        for key, word_key, text in zip(exact, words, texts, strict=True):
            if key in seen_exact or word_key in seen_words:
                continue
            seen_exact.add(key)
            seen_words.add(word_key)
            picked.append(text)
        if picked:
            self.given += len(picked)
            self.search.feed(picked, self.done + reading)
