"""Scan files and directories for code execution hidden in model artifacts, without loading them.

Formats are chosen by content (magic bytes and structure), never by file name; containers are
opened recursively to a bounded depth; every file gets a time budget. A format reader raises
``ScanError`` for content it cannot read (the file's ``error``, exit 2) and ``LimitExceeded`` for a
bound only hostile input reaches (an ``error`` and a high-severity finding). Files are memory-mapped:
nothing is read that a check does not need, so tensor bytes cost nothing.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import re
import time
import zlib
from pathlib import Path

from aicop.scan import protobuf, safetensors, zipfmt
from aicop.scan.errors import LimitExceeded, ScanError, Unsupported, Unverifiable
from aicop.scan.model import FileResult, Issue, ScanFinding, ScanReport, Severity
from aicop.scan.pickle import looks_like_pickle, walk_stream
from aicop.scan.policy import ALIASES, DEFAULT_POLICY, RECONSTRUCT_ONLY, Decision, Policy, Verdict
from aicop.scan.ranged import LazyBuffer
from aicop.scan.source import BufferSource, StreamSource

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up is measured
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from aicop.scan.pickle import StreamResult
    from aicop.scan.ranged import RangeReader
    from aicop.scan.source import Source

# Readers of the rarer formats (tar, 7z, GGUF, Keras, NumPy, bz2/xz) are imported when a file needs
# them: every import is paid by each 'aicop scan FILE' process.

MODEL_SUFFIXES = frozenset(
    {
        ".pt",
        ".pth",
        ".ckpt",
        ".bin",
        ".pkl",
        ".pickle",
        ".joblib",
        ".npy",
        ".npz",
        ".h5",
        ".hdf5",
        ".keras",
        ".pb",
        ".onnx",
        ".safetensors",
        ".gguf",
        ".ggml",
        ".7z",
        ".dill",
        ".sav",
        ".model",
        ".mar",
        ".tar",
    }
)
HEAD = 512
TRAILING_WINDOW = 1 << 20
_EMBEDDED_PICKLE = re.compile(rb"\x80[\x02-\x05]|c[A-Za-z_][\w.]*\n[A-Za-z_][\w.]*\n")


class Limits:
    __slots__ = ("depth", "inflate", "members", "seconds")

    def __init__(
        self, seconds: float = 60.0, depth: int = 4, inflate: int = 2 << 30, members: int = 200_000
    ) -> None:
        self.seconds = seconds  # per file
        self.depth = depth  # archives inside archives
        self.inflate = inflate  # bytes one member or compressed stream may inflate to
        self.members = members


def sniff(head: bytes, size: int | None = None) -> str | None:
    """The format ``head`` (a file's or member's first bytes; ``size`` its length when known) starts
    like. Only formats with a signature of several bytes are "claimed" by it (see STRONG)."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if head[:6] == b"\x93NUMPY":
        return "npy"
    if head[:4] == b"GGUF":
        return "gguf"
    if head[:8] == b"\x89HDF\r\n\x1a\n":
        return "hdf5"
    if head[:6] == b"7z\xbc\xaf\x27\x1c":
        return "7z"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if safetensors.looks_like_safetensors(head, size):
        return "safetensors"
    if head[:3] == b"\x1f\x8b\x08":  # gzip's magic and its only compression method, deflate
        return "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return "bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if head[:3] == b"\x5d\x00\x00":
        return "lzma"
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    if head[:4] == b"\x04\x22\x4d\x18":
        return "lz4"
    if looks_like_pickle(head):
        return "pickle"
    if protobuf.kind(memoryview(head)) is not None or (len(head) > 2 and head[0] in (0x08, 0x0A, 0x12)):
        return "protobuf?"
    return None


COMPRESSED = frozenset({"gzip", "bz2", "xz", "lzma", "zlib", "lz4"})
# Signatures long enough that content starting with one claims the format: if it then does not parse,
# the file cannot be verified. The others (two-byte zlib, lzma's properties byte, protobuf's first tag,
# the opcodes a protocol 0/1 pickle starts with) also start ordinary data: failing to parse as one of
# them only means the content is not that format.
STRONG = frozenset({"zip", "npy", "gguf", "hdf5", "7z", "tar", "safetensors", "gzip", "bz2", "xz", "lz4"})
# What a file's name claims it is: the content formats its suffix admits. A name that several formats
# share (.bin, .model, .pb, .sav, .ggml) claims nothing.
_PICKLE_LIKE = ("pickle", "zip", *sorted(COMPRESSED))
CLAIMS: dict[str, tuple[str, ...]] = {
    ".safetensors": ("safetensors",),
    ".gguf": ("gguf",),
    ".npy": ("npy",),
    ".npz": ("zip",),
    ".keras": ("zip",),
    ".h5": ("hdf5",),
    ".hdf5": ("hdf5",),
    ".7z": ("7z",),
    ".tar": ("tar",),
    ".mar": ("zip",),
    ".onnx": ("protobuf?",),
    ".pt": ("zip", "pickle", "tar"),
    ".pth": ("zip", "pickle", "tar"),
    ".ckpt": ("zip", "pickle", "tar"),
    ".pkl": _PICKLE_LIKE,
    ".pickle": _PICKLE_LIKE,
    ".joblib": _PICKLE_LIKE,
    ".dill": _PICKLE_LIKE,
}
_TORCH_SUFFIXES = frozenset({".pt", ".pth", ".ckpt"})


