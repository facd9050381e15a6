"""Streaming the text of a data file, unit by unit, with where each unit came from.

CSV and TSV by row and column, JSON Lines by line (every string value, with its key path as the
column), plain text and Markdown by line; gzip, bz2 and xz are opened transparently. Nothing is read
whole except a ``.json`` document (bounded by MAX_JSON). A file is read as UTF-8 with undecodable
bytes replaced and counted, so mixed encodings do not stop the check; a gigantic line is cut into
pieces of MAX_LINE characters; a malformed row or line is reported as a problem and the reading goes
on.
"""

from __future__ import annotations

import bisect
import bz2
import csv
import functools
import gzip
import hashlib
import io
import itertools
import json
import lzma
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import add, itemgetter
from pathlib import Path
from typing import IO, Any, Protocol

from aicop.datacheck import neardup
from aicop.datacheck.schema import SchemaTracker

TEXT_COLUMNS = ("text", "sentence", "content", "message", "input", "prompt", "review", "query", "utterance")
LABEL_COLUMNS = ("label", "labels", "class", "category", "intent", "target", "sentiment", "y")
MAX_LINE = 1 << 20  # characters of one line examined at a time
BLOCK = 1 << 20  # characters of plain text scanned in one call
MAX_JSON = 256 << 20  # bytes of a .json document (JSON Lines has no limit)
TEXT_SUFFIXES = {".txt", ".md", ".rst", ".html", ".htm", ".xml", ".log"}
OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


