"""Walk a pickle's opcodes, protocols 0 to 5, without ever unpickling it.

The walker keeps a symbolic stack and memo with the same rules as CPython's unpickler (marks on a
meta-stack, PUT/BINPUT/MEMOIZE into one memo), so an import whose module and name are assembled from
memoised strings (``STACK_GLOBAL`` after ``BINGET``) resolves to what ``pickle.load`` would import;
mixing PUT and MEMOIZE to confuse a scanner does not confuse it. Everything that would run code at
load time is recorded with its byte offset: imports (``GLOBAL``, ``STACK_GLOBAL``, ``INST``, ``EXT*``),
calls (``REDUCE``, ``OBJ``, ``NEWOBJ*``, ``INST``), and mutations of imported objects (``BUILD``,
``SETITEM``, ``APPEND`` on something imported — the set-attribute gadget behind published bypasses).

joblib writes NumPy array bytes between pickle opcodes; after ``BUILD`` on joblib's
``NumpyArrayWrapper`` the walker skips exactly those bytes (or walks the nested pickle of an object
array), as joblib's unpickler reads them.

Written by hand because ``pickletools`` stops at the first malformed opcode without a usable state,
keeps no memo, and has no notion of time or size bounds; a stream that breaks after its imports is
still reported here with everything seen up to the break.
"""

from __future__ import annotations

import codecs
import struct
import time

from aicop.scan.errors import LimitExceeded, ScanError

TYPE_CHECKING = False  # typing itself is not imported at run time: start-up is measured
if TYPE_CHECKING:
    from typing import Any

    from aicop.scan.source import Source

MAX_LINE = 64 * 1024
MAX_KEPT_STRING = 4096  # longer strings are not module names; keep a placeholder
MAX_CONTAINER = 10_000  # items kept per container; more are counted, not kept
MAX_MEMO = 5_000_000
MAX_STACK = 5_000_000
MAX_OPS = 50_000_000
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C


class Global:
    """An imported name: what GLOBAL, STACK_GLOBAL or INST would load."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Global) and (self.module, self.name) == (other.module, other.name)

    def __hash__(self) -> int:
        return hash((self.module, self.name))


class Obj:
    """The result of calling ``callable`` at load time."""

    __slots__ = ("args", "callable", "state")

    def __init__(self, callable: Any, args: Any = None) -> None:
        self.callable, self.args, self.state = callable, args, None


class Opaque:
    """A value the walker does not keep (a long string, bytes, a persistent object…)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


class Import:
    __slots__ = ("module", "name", "offset", "opcode")

    def __init__(self, module: str, name: str, offset: int, opcode: str) -> None:
        self.module, self.name, self.offset, self.opcode = module, name, offset, opcode

    def __repr__(self) -> str:
        return f"Import({self.module}.{self.name} at {self.offset} by {self.opcode})"


class Event:
    """Something other than an import that a scanner must judge."""

    __slots__ = ("detail", "kind", "offset")

    def __init__(self, kind: str, offset: int, detail: str) -> None:
        # kind: "call-computed", "mutate-import", "extension", "dynamic-import"
        self.kind, self.offset, self.detail = kind, offset, detail

    def __repr__(self) -> str:
        return f"Event({self.kind}, {self.offset}, {self.detail!r})"


class StreamResult:
    __slots__ = (
        "attribute_reads",
        "calls",
        "end",
        "error",
        "events",
        "imports",
        "nested",
        "opaque_getattr",
        "ops",
        "protocol",
        "start",
        "value",
    )

    def __init__(self, start: int) -> None:
        self.start = start
        self.end: int | None = None  # position after STOP; None if the stream did not finish
        self.protocol = 0
        self.ops = 0
        self.imports: list[Import] = []
        self.calls: list[tuple[str, int, str]] = []  # (callable, offset, opcode)
        # getattr(owner, "name") is how pickle names a method; each such read is judged as the import
        # "owner.name", and getattr itself only where its operands are not constant (opaque_getattr).
        self.attribute_reads = 0
        self.opaque_getattr = False
        self.events: list[Event] = []
        self.error: str | None = None
        self.value: Any = None  # what the stream would return, symbolically
        self.nested: list[StreamResult] = []

    @property
    def is_legacy_torch_magic(self) -> bool:
        return isinstance(self.value, int) and self.value == LEGACY_TORCH_MAGIC