def _decompressor(fmt: str) -> object:
    import bz2
    import lzma

    if fmt == "gzip":
        return zlib.decompressobj(31)
    if fmt == "zlib":
        return zlib.decompressobj()
    if fmt == "bz2":
        return bz2.BZ2Decompressor()
    if fmt in ("xz", "lzma"):
        return lzma.LZMADecompressor()
    try:
        import lz4.frame  # type: ignore[import-not-found]
    except ImportError:
        raise Unsupported("LZ4-compressed: install the lz4 package to inspect it") from None
    return lz4.frame.LZ4FrameDecompressor()


class _Job:
    __slots__ = ("deadline", "findings", "formats", "limits", "path", "policy")

    def __init__(self, path: str, policy: Policy, limits: Limits, deadline: float) -> None:
        self.path, self.policy, self.limits, self.deadline = path, policy, limits, deadline
        self.findings: list[ScanFinding] = []
        self.formats: list[str] = []

    def add(self, issue: Issue, where: list[str]) -> None:
        chain = [*where, issue.member] if issue.member else where
        self.findings.append(
            ScanFinding(
                issue.rule,
                issue.severity,
                issue.message,
                self.path,
                "/".join(chain) or None,
                issue.offset,
                issue.callable,
            )
        )

    def label(self, fmt: str) -> None:
        if fmt not in self.formats:
            self.formats.append(fmt)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded("time limit reached")

    # ------------------------------------------------------------------ dispatch
    def dispatch(
        self, buf: memoryview, fmt: str, where: list[str], depth: int, *, disk: Path | None = None
    ) -> None:
        self.check_time()
        if depth > self.limits.depth:
            raise LimitExceeded(f"archives nest deeper than {self.limits.depth} levels")
        handler: Callable[[memoryview, list[str], int], None] | None = {
            "zip": self.zip,
            "tar": self.tar,
            "7z": self.sevenzip,
            "npy": self.npy,
            "hdf5": self.hdf5,
            "pickle": self.pickle_buffer,
        }.get(fmt)
        if handler is not None:
            handler(buf, where, depth)
        elif fmt == "safetensors":
            self.label("safetensors")
            self.issues(safetensors.check(buf), where)
        elif fmt == "gguf":
            from aicop.scan import gguf

            self.label("gguf")
            self.issues(gguf.check(buf), where)
        elif fmt in COMPRESSED:
            self.compressed(buf, fmt, where, depth)
        elif fmt == "protobuf?":
            self.protobuf(buf, where, disk)

    def issues(self, issues: Iterable[Issue], where: list[str]) -> None:
        for issue in issues:
            self.add(issue, where)

    # ------------------------------------------------------------------ pickles
    def pickle_buffer(self, buf: memoryview, where: list[str], depth: int) -> None:
        self.pickles(BufferSource(buf), where, tentative=bool(where))

    def pickles(self, source: Source, where: list[str], *, tentative: bool) -> bool:
        """Walk every pickle stream in ``source``; False if it turned out not to be a pickle at all."""
        streams = 0
        legacy_torch = False
        while True:
            start = source.tell()
            result = walk_stream(source, self.deadline)
            streams += 1
            if result.error and not result.imports and not result.events and result.ops < 64:
                if streams == 1 and tentative:
                    return False
                if streams > 1:  # bytes that merely start like a pickle: trailing data, inspected as such
                    self.trailing(_rewound(source, start), where, legacy_torch, start)
                    break
            self.stream_findings(result, where, streams)
            if streams == 1:
                legacy_torch = result.is_legacy_torch_magic
                self.label("pytorch-legacy" if legacy_torch else "pickle")
            if any(i.module == "joblib.numpy_pickle" for i in result.imports):
                self.label("joblib")
            if result.end is None:
                break
            if legacy_torch and streams == LEGACY_TORCH_STREAMS:
                break  # magic, protocol, sys_info, the object, storage keys; raw storages follow
            following = source.peek(2)
            if not following:
                break
            if following[0] == 0x80 and len(following) > 1 and following[1] <= 5:
                continue
            self.trailing(source, where, legacy_torch, result.end)
            break
        return True

    def stream_findings(self, result: StreamResult, where: list[str], stream: int) -> None:
        label = [*where, f"stream {stream}"] if stream > 1 else where
        seen: dict[tuple[str, str], list[int]] = {}
        for imp in result.imports:
            seen.setdefault((imp.module, imp.name), []).append(imp.offset)
        called = {qualified for qualified, _, opcode in result.calls if opcode in _DIRECT_CALLS}
        for (module, name), offsets in seen.items():
            if _resolved_getattr(module, name, result):
                continue  # every getattr read a constant attribute, judged as an import of its own
            decision = self.policy.decide(module, name)
            if (
                decision.verdict is Verdict.SAFE
                and decision.qualified in RECONSTRUCT_ONLY
                and decision.qualified in called
            ):
                decision = Decision(
                    Verdict.UNKNOWN,
                    decision.qualified,
                    "called with arguments: only its reconstruction (NEWOBJ, copyreg) is data-only",
                )
            if decision.verdict is Verdict.SAFE:
                continue
            times = f" ({len(offsets)} times)" if len(offsets) > 1 else ""
            if decision.verdict is Verdict.DANGEROUS:
                self.add(
                    Issue(
                        "pickle.dangerous-import",
                        Severity.CRITICAL,
                        f"imports {decision.qualified}{times}, which {decision.reason}",
                        offsets[0],
                        decision.qualified,
                    ),
                    label,
                )
            else:
                severity = Severity.HIGH if "." in name else Severity.MEDIUM
                self.add(
                    Issue(
                        "pickle.unknown-import",
                        severity,
                        f"imports {decision.qualified}{times}: {decision.reason}",
                        offsets[0],
                        decision.qualified,
                    ),
                    label,
                )
        for event in result.events:
            severity = Severity.CRITICAL if event.kind == "mutate-import" else Severity.HIGH
            self.add(Issue(f"pickle.{event.kind}", severity, event.detail, event.offset), label)
        for nested in result.nested:
            self.stream_findings(nested, [*label, "object array"], 1)
        if result.error:
            if result.imports or result.events:
                self.add(
                    Issue(
                        "pickle.broken-stream",
                        Severity.LOW,
                        f"the stream breaks ({result.error}); "
                        "loading fails there, after everything before it has run",
                        result.end,
                    ),
                    label,
                )
            else:
                raise ScanError(f"not a readable pickle: {result.error}")

    def trailing(self, source: Source, where: list[str], legacy_torch: bool, end: int) -> None:
        remaining = source.remaining()
        if legacy_torch:
            return  # raw storage bytes follow the five pickles of a legacy PyTorch file
        window = source.read(TRAILING_WINDOW)
        size = remaining if remaining is not None else len(window)
        for match in _EMBEDDED_PICKLE.finditer(window):
            nested = walk_stream(BufferSource(window, match.start()), self.deadline)
            if nested.imports or nested.events:
                self.add(
                    Issue(
                        "pickle.hidden-stream",
                        Severity.HIGH,
                        "a second pickle stream hides in the data after the first one",
                        end + match.start(),
                    ),
                    where,
                )
                self.stream_findings(nested, [*where, "hidden stream"], 1)
                return
        self.add(
            Issue("pickle.trailing-data", Severity.LOW, f"{size} bytes follow the pickle stream", end), where
        )

    # ------------------------------------------------------------------ containers
    def zip(self, buf: memoryview, where: list[str], depth: int) -> None:
        archive = zipfmt.read_archive(buf, self.limits.members)
        names = [m.name for m in archive.members]
        label = _zip_label(names)
        if label == "pytorch-zip" and not any(n.endswith(".pkl") for n in names):
            raise Unverifiable(
                "a PyTorch zip checkpoint without its pickle member (data.pkl): "
                "what torch.load would read cannot be verified"
            )
        self.label(label)
        for anomaly in archive.anomalies:
            severity = Severity[anomaly.severity.upper()]
            self.add(
                Issue(anomaly.rule, severity, anomaly.message, anomaly.offset, member=anomaly.member), where
            )
        if archive.prefix > 0:
            self.region(buf[: archive.prefix], [*where, "prepended data"], depth)
        if archive.end < len(buf):
            self.region(buf[archive.end :], [*where, "appended data"], depth)
        for member in archive.members:
            if member.name.endswith("/") or member.data_offset < 0:
                continue
            self.check_time()
            self.member(buf, member, [*where, member.name], depth)

    def member(self, buf: memoryview, member: zipfmt.Member, where: list[str], depth: int) -> None:
        head = zipfmt.member_head(buf, member, HEAD)
        fmt = sniff(head, member.size)
        if fmt is None:
            if head.lstrip()[:1] == b"{" and member.size <= 16 << 20:
                self.json_config(zipfmt.member_data(buf, member, self.limits.inflate), where)
            return
        try:
            data = zipfmt.member_data(buf, member, self.limits.inflate)
        except LimitExceeded:
            raise
        except ScanError as err:
            self.add(Issue("zip.unreadable-member", Severity.MEDIUM, str(err)), where)
            return
        if member.method != 0 and not zipfmt.crc_matches(data, member):
            self.add(
                Issue(
                    "zip.crc-mismatch",
                    Severity.MEDIUM,
                    "stored CRC does not match the content: a tool "
                    "that checks CRCs refuses the member that another loads",
                ),
                where,
            )
        if fmt == "pickle":
            self.pickles(BufferSource(data), where, tentative=True)
        else:
            self.inner(data, fmt, where, depth)

    def region(self, data: memoryview, where: list[str], depth: int) -> None:
        fmt = sniff(bytes(data[:HEAD]), len(data))
        if fmt == "pickle":
            self.pickles(BufferSource(data), where, tentative=True)
        elif fmt is not None and fmt != "protobuf?":
            self.inner(data, fmt, where, depth)

    def inner(self, data: memoryview, fmt: str, where: list[str], depth: int) -> None:
        """Scan a member or region as the format it starts like. A weak signature that does not parse
        (a tensor's bytes that begin like zlib) is only data, as it is to every loader."""
        try:
            self.dispatch(data, fmt, where, depth + 1)
        except (LimitExceeded, Unsupported):
            raise
        except ScanError:
            if fmt in STRONG:
                raise

    def polyglot(self, buf: memoryview, fmt: str | None, where: list[str], depth: int) -> None:
        """A file that is also a ZIP archive at its end: scan the archive too. A file of no other format
        is simply a ZIP with data in front (reported by the ZIP reader)."""
        if fmt in ("zip", "safetensors", "gguf", "7z") or len(buf) < 22:
            return
        eocd = zipfmt.find_eocd(buf)
        if eocd < 0:
            return
        try:
            zipfmt.read_archive(buf, self.limits.members)
        except ScanError:
            return
        if fmt is None:
            self.zip(buf, where, depth)
            return
        self.add(
            Issue(
                "file.polyglot",
                Severity.HIGH,
                f"the file is both {fmt} and a ZIP archive: loaders that "
                "look at its start and its end see different content",
            ),
            where,
        )
        self.zip(buf, [*where, "zip part"], depth)

    def tar(self, buf: memoryview, where: list[str], depth: int) -> None:
        import tarfile

        self.label("tar")
        try:
            with tarfile.open(fileobj=_MemoryFile(buf), mode="r:") as archive:
                infos = archive.getmembers()
        except (tarfile.TarError, EOFError, OSError) as err:
            raise ScanError(f"unreadable tar archive: {err}") from err
        if len(infos) > self.limits.members:
            raise LimitExceeded(f"tar archive lists {len(infos)} members")
        for info in infos:
            self.check_time()
            if not info.isfile():
                continue
            start = info.offset_data
            data = buf[start : start + info.size]
            fmt = sniff(bytes(data[:HEAD]), len(data))
            if fmt == "pickle":
                self.pickles(BufferSource(data), [*where, info.name], tentative=True)
            elif fmt is not None and fmt != "protobuf?":
                self.inner(data, fmt, [*where, info.name], depth)

    def sevenzip(self, buf: memoryview, where: list[str], depth: int) -> None:
        from aicop.scan import sevenzip

        self.label("7z")
        for name, data in sevenzip.read_archive(buf, self.limits.inflate).items():
            self.check_time()
            view = memoryview(data)
            fmt = sniff(bytes(view[:HEAD]), len(view))
            if fmt == "pickle":
                self.pickles(BufferSource(view), [*where, name], tentative=True)
            elif fmt is not None and fmt != "protobuf?":
                self.inner(view, fmt, [*where, name], depth)

    def compressed(self, buf: memoryview, fmt: str, where: list[str], depth: int) -> None:
        stream = StreamSource(buf, _decompressor(fmt), self.limits.inflate, self.deadline)
        head = stream.peek(HEAD)
        inner = sniff(head)
        if inner is None:
            return
        self.label(fmt)
        if inner == "pickle":
            self.pickles(stream, [*where, f"{fmt} content"] if where else where, tentative=False)
            return
        data = bytearray(head)
        while chunk := stream.read(1 << 20):
            data += chunk
        self.dispatch(memoryview(bytes(data)), inner, [*where, f"{fmt} content"], depth + 1)

    # ------------------------------------------------------------------ other formats
    def npy(self, buf: memoryview, where: list[str], depth: int) -> None:
        from aicop.scan import npy

        self.label("numpy")
        header, start = npy.parse_header(buf)
        if npy.has_object_dtype(header.get("descr")):
            self.add(
                Issue(
                    "numpy.object-array",
                    Severity.LOW,
                    "object array: loading needs allow_pickle=True and unpickles its content (scanned below)",
                ),
                where,
            )
            self.pickles(BufferSource(buf, start), [*where, "object array"], tentative=False)

    def hdf5(self, buf: memoryview, where: list[str], depth: int) -> None:
        from aicop.scan import keras

        self.label("hdf5")
        for config in keras.configs_in_hdf5(buf):
            self.label("keras-h5")
            self.issues(keras.check_config(config), where)

    def json_config(self, data: memoryview, where: list[str]) -> None:
        import json

        from aicop.scan import keras

        try:
            value = json.loads(bytes(data))
        except (ValueError, RecursionError):
            return
        if keras.looks_like_config(value):
            self.label("keras")
            self.issues(keras.check_config(value), where)

    def protobuf(self, buf: memoryview, where: list[str], disk: Path | None) -> None:
        kind = protobuf.kind(buf)
        if kind == "onnx":
            self.label("onnx")
            self.issues(protobuf.check_onnx(buf), where)
            if disk is not None:
                self.onnx_links(buf, disk, where)
        elif kind == "savedmodel":
            self.label("tf-savedmodel")
            self.issues(protobuf.check_savedmodel(buf), where)

    def onnx_links(self, buf: memoryview, disk: Path, where: list[str]) -> None:
        base = disk.parent.resolve()
        for name, location in protobuf.onnx_external_data(buf):
            if not location or protobuf.traversal_problem(location):
                continue
            target = (disk.parent / location).resolve()
            if not target.is_relative_to(base):
                self.add(
                    Issue(
                        "onnx.external-data-traversal",
                        Severity.HIGH,
                        f"tensor {name!r} reads external "
                        f"data through a link that leaves the model directory ({location!r})",
                        member=name,
                    ),
                    where,
                )