class Fields(Protocol):
    """Many fields joined by newlines into one unit: each field's start in the unit's text (``starts``)
    and its (row, line, column) by its index (row None outside tables)."""

    @property
    def starts(self) -> list[int]: ...

    def __getitem__(self, index: int) -> tuple[int | None, int | None, str]: ...


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of text and its place: ``line`` (1-based) for line formats, ``row`` and ``column`` for
    tables, ``column`` as a key path for JSON."""

    text: str
    line: int | None = None
    row: int | None = None
    column: str | None = None
    offset: int = 0  # characters before ``text`` within its line, when a long line was cut
    block: bool = False  # ``text`` is whole lines from ``line`` on
    # Many fields joined by newlines and scanned at once, so a match is placed by bisection.
    fields: Fields | None = None


@dataclass
class Labelled:
    """A labelled text set's columns, and each row's (or line's) number, text and label, a list each
    (a tuple per row cost more than gathering them)."""

    text_column: str
    label_column: str
    numbers: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, number: int, text: str, label: str) -> None:
        self.numbers.append(number)
        self.texts.append(text)
        self.labels.append(label)

    def rows(self) -> list[tuple[int, str, str]]:
        """(number, text, label) of each row."""
        return list(zip(self.numbers, self.texts, self.labels, strict=True))


def one_line_each(texts: list[str]) -> str:
    """The texts joined by line breaks, a text's own line breaks made spaces: line i is text i."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:  # a text with line breaks: looked at per text only then
        joined = "\n".join(t.replace("\n", " ") for t in texts)
    return joined


@dataclass
class ReadStats:
    bytes: int = 0
    units: int = 0
    replaced: int = 0  # undecodable bytes replaced
    problems: list[str] = field(default_factory=list)
    # The exact key, normalised key, row (or None) and line of every record, a list each: a table row,
    # a JSON line, or a whole text document. The engine finds duplicates across files with them. The
    # keys are 64-bit hashes, valid within one run (a collision among a million records has odds of ~1
    # in 10^7). Lists, not a tuple per record: building 100,000 tuples cost more than the keys.
    exact_keys: list[int] = field(default_factory=list)
    word_keys: list[int] = field(default_factory=list)
    record_rows: list[int | None] = field(default_factory=list)
    record_lines: list[int | None] = field(default_factory=list)
    schema: SchemaTracker = field(default_factory=SchemaTracker)
    # The text column, label column, and each row's (or line's) number, text and label, when the file is
    # a labelled text set:
    # gathered while reading, for the label and trigger analysis (labels.py).
    labelled: Labelled | None = None
    # records not yet worked on: their texts, rows, lines, and exact keys where known
    _texts: list[str] = field(default_factory=list)
    _rows: list[int | None] = field(default_factory=list)
    _lines: list[int | None] = field(default_factory=list)
    _exact: dict[int, int] = field(default_factory=dict)  # index in _texts -> exact key

    # The run's near-duplicate search, given the records new by key a batch at a time (None: not looked
    # for at all).
    near: neardup.Candidates | None = None

    def record(self, text: str, row: int | None, line: int | None, exact: int | None = None) -> None:
        """Note a record for the duplicate check; ``exact`` when its key was computed as it streamed.
        The work is done a batch at a time (``sketch``)."""
        if exact is not None:
            self._exact[len(self._texts)] = exact
        self._texts.append(text)
        self._rows.append(row)
        self._lines.append(line)
        if len(self._texts) >= 4096:
            self.sketch()

    def record_many(self, texts: list[str], rows: list[int], lines: list[int | None]) -> None:
        """``record`` for a batch of table rows (each row's fields joined)."""
        self._texts += texts
        self._rows += rows
        self._lines += lines
        if len(self._texts) >= 4096:
            self.sketch()

    def sketch(self) -> None:
        """Work out the keys of the records noted since the last call, and give the near-duplicate
        search the new ones."""
        texts = self._texts
        if not texts:
            return
        joined = one_line_each(texts)
        exact = list(map(hash, texts))
        for index, key in self._exact.items():
            exact[index] = key
        normalised = normalise(joined)
        # short values ("yes", "n/a") repeat by nature: not checked
        kept = list(map(MIN_RECORD.__le__, map(len, normalised)))
        kept_texts = list(itertools.compress(normalised, kept))
        kept_exact = list(itertools.compress(exact, kept))
        kept_words = list(map(hash, kept_texts))
        self.exact_keys += kept_exact
        self.word_keys += kept_words
        self.record_rows += itertools.compress(self._rows, kept)
        self.record_lines += itertools.compress(self._lines, kept)
        self._texts, self._rows, self._lines, self._exact = [], [], [], {}
        if self.near is not None:
            self.near.take(kept_exact, kept_words, kept_texts, self.bytes)


MIN_RECORD = 20  # characters of normalised text below which a record is not checked for duplicates
# Lower-case ASCII letters and line breaks kept, other ASCII bytes made spaces; bytes of non-ASCII
# characters are kept whole. One bytes.translate over 4,096 records joined costs a seventh of a
# regular-expression substitution (0.16 s against 1.07 s for 100,000 rows).
_LETTERS = bytes(b if chr(b).isalpha() or b == 10 or b >= 128 else 32 for b in range(256))


# The same with line breaks made \x01, which bytes.split() keeps inside words: the spaces of an ASCII
# batch are then collapsed by one split and join of the whole, not one per line.
_LETTERS_BREAKS = _LETTERS[:10] + b"\x01" + _LETTERS[11:]


def normalise(joined: str) -> list[str]:
    """Each line of ``joined`` in lower case, without digits, punctuation or repeated spaces."""
    data = joined.lower().encode("utf-8", "replace")
    if data.isascii():  # no space but the ASCII ones, which bytes.split() knows
        plain = b" ".join(data.translate(_LETTERS_BREAKS).split())
        return plain.replace(b" \x01", b"\x01").replace(b"\x01 ", b"\x01").decode("ascii").split("\x01")
    text = data.translate(_LETTERS).decode("utf-8", "replace")
    return [" ".join(line.split()) for line in text.split("\n")]


def label_columns(header: list[str]) -> tuple[str, str] | None:
    """(text column, label column) of a labelled text set, by their usual names."""
    lowered = {h.lower(): h for h in header}
    text = next((lowered[c] for c in TEXT_COLUMNS if c in lowered), None)
    label = next((lowered[c] for c in LABEL_COLUMNS if c in lowered), None)
    return (text, label) if text and label else None


def data_format(path: Path) -> tuple[str, str | None]:
    """(format, compression) from the file name: format is csv, tsv, jsonl, json, parquet or text."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = suffixes[-1] if suffixes and suffixes[-1] in OPENERS else None
    base = suffixes[-2] if compression and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if base in (".csv", ".tsv", ".json"):
        return base[1:], compression
    if base in (".jsonl", ".ndjson"):
        return "jsonl", compression
    if base == ".parquet" and compression is None:
        return "parquet", None
    return "text", compression


def _open(path: Path, compression: str | None) -> IO[bytes]:
    if compression is None:
        return path.open("rb")
    opener: Any = OPENERS[compression]
    handle: IO[bytes] = opener(path, "rb")
    return handle


class _Counting(io.RawIOBase):
    """Counts the bytes read through it (the size of the data, compressed or not)."""

    def __init__(self, inner: IO[bytes], stats: ReadStats) -> None:
        self.inner, self.stats = inner, stats

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.stats.bytes += len(data)
        return len(data)


def _text(path: Path, compression: str | None, stats: ReadStats) -> io.TextIOWrapper:
    raw = io.BufferedReader(_Counting(_open(path, compression), stats), buffer_size=1 << 20)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    for start in range(0, max(len(text), 1), MAX_LINE):
        yield start, text[start : start + MAX_LINE]


def read_units(path: Path, stats: ReadStats) -> Iterator[Unit]:
    """Every unit of text in the file. Problems go to ``stats.problems``; the reading goes on."""
    fmt, compression = data_format(path)
    if fmt == "parquet":
        yield from _parquet(path, stats)
        return
    try:
        with _text(path, compression, stats) as handle:
            if fmt in ("csv", "tsv"):
                yield from _csv(handle, "\t" if fmt == "tsv" else ",", stats)
            elif fmt == "jsonl":
                yield from _jsonl(handle, stats)
            elif fmt == "json":
                yield from _json(path, handle, stats)
            else:
                yield from _text_blocks(handle, stats)
    except (OSError, EOFError, lzma.LZMAError) as err:
        stats.problems.append(f"{path}: cannot read further: {err}")


def _text_blocks(handle: io.TextIOWrapper, stats: ReadStats) -> Iterator[Unit]:
    exact = hashlib.blake2b(digest_size=16)
    head: list[str] = []
    kept = 0
    for unit in _text_units(handle, stats):
        exact.update(unit.text.encode("utf-8", "replace"))
        if kept < NORMALISED_HEAD:
            head.append(unit.text)
            kept += len(unit.text)
        yield unit
    # The whole document's bytes decide an exact duplicate; the normalised comparison looks at its
    # first NORMALISED_HEAD characters (normalising 50 MB costs more than scanning it).
    stats.record("".join(head)[:NORMALISED_HEAD], None, 1, exact=int.from_bytes(exact.digest()[:8]))


NORMALISED_HEAD = 1 << 18


def _text_units(handle: io.TextIOWrapper, stats: ReadStats) -> Iterator[Unit]:
    """Text read in chunks of BLOCK characters cut at the last newline, scanned in one call each
    (reading and scanning line by line cost twice the time); ``Unit.block`` tells the engine to work
    out the line of a match. A line longer than MAX_LINE goes in pieces, so memory stays bounded."""
    line = 1  # the line the next unit starts on
    pending = ""  # the unfinished last line of what has been read
    giant = 0  # characters of the current line already given out as pieces (0: not a gigantic line)
    while chunk := handle.read(BLOCK):
        data = pending + chunk
        cut = data.find("\n") + 1 if giant else data.rfind("\n") + 1
        if cut == 0:  # no line ends in what we have
            if len(data) < MAX_LINE:
                pending = data
                continue
            stats.replaced += data.count("\ufffd")
            stats.units += 1
            yield Unit(data[:MAX_LINE], line=line, offset=giant)
            giant += MAX_LINE
            pending = data[MAX_LINE:]
            continue
        if giant:  # the end of a gigantic line, then whole lines
            tail = data[:cut]
            stats.replaced += tail.count("\ufffd")
            stats.units += 1
            yield Unit(tail.rstrip("\r\n"), line=line, offset=giant)
            line, giant, data = line + 1, 0, data[cut:]
            cut = data.rfind("\n") + 1
        if cut:
            block = data[:cut]
            yield _block([block], line, stats)
            line += block.count("\n")
        pending = data[cut:]
    if pending:
        if giant:
            stats.units += 1
            yield Unit(pending, line=line, offset=giant)
        else:
            yield _block([pending], line, stats)


def _block(lines: list[str], first: int, stats: ReadStats) -> Unit:
    text = "".join(lines)
    stats.replaced += text.count("\ufffd")  # once per block: a count per line cost a third of the time
    stats.units += 1
    return Unit(text, line=first, block=True)


def _csv(handle: io.TextIOWrapper, delimiter: str, stats: ReadStats) -> Iterator[Unit]:
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(handle, delimiter=delimiter)
    header: list[str] = []
    ended = 0  # the physical line the previous record ended on

    def malformed(err: csv.Error) -> None:
        nonlocal ended
        stats.problems.append(f"line {reader.line_num}: malformed CSV ({err}); skipped")
        ended = reader.line_num

    while not header:  # the first row that has fields (a blank line is a row of none)
        try:
            row = next(reader, None)
        except csv.Error as err:
            malformed(err)
            continue
        if row is None:
            return
        header.extend(row)
        ended = reader.line_num

    def batches() -> Iterator[tuple[list[list[str]], list[int | None]]]:
        """TABLE_BATCH rows at a time, taken from the reader by one C-speed call rather than a
        statement per row, with the line each row starts on."""
        nonlocal ended
        while True:
            batch: list[list[str]] = []
            lines: list[int | None] = []
            while len(batch) < TABLE_BATCH:
                before = len(batch)
                failed: csv.Error | None = None
                try:  # a row that cannot be read stops the extend; the rows before it are kept
                    batch += itertools.islice(reader, TABLE_BATCH - before)
                except csv.Error as err:
                    failed = err
                lines += _row_lines(batch[before:], ended, reader.line_num)
                ended = reader.line_num
                if failed is not None:
                    malformed(failed)
                elif len(batch) < TABLE_BATCH:
                    break  # the end of the file
            if batch:
                yield batch, lines
            if len(batch) < TABLE_BATCH:
                return

    yield from _table(header, batches(), stats)


def _row_lines(rows: list[list[str]], ended: int, now: int) -> list[int | None]:
    """The line each of ``rows`` starts on, read after line ``ended`` up to line ``now``: one line a
    row, unless a quoted field holds line breaks (each of \\r\\n, \\r and \\n is one, as the reader
    counts them)."""
    if now - ended == len(rows):
        return list(range(ended + 1, now + 1))
    out: list[int | None] = []
    for row in rows:
        out.append(ended + 1)
        ended += 1 + sum(f.count("\n") + f.count("\r") - f.count("\r\n") for f in row)
    return out


def _parquet(path: Path, stats: ReadStats) -> Iterator[Unit]:
    """Parquet in record batches (memory bounded by the batch), through pyarrow when it is installed."""
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        stats.problems.append(f"{path}: Parquet needs pyarrow (pip install 'aicop[parquet]'); skipped")
        return
    try:
        table = pq.ParquetFile(path)
        header = [str(name) for name in table.schema_arrow.names]
        stats.bytes += path.stat().st_size

        def rows() -> Iterator[list[str]]:
            for batch in table.iter_batches(batch_size=8192):
                columns = batch.to_pydict()
                for index in range(batch.num_rows):
                    yield ["" if columns[c][index] is None else str(columns[c][index]) for c in header]

        def batches() -> Iterator[tuple[list[list[str]], list[int | None]]]:
            source = rows()
            while batch := list(itertools.islice(source, TABLE_BATCH)):
                yield batch, [None] * len(batch)

        yield from _table(header, batches(), stats)
    except Exception as err:  # pyarrow raises its own error types for damaged files
        stats.problems.append(f"{path}: cannot read further as Parquet: {err}")


TABLE_BATCH = 4096  # table rows read before they are worked on together


def _table(
    header: list[str], source: Iterator[tuple[list[list[str]], list[int | None]]], stats: ReadStats
) -> Iterator[Unit]:
    """Rows of a table, a batch at a time (each batch's rows and the line each starts on): records for
    duplicates, the schema tracker column by column, and the batch's fields joined into one scanned
    unit."""
    done = 0
    labelled: tuple[int, int, Labelled] | None = None
    for batch, lines in source:
        # the header is known once the first row is read
        if done == 0 and (found := label_columns(header)) is not None:
            stats.labelled = Labelled(found[0], found[1])
            labelled = (header.index(found[0]), header.index(found[1]), stats.labelled)
        yield from _table_batch(header, batch, lines, done, labelled, stats)
        done += len(batch)


def _table_batch(
    header: list[str],
    batch: list[list[str]],
    lines: list[int | None],
    done: int,
    labelled: tuple[int, int, Labelled] | None,
    stats: ReadStats,
) -> Iterator[Unit]:
    numbers = list(range(done + 1, done + len(batch) + 1))
    if labelled is not None:
        ti, li, gathered = labelled
        need = max(ti, li)
        if min(map(len, batch)) > need:
            gathered.numbers += numbers
            gathered.texts += map(itemgetter(ti), batch)
            gathered.labels += map(itemgetter(li), batch)
        else:
            for n, r in zip(numbers, batch, strict=True):
                if len(r) > need:
                    gathered.add(n, r[ti], r[li])
    stats.record_many(list(map("\x1f".join, batch)), numbers, lines)
    stats.schema.add_rows(header, batch, done + 1)
    flat = list(itertools.chain.from_iterable(batch))
    text = "\n".join(flat)
    # a gigantic field goes alone, in pieces (none can be, in a batch shorter than one)
    if len(text) > MAX_LINE and max(map(len, flat)) > MAX_LINE:
        places = _FieldPlaces(header, batch, lines, done, flat)  # a field's place needs only the rows
        for index, value in enumerate(flat):
            if len(value) > MAX_LINE:
                row, line, column = places[index]
                stats.replaced += value.count("\ufffd")
                for offset, piece in _pieces(value):
                    stats.units += 1
                    yield Unit(piece, row=row, line=line, column=column, offset=offset)
                flat[index] = ""
        text = "\n".join(flat)
    stats.replaced += text.count("\ufffd")
    stats.units += 1
    yield Unit(text, fields=_FieldPlaces(header, batch, lines, done, flat))


class _FieldPlaces:
    """(row, line, column) of each field of a batch of rows, by the field's index among them all, and
    each field's start in the joined text; worked out only when a match needs placing (most batches
    have none, and a tuple per field cost more than the scan)."""

    def __init__(
        self, header: list[str], batch: list[list[str]], lines: list[int | None], done: int, flat: list[str]
    ) -> None:
        self.header, self.batch, self.lines, self.done, self.flat = header, batch, lines, done, flat

    @functools.cached_property
    def starts(self) -> list[int]:
        """Each field's start: the lengths before it, and a newline after each."""
        return list(itertools.accumulate(map(add, map(len, self.flat), itertools.repeat(1)), initial=0))[:-1]

    @functools.cached_property
    def firsts(self) -> list[int]:
        return [0, *itertools.accumulate(len(r) for r in self.batch)]

    def __getitem__(self, index: int) -> tuple[int, int | None, str]:
        position = bisect.bisect_right(self.firsts, index) - 1
        column = index - self.firsts[position]
        name = self.header[column] if column < len(self.header) else f"#{column + 1}"
        return self.done + position + 1, self.lines[position], name


def _strings(value: object, path: str) -> list[tuple[str, str]]:
    """Every string in a JSON value, in document order, with its key path ("$" for a bare string)."""
    if isinstance(value, str):
        return [(path or "$", value)]
    out: list[tuple[str, str]] = []
    _collect(value, path, out)
    return out


def _collect(value: object, path: str, out: list[tuple[str, str]]) -> None:
    """``_strings`` of a dict or list, into ``out``: a string member is taken where it stands, and only
    a container costs a call (recursive generators cost a fifth of reading a file of chat logs)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):  # a top-level key "" is the path "$", as a bare string's
                out.append((f"{path}.{key}" if path else str(key) or "$", item))
            elif isinstance(item, (dict, list)):
                _collect(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                out.append((f"{path}[{index}]", item))
            elif isinstance(item, (dict, list)):
                _collect(item, f"{path}[{index}]", out)


def _jsonl(handle: io.TextIOWrapper, stats: ReadStats) -> Iterator[Unit]:
    texts: list[str] = []
    starts: list[int] = []
    numbers: list[int] = []
    columns: list[str] = []
    size = 0
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        stats.replaced += line.count("\ufffd")
        try:
            record = json.loads(line)
        except ValueError as err:
            stats.problems.append(f"line {number}: not JSON ({err}); read as text")
            record = line
        if isinstance(record, dict):
            stats.schema.add_record(record, number)
            _labelled_record(record, number, stats)
        strings = _strings(record, "")
        stats.record("\x1f".join(text for _, text in strings), None, number)
        for column, text in strings:
            if len(text) > MAX_LINE:  # a gigantic value goes alone, in pieces
                for offset, piece in _pieces(text):
                    stats.units += 1
                    yield Unit(piece, line=number, column=column, offset=offset)
                continue
            starts.append(size)
            numbers.append(number)
            columns.append(column)
            texts.append(text)
            size += len(text) + 1
        if size >= BLOCK:
            yield _joined(texts, starts, numbers, columns, stats)
            texts, starts, numbers, columns, size = [], [], [], [], 0
    if texts:
        yield _joined(texts, starts, numbers, columns, stats)


def _joined(
    texts: list[str], starts: list[int], numbers: list[int], columns: list[str], stats: ReadStats
) -> Unit:
    """Many lines' string values joined by newlines and scanned in one call (a call per value cost
    more than the scan), each placed by its start."""
    text = "\n".join(texts)
    stats.units += 1
    return Unit(text, fields=_Listed(starts, numbers, columns))


@dataclass(frozen=True, slots=True)
class _Listed:
    """The values of a JSON Lines block: each one's start in the joined text, line and key path."""

    starts: list[int]
    lines: list[int]
    columns: list[str]

    def __getitem__(self, index: int) -> tuple[int | None, int | None, str]:
        return None, self.lines[index], self.columns[index]


