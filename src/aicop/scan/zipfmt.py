"""Read a ZIP archive's structure without trusting it.

Python's ``zipfile`` refuses members flagged as encrypted and raises on a bad CRC, while PyTorch's
reader ignores both; a scanner built on ``zipfile`` therefore crashes, or skips, exactly where
``torch.load`` goes on to unpickle (published picklescan bypasses). This reader takes the central
directory as PyTorch does, reads every member whatever its flags, and reports every way the archive
disagrees with itself: prepended or appended data, duplicate names, local/central name mismatches,
overlapping members (the non-recursive zip bomb), CRC mismatches on what it reads, and sizes that
promise a bomb. Member data is read through bounded decompression; stored members are views into
the file, so tensors are never copied.
"""

from __future__ import annotations

import bz2
import itertools
import lzma
import struct
import zlib

from aicop.scan.errors import LimitExceeded, ScanError
from aicop.scan.ranged import prefetch

EOCD = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_EOCD = b"PK\x06\x06"
CENTRAL = b"PK\x01\x02"
LOCAL = b"PK\x03\x04"
MAX_COMMENT = 0xFFFF
LOCAL_HEAD = 30 + 128 + 512  # a local header, an extra field of usual size, and the scanner's HEAD
METHODS = {0: "stored", 8: "deflate", 12: "bzip2", 14: "lzma"}


class Member:
    __slots__ = ("compressed", "crc", "data_offset", "flags", "local_offset", "method", "name", "size")

    def __init__(
        self, name: str, method: int, flags: int, crc: int, compressed: int, size: int, local_offset: int
    ) -> None:
        self.name, self.method, self.flags, self.crc = name, method, flags, crc
        self.compressed, self.size = compressed, size
        self.local_offset = local_offset  # absolute offset of the local header in the file
        self.data_offset = -1  # absolute offset of the member's data, once its local header is read

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 1)


class Anomaly:
    __slots__ = ("member", "message", "offset", "rule", "severity")

    def __init__(
        self,
        rule: str,
        message: str,
        member: str | None = None,
        offset: int | None = None,
        severity: str = "high",
    ) -> None:
        self.rule, self.message, self.member, self.offset, self.severity = (
            rule,
            message,
            member,
            offset,
            severity,
        )


class ZipArchive:
    __slots__ = ("anomalies", "end", "members", "prefix")

    def __init__(self, members: list[Member], prefix: int, end: int, anomalies: list[Anomaly]) -> None:
        self.members = members
        self.prefix = prefix  # bytes before the archive proper (prepended data)
        self.end = end  # offset just past the end-of-central-directory record and its comment
        self.anomalies = anomalies


def find_eocd(buf: memoryview) -> int:
    """Offset of the last end-of-central-directory record, or -1."""
    start = max(0, len(buf) - (22 + MAX_COMMENT))
    return bytes(buf[start:]).rfind(EOCD) + start if EOCD in bytes(buf[start:]) else -1


def read_archive(buf: memoryview, max_members: int) -> ZipArchive:
    eocd = find_eocd(buf)
    if eocd < 0 or eocd + 22 > len(buf):
        raise ScanError("no end-of-central-directory record: not a complete ZIP archive")
    (_, disk, cd_disk, _entries_disk, entries, cd_size, cd_offset, comment_len) = struct.unpack(
        "<4sHHHHIIH", bytes(buf[eocd : eocd + 22])
    )
    anomalies: list[Anomaly] = []
    if disk != 0 or cd_disk != 0:
        anomalies.append(
            Anomaly("zip.multi-disk", "the archive claims to span several disks", severity="medium")
        )
    # ZIP64 records, when present, sit between the central directory and this record (PyTorch always
    # writes them), so the central directory ends where they begin.
    cd_end = eocd
    zip64 = _zip64(buf, eocd)
    if zip64 is not None:
        entries, cd_size, cd_offset, cd_end = zip64
    elif entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        raise ScanError("ZIP64 fields without a ZIP64 end-of-central-directory record")
    end = eocd + 22 + comment_len
    # Where the central directory really is tells how much was prepended (zipfile calls it "concat").
    cd_start = cd_end - cd_size
    if cd_start < 0 or cd_start > len(buf):
        raise ScanError("central directory size points outside the file")
    prefix = cd_start - cd_offset
    if prefix < 0:
        raise ScanError("central directory offset points past its own position")
    if entries > max_members:
        raise LimitExceeded(f"archive lists {entries} members, more than the bound {max_members}")
    prefetch(buf, [(cd_start, cd_end)])
    members = _central_directory(buf, cd_start, cd_size, entries, prefix)
    # A ranged object: every local header and the first bytes of its member (to recognise its format)
    # in one batch of requests, rather than one round trip per member.
    prefetch(buf, [(m.local_offset, m.local_offset + LOCAL_HEAD + len(m.name) * 4) for m in members])
    archive = ZipArchive(members, prefix, end, anomalies)
    _check_members(buf, archive)
    return archive