LEGACY_TORCH_STREAMS = 5
_DIRECT_CALLS = frozenset({"REDUCE", "INST", "OBJ"})  # call a class's __init__ with the pickle's arguments


def _resolved_getattr(module: str, name: str, result: StreamResult) -> bool:
    return (
        name == "getattr"
        and ALIASES.get(module, module) == "builtins"
        and result.attribute_reads > 0
        and not result.opaque_getattr
    )


def _rewound(source: Source, position: int) -> Source:
    """The source from ``position`` on; only buffers can rewind (a stream's rest is still ahead)."""
    if isinstance(source, BufferSource):
        source.pos = position
    return source


def _zip_label(names: list[str]) -> str:
    if any(n.endswith("data.pkl") or n.endswith(".data/version") or n.endswith("/version") for n in names):
        return "pytorch-zip"
    if names and all(n.endswith(".npy") for n in names):
        return "numpy-npz"
    if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
        return "keras"
    return "zip"


class _MemoryFile(io.RawIOBase):
    """A read-only, seekable file over a memoryview, so tarfile reads headers without copying data."""

    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        n = max(0, min(len(target), len(self.buf) - self.pos))
        piece = self.buf[self.pos : self.pos + n]
        target[:n] = piece if isinstance(piece, memoryview) else bytes(piece)
        self.pos += n
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: offset, 1: self.pos + offset, 2: len(self.buf) + offset}[whence]
        return self.pos

    def tell(self) -> int:
        return self.pos


