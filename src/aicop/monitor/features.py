"""What the monitor measures in one request: cheap, per-request numbers and yes/no events.

Text is read the way an attacker would change it: the words a prompt uses (their novelty against the
baseline's vocabulary), its length, the scripts it is written in; the answer's length, whether it is
a refusal, how it finished. Near-identical prompts from one key are found by word-set overlap with
the key's last prompts and by a skeleton that ignores numbers (enumeration: "item 1", "item 2"...).

The monitor reads tens of thousands of requests a second, so the per-word work here is kept small:
the text is lowered once, not word by word; words found in the baseline are counted by ``map`` over
``frozenset.__contains__``; a fingerprint is OR-ed from a table of single-bit integers. (``map`` over
an int's or a str's operator methods and ``functools.reduce`` measured slower than the plain loops
they replaced, under Python 3.11's specialising interpreter.)
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Common ways a model declines; a monitor signal (a change in the rate), not a verdict on one answer.
# Narrower than the red team's judge (aicop.redteam.judges.refused) on purpose: that one reads answers
# to attacks, where "that would be illegal" or "As an AI" mean a refusal; in everyday traffic they are
# often part of a helpful answer, and counting them would move the refusal rate with the topics asked.
_REFUSAL = re.compile(
    r"\b(?:I(?:'m| am) (?:sorry|afraid)[^.]{0,40}\b(?:can(?:'|no)t|cannot|unable|not able)"
    r"|I (?:can(?:'|no)t|cannot|won't|will not|am unable to|am not able to) "
    r"(?:help|assist|comply|provide|share|do that|fulfil|fulfill|answer|reveal|disclose)"
    r"|(?:not|never) (?:able|allowed|permitted) to (?:help|assist|share|provide|reveal|disclose)"
    r"|against (?:my|our) (?:guidelines|policy|policies)"
    r"|as an AI(?: language model)?,? I (?:can(?:'|no)t|cannot|don't|do not))",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def novelty(tokens: list[str], vocabulary: set[str] | frozenset[str]) -> float:
    """The share of a text's words the baseline never used (0 for a text without words)."""
    if not tokens:
        return 0.0
    return 1.0 - sum(map(vocabulary.__contains__, tokens)) / len(tokens)


def foreign_script(text: str, limit: int = 2000) -> float:
    """The share of letters outside the Latin script (in the first ``limit`` characters)."""
    if text.isascii():
        return 0.0
    letters = other = 0
    for char in text[:limit]:
        if char.isalpha():
            letters += 1
            if ord(char) > 0x24F and not unicodedata.name(char, "").startswith("LATIN"):
                other += 1
    return other / letters if letters else 0.0


# Words every refusal the pattern knows contains: a cheap test first, the pattern only on candidates.
_HINTS = (
    "sorry",
    "afraid",
    "can't",
    "cannot",
    "unable",
    "not able",
    "won't",
    "will not",
    "against",
    "as an ai",
    "not allowed",
    "not permitted",
    "never able",
    "can’t",
    "won’t",
)


def is_refusal(answer: str) -> bool:
    head = answer[:600]
    low = head.lower()
    return any(h in low for h in _HINTS) and bool(_REFUSAL.search(head.replace("’", "'")))


FINGERPRINT_BITS = 1024
_BITS = tuple(1 << i for i in range(FINGERPRINT_BITS))
_MASK = FINGERPRINT_BITS - 1


def shingles(tokens: Sequence[str]) -> int:
    """A prompt's words and word pairs as a 1,024-bit fingerprint (one bit per hashed shingle): two
    fingerprints' AND and OR popcounts estimate the Jaccard similarity of the sets, a little high when
    shingles share a bit, at a fraction of a set intersection's cost (and a fixed 128 bytes a prompt,
    where a set of the shingles would keep every word)."""
    fingerprint = 0
    for shingle in map(hash, itertools.chain(tokens, itertools.pairwise(tokens))):
        fingerprint |= _BITS[shingle & _MASK]
    return fingerprint


def skeleton(tokens: Sequence[str]) -> int:
    """A hash of a text's words (``words``: numbers, punctuation, case and one-letter words removed):
    enumeration ("item 1", "item 2"...) shares it, however few words it has."""
    return hash(tuple(tokens))


def near(one: int, others: Iterable[tuple[int, int]], threshold: float) -> bool:
    """Whether fingerprint ``one`` overlaps any of ``others`` (fingerprints with their bit counts) by
    at least ``threshold`` (Jaccard)."""
    size = one.bit_count()
    if size < 3:
        return False
    for other, count in others:
        common = (one & other).bit_count()
        if common and common >= threshold * (size + count - common):
            return True
    return False