def _zip64(buf: memoryview, eocd: int) -> tuple[int, int, int, int] | None:
    """(entries, size, offset, position) from the ZIP64 end record, or None if there is none."""
    locator = eocd - 20
    if locator < 0 or bytes(buf[locator : locator + 4]) != ZIP64_LOCATOR:
        return None
    (recorded,) = struct.unpack("<Q", bytes(buf[locator + 8 : locator + 16]))
    # With data prepended, the recorded offset is short by the prefix: the record normally ends where
    # the locator starts, so look there first.
    record = locator - 56
    if record < 0 or bytes(buf[record : record + 4]) != ZIP64_EOCD:
        record = recorded
    if record < 0 or record + 56 > len(buf) or bytes(buf[record : record + 4]) != ZIP64_EOCD:
        raise ScanError("ZIP64 locator points at no ZIP64 end-of-central-directory record")
    entries, cd_size, cd_offset = struct.unpack("<QQQ", bytes(buf[record + 32 : record + 56]))
    return entries, cd_size, cd_offset, record


def _central_directory(buf: memoryview, start: int, size: int, entries: int, prefix: int) -> list[Member]:
    members: list[Member] = []
    pos, end = start, start + size
    for _ in range(entries):
        if pos + 46 > end or bytes(buf[pos : pos + 4]) != CENTRAL:
            raise ScanError(f"central directory entry {len(members)} is corrupt (offset {pos})")
        fields = struct.unpack("<4sHHHHHHIIIHHHHHII", bytes(buf[pos : pos + 46]))
        flags, method, crc, compressed, size_, name_len, extra_len, comment_len, local = (
            fields[3],
            fields[4],
            fields[7],
            fields[8],
            fields[9],
            fields[10],
            fields[11],
            fields[12],
            fields[16],
        )
        raw_name = bytes(buf[pos + 46 : pos + 46 + name_len])
        extra = bytes(buf[pos + 46 + name_len : pos + 46 + name_len + extra_len])
        size_, compressed, local = _zip64_extra(extra, size_, compressed, local)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        members.append(Member(name, method, flags, crc, compressed, size_, local + prefix))
        pos += 46 + name_len + extra_len + comment_len
    return members