# --------------------------------------------------------------------------- entry points
def scan_file(path: Path | str, policy: Policy = DEFAULT_POLICY, limits: Limits | None = None) -> FileResult:
    """Scan one file. Most files in a tree are not models: those cost one open and one 512-byte read;
    only content that is a format aicop reads (or ends like a ZIP archive) is memory-mapped.

    A file that claims a model format, by its name (CLAIMS) or a signature (STRONG), and does not parse
    as it cannot be verified: unsafe, unless the policy reports such files as errors instead. A file
    whose content is another format than its name says is scanned as what its content is."""
    limits = limits or Limits()
    start = time.monotonic()
    name = os.fspath(path)
    suffix = os.path.splitext(name)[1].lower()  # noqa: PTH122 - str paths: no Path per file in big trees
    named_like_model = _named_like_model(name, suffix)
    claimed = CLAIMS.get(suffix, ())
    try:
        fd = os.open(name, os.O_RDONLY)
    except OSError as err:
        return FileResult(name, None, 0, error=f"cannot read: {err.strerror}")
    try:
        size = os.fstat(fd).st_size
        head = os.pread(fd, HEAD, 0) if size else b""
        if not head:  # nothing in it can run; only a name that claims a format makes that a problem
            return FileResult(name, None, 0, error="empty file" if claimed else None)
        result = FileResult(name, None, size)
        fmt = sniff(head, size)
        if fmt is None and not _ends_like_zip(fd, size, head):
            return _no_format(result, policy, head, suffix, claimed, named_like_model)
        try:
            mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as err:
            result.error = f"cannot read: {err}"
            return result
    finally:
        os.close(fd)
    job = _Job(name, policy, limits, start + limits.seconds)
    fmt, result.error, unverifiable = _scan_mapped(job, mapped, Path(name), fmt, suffix, named_like_model)
    # A view still referenced somewhere keeps the map open until it is collected; that is harmless.
    with contextlib.suppress(BufferError):
        mapped.close()
    return _finish(result, job, fmt, unverifiable, policy, head, start, named_like_model)


