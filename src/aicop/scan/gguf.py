"""Check a GGUF file's header (counts, string and array lengths, value types, tensor offsets) and its
chat templates. Only the metadata is read; tensor data is never touched."""

from __future__ import annotations

import struct

from aicop.scan.errors import ScanError
from aicop.scan.model import Issue, Severity
from aicop.scan.template import check_template

SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # type → bytes
STRING, ARRAY = 8, 9
MAX_COUNT = 10_000_000
MAX_DIMS = 8


class _Reader:
    def __init__(self, buf: memoryview, wide: bool) -> None:
        self.buf, self.pos, self.wide = buf, 0, wide

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.buf):
            raise ScanError(f"GGUF field at offset {self.pos} runs past the end of the file ({n} bytes)")
        data = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.buf):
            raise ScanError(f"GGUF array at offset {self.pos} runs past the end of the file")
        self.pos += n

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def count(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0]) if self.wide else self.u32()

    def string(self) -> bytes:
        n = self.count()
        if n > len(self.buf) - self.pos:
            raise ScanError(f"GGUF string length {n} at offset {self.pos} exceeds the file")
        return self.take(n)


def check(buf: memoryview) -> list[Issue]:
    if len(buf) < 24:
        raise ScanError("GGUF header truncated")
    (version,) = struct.unpack("<I", bytes(buf[4:8]))
    if version not in (1, 2, 3):
        return [Issue("gguf.bad-version", Severity.HIGH, f"unknown GGUF version {version}", 4)]
    r = _Reader(buf, wide=version >= 2)
    r.pos = 8
    tensors, kvs = r.count(), r.count()
    if tensors > MAX_COUNT or kvs > MAX_COUNT:
        return [
            Issue("gguf.bad-counts", Severity.HIGH, f"implausible counts: {tensors} tensors, {kvs} keys", 8)
        ]
    issues: list[Issue] = []
    alignment = 32
    for _ in range(kvs):
        key = r.string().decode("utf-8", "replace")
        kind = r.u32()
        if kind == STRING:
            value = r.string()
            if key.startswith("tokenizer.chat_template"):
                issues += check_template(value.decode("utf-8", "replace"), key)
        elif kind == ARRAY:
            element, n = r.u32(), r.count()
            if n > MAX_COUNT * 100:
                raise ScanError(f"GGUF array {key!r} claims {n} elements")
            if element == STRING:
                for _ in range(n):
                    r.string()
            elif element in SCALAR:
                r.skip(SCALAR[element] * n)
            else:
                return [
                    *issues,
                    Issue(
                        "gguf.bad-type",
                        Severity.HIGH,
                        f"array {key!r} has element type {element}",
                        r.pos,
                        member=key,
                    ),
                ]
        elif kind in SCALAR:
            raw = r.take(SCALAR[kind])
            if key == "general.alignment" and kind == 4:
                alignment = int(struct.unpack("<I", raw)[0]) or 32
        else:
            return [
                *issues,
                Issue(
                    "gguf.bad-type", Severity.HIGH, f"key {key!r} has value type {kind}", r.pos, member=key
                ),
            ]
    for _ in range(tensors):
        name = r.string().decode("utf-8", "replace")
        dims = r.u32()
        if dims > MAX_DIMS:
            return [
                *issues,
                Issue(
                    "gguf.bad-tensor",
                    Severity.HIGH,
                    f"tensor {name!r} has {dims} dimensions",
                    r.pos,
                    member=name,
                ),
            ]
        r.skip(8 * dims)
        r.u32()
        (offset,) = struct.unpack("<Q", r.take(8))
        if offset % alignment or offset > len(buf):
            issues.append(
                Issue(
                    "gguf.bad-offset",
                    Severity.HIGH,
                    f"tensor {name!r} offset {offset} is misaligned or past the end of the file",
                    r.pos,
                    member=name,
                )
            )
    return issues
