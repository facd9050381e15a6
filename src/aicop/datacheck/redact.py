"""``aicop data check --redact OUT``: a sanitised copy of the data, with every personal datum, secret
and planted instruction replaced by ``[KIND]`` and invisible characters removed.

The copy keeps each file's format (CSV stays CSV with the same columns, JSON Lines stays one record a
line) and compression, under OUT by the same relative path. It is written into a scratch directory
beside OUT and renamed into place when every file is done, so a failure leaves no partial copy.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aicop.datacheck.detectors import INVISIBLE, replace, scan_text
from aicop.datacheck.readers import OPENERS, data_format
from aicop.errors import InputError

if TYPE_CHECKING:
    from aicop.datacheck.names import Names

REDACTED = {"personal-data", "secret", "injection"}


def sanitise(text: str, names: Names | None = None) -> str:
    matches = list(scan_text(text))
    if names is not None:
        matches = sorted(matches + names.find(text), key=lambda m: m.start)
    return INVISIBLE.sub("", replace(text, matches, REDACTED)[0])


def _walk(value: Any, names: Names | None) -> Any:
    if isinstance(value, str):
        return sanitise(value, names)
    if isinstance(value, list):
        return [_walk(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, names) for k, v in value.items()}
    return value


def _open_text(path: Path, mode: str, compression: str | None) -> io.TextIOWrapper:
    opener: Any = OPENERS[compression] if compression else open
    binary: Any = opener(path, mode + "b")
    # a byte-order mark is read as one (not as text of the first field) and not written back
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    return io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")


def redact_file(source: Path, target: Path, names: Names | None = None, drop: Collection[int] = ()) -> None:
    """A sanitised copy of ``source`` at ``target``; ``drop`` are rows of a table (counted after the
    header, as the check counts them) or lines of JSON Lines to leave out."""
    fmt, compression = data_format(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        _redact_parquet(source, target, names, drop)
        return
    with _open_text(source, "r", compression) as src, _open_text(target, "w", compression) as dst:
        if fmt in ("csv", "tsv"):
            csv.field_size_limit(sys.maxsize)
            delimiter = "\t" if fmt == "tsv" else ","
            writer = csv.writer(dst, delimiter=delimiter, lineterminator="\n")
            for number, row in enumerate(csv.reader(src, delimiter=delimiter)):
                if number not in drop:  # number 0 is the header
                    writer.writerow([sanitise(value, names) for value in row])
        elif fmt == "jsonl":
            for number, line in enumerate(src, start=1):
                if number in drop:
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    dst.write(sanitise(line, names))
                    continue
                dst.write(json.dumps(_walk(record, names), ensure_ascii=False) + "\n")
        elif fmt == "json":
            try:
                document = json.load(src)
            except ValueError:
                src.seek(0)
                dst.write(sanitise(src.read(), names))
            else:
                json.dump(_walk(document, names), dst, ensure_ascii=False, indent=2)
        else:
            for line in src:
                dst.write(sanitise(line, names))


def _redact_parquet(source: Path, target: Path, names: Names | None, drop: Collection[int]) -> None:
    """Parquet stays Parquet: each record batch with its text columns sanitised, written with the
    source's schema (a copy written as text would not be a Parquet file)."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
    except ImportError as err:
        raise InputError(
            "a sanitised copy of a Parquet file needs pyarrow (pip install 'aicop[parquet]')", path=source
        ) from err
    try:
        reader = pq.ParquetFile(source)
        schema = reader.schema_arrow
        done = 0  # rows before the batch (the check numbers rows from 1)
        with pq.ParquetWriter(target, schema) as writer:
            for batch in reader.iter_batches(batch_size=8192):
                columns = []
                for column in batch.columns:
                    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                        values = [None if v is None else sanitise(v, names) for v in column.to_pylist()]
                        column = pa.array(values, type=column.type)
                    columns.append(column)
                table = pa.Table.from_arrays(columns, schema=schema)
                if drop:
                    keep = [done + i + 1 not in drop for i in range(batch.num_rows)]
                    table = table.filter(pa.array(keep))
                done += batch.num_rows
                writer.write_table(table)
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"cannot write a sanitised copy as Parquet: {err}", path=source) from err


def check_target(out: Path) -> None:
    """Refuse a --redact directory that exists with something in it (before any work is done)."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("the --redact directory must be new or empty: nothing is overwritten", path=out)


def redact_tree(
    files: list[tuple[Path, Path]],
    out: Path,
    names: Names | None = None,
    drop: Mapping[Path, Collection[int]] | None = None,
) -> int:
    """Write each (source, relative target) under ``out``, leaving out the rows ``drop`` names for a
    source; returns the number of files written."""
    check_target(out)
    drop = drop or {}
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for source, relative in files:
            redact_file(source, scratch / relative, names, drop.get(source, ()))
        if out.exists():
            out.rmdir()
        scratch.replace(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return len(files)