_NUMPY_KIND_SIZE = {
    "b": 1,
    "i": None,
    "u": None,
    "f": None,
    "c": None,
    "m": 8,
    "M": 8,
    "S": 1,
    "a": 1,
    "U": 4,
    "V": 1,
    "?": 1,
}


def dtype_itemsize(spec: str) -> int | None:
    """Bytes per item of a NumPy type string such as ``<f4``, ``i8``, ``U10`` or ``b1``; None if unknown."""
    text = spec.lstrip("<>=|")
    if not text or text[0] not in _NUMPY_KIND_SIZE:
        return None
    kind, digits = text[0], text[1:].split("[")[0]
    if kind in "mM":
        return 8
    if not digits.isdigit():
        return 1 if kind in "b?" else None
    count = int(digits)
    per = _NUMPY_KIND_SIZE[kind]
    return count * per if per else count


class PickleWalker:
    def __init__(self, source: Source, deadline: float, *, depth: int = 0) -> None:
        self.src = source
        self.deadline = deadline
        self.depth = depth

    # ------------------------------------------------------------------ entry point
    def walk(self) -> StreamResult:
        result = StreamResult(start=self.src.tell())
        self.result = result
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        try:
            self._run()
        except (
            ScanError,
            struct.error,
            UnicodeDecodeError,
            ValueError,
            IndexError,
            KeyError,
            TypeError,
            RecursionError,
            MemoryError,
        ) as err:
            if isinstance(err, LimitExceeded):
                raise
            result.error = (
                f"{err} (offset {self.src.tell()})"
                if isinstance(err, ScanError)
                else (f"malformed at offset {self.src.tell()}: {type(err).__name__}: {err}")
            )
        return result

    # ------------------------------------------------------------------ helpers
    def _need(self, n: int) -> bytes:
        data = self.src.read(n)
        if len(data) < n:
            raise ScanError(f"stream ends inside an opcode argument ({len(data)} of {n} bytes)")
        return data

    def _byte(self) -> int:
        value = self.src.read_byte()
        if value < 0:
            raise ScanError("stream ends inside an opcode argument (0 of 1 bytes)")
        return value

    def _skip(self, n: int) -> None:
        if n < 0 or self.src.skip(n) < n:
            raise ScanError(f"stream ends inside a {n}-byte argument")

    def _line(self) -> bytes:
        return self.src.readline(MAX_LINE)[:-1]

    def _push(self, value: Any) -> None:
        if len(self.stack) >= MAX_STACK:
            raise LimitExceeded("pickle stack grows past its bound")
        self.stack.append(value)

    def _pop(self) -> Any:
        if not self.stack:
            raise ScanError("stack underflow")
        return self.stack.pop()

    def _pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise ScanError("MARK expected")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _text(self, raw: bytes, encoding: str = "utf-8") -> Any:
        if len(raw) > MAX_KEPT_STRING:
            return Opaque("long string")
        return raw.decode(encoding, "surrogatepass")

    def _bytes(self, n: int) -> Any:
        if n > 256:
            self._skip(n)
            return Opaque("bytes")
        return self._need(n)

    def _import(self, module: Any, name: Any, offset: int, opcode: str) -> Any:
        if not isinstance(module, str) or not isinstance(name, str):
            self.result.events.append(
                Event("dynamic-import", offset, f"{opcode} with operands that are not constant strings")
            )
            return Opaque("dynamic import")
        self.result.imports.append(Import(module, name, offset, opcode))
        return Global(module, name)

    def _call(self, target: Any, args: Any, offset: int, opcode: str) -> Obj | Global:
        if isinstance(target, Global):
            qualified = target.qualified
            self.result.calls.append((qualified, offset, opcode))
            if qualified in _GETATTR:
                read = self._attribute_read(args, offset)
                if read is not None:
                    return read
        elif not isinstance(target, Opaque) or target.what != "dynamic import":
            kind = type(target).__name__ if not isinstance(target, Obj) else "the result of a call"
            self.result.events.append(
                Event(
                    "call-computed",
                    offset,
                    f"{opcode} calls {kind} computed at load time, not an imported name",
                )
            )
        return Obj(target, args)

    def _attribute_read(self, args: Any, offset: int) -> Global | None:
        """Record ``getattr(owner, "name")`` as an import of ``owner.name`` when the owner is an imported
        name or an object built from one and the name is a constant; its value is then that name (a
        later call of it is a call of ``owner.name``). Anything else stays opaque: None."""
        owner = None
        if isinstance(args, tuple) and len(args) == 2 and isinstance(args[1], str):
            owner = _owner(args[0])
        if owner is None:
            self.result.opaque_getattr = True
            return None
        self.result.attribute_reads += 1
        self.result.imports.append(Import(owner, args[1], offset, "getattr"))
        module, _, cls = owner.rpartition(".")
        return Global(module, f"{cls}.{args[1]}")

    def _mutates(self, target: Any, offset: int, opcode: str) -> None:
        if isinstance(target, Global):
            self.result.events.append(
                Event("mutate-import", offset, f"{opcode} modifies the imported object {target.qualified}")
            )

    # ------------------------------------------------------------------ the loop
    def _run(self) -> None:
        src, result = self.src, self.result
        ops = 0
        while True:
            offset = src.tell()
            op = src.read_byte()
            if op < 0:
                raise ScanError("stream ends without STOP")
            ops += 1
            result.ops = ops
            if ops % 4096 == 0:
                if time.monotonic() > self.deadline:
                    raise LimitExceeded("time limit reached while walking a pickle")
                if ops > MAX_OPS:
                    raise LimitExceeded("pickle has more opcodes than the bound")
            if op == 0x2E:  # STOP
                if not self.stack:
                    raise ScanError("STOP with an empty stack")
                result.end = src.tell()
                result.value = self.stack[-1]
                return
            if op == 0x80:  # PROTO
                result.protocol = self._byte()
                if result.protocol > 5:
                    raise ScanError(f"unsupported pickle protocol {result.protocol}")
            elif op == 0x95:  # FRAME
                self._need(8)
            elif op == 0x28:  # MARK
                self.metastack.append(self.stack)
                self.stack = []
            elif op == 0x30:  # POP
                if self.stack:
                    self.stack.pop()
                else:
                    self._pop_mark()
            elif op == 0x31:  # POP_MARK
                self._pop_mark()
            elif op == 0x32:  # DUP
                if not self.stack:
                    raise ScanError("DUP on an empty stack")
                self._push(self.stack[-1])
            # ---- constants
            elif op == 0x4E:  # NONE
                self._push(None)
            elif op == 0x88:
                self._push(True)
            elif op == 0x89:
                self._push(False)
            elif op == 0x49:  # INT
                line = self._line()
                self._push({b"00": False, b"01": True}.get(line) if line in (b"00", b"01") else int(line))
            elif op == 0x4A:  # BININT
                self._push(struct.unpack("<i", self._need(4))[0])
            elif op == 0x4B:  # BININT1
                self._push(self._byte())
            elif op == 0x4D:  # BININT2
                self._push(struct.unpack("<H", self._need(2))[0])
            elif op == 0x4C:  # LONG
                self._push(int(self._line().rstrip(b"L") or b"0"))
            elif op in (0x8A, 0x8B):  # LONG1, LONG4
                n = self._byte() if op == 0x8A else struct.unpack("<i", self._need(4))[0]
                if n < 0:
                    raise ScanError("negative LONG4 length")
                self._push(
                    int.from_bytes(self._need(n), "little", signed=True) if n <= 64 else self._skipped(n)
                )
            elif op == 0x46:  # FLOAT
                self._push(float(self._line()))
            elif op == 0x47:  # BINFLOAT
                self._push(struct.unpack(">d", self._need(8))[0])
            # ---- strings and bytes
            elif op == 0x53:  # STRING
                line = self._line()
                if len(line) < 2 or line[0] != line[-1] or line[0] not in b"\"'":
                    raise ScanError("STRING argument is not quoted")
                self._push(self._text(codecs.escape_decode(line[1:-1])[0], "latin-1"))
            elif op in (0x54, 0x55):  # BINSTRING, SHORT_BINSTRING
                n = struct.unpack("<i", self._need(4))[0] if op == 0x54 else self._byte()
                if n < 0:
                    raise ScanError("negative BINSTRING length")
                self._push(self._text(self._need(n), "latin-1") if n <= MAX_KEPT_STRING else self._skipped(n))
            elif op == 0x56:  # UNICODE
                self._push(self._text(self._line(), "raw-unicode-escape"))
            elif op in (0x58, 0x8C, 0x8D):  # BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                size = {0x58: 4, 0x8C: 1, 0x8D: 8}[op]
                n = int.from_bytes(self._need(size), "little")
                self._push(self._text(self._need(n)) if n <= MAX_KEPT_STRING else self._skipped(n))
            elif op in (0x42, 0x43, 0x8E, 0x96):  # BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8
                size = {0x42: 4, 0x43: 1, 0x8E: 8, 0x96: 8}[op]
                self._push(self._bytes(int.from_bytes(self._need(size), "little")))
            elif op in (0x97, 0x98):  # NEXT_BUFFER, READONLY_BUFFER
                if op == 0x97:
                    self._push(Opaque("out-of-band buffer"))
                elif not self.stack:
                    raise ScanError("READONLY_BUFFER on an empty stack")
            # ---- containers
            elif op == 0x29:  # EMPTY_TUPLE
                self._push(())
            elif op == 0x74:  # TUPLE
                self._push(tuple(self._pop_mark()[:MAX_CONTAINER]))
            elif op in (0x85, 0x86, 0x87):  # TUPLE1..3
                n = op - 0x84
                if len(self.stack) < n:
                    raise ScanError("stack underflow")
                members = tuple(self.stack[-n:])
                del self.stack[-n:]
                self._push(members)
            elif op == 0x5D:  # EMPTY_LIST
                self._push([])
            elif op == 0x6C:  # LIST
                self._push(self._pop_mark()[:MAX_CONTAINER])
            elif op == 0x61:  # APPEND
                value = self._pop()
                self._extend(self._top(), [value], offset, "APPEND")
            elif op == 0x65:  # APPENDS
                items = self._pop_mark()
                self._extend(self._top(), items, offset, "APPENDS")
            elif op == 0x7D:  # EMPTY_DICT
                self._push({})
            elif op == 0x64:  # DICT
                items = self._pop_mark()
                self._push(self._dict(items))
            elif op == 0x73:  # SETITEM
                value, key = self._pop(), self._pop()
                self._setitems(self._top(), [key, value], offset, "SETITEM")
            elif op == 0x75:  # SETITEMS
                items = self._pop_mark()
                self._setitems(self._top(), items, offset, "SETITEMS")
            elif op == 0x8F:  # EMPTY_SET
                self._push(set())
            elif op == 0x90:  # ADDITEMS
                self._pop_mark()
                self._mutates(self._top(), offset, "ADDITEMS")
            elif op == 0x91:  # FROZENSET
                self._pop_mark()
                self._push(Opaque("frozenset"))
            # ---- memo
            elif op in (0x67, 0x68, 0x6A):  # GET, BINGET, LONG_BINGET
                index = (
                    int(self._line())
                    if op == 0x67
                    else (self._byte() if op == 0x68 else struct.unpack("<I", self._need(4))[0])
                )
                if index not in self.memo:
                    raise ScanError(f"memo key {index} read before it was written")
                self._push(self.memo[index])
            elif op in (0x70, 0x71, 0x72):  # PUT, BINPUT, LONG_BINPUT
                index = (
                    int(self._line())
                    if op == 0x70
                    else (self._byte() if op == 0x71 else struct.unpack("<I", self._need(4))[0])
                )
                if index < 0:
                    raise ScanError("negative PUT argument")
                self._memoize(index)
            elif op == 0x94:  # MEMOIZE
                self._memoize(len(self.memo))
            # ---- imports and calls
            elif op == 0x63:  # GLOBAL
                module = self._text(self._line(), "utf-8")
                name = self._text(self._line(), "utf-8")
                self._push(self._import(module, name, offset, "GLOBAL"))
            elif op == 0x93:  # STACK_GLOBAL
                name, module = self._pop(), self._pop()
                self._push(self._import(module, name, offset, "STACK_GLOBAL"))
            elif op == 0x69:  # INST
                module = self._text(self._line(), "utf-8")
                name = self._text(self._line(), "utf-8")
                target = self._import(module, name, offset, "INST")
                self._push(self._call(target, tuple(self._pop_mark()[:MAX_CONTAINER]), offset, "INST"))
            elif op == 0x6F:  # OBJ
                items = self._pop_mark()
                if not items:
                    raise ScanError("OBJ without a class")
                self._push(self._call(items[0], tuple(items[1:MAX_CONTAINER]), offset, "OBJ"))
            elif op == 0x52:  # REDUCE
                args, target = self._pop(), self._pop()
                self._push(self._call(target, args, offset, "REDUCE"))
            elif op == 0x81:  # NEWOBJ
                args, target = self._pop(), self._pop()
                self._push(self._call(target, args, offset, "NEWOBJ"))
            elif op == 0x92:  # NEWOBJ_EX
                kwargs, args, target = self._pop(), self._pop(), self._pop()
                self._push(self._call(target, (args, kwargs), offset, "NEWOBJ_EX"))
            elif op == 0x62:  # BUILD
                state = self._pop()
                target = self._top()
                self._mutates(target, offset, "BUILD")
                if isinstance(target, Obj):
                    target.state = state
                    if isinstance(target.callable, Global) and target.callable.qualified == (
                        "joblib.numpy_pickle.NumpyArrayWrapper"
                    ):
                        self.stack[-1] = self._joblib_array(state, offset)
            elif op in (0x82, 0x83, 0x84):  # EXT1, EXT2, EXT4
                size = {0x82: 1, 0x83: 2, 0x84: 4}[op]
                code_value = int.from_bytes(self._need(size), "little")
                self.result.events.append(
                    Event(
                        "extension",
                        offset,
                        f"imports through the copyreg extension registry (code {code_value})",
                    )
                )
                self._push(Opaque("extension object"))
            elif op == 0x50:  # PERSID
                self._line()
                self._push(Opaque("persistent object"))
            elif op == 0x51:  # BINPERSID
                self._pop()
                self._push(Opaque("persistent object"))
            else:
                raise ScanError(f"unknown opcode 0x{op:02x}")

    # ------------------------------------------------------------------ semantics
    def _skipped(self, n: int) -> Opaque:
        self._skip(n)
        return Opaque("long value")

    def _top(self) -> Any:
        if not self.stack:
            raise ScanError("stack underflow")
        return self.stack[-1]

    def _memoize(self, index: int) -> None:
        if not self.stack:
            raise ScanError("memoize on an empty stack")
        if len(self.memo) >= MAX_MEMO and index not in self.memo:
            raise LimitExceeded("memo grows past its bound")
        self.memo[index] = self.stack[-1]

    def _extend(self, target: Any, items: list[Any], offset: int, opcode: str) -> None:
        if isinstance(target, list):
            room = MAX_CONTAINER - len(target)
            if room > 0:
                target.extend(items[:room])
        else:
            self._mutates(target, offset, opcode)

    def _dict(self, items: list[Any]) -> Any:
        if len(items) % 2:
            raise ScanError("odd number of items for DICT")
        out: dict[Any, Any] = {}
        for key, value in zip(items[::2], items[1::2], strict=True):
            if _hashable(key) and len(out) < MAX_CONTAINER:
                out[key] = value
        return out

    def _setitems(self, target: Any, items: list[Any], offset: int, opcode: str) -> None:
        if len(items) % 2:
            raise ScanError(f"odd number of items for {opcode}")
        if isinstance(target, dict):
            for key, value in zip(items[::2], items[1::2], strict=True):
                if _hashable(key) and len(target) < MAX_CONTAINER:
                    target[key] = value
        else:
            self._mutates(target, offset, opcode)

    def _joblib_array(self, state: Any, offset: int) -> Opaque:
        """Skip the array bytes joblib wrote after this wrapper, or walk the nested pickle of an
        object array; what joblib's own unpickler would read next."""
        if not isinstance(state, dict):
            raise ScanError("joblib array wrapper without a state dict")
        dtype = state.get("dtype")
        spec = (
            dtype.args[0] if isinstance(dtype, Obj) and isinstance(dtype.args, tuple) and dtype.args else None
        )
        if isinstance(spec, str) and spec.lstrip("<>=|").startswith("O"):
            if self.depth >= 8:
                raise LimitExceeded("nested object arrays deeper than the bound")
            nested = PickleWalker(self.src, self.deadline, depth=self.depth + 1).walk()
            self.result.nested.append(nested)
            if nested.end is None:
                raise ScanError(f"object array pickle is broken: {nested.error}")
            return Opaque("object ndarray")
        shape = state.get("shape")
        itemsize = dtype_itemsize(spec) if isinstance(spec, str) else None
        if (
            itemsize is None
            or not isinstance(shape, tuple)
            or not all(isinstance(d, int) and d >= 0 for d in shape)
        ):
            raise ScanError(f"joblib array at offset {offset} has a dtype or shape aicop cannot size")
        count = 1
        for dim in shape:
            count *= dim
        alignment = state.get("numpy_array_alignment_bytes")
        if isinstance(alignment, int) and alignment > 0:
            padding = self._byte()
            if padding > alignment:
                raise ScanError("joblib array padding longer than its alignment")
            self._skip(padding)
        self._skip(count * itemsize)
        return Opaque("ndarray")