def _named_like_model(name: str, suffix: str) -> bool:
    """Whether a file's name says it is a model (a bare ``.bin`` only where the rest of its name does)."""
    return suffix in MODEL_SUFFIXES and (suffix != ".bin" or _model_like_bin(name))


def scan_reader(
    reader: RangeReader, policy: Policy = DEFAULT_POLICY, limits: Limits | None = None
) -> FileResult:
    """Scan an object read by byte range (``aicop.scan.ranged``): the same readers as ``scan_file``, over
    a ``LazyBuffer``, so only the ranges a format needs are fetched. An object that cannot be read, or
    that changes while it is read, is an error of the scan (not checked), never clean."""
    limits = limits or Limits()
    start = time.monotonic()
    name, size = reader.name, reader.size
    suffix = os.path.splitext(name)[1].lower()  # noqa: PTH122
    claimed = CLAIMS.get(suffix, ())
    named_like_model = _named_like_model(name, suffix)
    try:
        head = reader.read(0, HEAD) if size else b""
        if not head:
            return FileResult(name, None, 0, error="empty file" if claimed else None)
        fmt = sniff(head, size)
        tail = (
            reader.read(max(0, size - 22 - zipfmt.MAX_COMMENT), size) if fmt is None and size >= 22 else b""
        )
    except OSError as err:
        return FileResult(name, None, size, error=f"cannot read: {err}")
    result = FileResult(name, None, size)
    if fmt is None and zipfmt.EOCD not in tail:
        return _no_format(result, policy, head, suffix, claimed, named_like_model)
    job = _Job(name, policy, limits, start + limits.seconds)
    fmt, result.error, unverifiable = _scan_mapped(
        job, LazyBuffer(reader), None, fmt, suffix, named_like_model
    )
    return _finish(result, job, fmt, unverifiable, policy, head, start, named_like_model)


