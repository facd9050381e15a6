"""A file the scanner reads by byte range: the same format readers over an object in a store.

The format readers take a ``memoryview`` of a memory-mapped file and only ever slice it, index a byte
or call ``bytes()`` on a slice (``bytes(buf[a:b])``). ``LazyBuffer`` offers exactly that over a
``RangeReader``: a slice is a new view and costs nothing; ``bytes()`` of it fetches that range, once,
from a cache of what was fetched. So a safetensors header, a GGUF header, or a ZIP's central
directory, local headers and pickle member cost ranged requests of what they need, never the tensor
bytes, with one scanner for files and objects. Python 3.11 has no buffer protocol for classes
(PEP 688 is 3.12), which is why this is a look-alike of a memoryview rather than one.

What it deliberately does not do: guess. Every byte a reader looks at is fetched; nothing is filled
with zeros, and a short read is an error (the object changed or was truncated while it was read).
"""

from __future__ import annotations

import bisect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

READ_AHEAD = 16 << 10  # a miss fetches at least this much: readers walk forward in small steps
FIRST_READ = 16 << 10  # the head: the signature, and a small safetensors or GGUF header
CACHE_LIMIT = 256 << 20  # bytes kept per object; older spans are dropped past it


class ShortRead(OSError):
    """The store returned fewer bytes than the range asked for: the object changed or was truncated."""


class RangeReader:
    """An object's bytes by range, through ``fetch(start, end) -> bytes`` (and ``fetch_many`` for
    several ranges at once, which stores serve concurrently). Counts what it fetched."""

    def __init__(
        self,
        name: str,
        size: int,
        fetch: Callable[[int, int], bytes],
        fetch_many: Callable[[Sequence[tuple[int, int]]], list[bytes]] | None = None,
    ) -> None:
        self.name, self.size = name, size
        self._fetch, self._fetch_many = fetch, fetch_many
        self.bytes_read = 0
        self.requests = 0
        self._starts: list[int] = []
        self._spans: list[bytes] = []
        self._cached = 0
        self._last = (0, b"")

    def _store(self, start: int, data: bytes) -> None:
        index = bisect.bisect_left(self._starts, start)
        if index < len(self._starts) and self._starts[index] == start:
            if len(self._spans[index]) >= len(data):
                return
            self._cached -= len(self._spans[index])
            self._spans[index] = data
        else:
            self._starts.insert(index, start)
            self._spans.insert(index, data)
        self._cached += len(data)
        while self._cached > CACHE_LIMIT and len(self._spans) > 1:
            victim = 0 if self._starts[0] != start else len(self._starts) - 1
            self._cached -= len(self._spans[victim])
            del self._starts[victim], self._spans[victim]

    def _cached_span(self, start: int, end: int) -> bytes | None:
        base, data = self._last
        if base <= start and end <= base + len(data):
            return data[start - base : end - base]
        index = bisect.bisect_right(self._starts, start) - 1
        if index >= 0:
            base, data = self._starts[index], self._spans[index]
            if end <= base + len(data):
                self._last = (base, data)
                return data[start - base : end - base]
        return None

    def fetch(self, start: int, end: int) -> bytes:
        """Bytes [start, end) in one request, neither read from nor kept in the cache (for a caller that
        streams an object once, such as a digest); a short answer is a ShortRead."""
        data = self._fetch(start, end)
        self.requests += 1
        self.bytes_read += len(data)
        if len(data) != end - start:
            raise ShortRead(
                f"asked for bytes {start}-{end} and got {len(data)}: the object changed or was "
                "truncated while it was read"
            )
        return data

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the object (clamped to its size)."""
        end = min(end, self.size)
        if start >= end:
            return b""
        cached = self._cached_span(start, end)
        if cached is not None:
            return cached
        want = max(end, min(self.size, start + (FIRST_READ if not self._starts else READ_AHEAD)))
        data = self.fetch(start, want)
        self._store(start, data)
        self._last = (start, data)
        return data[: end - start]

    def prefetch(self, ranges: Sequence[tuple[int, int]]) -> None:
        """Fetch every range not cached yet, at once where the store can (a ZIP's local headers)."""
        todo = sorted({(max(0, s), min(self.size, e)) for s, e in ranges if s < e and s < self.size})
        todo = [(s, e) for s, e in todo if self._cached_span(s, e) is None]
        merged: list[tuple[int, int]] = []
        for start, end in todo:  # neighbours closer than a read-ahead become one request
            if merged and start - merged[-1][1] <= READ_AHEAD:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        if not merged:
            return
        if self._fetch_many is None or len(merged) == 1:
            for start, end in merged:
                self._store(start, self.fetch(start, end))
            return
        for (start, end), data in zip(merged, self._fetch_many(merged), strict=True):
            self.requests += 1
            self.bytes_read += len(data)
            if len(data) != end - start:
                raise ShortRead(f"asked for bytes {start}-{end} and got {len(data)}: the object changed")
            self._store(start, data)


class LazyBuffer:
    """A memoryview look-alike over a ``RangeReader``: slicing is free, ``bytes()`` fetches."""

    __slots__ = ("reader", "start", "stop")

    def __init__(self, reader: RangeReader, start: int = 0, stop: int | None = None) -> None:
        self.reader = reader
        self.start = start
        self.stop = reader.size if stop is None else stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, key: int | slice) -> int | LazyBuffer:
        length = self.stop - self.start
        if isinstance(key, slice):
            first, last, step = key.indices(length)
            if step != 1:
                raise ValueError("a LazyBuffer slices with step 1 only")
            return LazyBuffer(self.reader, self.start + first, self.start + max(first, last))
        index = key + length if key < 0 else key
        if not 0 <= index < length:
            raise IndexError("index out of range")
        return self.reader.read(self.start + index, self.start + index + 1)[0]

    def __bytes__(self) -> bytes:
        return self.reader.read(self.start, self.stop)

    def tobytes(self) -> bytes:
        return self.reader.read(self.start, self.stop)

    def release(self) -> None:
        """Nothing to release (memoryview's method, which the scanner calls)."""

    def prefetch(self, ranges: Sequence[tuple[int, int]]) -> None:
        self.reader.prefetch([(self.start + s, self.start + e) for s, e in ranges])


def prefetch(buf: object, ranges: Sequence[tuple[int, int]]) -> None:
    """Hint that ``ranges`` of ``buf`` will be read: fetched together for a LazyBuffer, nothing for a map."""
    if isinstance(buf, LazyBuffer):
        buf.prefetch(ranges)