_GETATTR = frozenset({"builtins.getattr", "__builtin__.getattr"})
_RECONSTRUCTORS = frozenset({"copyreg._reconstructor", "copyreg.__newobj__", "copy_reg._reconstructor"})


def _owner(value: Any) -> str | None:
    """The qualified name of an imported class, or of the class an object was built from."""
    if isinstance(value, Global):
        return value.qualified
    if isinstance(value, Obj) and isinstance(value.callable, Global):
        if value.callable.qualified in _RECONSTRUCTORS:
            args = value.args
            first = args[0] if isinstance(args, tuple) and args else None
            return first.qualified if isinstance(first, Global) else None
        return value.callable.qualified
    return None


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def walk_stream(source: Source, deadline: float) -> StreamResult:
    return PickleWalker(source, deadline).walk()


PICKLE_START = frozenset(b"(cdl]}NIFSVXKJMGUTq)\x80\x8c\x95i")


def looks_like_pickle(head: bytes) -> bool:
    """Protocol 2+ starts with PROTO; protocols 0 and 1 are recognised by walking their first bytes."""
    if len(head) >= 2 and head[0] == 0x80 and head[1] <= 5:
        return True
    if not head or head[0] not in PICKLE_START:
        return False
    from aicop.scan.source import BufferSource

    trial = PickleWalker(BufferSource(head), time.monotonic() + 1).walk()
    if trial.end is not None:
        return trial.ops >= 2
    return trial.ops >= 8 and "ends" in (trial.error or "")