def _finish(
    result: FileResult,
    job: _Job,
    fmt: str | None,
    unverifiable: str | None,
    policy: Policy,
    head: bytes,
    start: float,
    named_like_model: bool,
) -> FileResult:
    """The file's result once its content was scanned: what it is, and what its name claimed."""
    name = result.path
    suffix = os.path.splitext(name)[1].lower()  # noqa: PTH122
    claimed = CLAIMS.get(suffix, ())
    result.findings = job.findings
    result.format = "+".join(job.formats) or None
    if unverifiable is not None:
        _unverifiable(result, policy, suffix, claimed or ((fmt,) if fmt else ()), unverifiable)
    elif result.format is None and result.error is None:
        _no_format(result, policy, head, suffix, claimed, named_like_model)
    elif claimed and fmt is not None and fmt not in claimed:
        message = (
            f"named like a {_NAMES.get(claimed[0], claimed[0])} file ({suffix}) but its content is "
            f"{result.format}: scanned as {result.format}"
        )
        result.findings.append(ScanFinding("file.format-mismatch", Severity.LOW, message, name))
    result.seconds = time.monotonic() - start
    return result


def _no_format(
    result: FileResult,
    policy: Policy,
    head: bytes,
    suffix: str,
    claimed: tuple[str, ...],
    named_like_model: bool,
) -> FileResult:
    """A file whose content is no format aicop reads: unverifiable if its name claims one (``claimed``:
    CLAIMS of its ``suffix``), an unrecognised model if its name only looks like a model's, else
    nothing to say."""
    if claimed:
        _unverifiable(result, policy, suffix, claimed, _why_not(claimed, head, result.size))
    elif named_like_model:
        result.findings.append(_unrecognised(result.path, suffix))
    return result


_NAMES = {"protobuf?": "ONNX", "zip": "ZIP", "npy": "NumPy", "hdf5": "HDF5", "tar": "tar", "7z": "7z"}


def _why_not(claimed: tuple[str, ...], head: bytes, size: int) -> str:
    if claimed == ("safetensors",):
        return safetensors.not_safetensors(head, size) or "the header does not parse"
    return "its first bytes match no model format aicop reads"


def _unverifiable(
    result: FileResult, policy: Policy, suffix: str, claimed: tuple[str, ...], why: str
) -> None:
    """Record a file that claims a format and does not parse as it, as the policy says: an unsafe
    finding (the default) or an error of the scan."""
    what = " or ".join(_NAMES.get(c, c) for c in claimed) or "a model format"
    by = f"named {suffix}" if suffix in CLAIMS else "its signature says"
    message = f"cannot be verified: {by} ({what}), but {why}"
    if policy.malformed == "error":
        result.error = message
        return
    result.findings.append(ScanFinding("file.unverifiable", Severity.HIGH, message, result.path))
    if result.format is None and claimed:
        result.format = claimed[0] if claimed[0] != "protobuf?" else "onnx"


# .bin is any binary file's extension (vector indexes keep header.bin, length.bin, data_level0.bin):
# it names a model only where the rest of the name says so, as the hubs' conventions do
# (pytorch_model.bin, adapter_model.bin, training_args.bin, optimizer.bin, consolidated.00.bin).
_MODEL_WORDS = (
    "model",
    "weight",
    "checkpoint",
    "ckpt",
    "adapter",
    "optimizer",
    "scheduler",
    "training_args",
    "pytorch",
    "consolidated",
    "params",
    "state",
    "lora",
    "embedding",
    "tokenizer",
)


def _model_like_bin(name: str) -> bool:
    stem = os.path.basename(name).lower()  # noqa: PTH119 - str paths, as above
    return any(word in stem for word in _MODEL_WORDS)


def _unrecognised(name: str, suffix: str) -> ScanFinding:
    message = f"named like a model ({suffix}) but its content is no model format aicop knows"
    return ScanFinding("file.unrecognised", Severity.LOW, message, name)


def _ends_like_zip(fd: int, size: int, head: bytes) -> bool:
    """Whether an end-of-central-directory record lies in the last 64 KiB (a ZIP with data in front)."""
    if size < 22:
        return False
    tail = (
        head
        if size <= len(head)
        else os.pread(fd, min(size, 22 + zipfmt.MAX_COMMENT), max(0, size - 22 - zipfmt.MAX_COMMENT))
    )
    return zipfmt.EOCD in tail