def _zip64_extra(extra: bytes, size: int, compressed: int, local: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack("<HH", extra[pos : pos + 4])
        body = extra[pos + 4 : pos + 4 + length]
        if tag == 1:
            values = list(struct.unpack(f"<{len(body) // 8}Q", body[: len(body) // 8 * 8]))
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            if local == 0xFFFFFFFF and values:
                local = values.pop(0)
        pos += 4 + length
    return size, compressed, local


def _check_members(buf: memoryview, archive: ZipArchive) -> None:
    seen: dict[str, int] = {}
    spans: list[tuple[int, int, str]] = []
    for member in archive.members:
        if member.name in seen:
            archive.anomalies.append(
                Anomaly(
                    "zip.duplicate-name",
                    f"two members are named {member.name!r}: loaders disagree on which one they read",
                    member.name,
                )
            )
        seen[member.name] = seen.get(member.name, 0) + 1
        pos = member.local_offset
        if pos + 30 > len(buf) or bytes(buf[pos : pos + 4]) != LOCAL:
            archive.anomalies.append(
                Anomaly(
                    "zip.bad-local-header",
                    "the central directory points at no local header",
                    member.name,
                    pos,
                )
            )
            continue
        name_len, extra_len = struct.unpack("<HH", bytes(buf[pos + 26 : pos + 30]))
        local_name = bytes(buf[pos + 30 : pos + 30 + name_len]).decode("utf-8", "replace")
        if local_name != member.name:
            archive.anomalies.append(
                Anomaly(
                    "zip.name-mismatch",
                    f"the local header names {local_name!r} where the central directory names "
                    f"{member.name!r}: tools that read different headers see different files",
                    member.name,
                    pos,
                )
            )
        member.data_offset = pos + 30 + name_len + extra_len
        if member.data_offset + member.compressed > len(buf):
            archive.anomalies.append(
                Anomaly("zip.truncated-member", "member data runs past the end of the file", member.name, pos)
            )
        if member.encrypted:
            archive.anomalies.append(
                Anomaly(
                    "zip.encrypted-flag",
                    "flagged as encrypted: Python's zipfile refuses it but PyTorch reads it "
                    "anyway; scanned as if unencrypted",
                    member.name,
                    pos,
                    "medium",
                )
            )
        if member.method not in METHODS:
            archive.anomalies.append(
                Anomaly(
                    "zip.unsupported-method",
                    f"compression method {member.method} cannot be inspected",
                    member.name,
                    pos,
                    "medium",
                )
            )
        spans.append((pos, member.data_offset + member.compressed, member.name))
    spans.sort()
    for (a_start, a_end, a_name), (b_start, _, b_name) in itertools.pairwise(spans):
        if b_start < a_end and a_start != b_start:
            archive.anomalies.append(
                Anomaly(
                    "zip.overlapping-members",
                    f"members {a_name!r} and {b_name!r} overlap (a zip bomb technique)",
                    b_name,
                    b_start,
                )
            )
    if archive.prefix > 0:
        archive.anomalies.append(
            Anomaly(
                "zip.prepended-data",
                f"{archive.prefix} bytes come before the archive: a loader that looks at the "
                "start of the file sees something else",
                None,
                0,
                "medium",
            )
        )
    if archive.end < len(buf):
        archive.anomalies.append(
            Anomaly(
                "zip.appended-data",
                f"{len(buf) - archive.end} bytes follow the end of the archive",
                None,
                archive.end,
                "medium",
            )
        )


def member_head(buf: memoryview, member: Member, n: int = 64) -> bytes:
    """The first ``n`` bytes of a member's content, decompressing no more than that."""
    if member.data_offset < 0:
        return b""
    raw = buf[member.data_offset : member.data_offset + member.compressed]
    if member.method == 0:
        return bytes(raw[:n])
    try:
        if member.method == 8:
            return zlib.decompressobj(-15).decompress(bytes(raw[: 64 * 1024]), n)
        if member.method == 12:
            return bz2.BZ2Decompressor().decompress(bytes(raw[: 64 * 1024]), n)
        if member.method == 14:
            return _lzma_zip(raw, n)
    except (zlib.error, OSError, lzma.LZMAError, EOFError):
        return b""
    return b""


def member_data(buf: memoryview, member: Member, cap: int) -> memoryview:
    """The member's content: a view for stored members (no copy); compressed ones inflate up to ``cap``."""
    raw = buf[member.data_offset : member.data_offset + member.compressed]
    if member.method == 0:
        return raw
    if member.size > cap:
        raise LimitExceeded(f"member {member.name!r} inflates to {member.size} bytes, past the bound {cap}")
    try:
        if member.method == 8:
            d = zlib.decompressobj(-15)
            out = d.decompress(bytes(raw), cap + 1)
        elif member.method == 12:
            out = bz2.BZ2Decompressor().decompress(bytes(raw), cap + 1)
        elif member.method == 14:
            out = _lzma_zip(raw, cap + 1)
        else:
            raise ScanError(f"compression method {member.method} is not supported")
    except (zlib.error, OSError, lzma.LZMAError, EOFError) as err:
        raise ScanError(f"member {member.name!r} does not decompress: {err}") from err
    if len(out) > cap:
        raise LimitExceeded(f"member {member.name!r} inflates past the bound {cap} (compression bomb?)")
    return memoryview(out)


def _lzma_zip(raw: memoryview, limit: int) -> bytes:
    """ZIP's LZMA: a 4-byte version/size prefix, then LZMA properties, then the raw stream."""
    head = bytes(raw[:9])
    props_len = struct.unpack("<H", head[2:4])[0]
    props = bytes(raw[4 : 4 + props_len])
    filters = [lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)]  # type: ignore[attr-defined]
    decompressor = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters)
    return decompressor.decompress(bytes(raw[4 + props_len :]), limit)


def crc_matches(data: memoryview, member: Member) -> bool:
    return (zlib.crc32(data) & 0xFFFFFFFF) == member.crc
