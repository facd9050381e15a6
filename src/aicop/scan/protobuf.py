"""A protobuf wire-format reader, and what aicop checks in ONNX models and TensorFlow SavedModels.

No generated classes and no ``onnx``/``tensorflow`` import: the wire format is four kinds of field,
and we only follow the few messages that matter (ONNX tensors with external data, SavedModel graph
and function nodes). Length-delimited fields we do not follow (tensor bytes) are skipped in O(1).
"""

from __future__ import annotations

from aicop.scan.errors import LimitExceeded, ScanError
from aicop.scan.model import Issue, Severity

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up is measured
if TYPE_CHECKING:
    from collections.abc import Iterator

MAX_DEPTH = 64


def _varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= end or shift > 63:
            raise ScanError(f"bad varint at offset {pos}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def fields(
    buf: memoryview, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int, int | memoryview]]:
    """(field number, wire type, value) for each field; length-delimited values are views."""
    pos, end = start, len(buf) if end is None else end
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ScanError(f"field number 0 at offset {pos}")
        if wire == 0:
            value, pos = _varint(buf, pos, end)
            yield number, wire, value
        elif wire == 1:
            pos += 8
            yield number, wire, 0
        elif wire == 5:
            pos += 4
            yield number, wire, 0
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise ScanError(f"field {number} at offset {pos} runs past its message")
            yield number, wire, buf[pos : pos + length]
            pos += length
        else:
            raise ScanError(f"unsupported wire type {wire} at offset {pos}")
    if pos != end:
        raise ScanError("message ends inside a field")


def top_level_fields(buf: memoryview) -> dict[int, list[int | memoryview]]:
    out: dict[int, list[int | memoryview]] = {}
    for number, _, value in fields(buf):
        out.setdefault(number, []).append(value)
    return out


def kind(buf: memoryview) -> str | None:
    """ "onnx", "savedmodel" or None, judged from the top-level fields alone."""
    if len(buf) < 4 or buf[0] not in (0x08, 0x0A, 0x12):
        return None
    try:
        top = top_level_fields(buf)
    except ScanError:
        return None
    numbers = set(top)
    if 7 in numbers and numbers & {1, 8} and numbers <= {1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25}:
        return "onnx"
    if numbers <= {1, 2} and 2 in numbers and top.get(1, [1])[0] == 1:
        return "savedmodel"
    return None


# --------------------------------------------------------------------------- ONNX
def _messages(value: int | memoryview) -> memoryview | None:
    return value if isinstance(value, memoryview) else None


def onnx_external_data(buf: memoryview) -> Iterator[tuple[str, str]]:
    """(tensor name, location) for every tensor stored outside the model file."""
    for number, _, value in fields(buf):
        if number == 7 and (graph := _messages(value)) is not None:
            yield from _graph(graph, 0)
        elif number == 25 and (function := _messages(value)) is not None:  # FunctionProto: node = 7
            for n, _, node in fields(function):
                if n == 7 and (nm := _messages(node)) is not None:
                    yield from _node(nm, 0)


