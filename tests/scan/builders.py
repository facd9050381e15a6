"""Fixture builders: model files written byte by byte or by Python's own pickler — never loaded.

``fake_modules`` registers stand-in ``torch``/``sklearn``/``joblib`` classes in ``sys.modules`` while a
pickle is *written*, so the stream names exactly the globals a real checkpoint names, without
installing those frameworks.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any


# --------------------------------------------------------------------------- pickles
class Evil:
    """Pickles to a call of os.system: what a malicious checkpoint carries."""

    def __init__(self, command: str = "id") -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (self.command,))


def evil_pickle(protocol: int = 4, command: str = "id") -> bytes:
    return pickle.dumps(Evil(command), protocol=protocol)


def op_str(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


@contextlib.contextmanager
def fake_modules() -> Iterator[dict[str, Any]]:
    """Stand-ins for the globals real checkpoints name, registered only while pickles are written."""
    created: dict[str, types.ModuleType] = {}

    def module(name: str) -> types.ModuleType:
        if name not in created:
            created[name] = types.ModuleType(name)
        return created[name]

    def function(mod: str, name: str) -> Any:
        def stub(*args: Any) -> None:
            return None

        stub.__module__, stub.__qualname__, stub.__name__ = mod, name, name
        setattr(module(mod), name, stub)
        return stub

    def klass(mod: str, name: str, *, reduce: Any = None) -> type:
        namespace: dict[str, Any] = {"__module__": mod}
        if reduce is not None:
            namespace["__reduce__"] = reduce
        cls = type(name, (), namespace)
        cls.__qualname__ = name
        setattr(module(mod), name, cls)
        return cls

    rebuild = function("torch._utils", "_rebuild_tensor_v2")
    storage = klass("torch", "FloatStorage")
    reconstruct = function("numpy.core.multiarray", "_reconstruct")
    ndarray = klass("numpy", "ndarray")
    dtype = klass("numpy", "dtype")
    linear = klass("torch.nn.modules.linear", "Linear")
    sequential = klass("torch.nn.modules.container", "Sequential")
    logistic = klass("sklearn.linear_model._logistic", "LogisticRegression")
    pipeline = klass("sklearn.pipeline", "Pipeline")
    scaler = klass("sklearn.preprocessing._data", "StandardScaler")
    wrapper = klass("joblib.numpy_pickle", "NumpyArrayWrapper")
    for name in list(created):
        parts = name.split(".")
        for i in range(1, len(parts)):
            module(".".join(parts[:i]))
    saved = {name: sys.modules.get(name) for name in created}
    sys.modules.update(created)
    try:
        yield {
            "rebuild": rebuild,
            "FloatStorage": storage,
            "reconstruct": reconstruct,
            "ndarray": ndarray,
            "dtype": dtype,
            "Linear": linear,
            "Sequential": sequential,
            "LogisticRegression": logistic,
            "Pipeline": pipeline,
            "StandardScaler": scaler,
            "NumpyArrayWrapper": wrapper,
        }
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


class _Tensor:
    def __init__(self, fakes: dict[str, Any], key: str, numel: int) -> None:
        self.fakes, self.key, self.numel = fakes, key, numel

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            self.fakes["rebuild"],
            (_Storage(self.fakes, self.key, self.numel), 0, (self.numel,), (1,), False, OrderedDict()),
        )


class _Storage:
    def __init__(self, fakes: dict[str, Any], key: str, numel: int) -> None:
        self.fakes, self.key, self.numel = fakes, key, numel


class _TorchPickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Storage):
            return ("storage", obj.fakes["FloatStorage"], obj.key, "cpu", obj.numel)
        return None


def torch_state_dict_pickle(tensors: int = 3) -> tuple[bytes, dict[str, int]]:
    """data.pkl of torch.save(model.state_dict()), and the storage sizes it references."""
    with fake_modules() as fakes:
        state = OrderedDict((f"layer{i}.weight", _Tensor(fakes, str(i), 4 * (i + 1))) for i in range(tensors))
        buffer = io.BytesIO()
        _TorchPickler(buffer, protocol=2).dump(state)
    return buffer.getvalue(), {str(i): 4 * (i + 1) for i in range(tensors)}


def torch_zip(
    data_pkl: bytes, storages: dict[str, int], extra: dict[str, bytes] | None = None, prefix: str = "archive"
) -> bytes:
    """The layout torch.save has written since 1.6: a stored ZIP with data.pkl, data/N and version."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{prefix}/data.pkl", data_pkl)
        archive.writestr(f"{prefix}/byteorder", b"little")
        for key, numel in storages.items():
            archive.writestr(f"{prefix}/data/{key}", struct.pack(f"<{numel}f", *([0.5] * numel)))
        archive.writestr(f"{prefix}/version", b"3\n")
        archive.writestr(f"{prefix}/.data/serialization_id", b"1234567890")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def torch_module_pickle() -> bytes:
    """torch.save(nn.Sequential(nn.Linear(...))): a whole-module save of built-in torch modules."""
    with fake_modules() as fakes:
        linear = fakes["Linear"]()
        linear.__dict__.update({"training": True, "_parameters": OrderedDict(weight=None), "in_features": 4})
        model = fakes["Sequential"]()
        model.__dict__.update({"training": True, "_modules": OrderedDict({"0": linear})})
        return pickle.dumps(model, protocol=2)