def _labelled_record(record: dict[str, Any], number: int, stats: ReadStats) -> None:
    """Note a JSON record's text and label; the columns are chosen from the first record."""
    if stats.labelled is None:
        if stats.schema.records != 1 or (found := label_columns([str(k) for k in record])) is None:
            return
        stats.labelled = Labelled(found[0], found[1])
    labelled = stats.labelled
    text, label = record.get(labelled.text_column), record.get(labelled.label_column)
    if isinstance(text, str) and label is not None:
        labelled.add(number, text, str(label))


def _json(path: Path, handle: io.TextIOWrapper, stats: ReadStats) -> Iterator[Unit]:
    text = handle.read(MAX_JSON + 1)
    if len(text) > MAX_JSON:
        stats.problems.append(f"{path}: a JSON document over {MAX_JSON >> 20} MiB; use JSON Lines; skipped")
        return
    stats.replaced += text.count("\ufffd")
    try:
        document = json.loads(text)
    except ValueError as err:
        stats.problems.append(f"{path}: not JSON ({err}); read as text")
        for number, line in enumerate(text.splitlines(), start=1):
            stats.units += 1
            yield Unit(line[:MAX_LINE], line=number)
        return
    for column, value in _strings(document, ""):
        for offset, piece in _pieces(value):
            stats.units += 1
            yield Unit(piece, column=column, offset=offset)
