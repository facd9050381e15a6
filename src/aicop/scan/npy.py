"""NumPy ``.npy`` headers: an object dtype means the payload is a pickle, scanned as one."""

from __future__ import annotations

import ast
import struct

from aicop.scan.errors import ScanError

MAGIC = b"\x93NUMPY"


def parse_header(buf: memoryview) -> tuple[dict[str, object], int]:
    """The header dictionary and the offset where array data starts."""
    if len(buf) < 10:
        raise ScanError("NPY header truncated")
    major = buf[6]
    if major == 1:
        (length,), start = struct.unpack("<H", bytes(buf[8:10])), 10
    elif major in (2, 3):
        if len(buf) < 12:
            raise ScanError("NPY header truncated")
        (length,), start = struct.unpack("<I", bytes(buf[8:12])), 12
    else:
        raise ScanError(f"unknown NPY format version {major}")
    if length > 1_000_000 or start + length > len(buf):
        raise ScanError(f"NPY header length {length} is implausible or runs past the file")
    text = bytes(buf[start : start + length]).decode("latin-1")
    try:
        header = ast.literal_eval(text)  # literals only: no names, calls or attributes are evaluated
    except (ValueError, SyntaxError, RecursionError, MemoryError) as err:
        raise ScanError(f"NPY header is not a Python literal: {err}") from err
    if not isinstance(header, dict) or "descr" not in header:
        raise ScanError("NPY header has no 'descr'")
    return header, start + length


def has_object_dtype(descr: object) -> bool:
    if isinstance(descr, str):
        return descr.lstrip("<>=|").startswith("O")
    if isinstance(descr, list | tuple):
        return any(has_object_dtype(part) for part in descr)
    return False