def _scan_mapped(
    job: _Job,
    mapped: mmap.mmap | LazyBuffer,
    path: Path | None,
    fmt: str | None,
    suffix: str,
    named_like_model: bool,
) -> tuple[str | None, str | None, str | None]:
    """Scan the mapped file (or an object read by range): (the format its content was taken for, why it
    could not be scanned, why it cannot be verified). Exceptions end here, so no traceback keeps a view
    of the map alive once this returns."""
    buf: memoryview = mapped if isinstance(mapped, LazyBuffer) else memoryview(mapped)  # type: ignore[assignment]
    claimed = CLAIMS.get(suffix, ())
    try:
        try:
            if fmt == "pickle":
                if not job.pickles(BufferSource(buf), [], tentative=True):
                    if named_like_model:
                        raise Unverifiable("it starts like a pickle and is not a readable one")
                    fmt = None
            elif fmt is not None:
                job.dispatch(buf, fmt, [], 0, disk=path)
        except (LimitExceeded, Unverifiable, Unsupported):
            raise
        except ScanError as err:
            if fmt in STRONG or fmt in claimed or named_like_model:
                raise Unverifiable(f"it does not parse as {_NAMES.get(fmt or '', fmt)}: {err}") from err
            fmt = None  # a weak signature only: the content is not that format after all
        if suffix in _TORCH_SUFFIXES and job.formats[:1] == ["zip"]:
            raise Unverifiable("the ZIP archive holds no PyTorch checkpoint (no data.pkl) for torch.load")
        job.polyglot(buf, fmt if job.formats else None, [], 0)
    except LimitExceeded as err:
        job.add(
            Issue("scan.limit-exceeded", Severity.HIGH, f"{err}: only hostile input is expected here"), []
        )
        return fmt, str(err), None
    except Unverifiable as err:
        return fmt, None, str(err)
    except ScanError as err:
        return fmt, str(err), None
    except (OSError, ValueError) as err:
        return fmt, f"cannot read: {err}", None
    finally:
        buf.release()
    return fmt, None, None


def iter_files(paths: Iterable[Path]) -> Iterator[Path | tuple[Path, str]]:
    """Regular files under each path, in a stable order; symlinked directories are not followed (no
    loops), and an entry that is neither a file nor a directory is yielded with the reason it cannot
    be scanned. The walk uses scandir's cached file types: no stat call per file. Version-control
    directories (.git, .hg, .svn) are never entered and what a .gitignore ignores is skipped, as
    ``aicop assess`` does; a file named on the command line is scanned whatever ignores it."""
    for path in paths:
        if path.is_symlink() and path.is_dir():
            yield path, "a symbolic link to a directory (not followed)"
        elif path.is_file():
            yield path
        elif path.is_dir():
            yield from _walk(str(path), "", [])
        elif not path.exists():
            yield path, "no such file or directory"
        else:
            yield path, "not a regular file"


VCS_DIRECTORIES = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"})
_Ignores = list[tuple[str, object]]  # (directory relative to the walk's root, its .gitignore's spec)


def _walk(top: str, rel: str, ignores: _Ignores) -> Iterator[Path | tuple[Path, str]]:
    directory = os.path.join(top, rel) if rel else top  # noqa: PTH118 - str paths, as walk.py
    ignores = _with_gitignore(directory, rel, ignores)
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as err:
        yield Path(directory), f"cannot list: {err.strerror}"
        return
    subdirectories = []
    for entry in entries:
        child = f"{rel}/{entry.name}" if rel else entry.name
        try:
            if entry.is_symlink():
                continue
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in VCS_DIRECTORIES and not _ignored(child + "/", ignores):
                    subdirectories.append(child)
            elif _ignored(child, ignores):
                continue
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path)
            else:
                yield Path(entry.path), "not a regular file (a pipe, socket or device)"
        except OSError:
            continue
    for sub in subdirectories:
        yield from _walk(top, sub, ignores)


def _with_gitignore(directory: str, rel: str, ignores: _Ignores) -> _Ignores:
    """The ignore rules in force below ``directory``: pathspec (as aicop.system.walk) is imported only
    for trees that have a .gitignore."""
    gitignore = os.path.join(directory, ".gitignore")  # noqa: PTH118
    if not os.path.isfile(gitignore):  # noqa: PTH113
        return ignores
    import pathspec

    try:
        with open(gitignore, encoding="utf-8", errors="replace") as handle:  # noqa: PTH123
            return [*ignores, (rel, pathspec.GitIgnoreSpec.from_lines(handle))]
    except OSError:
        return ignores  # an unreadable .gitignore ignores nothing, as git does


def _ignored(path: str, ignores: _Ignores) -> bool:
    for base, spec in ignores:
        local = path[len(base) + 1 :] if base else path
        if spec.match_file(local):  # type: ignore[attr-defined]
            return True
    return False


PARALLEL_FROM = 64  # fewer files than this are not worth starting workers for


def scan_paths(
    paths: Iterable[Path],
    policy: Policy = DEFAULT_POLICY,
    limits: Limits | None = None,
    progress: Callable[[Path], None] | None = None,
    workers: int | None = None,
) -> ScanReport:
    """Scan every file under ``paths``; with many files, in ``workers`` processes (default: one per core).

    Each worker scans whole files, so a slow file delays only its worker; results keep the walk's order.
    """
    report = ScanReport()
    items = list(iter_files(paths))
    files = [item for item in items if not isinstance(item, tuple)]
    count = workers if workers is not None else (os.cpu_count() or 1)
    results: dict[Path, FileResult] = {}
    if count > 1 and len(files) >= PARALLEL_FROM:
        results = _scan_parallel(files, policy, limits, count, progress)
    for item in items:
        if isinstance(item, tuple):
            report.files.append(FileResult(str(item[0]), None, 0, error=item[1]))
            continue
        if item not in results:
            if progress is not None:
                progress(item)
            results[item] = scan_file(item, policy, limits)
        report.files.append(results[item])
    return report


