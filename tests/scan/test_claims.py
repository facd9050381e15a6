"""Formats by their real signatures, and files that claim a format they do not parse as (issue 12's
false alarms, issue 13's fail-closed verdicts)."""

from __future__ import annotations

import json
import pickle
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.scan import Policy, scan_paths
from aicop.scan.scanner import sniff
from tests.conftest import CliResult
from tests.scan import builders as b
from tests.scan.helpers import callables, rules, scan_bytes

Run = Callable[..., CliResult]

# The reproduction of issue 12: a text file whose ninth byte is '{' was read as safetensors.
TEXT_WITH_BRACE = b"Configs {\n  name: demo\n}\n" * 4


def test_text_whose_ninth_byte_is_a_brace_is_not_safetensors(tmp_path: Path) -> None:
    assert TEXT_WITH_BRACE[8:9] == b"{"
    assert sniff(TEXT_WITH_BRACE, len(TEXT_WITH_BRACE)) is None
    for name in ("notes.txt", "weights.bin"):
        result = scan_bytes(tmp_path, TEXT_WITH_BRACE, name)
        assert not result.unsafe and result.format is None and result.error is None
        assert not any(r.startswith("safetensors.") for r in rules(result))


def test_safetensors_signature_needs_a_plausible_length_and_a_json_object() -> None:
    good = b.safetensors_bytes()
    assert sniff(good, len(good)) == "safetensors"
    assert sniff(good, 20) is None  # the header would run past the end of a 20-byte file
    not_json = b.safetensors_bytes(raw_header=b"{not json}")
    assert sniff(not_json, len(not_json)) != "safetensors"
    array = struct.pack("<Q", 4) + b"[{}]" + b"\0" * 8
    assert sniff(array, len(array)) != "safetensors"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b.safetensors_bytes(length=10_000), "runs past the end"),
        (b.safetensors_bytes(length=200_000_000), "not a plausible"),
        (b.safetensors_bytes(raw_header=b"{not json}"), "JSON"),
        (b.safetensors_bytes(raw_header=b'{"a": 1'), "not valid UTF-8 JSON"),
        (b"\0" * 64, "not a plausible"),
    ],
)
def test_a_safetensors_name_that_does_not_parse_cannot_be_verified(
    tmp_path: Path, data: bytes, why: str
) -> None:
    result = scan_bytes(tmp_path, data, "model.safetensors")
    assert result.unsafe and rules(result) == {"file.unverifiable"}
    (finding,) = result.findings
    assert finding.message.startswith("cannot be verified: named .safetensors") and why in finding.message


def test_a_pickle_behind_a_safetensors_name_is_scanned_as_a_pickle(tmp_path: Path) -> None:
    evil = scan_bytes(tmp_path, b.evil_pickle(), "model.safetensors")
    assert evil.unsafe and "os.system" in callables(evil) and evil.format == "pickle"
    assert "file.format-mismatch" in rules(evil)
    benign = scan_bytes(tmp_path, pickle.dumps({"w": [1.0, 2.0]}, protocol=4), "model.safetensors")
    assert not benign.unsafe and rules(benign) == {"file.format-mismatch"} and benign.format == "pickle"


def test_a_torch_zip_without_its_pickle_member_cannot_be_verified(tmp_path: Path) -> None:
    data_pkl, storages = b.torch_state_dict_pickle()
    whole = b.torch_zip(data_pkl, storages)
    missing = b.zip_bytes([(n, d) for n, d in _members(whole) if not n.endswith("data.pkl")])
    result = scan_bytes(tmp_path, missing, "model.pt")
    assert result.unsafe and rules(result) >= {"file.unverifiable"}
    assert "data.pkl" in next(f.message for f in result.findings if f.rule == "file.unverifiable")
    # a .pt that is a ZIP of anything but a checkpoint claims what it is not
    other = scan_bytes(tmp_path, b.zip_bytes([("notes.txt", b"hello")]), "model.pt")
    assert other.unsafe and "file.unverifiable" in rules(other)


def _members(archive: bytes) -> list[tuple[str, bytes]]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return [(n, z.read(n)) for n in z.namelist()]


