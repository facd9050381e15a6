"""Content digests of objects in a store: streaming, in bounded memory, by parts for big objects.

An object of at most one part (``PART_SIZE``, 64 MiB by default) gets its plain SHA-256: exactly what
``sha256sum`` prints for its bytes. A bigger object is cut into parts of ``PART_SIZE`` bytes (the last
one shorter); each part's SHA-256 is computed on its own, so parts are hashed in parallel, on as many
workers as there are, and an interrupted run keeps the parts it finished. The object's digest is then

    sha256-parts = SHA-256( SHA-256(part 1) || SHA-256(part 2) || … )   (the 32-byte binary digests)

recorded as algorithm ``sha256-parts`` with its ``part_size`` and the list of part digests. It is not
the plain SHA-256 of the object and cannot be turned into it; it is reproducible without aicop:

    split -b 67108864 -d OBJECT part. && for p in part.*; do sha256sum "$p" | cut -c1-64; done \
        | xxd -r -p | sha256sum

and a changed byte changes its part's digest and so the object's. (S3's own multipart checksums are
built the same way, which is why a multipart ETag ends in ``-N``.) Memory: one ``CHUNK`` per stream.
"""

from __future__ import annotations

import hashlib

from aicop.integrity.hashing import shard_ranges
from aicop.scan.ranged import RangeReader

PART_SIZE = 64 << 20
CHUNK = 8 << 20  # one ranged request: large enough that the request's latency is paid rarely


def hash_range(reader: RangeReader, start: int, end: int) -> str:
    """SHA-256 of bytes [start, end) of the object, read in CHUNK-sized requests (nothing is cached)."""
    digest = hashlib.sha256()
    position = start
    while position < end:
        stop = min(end, position + CHUNK)
        data = reader.fetch(position, stop)
        digest.update(data)
        position = stop
    return digest.hexdigest()


def part_ranges(size: int, part_size: int = PART_SIZE) -> list[tuple[int, int]]:
    """The parts of an object of ``size`` bytes: one (the whole object) when it fits in one part."""
    return shard_ranges(size, part_size) if size > part_size else [(0, size)]


def combine(parts: list[str]) -> str:
    """The ``sha256-parts`` digest of an object from its part digests, in order."""
    return hashlib.sha256(b"".join(bytes.fromhex(p) for p in parts)).hexdigest()


def algorithm_for(size: int, part_size: int = PART_SIZE) -> str:
    return "sha256" if size <= part_size else "sha256-parts"
