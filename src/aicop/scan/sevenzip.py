"""Read 7z archives with the standard library: headers, file names, and the content of each file.

Written here instead of using py7zr: importing py7zr costs ~79 ms (it brings cffi, pycryptodome, zstd,
PPMd and Brotli bindings) for one archive, which dominated a directory scan; and it made 7z support an
optional extra. 7-Zip's default coders are LZMA/LZMA2 with branch filters, all of which Python's
``lzma`` decodes in raw mode; Copy, BZip2 and Deflate are covered by ``bz2`` and ``zlib``. Archives
using other coders (PPMd, Zstandard, BCJ2) or encryption (AES) are reported as not inspectable.

Format reference: 7zFormat.txt from the 7-Zip distribution (signature header, property ids, UINT64
encoding, folders with coders and bind pairs).
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib

from aicop.scan.errors import LimitExceeded, ScanError, Unsupported

SIGNATURE = b"7z\xbc\xaf\x27\x1c"
END, HEADER, ARCHIVE_PROPERTIES, ADDITIONAL_STREAMS, MAIN_STREAMS, FILES_INFO = 0, 1, 2, 3, 4, 5
PACK_INFO, UNPACK_INFO, SUBSTREAMS_INFO, SIZE, CRC, FOLDER, UNPACK_SIZE, NUM_UNPACK_STREAM = range(6, 14)
EMPTY_STREAM, EMPTY_FILE, NAME, ENCODED_HEADER, DUMMY = 0x0E, 0x0F, 0x11, 0x17, 0x19

COPY, LZMA1, LZMA2, BZIP2, DEFLATE, DELTA = (
    b"\x00",
    b"\x03\x01\x01",
    b"\x21",
    b"\x04\x02\x02",
    b"\x04\x01\x08",
    b"\x03",
)
BRANCH = {
    b"\x03\x03\x01\x03": lzma.FILTER_X86,
    b"\x03\x03\x02\x05": lzma.FILTER_POWERPC,
    b"\x03\x03\x04\x01": lzma.FILTER_IA64,
    b"\x03\x03\x05\x01": lzma.FILTER_ARM,
    b"\x03\x03\x07\x01": lzma.FILTER_ARMTHUMB,
    b"\x03\x03\x08\x05": lzma.FILTER_SPARC,
}
NAMED = {
    b"\x03\x04\x01": "PPMd",
    b"\x06\xf1\x07\x01": "AES (encrypted)",
    b"\x03\x03\x01\x1b": "BCJ2",
    b"\x04\xf7\x11\x01": "Zstandard",
    b"\x04\x01\x09": "Deflate64",
}
MAX_ITEMS = 1_000_000


class Coder:
    __slots__ = ("inputs", "method", "outputs", "properties")

    def __init__(self, method: bytes, inputs: int, outputs: int, properties: bytes) -> None:
        self.method, self.inputs, self.outputs, self.properties = method, inputs, outputs, properties


class Folder:
    __slots__ = ("binds", "coders", "packed", "sizes")

    def __init__(self) -> None:
        self.coders: list[Coder] = []
        self.binds: list[tuple[int, int]] = []  # (in index, out index)
        self.packed: list[int] = []  # in-stream indexes fed by packed streams
        self.sizes: list[int] = []  # unpack size of each out stream

    @property
    def size(self) -> int:
        bound = {out for _, out in self.binds}
        return next(s for i, s in enumerate(self.sizes) if i not in bound)


class Streams:
    __slots__ = ("folders", "pack_pos", "pack_sizes", "substreams")

    def __init__(self) -> None:
        self.pack_pos = 0
        self.pack_sizes: list[int] = []
        self.folders: list[Folder] = []
        self.substreams: list[list[int]] = []  # sizes of the files in each folder


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ScanError("7z header ends early")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ScanError("7z header field runs past its end")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def number(self) -> int:
        first, mask, value = self.byte(), 0x80, 0
        for i in range(8):
            if not first & mask:
                return value | ((first & (mask - 1)) << (8 * i))
            value |= self.byte() << (8 * i)
            mask >>= 1
        return value

    def count(self) -> int:
        value = self.number()
        if value > MAX_ITEMS:
            raise LimitExceeded(f"7z header lists {value} items")
        return value

    def bits(self, n: int) -> list[bool]:
        out: list[bool] = []
        while len(out) < n:
            byte = self.byte()
            out += [bool(byte & (0x80 >> i)) for i in range(8)]
        return out[:n]

    def defined(self, n: int) -> list[bool]:
        return [True] * n if self.byte() else self.bits(n)


def read_archive(buf: memoryview, cap: int) -> dict[str, bytes]:
    """Each file's name and content, inflating no more than ``cap`` bytes in all."""
    if len(buf) < 32 or bytes(buf[:6]) != SIGNATURE:
        raise ScanError("not a 7z archive")
    offset, size = struct.unpack("<QQ", bytes(buf[12:28]))
    start = 32 + offset
    if start + size > len(buf):
        raise ScanError("7z header lies past the end of the file (truncated archive?)")
    header = bytes(buf[start : start + size])
    budget = [cap]
    for _ in range(4):  # an encoded header decodes to a header, possibly encoded again
        reader = _Reader(header)
        kind = reader.byte()
        if kind == HEADER:
            return _files(buf, reader, budget)
        if kind != ENCODED_HEADER:
            raise ScanError(f"7z header starts with unknown property {kind}")
        streams = _streams(reader)
        header = b"".join(_unpack(buf, streams, i, budget) for i in range(len(streams.folders)))
    raise ScanError("7z header is encoded too many times")


