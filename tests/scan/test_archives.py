"""Containers: PyTorch zips read as PyTorch reads them, and every disagreement inside an archive."""

from __future__ import annotations

import io
import pickle
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from aicop.scan.scanner import Limits
from tests.scan import builders as b
from tests.scan.helpers import callables, rules, scan_bytes


def test_benign_torch_checkpoint(tmp_path: Path) -> None:
    data_pkl, storages = b.torch_state_dict_pickle(5)
    result = scan_bytes(tmp_path, b.torch_zip(data_pkl, storages), "model.pt")
    assert result.findings == [] and result.error is None and result.format.startswith("pytorch-zip")


def test_zip64_end_records_as_pytorch_writes_them(tmp_path: Path) -> None:
    data_pkl, storages = b.torch_state_dict_pickle()
    clean = scan_bytes(tmp_path, b.with_zip64_records(b.torch_zip(data_pkl, storages)), "model.pt")
    assert clean.findings == [] and clean.error is None
    evil = b.with_zip64_records(b.torch_zip(data_pkl, storages, {"archive/data/5": b.evil_pickle(2)}))
    assert "os.system" in callables(scan_bytes(tmp_path, evil, "model.pt"))


def test_pickle_under_any_member_name_is_scanned(tmp_path: Path) -> None:
    data_pkl, storages = b.torch_state_dict_pickle()
    archive = b.torch_zip(data_pkl, storages, extra={"archive/data/99": b.evil_pickle(2)})
    result = scan_bytes(tmp_path, archive, "model.pt")
    finding = next(f for f in result.findings if f.callable == "os.system")
    assert finding.member == "archive/data/99"


def test_renamed_zip_is_recognised_by_content(tmp_path: Path) -> None:
    archive = b.zip_bytes([("weights/model.pkl", b.evil_pickle(2))], zipfile.ZIP_DEFLATED)
    assert "os.system" in callables(scan_bytes(tmp_path, archive, "notes.txt"))


def _patch(data: bytes, find: bytes, replace: bytes, occurrence: int = 0) -> bytes:
    index = -1
    for _ in range(occurrence + 1):
        index = data.index(find, index + 1)
    return data[:index] + replace + data[index + len(find) :]


def test_duplicate_member_names(tmp_path: Path) -> None:
    archive = b.zip_bytes([("archive/data.pkl", pickle.dumps({}, 2)), ("archive/data.pkx", b.evil_pickle(2))])
    archive = _patch(_patch(archive, b"data.pkx", b"data.pkl", 0), b"data.pkx", b"data.pkl", 0)
    result = scan_bytes(tmp_path, archive, "m.pt")
    assert "zip.duplicate-name" in rules(result) and "os.system" in callables(result)


def test_local_and_central_names_disagree(tmp_path: Path) -> None:
    archive = b.zip_bytes([("archive/data.pkl", b.evil_pickle(2))])
    archive = _patch(archive, b"archive/data.pkl", b"archive/data.txt", 0)  # the local header only
    result = scan_bytes(tmp_path, archive, "m.pt")
    assert "zip.name-mismatch" in rules(result) and "os.system" in callables(result)


def test_encrypted_flag_is_read_anyway(tmp_path: Path) -> None:
    archive = bytearray(b.zip_bytes([("archive/data.pkl", b.evil_pickle(2))]))
    central = archive.index(b"PK\x01\x02")
    archive[central + 8] |= 1  # set the "encrypted" bit in the central directory, as the bypass does
    archive[6] |= 1
    result = scan_bytes(tmp_path, bytes(archive), "m.pt")
    assert {"zip.encrypted-flag"} <= rules(result) and "os.system" in callables(result)


def test_crc_mismatch(tmp_path: Path) -> None:
    archive = bytearray(b.zip_bytes([("archive/data.pkl", b.evil_pickle(2) * 3)], zipfile.ZIP_DEFLATED))
    central = archive.index(b"PK\x01\x02")
    archive[central + 16] ^= 0xFF
    result = scan_bytes(tmp_path, bytes(archive), "m.pt")
    assert "zip.crc-mismatch" in rules(result) and "os.system" in callables(result)


def test_prepended_pickle_is_scanned(tmp_path: Path) -> None:
    data_pkl, storages = b.torch_state_dict_pickle()
    result = scan_bytes(tmp_path, b.evil_pickle(2) + b.torch_zip(data_pkl, storages), "m.pt")
    assert "file.polyglot" in rules(result) and "os.system" in callables(result)


def test_appended_data_is_scanned(tmp_path: Path) -> None:
    data_pkl, storages = b.torch_state_dict_pickle()
    result = scan_bytes(tmp_path, b.torch_zip(data_pkl, storages) + b.evil_pickle(2), "m.pt")
    assert "zip.appended-data" in rules(result) and "os.system" in callables(result)


def test_nested_archive(tmp_path: Path) -> None:
    inner = b.zip_bytes([("archive/data.pkl", b.evil_pickle(2))])
    outer = b.zip_bytes([("bundle/model.pt", inner)], zipfile.ZIP_DEFLATED)
    finding = next(f for f in scan_bytes(tmp_path, outer, "m.zip").findings if f.callable == "os.system")
    assert finding.member == "bundle/model.pt/archive/data.pkl"