def test_a_gguf_signature_with_a_truncated_header_cannot_be_verified(tmp_path: Path) -> None:
    result = scan_bytes(tmp_path, b.gguf_bytes()[:20], "blob.bin")  # claimed by its magic, not its name
    assert result.unsafe and rules(result) == {"file.unverifiable"}
    assert "signature" in result.findings[0].message


def test_the_policy_can_report_malformed_files_as_errors_instead(tmp_path: Path) -> None:
    relaxed = Policy(malformed="error")
    result = scan_bytes(tmp_path, b"\0" * 64, "model.safetensors", policy=relaxed)
    assert not result.unsafe and result.error is not None and "cannot be verified" in result.error
    evil = scan_bytes(tmp_path, b.evil_pickle(), "model.safetensors", policy=relaxed)
    assert evil.unsafe  # relaxing malformed files relaxes nothing else


def test_tensor_bytes_that_start_like_a_weak_signature_are_only_data(tmp_path: Path) -> None:
    data_pkl, _ = b.torch_state_dict_pickle(tensors=1)
    zlib_like = b"\x78\x9c" + b"\xff" * 30  # two bytes of zlib's header, then nothing that inflates
    brace_ninth = b"\x01\0\0\0\0\0\0\0{" + b"\0" * 23  # a small "length", then '{'
    archive = b.zip_bytes(
        [
            ("archive/data.pkl", data_pkl),
            ("archive/data/0", zlib_like),
            ("archive/data/1", brace_ninth),
            ("archive/version", b"3\n"),
        ]
    )
    result = scan_bytes(tmp_path, archive, "model.pt")
    assert result.error is None and not result.unsafe and result.format == "pytorch-zip+pickle"


def test_every_finding_says_which_format_it_assumed(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b.evil_pickle())
    out = json.loads(run_cli("scan", "--format", "json", tmp_path).out)
    assert {f["format"] for f in out["findings"]} == {"pickle"}
    text = run_cli("scan", tmp_path / "model.safetensors").out
    assert "pickle" in text.splitlines()[1]


def test_scan_never_walks_vcs_directories_and_honours_gitignore(tmp_path: Path) -> None:
    for directory in (".git/objects", ".hg", ".svn", "build", "models"):
        (tmp_path / directory).mkdir(parents=True)
    for path in (".git/objects/pack.pkl", ".hg/x.pkl", ".svn/y.pkl", "build/out.pkl", "models/tmp.pkl"):
        (tmp_path / path).write_bytes(b.evil_pickle())
    (tmp_path / "models" / "keep.pkl").write_bytes(pickle.dumps([1]))
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "models" / ".gitignore").write_text("tmp.pkl\n")
    report = scan_paths([tmp_path])
    scanned = {Path(f.path).relative_to(tmp_path).as_posix() for f in report.files}
    assert scanned == {".gitignore", "models/.gitignore", "models/keep.pkl"} and not report.unsafe
    # a file named on the command line is scanned whatever ignores it
    assert scan_paths([tmp_path / "build" / "out.pkl"]).unsafe


def test_policy_malformed_field_and_its_line_numbered_errors(run_cli: Run, tmp_path: Path) -> None:
    model = tmp_path / "model.safetensors"
    model.write_bytes(b"\0" * 64)
    assert run_cli("scan", model).code == 1  # unsafe: cannot be verified
    policy = tmp_path / "policy.yaml"
    policy.write_text("allow: []\nmalformed: error\n")
    relaxed = run_cli("scan", "--policy", policy, model)
    assert relaxed.code == 2 and "cannot be verified" in relaxed.out
    for text, line, problem in (
        ("allow: []\nmalformed: maybe\n", 2, "'malformed' must be 'unsafe'"),
        ("deny: {}\nallow: []\nmalformd: error\n", 3, "unknown key 'malformd'"),
        ("allow: [a.B]\ndeny: [x]\n", 2, "'deny' must map"),
        ("allow: [a.B\n", 2, "invalid YAML"),
    ):
        policy.write_text(text)
        bad = run_cli("scan", "--policy", policy, model)
        assert bad.code == 2 and f"policy.yaml:{line}:" in bad.err and problem in bad.err, bad.err
