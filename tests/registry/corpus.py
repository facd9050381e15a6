"""Model files for the registry tests and benchmark: every format the scanner reads, benign and
malicious, built by the scan tests' builders (written, never loaded)."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from tests.scan import builders as b


def corpus() -> dict[str, bytes]:
    data_pkl, storages = b.torch_state_dict_pickle(4)
    return {
        "evil/payload.pkl": b.evil_pickle(),
        "evil/torch.pt": b.torch_zip(b.evil_pickle(protocol=2), {}),
        "evil/chat.gguf": b.gguf_bytes("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        "evil/object.npy": b.npy_bytes("|O", b.evil_pickle(protocol=2)),
        "evil/keras.h5": b.hdf5_with_config(b.keras_config(lambda_layer=True)),
        "evil/inflated.zip": b.zip_bytes([("inner.pkl", b.evil_pickle())], zipfile.ZIP_DEFLATED),
        "ok/model.pt": b.torch_zip(data_pkl, storages),
        "ok/model.safetensors": b.safetensors_bytes(),
        "ok/model.gguf": b.gguf_bytes(),
        "ok/weights.npy": b.npy_bytes("<f4", b"\0" * 12),
        "ok/config.json": json.dumps({"hidden_size": 8}).encode(),
        "ok/README.md": b"# a model\n",
        "broken/truncated.safetensors": b.safetensors_bytes()[:20],
        "broken/empty.pt": b"",
    }


def big_safetensors(path: Path, size: int) -> None:
    """A safetensors file of ``size`` bytes whose tensor bytes are a hole (sparse on disk)."""
    count = 64
    each = (size - 16384) // count // 4 * 4
    header = {
        f"layer{i}.weight": {"dtype": "F32", "shape": [each // 4], "data_offsets": [i * each, (i + 1) * each]}
        for i in range(count)
    }
    raw = json.dumps(header).encode()
    raw += b" " * (-(len(raw) + 8) % 8)
    with path.open("wb") as handle:
        handle.write(struct.pack("<Q", len(raw)) + raw)
        handle.truncate(8 + len(raw) + count * each)


def big_gguf(path: Path, size: int) -> None:
    head = b.gguf_bytes()
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)


def big_torch_zip(path: Path, size: int) -> None:
    """A PyTorch zip checkpoint with one stored tensor of about ``size`` bytes (zeros)."""
    data_pkl, _ = b.torch_state_dict_pickle(1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/version", b"3\n")
        with archive.open("archive/data/0", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)
