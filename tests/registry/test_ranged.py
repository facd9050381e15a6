"""The scanner over ranged reads: the same findings as over the file, and only the bytes it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicop.scan.ranged import LazyBuffer, RangeReader, ShortRead
from aicop.scan.scanner import scan_file, scan_reader
from tests.registry import corpus


def reader_of(path: Path, *, many: bool = True) -> RangeReader:
    data = path.read_bytes()
    return RangeReader(
        str(path),
        len(data),
        lambda s, e: data[s:e],
        (lambda ranges: [data[s:e] for s, e in ranges]) if many else None,
    )


def summary(result: object) -> tuple[object, ...]:
    return (
        result.format,  # type: ignore[attr-defined]
        result.error,  # type: ignore[attr-defined]
        sorted((f.rule, f.severity, f.member, f.offset, f.callable) for f in result.findings),  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("name", sorted(corpus.corpus()))
def test_same_findings_as_the_file_scan(tmp_path: Path, name: str) -> None:
    path = tmp_path / name.replace("/", "_")
    path.write_bytes(corpus.corpus()[name])
    assert summary(scan_reader(reader_of(path))) == summary(scan_file(path))


def test_the_corpus_has_unsafe_and_clean_files(tmp_path: Path) -> None:
    verdicts = {}
    for name, data in corpus.corpus().items():
        path = tmp_path / name.replace("/", "_")
        path.write_bytes(data)
        verdicts[name] = scan_reader(reader_of(path)).unsafe
    assert all(verdicts[n] for n in verdicts if n.startswith("evil/"))
    assert not any(verdicts[n] for n in verdicts if n.startswith("ok/"))


@pytest.mark.parametrize(
    ("build", "size", "fmt"),
    [
        (corpus.big_safetensors, 256 << 20, "safetensors"),
        (corpus.big_gguf, 256 << 20, "gguf"),
        (corpus.big_torch_zip, 48 << 20, "pytorch-zip+pickle"),
    ],
)
def test_header_formats_read_under_one_percent(tmp_path: Path, build: object, size: int, fmt: str) -> None:
    path = tmp_path / f"big.{fmt}"
    build(path, size)  # type: ignore[operator]
    reader = reader_of(path)
    result = scan_reader(reader)
    assert result.format == fmt and result.error is None and not result.unsafe
    assert reader.bytes_read < path.stat().st_size / 100, (reader.bytes_read, path.stat().st_size)
    assert reader.requests <= 6


def test_a_zip_fetches_its_member_headers_in_one_batch(tmp_path: Path) -> None:
    data_pkl, storages = corpus.b.torch_state_dict_pickle(40)
    path = tmp_path / "many.pt"
    path.write_bytes(corpus.b.torch_zip(data_pkl, storages))
    batched, one_by_one = reader_of(path), reader_of(path, many=False)
    assert summary(scan_reader(batched)) == summary(scan_reader(one_by_one))
    assert summary(scan_reader(batched)) == summary(scan_file(path))


def test_a_short_read_is_an_error_never_clean(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    corpus.big_safetensors(path, 1 << 20)
    size = path.stat().st_size
    truncated = RangeReader(str(path), size, lambda s, e: path.read_bytes()[s : min(e, 100)])
    result = scan_reader(truncated)
    assert result.error is not None and "changed or was truncated" in result.error
    assert result.format is None


def test_an_unreadable_object_is_an_error(tmp_path: Path) -> None:
    def gone(start: int, end: int) -> bytes:
        raise FileNotFoundError("the object was deleted")

    result = scan_reader(RangeReader("s3://b/model.pt", 1000, gone))
    assert result.error is not None and "deleted" in result.error


def test_lazy_buffer_behaves_like_a_memoryview() -> None:
    data = bytes(range(256)) * 4
    lazy = LazyBuffer(RangeReader("x", len(data), lambda s, e: data[s:e]))
    view = memoryview(data)
    for key in (slice(3, 40), slice(-10, None), slice(None, 5), slice(900, 2000), slice(50, 10)):
        assert bytes(lazy[key]) == bytes(view[key])  # type: ignore[index]
    assert lazy[7] == view[7] and lazy[-1] == view[-1]
    assert bytes(lazy[10:100][5:20]) == bytes(view[10:100][5:20])
    with pytest.raises(IndexError):
        lazy[len(data)]
    with pytest.raises(ShortRead):
        LazyBuffer(RangeReader("y", 10, lambda s, e: b"")).tobytes()


def test_an_index_bin_that_looks_compressed_is_no_unrecognised_model_anywhere(tmp_path: Path) -> None:
    """A vector index's data_level0.bin starting like zlib and not parsing: the name does not claim a model,
    whether the file is scanned on disk or as an object read by range (the rule was once applied only on
    the first of the file scan's two paths)."""
    path = tmp_path / "data_level0.bin"
    path.write_bytes(b"\x78\x9c" + bytes(range(256)) * 4)
    for result in (scan_file(path), scan_reader(reader_of(path))):
        assert [f.rule for f in result.findings] == [], result.findings
    named = tmp_path / "pytorch_model.bin"
    named.write_bytes(path.read_bytes())
    for result in (scan_file(named), scan_reader(reader_of(named))):
        assert [f.rule for f in result.findings] == ["file.unverifiable"]  # a name that claims PyTorch
