"""Pickle streams: what would run at load time is found, whatever trick hides it; benign
checkpoints stay clean."""

from __future__ import annotations

import pickle
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicop.scan import Policy, Severity
from aicop.scan.pickle import dtype_itemsize, looks_like_pickle, walk_stream
from aicop.scan.source import BufferSource
from tests.scan import builders as b
from tests.scan.helpers import callables, rules, scan_bytes


@pytest.mark.parametrize("protocol", range(6))
def test_os_system_is_found_in_every_protocol(tmp_path: Path, protocol: int) -> None:
    result = scan_bytes(tmp_path, b.evil_pickle(protocol), "model.pkl")
    assert result.unsafe
    finding = next(f for f in result.findings if f.rule == "pickle.dangerous-import")
    assert finding.callable == "os.system" and finding.severity is Severity.CRITICAL
    assert "runs shell commands" in finding.message and finding.offset is not None


@pytest.mark.parametrize("protocol", range(6))
def test_benign_standard_library_pickles_are_clean(tmp_path: Path, protocol: int) -> None:
    import collections
    import datetime

    value = {
        "a": [1, 2.5, "x", b"y" * 300, None],
        "od": collections.OrderedDict(k=1),
        "s": {1},
        "f": frozenset(),
        "d": datetime.date(2024, 1, 1),
        "big": 10**40,
        "t": (1,),
    }
    result = scan_bytes(tmp_path, pickle.dumps(value, protocol=protocol), "data.pkl")
    assert result.findings == [] and result.error is None and result.format == "pickle"


@pytest.mark.parametrize("make", [b.torch_module_pickle, b.sklearn_pipeline_pickle, b.joblib_like])
def test_real_world_shaped_pickles_are_clean(tmp_path: Path, make: object) -> None:
    result = scan_bytes(tmp_path, make(), "model.pkl")  # type: ignore[operator]
    assert result.findings == [] and result.error is None


def test_joblib_arrays_are_skipped_exactly(tmp_path: Path) -> None:
    result = scan_bytes(tmp_path, b.joblib_like(), "model.joblib")
    assert "joblib" in (result.format or "") and result.error is None


def test_joblib_object_array_pickle_is_scanned(tmp_path: Path) -> None:
    result = scan_bytes(tmp_path, b.joblib_like(b.evil_pickle(2)), "model.joblib")
    assert "os.system" in callables(result)
    assert any(f.member == "object array" for f in result.findings)


def test_memo_confusion_resolves_what_load_would_import(tmp_path: Path) -> None:
    # os/system stored with BINPUT 0/1, decoys with MEMOIZE (which lands at index 2, 3): BINGET 0, 1.
    stream = (
        b"\x80\x04"
        + b.op_str("os")
        + b"q\x00"
        + b.op_str("system")
        + b"q\x01"
        + b.op_str("torch._utils")
        + b"\x94"
        + b.op_str("_rebuild_tensor_v2")
        + b"\x94"
        + b"h\x00h\x01\x93"
        + b.op_str("id")
        + b"\x85R."
    )
    assert callables(scan_bytes(tmp_path, stream, "m.pkl")) == {"os.system"}


def test_build_gadget_on_an_imported_object(tmp_path: Path) -> None:
    # modelscan#85: BUILD sets numpy.prod.a = "os", then STACK_GLOBAL over the looked-up attributes.
    stream = (
        b"\x80\x05cnumpy\nprod\nN(Va\nVos\nd\x86bN(Vb\nVsystem\nd\x86b0cnumpy\nprod.a\np0\ncnumpy\nprod.b\n"
        b"p1\n00g0\ng1\n\x93Vecho pwned\n\x85R."
    )
    result = scan_bytes(tmp_path, stream, "m.pkl")
    assert {"pickle.mutate-import", "pickle.dynamic-import", "pickle.unknown-import"} <= rules(result)
    assert result.unsafe


def test_builtins_through_a_dunder_attribute(tmp_path: Path) -> None:
    stream = bytes.fromhex(
        "80049566000000000000008c056e756d70798c0473697a659394948c056e756d70798c0c5f5f6275696c74696e735f5f9394"
        "9468017d7d8c0573686170656803738662680168018c046576616c86528c1d5f5f696d706f72745f5f28226f7322292e7379"
        "7374656d28226964222985522e"
    )
    result = scan_bytes(tmp_path, stream, "m.pkl")
    assert "numpy.__builtins__" in callables(result)
    assert "pickle.call-computed" in rules(result)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("builtins", "eval"),
        ("__builtin__", "exec"),
        ("posix", "system"),
        ("nt", "system"),
        ("subprocess", "Popen"),
        ("importlib", "import_module"),
        ("pkgutil", "resolve_name"),
        ("marshal", "loads"),
        ("runpy", "run_path"),
        ("timeit", "timeit"),
        ("ensurepip", "_run_pip"),
        ("numpy.f2py.crackfortran", "getlincoef"),
        ("torch.storage", "_load_from_bytes"),
        ("operator", "attrgetter"),
        ("_io", "FileIO"),
        ("shutil", "rmtree"),
        ("pdb", "run"),
        ("cProfile", "run"),
        ("asyncio.unix_events", "_UnixSubprocessTransport"),
        ("socket", "create_connection"),
        ("webbrowser", "open"),
        ("pickle", "loads"),
        ("types", "FunctionType"),
    ],
)
def test_published_bypass_callables_are_dangerous(tmp_path: Path, module: str, name: str) -> None:
    stream = f"c{module}\n{name}\n(tR.".encode()
    result = scan_bytes(tmp_path, stream, "m.pkl")
    assert any(f.rule == "pickle.dangerous-import" for f in result.findings), result.findings