def _files(buf: memoryview, r: _Reader, budget: list[int]) -> dict[str, bytes]:
    streams = Streams()
    kind = r.byte()
    if kind == ARCHIVE_PROPERTIES:
        while r.byte() != END:
            r.take(r.number())
        kind = r.byte()
    if kind == ADDITIONAL_STREAMS:
        _streams(r)
        kind = r.byte()
    if kind == MAIN_STREAMS:
        streams = _streams(r)
        kind = r.byte()
    names: list[str] = []
    empty: list[bool] = []
    if kind == FILES_INFO:
        count = r.count()
        empty = [False] * count
        while (prop := r.byte()) != END:
            size = r.number()
            body = _Reader(r.take(size))
            if prop == EMPTY_STREAM:
                empty = body.bits(count)
            elif prop == NAME:
                if body.byte() != 0:
                    raise Unsupported("7z file names stored outside the header are not supported")
                names = body.data[1:].decode("utf-16-le", "replace").split("\x00")[:count]
        kind = r.byte()
    if kind != END:
        raise ScanError(f"unexpected 7z header property {kind}")
    sizes = [size for folder_sizes in streams.substreams for size in folder_sizes]
    if not names:
        names = [f"file {i}" for i in range(len(empty) or len(sizes))]
        empty = empty or [False] * len(names)
    with_data = [name for name, no_stream in zip(names, empty, strict=False) if not no_stream]
    if len(sizes) != len(with_data):
        raise ScanError("7z header lists different numbers of files and streams")
    out: dict[str, bytes] = {}
    position = 0
    for index in range(len(streams.folders)):
        data = _unpack(buf, streams, index, budget)
        offset = 0
        for size in streams.substreams[index]:
            name = with_data[position] if position < len(with_data) else f"stream {position}"
            out[name] = data[offset : offset + size]
            offset += size
            position += 1
    return out


def _streams(r: _Reader) -> Streams:
    streams = Streams()
    while (kind := r.byte()) != END:
        if kind == PACK_INFO:
            streams.pack_pos = r.number()
            count = r.count()
            while (prop := r.byte()) != END:
                if prop == SIZE:
                    streams.pack_sizes = [r.number() for _ in range(count)]
                elif prop == CRC:
                    _digests(r, count)
        elif kind == UNPACK_INFO:
            streams.folders = _folders(r)
            streams.substreams = [[f.size] for f in streams.folders]
        elif kind == SUBSTREAMS_INFO:
            _substreams(r, streams)
        else:
            raise ScanError(f"unexpected 7z streams property {kind}")
    return streams


def _folders(r: _Reader) -> list[Folder]:
    if r.byte() != FOLDER:
        raise ScanError("7z unpack info without folders")
    folders = [Folder() for _ in range(r.count())]
    if r.byte() != 0:
        raise Unsupported("7z folders stored outside the header are not supported")
    for folder in folders:
        inputs = outputs = 0
        for _ in range(r.count()):
            flags = r.byte()
            method = r.take(flags & 0x0F)
            ins, outs = (r.count(), r.count()) if flags & 0x10 else (1, 1)
            properties = r.take(r.number()) if flags & 0x20 else b""
            folder.coders.append(Coder(method, ins, outs, properties))
            inputs, outputs = inputs + ins, outputs + outs
        folder.binds = [(r.number(), r.number()) for _ in range(outputs - 1)]
        packed = inputs - len(folder.binds)
        if packed == 1:
            bound_in = {i for i, _ in folder.binds}
            folder.packed = [next(i for i in range(inputs) if i not in bound_in)]
        else:
            folder.packed = [r.number() for _ in range(packed)]
    if r.byte() != UNPACK_SIZE:
        raise ScanError("7z folders without unpack sizes")
    for folder in folders:
        folder.sizes = [r.number() for _ in range(sum(c.outputs for c in folder.coders))]
    while (prop := r.byte()) != END:
        if prop == CRC:
            _digests(r, len(folders))
    return folders


