"""Bad input: each ends in a finding or a clear error, and the scan goes on."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

from aicop.scan import scan_paths
from tests.scan import builders as b
from tests.scan.helpers import rules, scan_bytes


def test_empty_and_misnamed_files(tmp_path: Path) -> None:
    assert scan_bytes(tmp_path, b"", "model.pt").error == "empty file"
    assert scan_bytes(tmp_path, b"", "notes.txt").error is None
    # .bin claims no format (a vector index keeps empty link_lists.bin files): empty is not an error
    assert scan_bytes(tmp_path, b"", "link_lists.bin").error is None
    assert rules(scan_bytes(tmp_path, b"just text\n", "model.bin")) == {
        "file.unrecognised"
    }  # .bin claims nothing
    # field trial (crewAI-examples): a Chroma index's header.bin and length.bin are not named as models
    for index_file in ("header.bin", "length.bin", "data_level0.bin"):
        assert rules(scan_bytes(tmp_path, b"\x01\x00\x00\x00" * 25, index_file)) == set(), index_file
    assert scan_bytes(
        tmp_path, b.evil_pickle(), "length.bin"
    ).unsafe  # a pickle is a pickle, whatever its name
    assert rules(scan_bytes(tmp_path, b"\x01\x00" * 50, "adapter_model.bin")) == {"file.unrecognised"}
    assert rules(scan_bytes(tmp_path, b"just text\n", "model.pt")) == {"file.unverifiable"}
    assert scan_bytes(tmp_path, b.evil_pickle(), "README.md").unsafe  # content decides, not the name


def test_truncated_formats_cannot_be_verified(tmp_path: Path) -> None:
    data_pkl, storages = b.torch_state_dict_pickle()
    for data, name in (
        (b.torch_zip(data_pkl, storages)[:200], "m.pt"),
        (b.npy_bytes("<f4", b"")[:9], "a.npy"),
        (b.safetensors_bytes()[:30], "m.safetensors"),
        (b.gguf_bytes()[:60], "m.gguf"),
    ):
        result = scan_bytes(tmp_path, data, name)
        assert result.unsafe and "file.unverifiable" in rules(result), name
        assert all(f.message.startswith("cannot be verified") for f in result.findings if f.unsafe)


def test_scan_goes_on_past_bad_files(tmp_path: Path) -> None:
    (tmp_path / "a.pt").write_bytes(b"")
    (tmp_path / "b.pkl").write_bytes(b.evil_pickle())
    (tmp_path / "c.pkl").write_bytes(pickle.dumps({"ok": 1}))
    os.symlink(tmp_path, tmp_path / "loop")  # a symlink loop is never followed
    os.mkfifo(tmp_path / "pipe")
    report = scan_paths([tmp_path, tmp_path / "missing.pt"])
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["a.pt"].error == "empty file"
    assert by_name["b.pkl"].unsafe and by_name["c.pkl"].findings == []
    assert by_name["missing.pt"].error == "no such file or directory"
    assert "loop" not in by_name
    assert by_name["pipe"].error is not None and "not a regular file" in by_name["pipe"].error


def test_directory_of_many_files_is_fast(tmp_path: Path) -> None:
    for i in range(3000):
        (tmp_path / f"f{i}.txt").write_bytes(b"plain text file\n")
    start = time.monotonic()
    report = scan_paths([tmp_path])
    assert len(report.files) == 3000 and not report.unsafe
    assert time.monotonic() - start < 10


def test_pathological_pickle_is_bounded(tmp_path: Path) -> None:
    deep = b"\x80\x02" + b"(" * 200_000 + b"."
    result = scan_bytes(tmp_path, deep, "m.pkl")
    assert result.error is not None or result.findings  # ends, with a reason
    huge_memo = b"\x80\x02N" + b"q\x00" * 300_000 + b"."
    assert scan_bytes(tmp_path, huge_memo, "m.pkl").error is None


def test_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: object) -> None:
    import aicop.scan.scanner as scanner

    target = tmp_path / "model.pt"
    target.write_bytes(b.evil_pickle())
    real_open = os.open

    def refuse(path: str, flags: int, *args: object) -> int:
        if str(path) == str(target):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner.os, "open", refuse)  # type: ignore[attr-defined]
    report = scan_paths([tmp_path])
    assert report.files[0].error == "cannot read: Permission denied"