def sklearn_pipeline_pickle() -> bytes:
    with fake_modules() as fakes:
        scaler = fakes["StandardScaler"]()
        scaler.__dict__.update({"with_mean": True, "n_features_in_": 3})
        model = fakes["LogisticRegression"]()
        model.__dict__.update({"C": 1.0, "classes_": [0, 1]})
        pipe = fakes["Pipeline"]()
        pipe.__dict__.update({"steps": [("scale", scaler), ("clf", model)], "memory": None})
        return pickle.dumps(pipe, protocol=4)


def joblib_like(object_array_payload: bytes | None = None) -> bytes:
    """What joblib.dump writes for an estimator holding a float64 array: the pickle with a
    NumpyArrayWrapper whose array bytes follow its BUILD, then the rest of the pickle."""
    with fake_modules() as fakes:
        dtype = fakes["dtype"]
        dt = dtype.__new__(dtype)

        def dtype_reduce(self: Any) -> tuple[Any, ...]:
            return (
                dtype,
                ("O8" if object_array_payload is not None else "f8", False, True),
                (3, "<", None, None, None, -1, -1, 0),
            )

        dtype.__reduce__ = dtype_reduce  # type: ignore[method-assign]
        wrapper = fakes["NumpyArrayWrapper"].__new__(fakes["NumpyArrayWrapper"])
        wrapper.__dict__.update(
            {
                "subclass": fakes["ndarray"],
                "shape": (2, 3),
                "order": "C",
                "dtype": dt,
                "allow_mmap": False,
                "numpy_array_alignment_bytes": 16,
            }
        )
        head = pickle.dumps({"coef_": wrapper}, protocol=4)
    # Split after the wrapper's BUILD: the array bytes go there, as joblib's pickler writes them.
    cut = head.rindex(b"b") + 1
    if object_array_payload is not None:
        middle = object_array_payload
    else:
        padding = 16 - ((cut + 1) % 16)
        middle = bytes([padding]) + b"\xff" * padding + struct.pack("<6d", *range(6))
    return head[:cut] + middle + head[cut:]


# --------------------------------------------------------------------------- other formats
def safetensors_bytes(
    header: dict[str, Any] | None = None,
    data: bytes | None = None,
    raw_header: bytes | None = None,
    length: int | None = None,
) -> bytes:
    if raw_header is None:
        header = (
            header
            if header is not None
            else {
                "__metadata__": {"format": "pt"},
                "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                "b": {"dtype": "BF16", "shape": [4], "data_offsets": [16, 24]},
            }
        )
        raw_header = json.dumps(header).encode()
    payload = data if data is not None else b"\0" * 24
    return struct.pack("<Q", len(raw_header) if length is None else length) + raw_header + payload