def _graph(graph: memoryview, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_DEPTH:
        raise LimitExceeded("ONNX subgraphs nest deeper than the bound")
    for number, _, value in fields(graph):
        message = _messages(value)
        if message is None:
            continue
        if number == 5:  # initializer: TensorProto
            yield from _tensor(message)
        elif number == 15:  # sparse_initializer: SparseTensorProto (values = 1, indices = 2)
            for n, _, part in fields(message):
                if n in (1, 2) and (pm := _messages(part)) is not None:
                    yield from _tensor(pm)
        elif number == 1:  # node
            yield from _node(message, depth)


def _node(node: memoryview, depth: int) -> Iterator[tuple[str, str]]:
    for number, _, value in fields(node):
        if number != 5 or (attribute := _messages(value)) is None:  # AttributeProto
            continue
        for n, _, part in fields(attribute):
            pm = _messages(part)
            if pm is None:
                continue
            if n in (5, 10):  # t, tensors
                yield from _tensor(pm)
            elif n in (6, 11):  # g, graphs
                yield from _graph(pm, depth + 1)


def _tensor(tensor: memoryview) -> Iterator[tuple[str, str]]:
    name, location, external = "", None, False
    for number, _, value in fields(tensor):
        if number == 8 and isinstance(value, memoryview):
            name = bytes(value).decode("utf-8", "replace")
        elif number == 14 and value == 1:
            external = True
        elif number == 13 and (entry := _messages(value)) is not None:  # StringStringEntryProto
            pair = {
                n: bytes(v).decode("utf-8", "replace")
                for n, _, v in fields(entry)
                if isinstance(v, memoryview)
            }
            if pair.get(1) == "location":
                location = pair.get(2, "")
    if location is not None or external:
        yield name, location or ""


def traversal_problem(location: str) -> str | None:
    """Why an external-data location would leave the model's directory, or None."""
    from pathlib import PurePosixPath, PureWindowsPath

    if not location:
        return "has external data with no location"
    windows = PureWindowsPath(location)
    if PurePosixPath(location).is_absolute() or windows.drive or location.startswith("\\\\"):
        return f"reads external data from the absolute path {location!r}"
    parts = location.replace("\\", "/").split("/")
    depth = 0
    for part in parts:
        if part == "..":
            depth -= 1
            if depth < 0:
                return f"reads external data from {location!r}, outside the model's directory"
        elif part not in ("", "."):
            depth += 1
    return None


def check_onnx(buf: memoryview) -> list[Issue]:
    issues = []
    for name, location in onnx_external_data(buf):
        problem = traversal_problem(location)
        if problem is not None:
            issues.append(
                Issue(
                    "onnx.external-data-traversal", Severity.HIGH, f"tensor {name!r} {problem}", member=name
                )
            )
    return issues


# --------------------------------------------------------------------------- SavedModel
# Ops that run Python or touch the file system from inside a graph. Save/Restore ops are in every
# SavedModel's saver graph and are not listed.
DANGEROUS_OPS = {
    "PyFunc": (Severity.CRITICAL, "runs a Python function"),
    "PyFuncStateless": (Severity.CRITICAL, "runs a Python function"),
    "EagerPyFunc": (Severity.CRITICAL, "runs a Python function"),
    "ReadFile": (Severity.HIGH, "reads any file"),
    "WriteFile": (Severity.HIGH, "writes any file"),
    "MatchingFiles": (Severity.MEDIUM, "lists the file system"),
    "DeleteFile": (Severity.HIGH, "deletes files"),
    "ImmutableConst": (Severity.MEDIUM, "maps a file into memory"),
}


def savedmodel_ops(buf: memoryview) -> Iterator[str]:
    for number, _, value in fields(buf):
        if number != 2 or (meta := _messages(value)) is None:  # MetaGraphDef
            continue
        for n, _, graph in fields(meta):
            if n == 2 and (gm := _messages(graph)) is not None:  # GraphDef
                yield from _graph_ops(gm)


def _graph_ops(graph: memoryview) -> Iterator[str]:
    for number, _, value in fields(graph):
        message = _messages(value)
        if message is None:
            continue
        if number == 1:  # NodeDef
            yield from _op(message)
        elif number == 2:  # FunctionDefLibrary: function = 1, FunctionDef.node_def = 3
            for n, _, function in fields(message):
                if n == 1 and (fm := _messages(function)) is not None:
                    for k, _, node in fields(fm):
                        if k == 3 and (nm := _messages(node)) is not None:
                            yield from _op(nm)


def _op(node: memoryview) -> Iterator[str]:
    for number, _, value in fields(node):
        if number == 2 and isinstance(value, memoryview):
            yield bytes(value).decode("utf-8", "replace")


def check_savedmodel(buf: memoryview) -> list[Issue]:
    seen: dict[str, int] = {}
    for op in savedmodel_ops(buf):
        if op in DANGEROUS_OPS:
            seen[op] = seen.get(op, 0) + 1
    return [
        Issue(
            "savedmodel.dangerous-op",
            DANGEROUS_OPS[op][0],
            f"graph uses {op} ({count}×), which {DANGEROUS_OPS[op][1]} when the model runs",
            callable=op,
        )
        for op, count in sorted(seen.items())
    ]