def _scan_parallel(
    files: list[Path],
    policy: Policy,
    limits: Limits | None,
    count: int,
    progress: Callable[[Path], None] | None,
) -> dict[Path, FileResult]:
    """Scan ``files`` in ``count`` forked worker processes, a batch at a time, each over its own pipe.

    Not ``multiprocessing.Pool``: its queues share locks between the processes, and Ctrl-C reaches
    every process of the terminal's group, so a worker interrupted while holding one printed its
    traceback and could leave ``Pool.terminate`` waiting for ever (2 hangs in 31 tries). Here the
    workers ignore SIGINT and share nothing but their pipe with the parent; on Ctrl-C (or any other
    exception) the parent kills and reaps them at once and lets the exception go on.
    """
    import multiprocessing
    import signal

    context = multiprocessing.get_context("fork")  # workers share the imported scanner and ``files``
    chunk = max(8, min(512, len(files) // (count * 16)))  # big batches for many small files, few for few
    planned = [(start, min(start + chunk, len(files))) for start in range(0, len(files), chunk)]
    batches = iter(planned)
    workers: dict[Connection, tuple[BaseProcess, tuple[int, int] | None]] = {}
    out: dict[Path, FileResult] = {}
    try:
        # SIGINT stays blocked while forking, so a worker never runs a moment without ignoring it; one
        # that arrives meanwhile reaches the parent when unblocked, inside this try.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(min(count, len(planned))):
                ours, theirs = context.Pipe()
                started = context.Process(
                    target=_worker_loop, args=(theirs, files, policy, limits), daemon=True
                )
                started.start()
                theirs.close()
                workers[ours] = (started, None)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        for connection in list(workers):
            _give(connection, workers, batches)
        while any(batch is not None for _, batch in workers.values()):
            for connection in _wait([c for c, (_, batch) in workers.items() if batch is not None]):
                process, batch = workers[connection]
                assert batch is not None
                for path, result in zip(
                    files[batch[0] : batch[1]], _receive(connection, process), strict=False
                ):
                    if progress is not None:
                        progress(path)
                    out[path] = (
                        result if isinstance(result, FileResult) else FileResult(str(path), None, result)
                    )
                if process.is_alive():
                    _give(connection, workers, batches)
                else:
                    workers[connection] = (process, None)
                    for path in files[batch[0] : batch[1]]:
                        out.setdefault(
                            path,
                            FileResult(
                                str(path), None, 0, error=f"the scanning process ended ({process.exitcode})"
                            ),
                        )
    except BaseException:
        for process, _ in workers.values():
            process.kill()
        raise
    finally:
        for connection, (process, _) in workers.items():
            connection.close()
            process.join(timeout=5)
    return out


if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess


def _wait(connections: list[Connection]) -> list[Connection]:
    from multiprocessing.connection import wait

    ready: list[Connection] = wait(connections)  # type: ignore[assignment]  # returns what it was given
    return ready


def _give(
    connection: Connection,
    workers: dict[Connection, tuple[BaseProcess, tuple[int, int] | None]],
    batches: Iterator[tuple[int, int]],
) -> None:
    """Send a worker its next batch, or tell it to stop when none is left."""
    process, _ = workers[connection]
    batch = next(batches, None)
    connection.send(batch)
    workers[connection] = (process, batch)


def _receive(connection: Connection, process: BaseProcess) -> list[FileResult | int]:
    """A worker's results for its batch; nothing when it died (the caller reports its files)."""
    try:
        reply = connection.recv()
    except (EOFError, OSError):
        process.join(timeout=5)
        return []
    if isinstance(reply, str):  # a bug in the scanner: the worker sent its traceback
        raise RuntimeError(f"a scanning process failed:\n{reply}")
    results: list[FileResult | int] = reply
    return results


def _worker_loop(connection: Connection, files: list[Path], policy: Policy, limits: Limits | None) -> None:
    """Scan the batches the parent sends until it sends None. Ctrl-C is the parent's to handle."""
    import signal
    import traceback

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        while (batch := connection.recv()) is not None:
            try:
                results = [_slim(scan_file(path, policy, limits)) for path in files[batch[0] : batch[1]]]
            except Exception:
                connection.send(traceback.format_exc())
                return
            connection.send(results)
    except (EOFError, OSError):  # the parent has gone (killed, or interrupted): nothing to report to
        return


def _slim(result: FileResult) -> FileResult | int:
    """The result, or only the size of a file that is not a model and has nothing to report (most of
    a tree): less to send back to the parent."""
    if result.format is None and not result.findings and result.error is None:
        return result.size
    return result


def scan_path(path: str | Path, policy: Policy = DEFAULT_POLICY) -> ScanReport:
    """The Python API: scan one file or directory with the default bounds."""
    return scan_paths([Path(path)], policy)