def gguf_bytes(template: str | None = None, *, kv_count: int | None = None, version: int = 3) -> bytes:
    def string(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    kvs = [
        string("general.architecture") + struct.pack("<I", 8) + string("llama"),
        string("general.alignment") + struct.pack("<I", 4) + struct.pack("<I", 32),
        string("tokenizer.ggml.tokens")
        + struct.pack("<I", 9)
        + struct.pack("<IQ", 8, 2)
        + string("a")
        + string("b"),
    ]
    if template is not None:
        kvs.append(string("tokenizer.chat_template") + struct.pack("<I", 8) + string(template))
    tensors = (
        string("tok_embd.weight")
        + struct.pack("<I", 2)
        + struct.pack("<QQ", 2, 2)
        + struct.pack("<I", 0)
        + struct.pack("<Q", 0)
    )
    header = (
        b"GGUF"
        + struct.pack("<I", version)
        + struct.pack("<QQ", 1, len(kvs) if kv_count is None else kv_count)
    )
    body = header + b"".join(kvs) + tensors
    body += b"\0" * (-len(body) % 32)
    return body + b"\0" * 16


def npy_bytes(descr: str, payload: bytes, shape: tuple[int, ...] = (3,)) -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value: bytes | int) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def onnx_bytes(location: str | None = None, raw_size: int = 16) -> bytes:
    tensor = field(1, 4) + field(2, 1) + field(8, b"weight")
    if location is None:
        tensor += field(9, b"\0" * raw_size)
    else:
        tensor += field(13, field(1, b"location") + field(2, location.encode())) + field(14, 1)
    node = field(1, b"x") + field(2, b"y") + field(4, b"Relu")
    graph = field(1, node) + field(2, b"main") + field(5, tensor)
    return field(1, 8) + field(2, b"pytorch") + field(7, graph) + field(8, field(2, 17))


def savedmodel_bytes(ops: list[str]) -> bytes:
    nodes = b"".join(field(1, field(1, f"n{i}".encode()) + field(2, op.encode())) for i, op in enumerate(ops))
    graph = nodes + field(
        2, field(1, field(1, field(1, b"f")) + field(3, field(1, b"inner") + field(2, b"Identity")))
    )
    meta = field(1, field(1, b"serve")) + field(2, graph)
    return field(1, 1) + field(2, meta)


def keras_config(lambda_layer: bool = False, module: str = "keras.layers") -> dict[str, Any]:
    layers: list[dict[str, Any]] = [
        {
            "module": module,
            "class_name": "Dense",
            "config": {"name": "dense", "units": 4},
            "registered_name": None,
        }
    ]
    if lambda_layer:
        layers.append(
            {
                "module": "keras.layers",
                "class_name": "Lambda",
                "config": {
                    "name": "lambda",
                    "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}},
                },
            }
        )
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": layers},
        "registered_name": None,
    }


def hdf5_with_config(config: dict[str, Any]) -> bytes:
    """Enough of an HDF5 file for the scanner: the signature, then Keras's model_config attribute."""
    return b"\x89HDF\r\n\x1a\n" + b"\0" * 88 + b"model_config\0" + json.dumps(config).encode() + b"\0" * 64


def deflate(data: bytes) -> bytes:
    return zlib.compress(data)


def with_zip64_records(archive: bytes) -> bytes:
    """Insert ZIP64 end records before the end record, as PyTorch's writer always does."""
    eocd = archive.rindex(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack("<HII", archive[eocd + 10 : eocd + 20])
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, entries, entries, cd_size, cd_offset)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, eocd, 1)
    end = bytearray(archive[eocd:])
    end[8:20] = struct.pack("<HHII", 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    return archive[:eocd] + record + locator + bytes(end)