def test_unknown_import_is_unsafe_unless_the_policy_allows_it(tmp_path: Path) -> None:
    stream = b"cmycompany.features\nTextCleaner\n)\x81."
    result = scan_bytes(tmp_path, stream, "m.pkl")
    finding = result.findings[0]
    assert finding.rule == "pickle.unknown-import" and finding.unsafe
    assert "mycompany.features.TextCleaner" in finding.message
    allowed = scan_bytes(tmp_path, stream, "m.pkl", policy=Policy(allow={"mycompany.*"}))
    assert allowed.findings == []


def test_policy_deny_wins_over_the_allow_list(tmp_path: Path) -> None:
    stream = b"ccollections\nOrderedDict\n)R."
    policy = Policy(deny={"collections.OrderedDict": "banned here"})
    finding = scan_bytes(tmp_path, stream, "m.pkl", policy=policy).findings[0]
    assert finding.rule == "pickle.dangerous-import" and "banned here" in finding.message


def test_extension_registry_import(tmp_path: Path) -> None:
    result = scan_bytes(tmp_path, b"\x80\x02\x82\x01)R.", "m.pkl")
    assert "pickle.extension" in rules(result) and result.unsafe


def test_stream_that_breaks_after_its_payload_is_still_unsafe(tmp_path: Path) -> None:
    stream = b.evil_pickle(2)[:-1] + b"\xff\xff\xff"
    result = scan_bytes(tmp_path, stream, "m.pkl")
    assert "os.system" in callables(result) and "pickle.broken-stream" in rules(result)


def test_truncated_benign_pickle_cannot_be_verified(tmp_path: Path) -> None:
    stream = pickle.dumps(list(range(1000)), protocol=2)[:-40]
    result = scan_bytes(tmp_path, stream, "m.pkl")
    assert result.unsafe and rules(result) == {"file.unverifiable"}
    relaxed = scan_bytes(tmp_path, stream, "m.pkl", policy=Policy(malformed="error"))
    assert relaxed.error is not None and not relaxed.unsafe


def test_every_stream_in_a_file_is_scanned(tmp_path: Path) -> None:
    result = scan_bytes(tmp_path, pickle.dumps([1], protocol=2) + b.evil_pickle(2), "m.pkl")
    finding = next(f for f in result.findings if f.callable == "os.system")
    assert finding.member == "stream 2"


def test_data_after_a_stream_is_inspected(tmp_path: Path) -> None:
    hidden = pickle.dumps([1], protocol=2) + b"padding" * 10 + b.evil_pickle(0)
    result = scan_bytes(tmp_path, hidden, "m.pkl")
    assert "pickle.hidden-stream" in rules(result) and "os.system" in callables(result)
    plain = scan_bytes(tmp_path, pickle.dumps([1], protocol=2) + b"\0" * 100, "m.pkl")
    assert rules(plain) == {"pickle.trailing-data"} and not plain.unsafe


def test_legacy_torch_file_with_its_raw_storage_bytes(tmp_path: Path) -> None:
    streams = [
        pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2),
        pickle.dumps(1001, protocol=2),
        pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2),
        b.torch_state_dict_pickle(2)[0],
        pickle.dumps(["0", "1"], protocol=2),
    ]
    # A storage of 640 bytes: its size record, 80 02 00 00 …, starts like PROTO 2.
    data = b"".join(streams) + struct.pack("<q", 640) + b"\x01" * 640 + struct.pack("<q", 8) + b"\x02" * 32
    result = scan_bytes(tmp_path, data, "old.pt")
    assert result.format == "pytorch-legacy" and result.findings == [] and result.error is None


def test_bytes_that_only_start_like_a_second_stream_are_trailing_data(tmp_path: Path) -> None:
    result = scan_bytes(tmp_path, pickle.dumps([1], protocol=2) + b"\x80\x02\x00\x00junk", "m.pkl")
    assert rules(result) == {"pickle.trailing-data"} and result.error is None


@pytest.mark.parametrize(
    ("spec", "size"),
    [
        ("<f8", 8),
        ("f4", 4),
        ("|b1", 1),
        ("<U10", 40),
        ("<M8[ns]", 8),
        ("c16", 16),
        ("|S7", 7),
        ("|O", None),
        ("zz", None),
    ],
)
def test_dtype_itemsize(spec: str, size: int | None) -> None:
    assert dtype_itemsize(spec) == size


def test_sniffing_protocol_zero_and_text() -> None:
    assert looks_like_pickle(pickle.dumps({"a": 1}, protocol=0))
    assert not looks_like_pickle(b"(see the docs)\n") and not looks_like_pickle(b"hello")


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_walker_never_raises_on_random_bytes(data: bytes) -> None:
    result = walk_stream(BufferSource(data), time.monotonic() + 1)
    assert result.end is not None or result.error is not None


VALID = [pickle.dumps({"k": [1, "two", 3.0, None, (True,)]}, protocol=p) for p in range(6)] + [
    b.evil_pickle(2)
]


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6),
    st.integers(0, 200),
)
def test_walker_never_raises_on_mutated_pickles(base: bytes, edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(base)
    for position, value in edits:
        if data:
            data[position % len(data)] = value
    result = walk_stream(BufferSource(bytes(data[: len(data) - cut % (len(data) + 1)])), time.monotonic() + 1)
    assert result.end is not None or result.error is not None
