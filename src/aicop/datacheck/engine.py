"""``aicop data check``: stream data files through the detectors and collect findings.

Each finding names the file and the place (line, or row and column, or a JSON key path) with a
redacted example. A file that cannot be read fully is reported among ``problems`` and the others are
still checked. At most MAX_PER_KIND findings of one kind are kept per file; every match is counted.
"""

from __future__ import annotations

import bisect
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aicop.datacheck.detectors import CATEGORY, Match, redact, scan_text
from aicop.datacheck.neardup import MAX_INDEXED, SIMILARITY, NearIndex
from aicop.datacheck.readers import OPENERS, ReadStats, Unit, read_units

if TYPE_CHECKING:
    from aicop.datacheck.names import Names

MAX_PER_KIND = 100
# The category of every kind of finding the check reports (reports group by it; assess judges by it).
CATEGORIES = {
    **CATEGORY,
    "trigger": "poisoning",
    "label-noise": "poisoning",
    "duplicate": "duplicate",
    "near-duplicate": "duplicate",
    "schema": "schema",
}
DATA_SUFFIXES = {
    ".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".txt", ".md", ".rst", ".html", ".htm", ".xml",
}  # fmt: skip
SKIPPED_DIRS = {".git", ".aicop", "node_modules", "__pycache__", ".venv", "venv"}


@dataclass(frozen=True, slots=True)
class DataFinding:
    kind: str
    category: str
    path: str
    example: str
    line: int | None = None
    row: int | None = None
    column: str | int | None = None


@dataclass
class DataReport:
    findings: list[DataFinding] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    labels: dict[str, dict[str, int]] = field(default_factory=dict)  # path -> label -> rows

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "counts": dict(sorted(self.counts.items())),
            "findings": [{k: v for k, v in vars_of(f).items() if v is not None} for f in self.findings],
            "labels": self.labels,
            "problems": self.problems,
        }


def vars_of(finding: DataFinding) -> dict[str, object]:
    return {name: getattr(finding, name) for name in DataFinding.__slots__}


def data_files(paths: Iterable[Path]) -> list[Path]:
    """The files to check: every named file, and the data files under every named directory."""
    out: list[Path] = []
    for path in paths:
        if path.is_file():
            out.append(path)
            continue
        for top, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                suffixes = [s.lower() for s in Path(name).suffixes]
                if suffixes and suffixes[-1] in OPENERS:
                    suffixes = suffixes[:-1]
                if suffixes and suffixes[-1] in DATA_SUFFIXES:
                    out.append(Path(top) / name)
    return out