def test_deep_nesting_ends_in_a_finding(tmp_path: Path) -> None:
    data = b.evil_pickle(2)
    for level in range(8):
        data = b.zip_bytes([(f"level{level}.zip", data)])
    result = scan_bytes(tmp_path, data, "m.zip")
    assert "scan.limit-exceeded" in rules(result) and result.error is not None and result.unsafe


def test_zip_bomb_ends_in_a_finding(tmp_path: Path) -> None:
    bomb = b.zip_bytes([("archive/data.pkl", b"\x80\x02" + b"N" * (8 << 20) + b".")], zipfile.ZIP_DEFLATED)
    result = scan_bytes(tmp_path, bomb, "m.pt", limits=Limits(inflate=1 << 20))
    assert "scan.limit-exceeded" in rules(result) and result.unsafe


def test_overlapping_members(tmp_path: Path) -> None:
    """Member b's local record lies inside member a's data, as in non-recursive zip bombs."""
    inner = b.zip_bytes([("b.pkl", pickle.dumps(2, 2))])
    record_b = inner[: inner.index(b"PK\x01\x02")]
    central_b = bytearray(inner[inner.index(b"PK\x01\x02") : inner.index(b"PK\x05\x06")])
    outer = b.zip_bytes([("a.pkl", record_b)])
    cd_start, eocd = outer.index(b"PK\x01\x02"), outer.index(b"PK\x05\x06")
    central_b[42:46] = struct.pack("<I", 30 + len("a.pkl"))  # b's local header: inside a's data
    central = outer[cd_start:eocd] + bytes(central_b)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 2, 2, len(central), cd_start, 0)
    result = scan_bytes(tmp_path, outer[:cd_start] + central + end, "m.zip")
    assert "zip.overlapping-members" in rules(result)


def test_legacy_torch_tar(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (
            ("sys_info", pickle.dumps({"little_endian": True}, 2)),
            ("pickle", b.evil_pickle(2)),
            ("storages", pickle.dumps(0, 2)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    result = scan_bytes(tmp_path, buffer.getvalue(), "old.pt")
    assert result.format.startswith("tar") and "os.system" in callables(result)


SEVEN_ZIP_FILTERS = ["default", "LZMA", "X86+LZMA2", "DELTA+LZMA2", "BZIP2", "DEFLATE", "COPY"]


@pytest.mark.parametrize("chain", SEVEN_ZIP_FILTERS)
def test_7z_archive_with_each_default_coder(tmp_path: Path, chain: str) -> None:
    py7zr = pytest.importorskip("py7zr")
    filters = (
        None
        if chain == "default"
        else [{"id": getattr(py7zr, f"FILTER_{name}")} for name in chain.split("+")]
    )
    path = tmp_path / "model.7z"
    with py7zr.SevenZipFile(path, "w", filters=filters) as archive:
        archive.writestr(b"readme", "docs/README.txt")
        archive.writestr(b.evil_pickle(2), "weights/model.bin")
    from aicop.scan import scan_file

    result = scan_file(path)
    finding = next(f for f in result.findings if f.callable == "os.system")
    assert result.format.startswith("7z") and finding.member == "weights/model.bin"


def test_7z_coder_that_cannot_be_decoded_is_an_error(tmp_path: Path) -> None:
    py7zr = pytest.importorskip("py7zr")
    path = tmp_path / "model.7z"
    with py7zr.SevenZipFile(path, "w", filters=[{"id": py7zr.FILTER_PPMD}]) as archive:
        archive.writestr(b.evil_pickle(2), "model.bin")
    from aicop.scan import scan_file

    result = scan_file(path)
    assert result.error is not None and "PPMd" in result.error


def test_truncated_7z(tmp_path: Path) -> None:
    py7zr = pytest.importorskip("py7zr")
    path = tmp_path / "model.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writestr(b.evil_pickle(2), "model.bin")
    cut = scan_bytes(tmp_path, path.read_bytes()[:-40], "cut.7z")
    assert cut.unsafe and rules(cut) == {"file.unverifiable"}  # claims 7z, does not parse: fail closed


@pytest.mark.parametrize("compress", ["zlib", "gzip", "bz2", "xz", "lzma"])
def test_compressed_joblib(tmp_path: Path, compress: str) -> None:
    import bz2
    import gzip
    import lzma

    raw = b.joblib_like() + b.evil_pickle(2)
    data = {
        "zlib": zlib.compress,
        "gzip": gzip.compress,
        "bz2": bz2.compress,
        "xz": lzma.compress,
        "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE),
    }[compress](raw)
    result = scan_bytes(tmp_path, data, "model.joblib")
    assert "joblib" in result.format and "os.system" in callables(result)


def test_compression_bomb(tmp_path: Path) -> None:
    bomb = zlib.compress(b"\x80\x02" + b"N" * (16 << 20))
    result = scan_bytes(tmp_path, bomb, "m.joblib", limits=Limits(inflate=1 << 20))
    assert "scan.limit-exceeded" in rules(result)
