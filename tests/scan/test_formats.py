"""Non-pickle formats: safetensors headers, GGUF, NumPy, Keras, SavedModel and ONNX."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.scan import builders as b
from tests.scan.helpers import callables, rules, scan_bytes


def test_valid_safetensors(tmp_path: Path) -> None:
    result = scan_bytes(tmp_path, b.safetensors_bytes(), "model.safetensors")
    assert result.format == "safetensors" and result.findings == []


# A header that is not one (past the end, over the limit, not JSON) makes a file named .safetensors
# unverifiable (tests/scan/test_claims.py); these parse, and break the format's rules.
BAD_HEADERS = {
    "safetensors.bad-tensor": dict(header={"a": {"dtype": "F32", "shape": [3, 3], "data_offsets": [0, 16]}}),
    "safetensors.duplicate-key": dict(
        raw_header=b'{"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}, '
        b'"a": {"dtype": "U8", "shape": [8], "data_offsets": [8, 16]}}',
        data=b"\0" * 16,
    ),
    "safetensors.overlap": dict(
        header={
            "a": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]},
            "b": {"dtype": "U8", "shape": [8], "data_offsets": [8, 16]},
        },
        data=b"\0" * 16,
    ),
    "safetensors.gap": dict(
        header={"a": {"dtype": "U8", "shape": [8], "data_offsets": [8, 16]}}, data=b"\0" * 16
    ),
    "safetensors.bad-metadata": dict(header={"__metadata__": {"x": 1}}, data=b""),
}


@pytest.mark.parametrize("rule", list(BAD_HEADERS))
def test_malformed_safetensors_headers(tmp_path: Path, rule: str) -> None:
    result = scan_bytes(tmp_path, b.safetensors_bytes(**BAD_HEADERS[rule]), "model.safetensors")  # type: ignore[arg-type]
    assert rule in rules(result) and result.unsafe


def test_unknown_dtype_and_offsets_past_the_end(tmp_path: Path) -> None:
    header = {
        "a": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]},
        "b": {"dtype": "F32", "shape": [100], "data_offsets": [0, 400]},
    }
    messages = " ".join(
        f.message for f in scan_bytes(tmp_path, b.safetensors_bytes(header), "x.safetensors").findings
    )
    assert "unknown dtype" in messages and "past the" in messages


def test_gguf(tmp_path: Path) -> None:
    good = scan_bytes(
        tmp_path, b.gguf_bytes("{% for m in messages %}{{ m['content'] }}{% endfor %}"), "m.gguf"
    )
    assert good.format == "gguf" and good.findings == []


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ self._TemplateReference__context }}",
        "{{ namespace|attr('__init__') }}",
        "{{ x['__globals__'] }}",
    ],
)
def test_gguf_chat_template_injection(tmp_path: Path, template: str) -> None:
    result = scan_bytes(tmp_path, b.gguf_bytes(template), "m.gguf")
    assert "template.python-internals" in rules(result) and result.unsafe


def test_gguf_header_sanity(tmp_path: Path) -> None:
    assert "gguf.bad-counts" in rules(scan_bytes(tmp_path, b.gguf_bytes(kv_count=1 << 40), "m.gguf"))
    assert "gguf.bad-version" in rules(scan_bytes(tmp_path, b.gguf_bytes(version=9), "m.gguf"))
    truncated = scan_bytes(tmp_path, b.gguf_bytes()[:60], "m.gguf")
    assert truncated.unsafe and "file.unverifiable" in rules(truncated)


def test_numpy_arrays(tmp_path: Path) -> None:
    assert scan_bytes(tmp_path, b.npy_bytes("<f4", b"\0" * 12), "a.npy").findings == []
    result = scan_bytes(tmp_path, b.npy_bytes("|O", b.evil_pickle(2)), "a.npy")
    assert "os.system" in callables(result)
    npz = b.zip_bytes(
        [("a.npy", b.npy_bytes("<f8", b"\0" * 24)), ("b.npy", b.npy_bytes("|O", b.evil_pickle(2)))],
        zipfile.ZIP_DEFLATED,
    )
    result = scan_bytes(tmp_path, npz, "arrays.npz")
    assert result.format.startswith("numpy-npz") and "os.system" in callables(result)


def _keras(config: dict[str, object]) -> bytes:
    return b.zip_bytes(
        [
            ("config.json", json.dumps(config).encode()),
            ("metadata.json", b'{"keras_version": "3"}'),
            ("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 64),
        ],
        zipfile.ZIP_DEFLATED,
    )


def test_keras_models(tmp_path: Path) -> None:
    assert scan_bytes(tmp_path, _keras(b.keras_config()), "m.keras").findings == []
    assert "keras.lambda-layer" in rules(
        scan_bytes(tmp_path, _keras(b.keras_config(lambda_layer=True)), "m.keras")
    )
    foreign = scan_bytes(tmp_path, _keras(b.keras_config(module="subprocess")), "m.keras")
    assert "keras.foreign-module" in rules(foreign) and foreign.unsafe
    get_file = {
        "module": "keras.utils",
        "class_name": "function",
        "config": "get_file",
        "registered_name": None,
    }
    config = b.keras_config()
    config["config"]["layers"][0]["config"]["activation"] = get_file  # type: ignore[index]
    assert "keras.dangerous-function" in rules(scan_bytes(tmp_path, _keras(config), "m.keras"))


def test_keras_h5(tmp_path: Path) -> None:
    assert scan_bytes(tmp_path, b.hdf5_with_config(b.keras_config()), "m.h5").findings == []
    assert "keras.lambda-layer" in rules(
        scan_bytes(tmp_path, b.hdf5_with_config(b.keras_config(True)), "m.h5")
    )


def test_savedmodel_ops(tmp_path: Path) -> None:
    assert (
        scan_bytes(tmp_path, b.savedmodel_bytes(["Const", "SaveV2", "RestoreV2"]), "saved_model.pb").findings
        == []
    )
    result = scan_bytes(tmp_path, b.savedmodel_bytes(["Const", "ReadFile", "PyFunc"]), "saved_model.pb")
    assert callables(result) == {"ReadFile", "PyFunc"} and result.unsafe


@pytest.mark.parametrize(
    "location",
    [
        "../../../etc/passwd",
        "/etc/shadow",
        "C:\\Windows\\win.ini",
        "data/../../secret.bin",
        "\\\\server\\share\\w.bin",
    ],
)
def test_onnx_external_data_traversal(tmp_path: Path, location: str) -> None:
    result = scan_bytes(tmp_path, b.onnx_bytes(location), "model.onnx")
    assert "onnx.external-data-traversal" in rules(result) and result.unsafe


def test_onnx_inside_its_directory_and_links_that_leave_it(tmp_path: Path) -> None:
    assert scan_bytes(tmp_path, b.onnx_bytes(), "a.onnx").findings == []
    assert scan_bytes(tmp_path, b.onnx_bytes("weights/w.bin"), "b.onnx").findings == []
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "w.bin").symlink_to("/etc/hostname")
    result = scan_bytes(model_dir, b.onnx_bytes("w.bin"), "c.onnx")
    assert "onnx.external-data-traversal" in rules(result)
