"""The allow-list grown from the benign corpus (benchmarks/benign_corpus.py): pickles written opcode by
opcode, as the libraries write them, stay clean; their near misses stay unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicop.scan.policy import DEFAULT_POLICY, Verdict
from tests.scan import builders as b
from tests.scan.helpers import callables, rules, scan_bytes

PROTO = b"\x80\x04"


def glob(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def rebuilt(module: str, name: str) -> bytes:
    """cls.__new__(cls), then its __dict__ (NEWOBJ and BUILD: what protocol 2+ writes for an object)."""
    return PROTO + glob(module, name) + b")\x81}" + b.op_str("a") + b"K\x01sb."


def called(module: str, name: str, *args: str) -> bytes:
    """module.name(*args) (REDUCE: what __reduce__ writes)."""
    return PROTO + glob(module, name) + b"(" + b"".join(b.op_str(a) for a in args) + b"tR."


def attribute(owner: bytes, name: str, *args: str) -> bytes:
    """getattr(owner, name)(*args): how pickle names a method, e.g. zoneinfo.ZoneInfo._unpickle."""
    call = b"(" + b"".join(b.op_str(a) for a in args) + b"tR"
    return PROTO + glob("builtins", "getattr") + b"(" + owner + b.op_str(name) + b"tR" + call + b"."


CLEAN = {
    "argparse.Namespace": rebuilt("argparse", "Namespace"),
    "types.SimpleNamespace": rebuilt("types", "SimpleNamespace"),
    "random.Random": rebuilt("random", "Random"),
    "pathlib.PosixPath": called("pathlib", "PosixPath", "runs", "exp1"),
    "uuid.UUID": rebuilt("uuid", "UUID"),
    "numpy SeedSequence": rebuilt("numpy.random.bit_generator", "SeedSequence"),
    "numpy __pyx_unpickle_SeedSequence": PROTO
    + glob("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence")
    + b"("
    + glob("numpy.random.bit_generator", "SeedSequence")
    + b"J\x01\x02\x03\x04NtR.",
    "numpy __randomstate_ctor": called("numpy.random._pickle", "__randomstate_ctor", "MT19937"),
    "numpy __bit_generator_ctor": called("numpy.random._pickle", "__bit_generator_ctor", "PCG64"),
    "numpy Philox": rebuilt("numpy.random._philox", "Philox"),
    "pandas offset": called("pandas._libs.tslibs.offsets", "Day"),
    "pandas frame": rebuilt("pandas", "DataFrame"),
    "zoneinfo through getattr": attribute(glob("zoneinfo", "ZoneInfo"), "_unpickle", "Europe/London"),
    "statsmodels state space": rebuilt("statsmodels.tsa.statespace._representation", "dStatespace"),
    "scipy distribution": rebuilt("scipy.stats._continuous_distns", "norm_gen"),
    "torch functional": PROTO + glob("torch.nn.functional", "relu") + b".",
    "HF training args": rebuilt("transformers.training_args", "TrainingArguments"),
    "accelerate state, rebuilt": rebuilt("accelerate.state", "PartialState"),
    "imbalanced-learn": rebuilt("imblearn.over_sampling._smote.base", "SMOTE"),
    "networkx": rebuilt("networkx.classes.graph", "Graph"),
}


@pytest.mark.parametrize("name", list(CLEAN))
def test_what_libraries_save_is_clean(tmp_path: Path, name: str) -> None:
    result = scan_bytes(tmp_path, CLEAN[name], "model.pkl")
    assert result.error is None and result.findings == [], result.findings


NEAR_MISSES = {
    # PartialState starts torch.distributed when called with arguments: only its rebuild is data
    "accelerate state, called": (
        called("accelerate.state", "PartialState", "gloo"),
        "accelerate.state.PartialState",
    ),
    "types.FunctionType": (called("types", "FunctionType", "x"), "types.FunctionType"),
    "a method that writes": (
        attribute(glob("pathlib", "Path"), "write_text", "x"),
        "pathlib.Path.write_text",
    ),
    "a dunder through getattr": (
        attribute(glob("argparse", "Namespace"), "__init__"),
        "argparse.Namespace.__init__",
    ),
    "another Cython helper of numpy": (
        called("numpy.random.bit_generator", "__pyx_unpickle_BitGenerator", "x"),
        "numpy.random.bit_generator.__pyx_unpickle_BitGenerator",
    ),
    "pandas reading a pickle": (called("pandas", "read_pickle", "x.pkl"), "pandas.read_pickle"),
    "pandas HDF store": (called("pandas.io.pytables", "HDFStore", "x.h5"), "pandas.io.pytables.HDFStore"),
    "statsmodels I/O": (
        called("statsmodels.iolib.foreign", "StataReader", "x"),
        "statsmodels.iolib.foreign.StataReader",
    ),
    "river writes a cache": (rebuilt("river.stream.cache", "Cache"), "river.stream.cache.Cache"),
    "numpy loads": (called("numpy", "load", "x.npy"), "numpy.load"),
}


@pytest.mark.parametrize("name", list(NEAR_MISSES))
def test_near_misses_stay_unsafe(tmp_path: Path, name: str) -> None:
    data, culprit = NEAR_MISSES[name]
    result = scan_bytes(tmp_path, data, "model.pkl")
    assert result.unsafe and culprit in callables(result), result.findings


def test_getattr_is_judged_by_what_it_reads(tmp_path: Path) -> None:
    # on an object built by a call: judged as that callable's attribute, unknown here
    owner = glob("mycompany.tools", "make") + b")R"
    result = scan_bytes(tmp_path, attribute(owner, "run"), "model.pkl")
    assert result.unsafe and "mycompany.tools.make.run" in callables(result)
    # on a value that names nothing (a number, a list): getattr itself is what is reported
    opaque = scan_bytes(tmp_path, attribute(b"]", "append", "x"), "model.pkl")
    assert opaque.unsafe and "builtins.getattr" in callables(opaque)
    assert "pickle.dangerous-import" in rules(opaque)


def test_every_family_names_why_it_is_safe() -> None:
    for module, name in (("argparse", "Namespace"), ("numpy.random.bit_generator", "SeedSequence")):
        assert DEFAULT_POLICY.decide(module, name).verdict is Verdict.SAFE
    assert DEFAULT_POLICY.decide("types", "CodeType").verdict is Verdict.DANGEROUS
