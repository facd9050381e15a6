"""Keras model configurations (``config.json`` in ``.keras``, ``model_config`` in ``.h5``): Lambda
layers carry Python bytecode, and any ``module`` named in the config is imported when the model is
loaded. Both are how Keras models run code (CVE-2024-3660, CVE-2025-1550)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from aicop.scan.model import Issue, Severity

KERAS_MODULES = re.compile(
    r"^(keras|tf_keras|keras_hub|keras_nlp|keras_cv|tensorflow\.keras|tensorflow\.python\.keras)"
    r"(\.|$)"
)
DANGEROUS_FUNCTIONS = {
    "get_file": "downloads files and can overwrite local ones",
    "load_model": "loads another model",
    "exec": "executes code",
    "eval": "evaluates code",
}
TF_OP_DANGEROUS = re.compile(r"(^|\.)(io|gfile|sys|os|py_function|numpy_function|compat\.v1\.py_func)(\.|$)")


def looks_like_config(data: Any) -> bool:
    return isinstance(data, dict) and "class_name" in data and "config" in data


def check_config(config: Any) -> list[Issue]:
    issues: list[Issue] = []
    _visit(config, issues, 0, inside_lambda=False)
    return issues


def _visit(value: Any, issues: list[Issue], depth: int, *, inside_lambda: bool) -> None:
    if depth > 200:
        return
    if isinstance(value, list):
        for item in value:
            _visit(item, issues, depth + 1, inside_lambda=inside_lambda)
        return
    if not isinstance(value, dict):
        return
    class_name = value.get("class_name")
    raw_config = value.get("config")
    layer_config: dict[str, Any] = raw_config if isinstance(raw_config, dict) else {}
    if class_name == "Lambda":
        name = layer_config.get("name", "?")
        issues.append(
            Issue(
                "keras.lambda-layer",
                Severity.CRITICAL,
                f"Lambda layer {name!r} carries Python code that runs when the model is loaded "
                "(Keras 2 always; Keras 3 with safe_mode=False)",
                member=str(name),
            )
        )
        inside_lambda = True
    elif class_name == "__lambda__" and not inside_lambda:
        issues.append(
            Issue(
                "keras.lambda-function",
                Severity.CRITICAL,
                "a serialised Python lambda (bytecode) that runs when the model is loaded",
            )
        )
    elif class_name == "TFOpLambda":
        function = str(layer_config.get("function", ""))
        if TF_OP_DANGEROUS.search(function):
            issues.append(
                Issue(
                    "keras.tf-op",
                    Severity.HIGH,
                    f"TFOpLambda calls {function}, which touches files or runs Python",
                    callable=function,
                )
            )
    module = value.get("module")
    if isinstance(module, str) and module and not KERAS_MODULES.match(module):
        issues.append(
            Issue(
                "keras.foreign-module",
                Severity.HIGH,
                f"the config names module {module!r}, which Keras imports when loading the model",
                callable=f"{module}.{class_name}",
            )
        )
    if class_name == "function":
        target = str(value.get("config", ""))
        reason = DANGEROUS_FUNCTIONS.get(target.rsplit(".", 1)[-1])
        if reason:
            issues.append(
                Issue(
                    "keras.dangerous-function",
                    Severity.CRITICAL,
                    f"the config calls {module}.{target}, which {reason}",
                    callable=f"{module}.{target}",
                )
            )
    for item in value.values():
        _visit(item, issues, depth + 1, inside_lambda=inside_lambda)


_CONFIG_START = re.compile(rb'\{"(class_name|module|config|registered_name)":')


def configs_in_hdf5(buf: memoryview, window: int = 64 * 1024 * 1024) -> Iterator[Any]:
    """Keras stores its JSON config as an HDF5 string attribute; find it by its opening bytes in the
    first and last ``window`` bytes, where HDF5 keeps object headers and heaps for small files."""
    regions = [(0, min(len(buf), window))]
    if len(buf) > window:
        regions.append((max(window, len(buf) - window // 4), len(buf)))
    decoder = json.JSONDecoder()
    for start, end in regions:
        chunk = bytes(buf[start:end])
        covered = 0  # configs nest; decode only outermost objects
        for match in _CONFIG_START.finditer(chunk):
            if match.start() < covered:
                continue
            text = chunk[match.start() : match.start() + 16 * 1024 * 1024].decode("utf-8", "replace")
            try:
                value, length = decoder.raw_decode(text)
            except (json.JSONDecodeError, RecursionError):
                continue
            if looks_like_config(value):
                covered = match.start() + len(text[:length].encode("utf-8", "replace"))
                yield value