def _binary(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(8192)
    return b"\x00" in head and path.suffix.lower() not in OPENERS and path.suffix.lower() != ".parquet"


class _Places:
    """(line, column) of the matches in one unit, in order: a block's newlines are counted once, from
    the previous match on (counting from the block's start for every match cost more than the scan)."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.position, self.line = 0, unit.line or 1

    def of(self, start: int) -> tuple[int | None, int | None, str | int | None]:
        """(line, row, column)."""
        unit = self.unit
        if unit.fields is not None:
            starts, places = unit.fields
            row, line, column = places[bisect.bisect_right(starts, start) - 1]
            return line, row, column
        if unit.block:
            self.line += unit.text.count("\n", self.position, start)
            self.position = start
            return self.line, None, start - (unit.text.rfind("\n", 0, start) + 1) + 1
        if unit.column is not None:
            return unit.line, unit.row, unit.column
        return unit.line, unit.row, unit.offset + start + 1


def _duplicates(
    path: str,
    stats: ReadStats,
    seen: dict[bytes, tuple[str, int | None, int | None]],
    near: NearIndex | None,
    report: DataReport,
) -> None:
    """Records met before, in this file or an earlier one: exactly; the same once case, punctuation,
    digits and spacing are set aside; or (with ``near``) sharing most of their word pairs."""
    kept: Counter[str] = Counter()
    signatures = stats.sketch()
    for (exact, normalised, row, line), signature in zip(stats.records, signatures, strict=True):
        first = seen.get(exact)
        kind, how = "duplicate", "same as"
        if first is None:
            first = seen.get(b"~" + normalised)
            kind, how = "near-duplicate", "same words as"
        if first is None:
            seen[exact] = seen[b"~" + normalised] = (path, row, line)
            if near is None or signature is None:
                continue
            found = near.match(signature, (path, row, line))
            if found is None:
                continue
            first, score = found
            how = f"{score:.0%} of word pairs shared with"
        report.counts[kind] += 1
        if kept[kind] >= MAX_PER_KIND:
            continue
        kept[kind] += 1
        where = f"row {first[1]}" if first[1] is not None else f"line {first[2]}"
        report.findings.append(
            DataFinding(
                kind=kind,
                category=CATEGORIES[kind],
                path=path,
                example=f"{how} {first[0]} {where}",
                line=line,
                row=row,
            )
        )


def _labels(path: Path, stats: ReadStats, report: DataReport, noise: bool) -> None:
    """Label distribution, backdoor triggers and (with ``noise``) flipped labels of a labelled text
    dataset."""
    from aicop.datacheck.labels import label_report

    result = label_report(stats)
    if result is None:
        return
    if noise and stats.labelled is not None:
        _noise(path, stats.labelled[2], result.text_column, report)
    report.labels[str(path)] = dict(result.labels.most_common())
    for trigger in result.triggers:
        report.counts["trigger"] += 1
        report.findings.append(
            DataFinding(
                kind="trigger",
                category=CATEGORIES["trigger"],
                path=str(path),
                example=(
                    f"'{trigger.token}' is in {trigger.rows} rows, {trigger.purity:.0%} labelled "
                    f"{trigger.label!r} (base rate {trigger.base_rate:.0%}); without it, "
                    f"{trigger.elsewhere:.0%} of them read as another label"
                ),
                row=trigger.first_rows[0],
                column=result.text_column,
            )
        )


def _noise(path: Path, rows: list[tuple[int, str, str]], column: str, report: DataReport) -> None:
    from aicop.datacheck.noise import find_noise, missing

    absent = missing()  # said once for the whole check, not once a file
    if absent is not None:
        if absent not in report.problems:
            report.problems.append(absent)
        return
    noisy, note = find_noise(rows)
    if note is not None:
        report.problems.append(f"{path}: {note}")
    for suspect in noisy:
        report.counts["label-noise"] += 1
        if report.counts["label-noise"] > MAX_PER_KIND:
            continue
        report.findings.append(
            DataFinding(
                kind="label-noise",
                category=CATEGORIES["label-noise"],
                path=str(path),
                example=(
                    f"labelled {suspect.label!r}, but a model trained on the other rows gives that "
                    f"{suspect.confidence:.0%} and reads it as {suspect.suggested!r}"
                ),
                row=suspect.row,
                column=column,
            )
        )


def check_file(path: Path, report: DataReport, names: Names | None = None) -> ReadStats | None:
    display = str(path)
    stats = ReadStats()
    try:
        if path.stat().st_size == 0:
            report.problems.append(f"{display}: empty file")
            return None
        if _binary(path):
            report.problems.append(f"{display}: binary content, not a text data format; skipped")
            return None
    except OSError as err:
        report.problems.append(f"{display}: cannot read: {err.strerror}")
        return None
    kept: Counter[str] = Counter()

    def note(match: Match, places: _Places) -> None:
        report.counts[match.kind] += 1
        if kept[match.kind] >= MAX_PER_KIND:
            return
        kept[match.kind] += 1
        line, row, column = places.of(match.start)
        report.findings.append(
            DataFinding(
                kind=match.kind,
                category=CATEGORIES[match.kind],
                path=display,
                example=redact(match.kind, match.text),
                line=line,
                row=row,
                column=column,
            )
        )

    for unit in read_units(path, stats):
        places = _Places(unit)
        for match in scan_text(unit.text):
            note(match, places)
        if names is not None:
            places = _Places(unit)
            for match in names.find(unit.text):
                note(match, places)
    for anomaly in stats.schema.anomalies():
        report.counts["schema"] += 1
        rows = ", ".join(map(str, anomaly.rows))
        where = "rows" if anomaly.row_based else "lines"
        report.findings.append(
            DataFinding(
                kind="schema",
                category=CATEGORIES["schema"],
                path=display,
                example=f"{anomaly.message} ({where} {rows})" if rows else anomaly.message,
                line=None if anomaly.row_based or not anomaly.rows else anomaly.rows[0],
                row=anomaly.rows[0] if anomaly.row_based and anomaly.rows else None,
                column=anomaly.column or None,
            )
        )
    report.files += 1
    report.bytes += stats.bytes
    report.problems += [f"{display}: {p}" if not p.startswith(display) else p for p in stats.problems]
    if stats.replaced:
        report.problems.append(f"{display}: {stats.replaced} undecodable bytes (not UTF-8) replaced")
    return stats


def check_paths(
    paths: Iterable[Path],
    progress: Callable[[Path], None] | None = None,
    similarity: float | None = SIMILARITY,
    label_noise: bool = True,
    names: Names | None = None,
) -> DataReport:
    """Check every data file under ``paths``; ``similarity`` is the near-duplicate threshold (estimated
    Jaccard similarity of word pairs), None to look for exact and normalised duplicates only;
    ``label_noise`` looks for flipped labels where cleanlab is installed (noise.py); ``names`` finds
    people and places with a local NER model (names.py)."""
    started = time.perf_counter()
    report = DataReport()
    seen: dict[bytes, tuple[str, int | None, int | None]] = {}
    near = NearIndex(threshold=similarity) if similarity is not None else None
    for path in data_files(paths):
        stats = check_file(path, report, names)
        if stats is not None:
            _duplicates(str(path), stats, seen, near, report)
            _labels(path, stats, report, label_noise)
        if progress is not None:
            progress(path)
    if near is not None and near.full:
        report.problems.append(
            f"near-duplicates: the first {MAX_INDEXED:,} distinct records were held for comparison; "
            "later records were compared with those, not with each other"
        )
    report.seconds = time.perf_counter() - started
    return report
