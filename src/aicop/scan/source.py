"""Byte sources the format readers walk forward through.

``BufferSource`` views a memory map (or bytes) and skips in constant time, which is why scanning a
2 GB checkpoint costs the same as a 2 MB one. ``StreamSource`` wraps a decompressor for compressed
joblib files and gzip/bz2/xz payloads: skipping decompresses and discards, with a cap on the total
produced so a compression bomb ends in a finding instead of exhausted memory or time.
"""

from __future__ import annotations

import time

from aicop.scan.errors import LimitExceeded, ScanError

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up is measured
if TYPE_CHECKING:
    from typing import Any


MATERIALISE = 64 << 20  # a ranged object's pickle up to this size is fetched whole: it is walked byte by byte


class BufferSource:
    def __init__(self, buffer: bytes | memoryview, start: int = 0, end: int | None = None) -> None:
        if isinstance(buffer, memoryview):
            self.buffer = buffer
        elif isinstance(buffer, bytes | bytearray):
            self.buffer = memoryview(buffer)
        else:  # a LazyBuffer (aicop.scan.ranged): slices and byte indexing, as a memoryview
            stop = len(buffer) if end is None else min(end, len(buffer))
            if start == 0 and stop <= MATERIALISE:  # offsets stay those of the buffer
                buffer = memoryview(bytes(buffer[:stop]))
            self.buffer = buffer
        self.pos = start
        self.end = len(self.buffer) if end is None else min(end, len(self.buffer))

    def read(self, n: int) -> bytes:
        stop = min(self.pos + n, self.end)
        data = bytes(self.buffer[self.pos : stop])
        self.pos = stop
        return data

    def read_byte(self) -> int:
        """The next byte as an int, or -1 at the end: the walker's opcode read, without a copy."""
        pos = self.pos
        if pos >= self.end:
            return -1
        self.pos = pos + 1
        return self.buffer[pos]

    def peek(self, n: int) -> bytes:
        return bytes(self.buffer[self.pos : min(self.pos + n, self.end)])

    def skip(self, n: int) -> int:
        stop = min(self.pos + n, self.end)
        skipped, self.pos = stop - self.pos, stop
        return skipped

    def readline(self, limit: int) -> bytes:
        window = self.buffer[self.pos : min(self.end, self.pos + limit)]
        index = bytes(window).find(b"\n")
        if index < 0:
            if len(window) < limit:
                raise ScanError(f"stream ends inside a line at offset {self.pos}")
            raise ScanError(f"line longer than {limit} bytes at offset {self.pos}")
        line = bytes(window[: index + 1])
        self.pos += index + 1
        return line

    def tell(self) -> int:
        return self.pos

    def remaining(self) -> int | None:
        return self.end - self.pos


class StreamSource:
    """Forward-only reads over a decompressor fed from a buffer, producing at most ``cap`` bytes."""

    CHUNK = 1 << 20

    def __init__(self, compressed: memoryview, decompressor: object, cap: int, deadline: float) -> None:
        self.compressed = compressed
        self.fed = 0
        self.decompressor = decompressor
        self.buffer = bytearray()
        self.produced = 0
        self.pos = 0
        self.cap = cap
        self.deadline = deadline
        self.finished = False

    def _fill(self, want: int) -> None:
        while len(self.buffer) < want and not self.finished:
            if time.monotonic() > self.deadline:
                raise LimitExceeded("time limit reached while decompressing")
            chunk = self._step()
            self.produced += len(chunk)
            if self.produced > self.cap:
                raise LimitExceeded(f"decompresses to more than {self.cap} bytes (compression bomb?)")
            self.buffer += chunk

    def _next_piece(self) -> bytes | None:
        if self.fed >= len(self.compressed):
            return None
        piece = bytes(self.compressed[self.fed : self.fed + self.CHUNK])
        self.fed += len(piece)
        return piece

    def _step(self) -> bytes:
        """One bounded call of the decompressor: never more than CHUNK bytes of output at once."""
        d: Any = self.decompressor
        if d.eof:
            self.finished = True
            return b""
        if hasattr(d, "unconsumed_tail"):  # zlib keeps unread input outside the object
            data = d.unconsumed_tail or self._next_piece()
        else:  # lzma and bz2 keep it inside, and say when they need more
            data = self._next_piece() if d.needs_input else b""
        if data is None:
            self.finished = True
            return b""
        try:
            return bytes(d.decompress(data, self.CHUNK))
        except Exception as err:  # zlib.error, OSError, lzma.LZMAError: corrupt compressed data
            raise ScanError(f"corrupt compressed data at byte {self.fed}: {err}") from err

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return bytes(self.buffer[:n])

    def read_byte(self) -> int:
        data = self.read(1)
        return data[0] if data else -1

    def read(self, n: int) -> bytes:
        self._fill(n)
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        self.pos += len(data)
        return data

    def skip(self, n: int) -> int:
        done = 0
        while done < n:
            self._fill(min(n - done, self.CHUNK))
            if not self.buffer:
                break
            take = min(n - done, len(self.buffer))
            del self.buffer[:take]
            done += take
        self.pos += done
        return done

    def readline(self, limit: int) -> bytes:
        self._fill(limit)
        index = self.buffer.find(b"\n", 0, limit)
        if index < 0:
            raise ScanError(f"line longer than {limit} bytes or unterminated at offset {self.pos}")
        return self.read(index + 1)

    def tell(self) -> int:
        return self.pos

    def remaining(self) -> int | None:
        return None


if TYPE_CHECKING:
    from typing import TypeAlias

    # What the readers walk: a buffer or a decompressing stream, with the same methods.
    Source: TypeAlias = BufferSource | StreamSource
