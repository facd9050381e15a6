"""Validate a safetensors header: the format is safe only while its header is what it claims.

The reader checks what the reference implementation checks (header length, JSON object, dtypes,
shape × dtype against data offsets, offsets inside the buffer, contiguous coverage) and more:
duplicate keys (JSON parsers disagree on which wins), overlaps, and gaps in which a payload can hide.
Only the header is read: time does not grow with tensor bytes.
"""

from __future__ import annotations

import struct

from aicop.scan.model import Issue, Severity

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up is measured
if TYPE_CHECKING:
    from typing import Any

MAX_HEADER = 100_000_000  # the reference implementation's own limit
BITS = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "F64": 64,
    "I64": 64,
    "U64": 64,
    "C64": 64,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
}


def looks_like_safetensors(head: bytes, size: int | None = None) -> bool:
    """The real signature: a header length that fits the file (and the format's limit), then a JSON
    object; the object must parse when the whole header is in ``head``. A text file whose ninth byte
    is '{' has a "length" of quintillions made of its first eight characters, and is not one."""
    return not_safetensors(head, size) is None


def not_safetensors(head: bytes, size: int | None = None) -> str | None:
    """Why ``head`` (the first bytes of a file of ``size`` bytes) is not a safetensors file, or None."""
    if len(head) < 10:
        return "shorter than a safetensors header"
    (length,) = struct.unpack("<Q", head[:8])
    if not 2 <= length <= MAX_HEADER:
        return f"header length {length} is not a plausible safetensors header length"
    if size is not None and 8 + length > size:
        return f"header length {length} runs past the end of the {size}-byte file"
    if head[8:9] != b"{":
        return "the header does not start with a JSON object"
    text = head[8 : 8 + length]
    if len(text) < length:  # only the header's start is in view: it must at least read as JSON text
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as err:
            if err.start < len(text) - 3:  # not merely a character cut at the end of the view
                return "the header is not UTF-8 text"
        return None if head[9:10] in (b'"', b"}", b" ", b"\n", b"\r", b"\t") else "the header is not JSON"
    import json

    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "the header is not valid UTF-8 JSON"
    return None if isinstance(header, dict) else "the header is not a JSON object"


def check(buf: memoryview) -> list[Issue]:
    size = len(buf)
    (length,) = struct.unpack("<Q", bytes(buf[:8]))
    bad = Severity.HIGH
    if length > MAX_HEADER:
        return [
            Issue("safetensors.header-too-large", bad, f"header length {length} exceeds the 100 MB limit", 0)
        ]
    if 8 + length > size:
        return [
            Issue(
                "safetensors.header-past-end",
                bad,
                f"header length {length} runs past the end of the {size}-byte file",
                0,
            )
        ]
    import json  # only safetensors files pay for it

    raw = bytes(buf[8 : 8 + length])
    duplicates: set[str] = set()

    def keep_pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        duplicates.update(key for key in keys if keys.count(key) > 1)
        return dict(items)

    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=keep_pairs)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        return [Issue("safetensors.header-not-json", bad, f"header is not valid UTF-8 JSON: {err}", 8)]
    if not isinstance(header, dict):
        return [Issue("safetensors.header-not-object", bad, "header is not a JSON object", 8)]
    issues: list[Issue] = []
    for key in sorted(duplicates):
        issues.append(
            Issue(
                "safetensors.duplicate-key",
                bad,
                f"key {key!r} appears twice; parsers disagree on which one wins",
                8,
                member=key,
            )
        )
    buffer_len = size - 8 - length
    spans: list[tuple[int, int, str]] = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                issues.append(
                    Issue("safetensors.bad-metadata", bad, "__metadata__ must map strings to strings", 8)
                )
            continue
        problem = _entry_problem(entry, buffer_len)
        if problem is not None:
            issues.append(Issue("safetensors.bad-tensor", bad, f"tensor {name!r}: {problem}", 8, member=name))
            continue
        begin, end = entry["data_offsets"]
        spans.append((begin, end, name))
    if not any(i.rule == "safetensors.bad-tensor" for i in issues):
        issues += _coverage(spans, buffer_len)
    return issues


def _entry_problem(entry: Any, buffer_len: int) -> str | None:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        return "entry must have exactly dtype, shape and data_offsets"
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in BITS:
        return f"unknown dtype {dtype!r}"
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        return "shape must be a list of non-negative integers"
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
    ):
        return "data_offsets must be two integers"
    begin, end = offsets
    if not 0 <= begin <= end:
        return f"data_offsets [{begin}, {end}] are not ordered"
    if end > buffer_len:
        return f"data_offsets end {end} lies past the {buffer_len}-byte data buffer"
    count = 1
    for dim in shape:
        count *= dim
    bits = count * BITS[dtype]
    if bits % 8 or bits // 8 != end - begin:
        return f"shape {shape} of {dtype} needs {bits / 8:g} bytes but data_offsets give {end - begin}"
    return None


def _coverage(spans: list[tuple[int, int, str]], buffer_len: int) -> list[Issue]:
    issues: list[Issue] = []
    position = 0
    for begin, end, name in sorted(spans):
        if begin < position:
            issues.append(
                Issue(
                    "safetensors.overlap",
                    Severity.HIGH,
                    f"tensor {name!r} overlaps the tensor before it",
                    member=name,
                )
            )
        elif begin > position:
            issues.append(
                Issue(
                    "safetensors.gap",
                    Severity.MEDIUM,
                    f"{begin - position} unreferenced bytes before tensor {name!r} (data can hide there)",
                    member=name,
                )
            )
        position = max(position, end)
    if position < buffer_len:
        issues.append(
            Issue(
                "safetensors.trailing-bytes",
                Severity.MEDIUM,
                f"{buffer_len - position} bytes after the last tensor are referenced by no tensor",
            )
        )
    return issues