def _substreams(r: _Reader, streams: Streams) -> None:
    """How many files each folder holds and their sizes (the last is what the others leave)."""
    counts = [1] * len(streams.folders)
    sizes: list[list[int]] | None = None
    while (prop := r.byte()) != END:
        if prop == NUM_UNPACK_STREAM:
            counts = [r.count() for _ in streams.folders]
        elif prop == SIZE:
            sizes = []
            for folder, count in zip(streams.folders, counts, strict=True):
                parts = [r.number() for _ in range(max(count - 1, 0))]
                sizes.append([*parts, folder.size - sum(parts)] if count else [])
        elif prop == CRC:
            _digests(r, sum(counts))
    if sizes is None:
        if any(c > 1 for c in counts):
            raise ScanError("7z folder holds several files but lists no sizes")
        sizes = [[f.size] if c else [] for f, c in zip(streams.folders, counts, strict=True)]
    if any(size < 0 for folder_sizes in sizes for size in folder_sizes):
        raise ScanError("7z file sizes exceed their folder")
    streams.substreams = sizes


def _digests(r: _Reader, count: int) -> None:
    defined = r.defined(count)
    r.take(4 * sum(defined))


def _unpack(buf: memoryview, streams: Streams, index: int, budget: list[int]) -> bytes:
    folder = streams.folders[index]
    if len(folder.packed) != 1 or any(c.inputs != 1 or c.outputs != 1 for c in folder.coders):
        names = ", ".join(NAMED.get(c.method, c.method.hex()) for c in folder.coders)
        raise Unsupported(f"7z folder uses coders aicop cannot decode ({names})")
    packed_index = sum(len(f.packed) for f in streams.folders[:index])
    start = 32 + streams.pack_pos + sum(streams.pack_sizes[:packed_index])
    packed = bytes(buf[start : start + streams.pack_sizes[packed_index]])
    size = folder.size
    if size > budget[0]:
        raise LimitExceeded(f"7z archive inflates past the bound (a folder of {size} bytes)")
    budget[0] -= size
    chain = _chain(folder)
    methods = [c.method for c in chain]
    try:
        if methods == [COPY]:
            data = packed
        elif methods == [BZIP2]:
            data = bz2.BZ2Decompressor().decompress(packed, size)
        elif methods == [DEFLATE]:
            data = zlib.decompressobj(-15).decompress(packed, size)
        else:
            filters = [_filter(c) for c in reversed(chain)]
            data = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters).decompress(packed, size)
    except (lzma.LZMAError, OSError, zlib.error, ValueError, EOFError) as err:
        raise ScanError(f"7z folder {index} does not decode: {err}") from err
    if len(data) < size:
        raise ScanError(f"7z folder {index} decodes to {len(data)} of {size} bytes (truncated?)")
    return data[:size]


def _chain(folder: Folder) -> list[Coder]:
    """Coders from the one fed by the packed stream to the one producing the folder's output."""
    out_start = [sum(c.outputs for c in folder.coders[:i]) for i in range(len(folder.coders))]
    feeds = {out_index: in_index for in_index, out_index in folder.binds}  # out stream → in stream it feeds
    current = folder.packed[0]  # simple coders: coder i reads in-stream i and writes out-stream i
    chain = [folder.coders[current]]
    while out_start[current] in feeds:
        current = feeds[out_start[current]]
        chain.append(folder.coders[current])
        if len(chain) > len(folder.coders):
            raise ScanError("7z coders form a loop")
    return chain


def _filter(coder: Coder) -> dict[str, object]:
    if coder.method in (LZMA1, LZMA2):
        kind = lzma.FILTER_LZMA1 if coder.method == LZMA1 else lzma.FILTER_LZMA2
        return lzma._decode_filter_properties(kind, coder.properties)  # type: ignore[attr-defined,no-any-return]
    if coder.method in BRANCH:
        return {"id": BRANCH[coder.method]}
    if coder.method == DELTA:
        return {"id": lzma.FILTER_DELTA, "dist": (coder.properties[0] + 1) if coder.properties else 1}
    raise Unsupported(f"7z coder {NAMED.get(coder.method, coder.method.hex())} cannot be decoded here")
