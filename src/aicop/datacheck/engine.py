"""``aicop data check``: stream data files through the detectors and collect findings.

Each finding names the file and the place (line, or row and column, or a JSON key path) with a
redacted example. A file that cannot be read fully is reported among ``problems`` and the others are
still checked. Every finding is written, as it is found, to a spool (a temporary file past a few MB),
so the machine formats list all of them in bounded memory; the first SHOWN of each kind in each file
are also kept in memory for the summaries a person reads. Repeated records are reported as clusters,
one finding per cluster with every row it covers, and a file that is mostly repeats of a few patterns
as one ``templated`` finding.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import itertools
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aicop.datacheck.detectors import CATEGORY, Match, redact, role_marker, scan_text
from aicop.datacheck.neardup import (
    MAX_INDEXED,
    NEAR_BUDGET,
    NEAR_RATE,
    SIMILARITY,
    Candidates,
    NearSearch,
    Place,
    Searcher,
)
from aicop.datacheck.readers import OPENERS, ReadStats, Unit, read_units
from aicop.processes import usable_cpus

if TYPE_CHECKING:
    from aicop.datacheck.labels import LabelReport
    from aicop.datacheck.names import Names

SHOWN = 100  # findings of one kind in one file kept in memory for summaries; the spool keeps all
TEMPLATED_SHARE = 0.5  # a file whose records are this much near-duplicates is templated
TEMPLATED_MIN = 50  # records a file needs before it is called templated
# Records a near-duplicate cluster holds on average in a templated file; smaller clusters covering most
# of a file are one file nearly repeating another (model outputs for the same prompts), not templates.
TEMPLATE_CLUSTER = 3
# The category of every kind of finding the check reports (reports group by it; assess judges by it).
CATEGORIES = {
    **CATEGORY,
    "trigger": "poisoning",
    "label-noise": "poisoning",
    "duplicate": "duplicate",
    "near-duplicate": "duplicate",
    "templated": "duplicate",
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
    rows: tuple[int, ...] | None = None  # every table row a cluster or a trigger covers
    lines: tuple[int, ...] | None = None  # every line, in line formats (JSON Lines, text)
    share: float | None = None  # of the file's records a cluster covers


def vars_of(finding: DataFinding) -> dict[str, object]:
    """The finding's fields that are set (a JSON object)."""
    out: dict[str, object] = {}
    for name in DataFinding.__slots__:
        value = getattr(finding, name)
        if value is not None:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


class Spool:
    """Every finding as one JSON line in a temporary file (in memory up to SPILL bytes, then on disk),
    written as it is found, so a check with millions of findings holds only its summary."""

    SPILL = 16 << 20

    def __init__(self) -> None:
        # open for the report's lifetime, closed by close() (a with-block cannot span it)
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=self.SPILL, mode="w+", encoding="utf-8"
        )
        self.total = 0

    def add(self, finding: DataFinding) -> None:
        self._file.write(json.dumps(vars_of(finding), ensure_ascii=False) + "\n")
        self.total += 1

    def lines(self) -> Iterator[str]:
        """Each finding as a JSON object (a line without its newline), in the order found."""
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield line.rstrip("\n")
        self._file.seek(0, os.SEEK_END)

    def close(self) -> None:
        self._file.close()


@dataclass
class DataReport:
    # The first SHOWN findings of each kind in each file; ``spool`` holds every one.
    findings: list[DataFinding] = field(default_factory=list)
    spool: Spool = field(default_factory=Spool)
    counts: Counter[str] = field(default_factory=Counter)  # findings of each kind, all listed
    per_file: Counter[tuple[str, str]] = field(default_factory=Counter)  # (path, kind) -> findings
    problems: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    labels: dict[str, dict[str, int]] = field(default_factory=dict)  # path -> label -> rows
    analyses: dict[str, str] = field(default_factory=dict)  # optional analysis -> what was done

    def add(self, finding: DataFinding) -> None:
        self.counts[finding.kind] += 1
        key = (finding.path, finding.kind)
        self.per_file[key] += 1
        if self.per_file[key] <= SHOWN:
            self.findings.append(finding)
        self.spool.add(finding)

    def head(self) -> dict[str, object]:
        return {
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "counts": dict(sorted(self.counts.items())),
            "analyses": self.analyses,
        }

    def tail(self) -> dict[str, object]:
        return {"labels": self.labels, "problems": self.problems}

    def as_dict(self) -> dict[str, object]:
        """The whole report as one object (every finding in memory: for small reports and tests;
        ``json_chunks`` streams)."""
        findings = [json.loads(line) for line in self.spool.lines()]
        return {**self.head(), "findings": findings, **self.tail()}

    def json_chunks(self) -> Iterator[str]:
        """The JSON report in pieces: the summary, then every finding one a line from the spool."""
        head = json.dumps(self.head(), indent=2)[:-2]  # without the closing brace
        yield head + ',\n  "findings": ['
        first = True
        for line in self.spool.lines():
            yield ("\n    " if first else ",\n    ") + line
            first = False
        yield ("\n  ]" if not first else "]") + ",\n" + json.dumps(self.tail(), indent=2)[2:] + "\n"


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
        fields = unit.fields
        if fields is not None:
            row, line, column = fields[bisect.bisect_right(fields.starts, start) - 1]
            return line, row, column
        if unit.block:
            self.line += unit.text.count("\n", self.position, start)
            self.position = start
            return self.line, None, start - (unit.text.rfind("\n", 0, start) + 1) + 1
        if unit.column is not None:
            return unit.line, unit.row, unit.column
        return unit.line, unit.row, unit.offset + start + 1


@dataclass
class Seen:
    """Records met so far in the run: by exact key, by normalised key, and (``near``) by signature."""

    exact: dict[int, Place] = field(default_factory=dict)
    words: dict[int, Place] = field(default_factory=dict)
    near: Candidates | None = None
    looked_up: list[Place] = field(default_factory=list)  # the records given to the search, in order
    records: int = 0  # checked for duplicates


def _where(place: Place) -> str:
    return f"{place[0]} row {place[1]}" if place[1] is not None else f"{place[0]} line {place[2]}"


def _rows_and_lines(members: list[Place]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The rows of the members that have one, and the lines of those that have only a line."""
    rows = tuple(r for _, r, _ in members if r is not None)
    lines = tuple(ln for _, r, ln in members if r is None and ln is not None)
    return rows, lines


def _maybe_repeated(
    exact: list[int], exact_seen: dict[int, Place], words: list[int], words_seen: dict[int, Place]
) -> list[int]:
    """The records (by index, ascending) that may not be new by both keys when their turn comes: those
    whose exact or normalised key is seen before the file or more than once in it. Any other record is
    new by both whatever comes before it (a record adds only its own keys, or those of what it
    repeats). Sorting the keys finds the repeated ones: a set per record cost more. A key beyond 64
    signed bits (a whole document's digest) leaves every record to be placed one by one."""
    maybe = np.zeros(len(exact), dtype=np.bool_)
    for keys, seen in ((exact, exact_seen), (words, words_seen)):
        try:
            array = np.array(keys, dtype=np.int64)
        except OverflowError:
            return list(range(len(exact)))
        ordered = np.sort(array)
        twice = ordered[1:][ordered[1:] == ordered[:-1]]
        before = np.fromiter(seen.keys() & keys, dtype=np.int64) if seen else twice[:0]
        maybe |= np.isin(array, np.concatenate((twice, before)))
    found: list[int] = np.flatnonzero(maybe).tolist()
    return found


def _duplicates(path: str, stats: ReadStats, seen: Seen, report: DataReport) -> None:
    """Records met before, in this file or an earlier one: exactly; the same once case, punctuation,
    digits and spacing are set aside; or (with ``seen.near``) sharing most of their word pairs. One
    finding per cluster (the records that repeat one earlier record), with every row; a file whose
    records are mostly near-duplicates is reported once as templated instead of cluster by cluster."""
    stats.sketch()
    clusters: dict[tuple[str, Place], list[Place]] = {}
    scores: dict[Place, float] = {}  # the least similarity of a cluster's members found by MinHash
    near = seen.near
    looked_up = seen.looked_up
    exact_seen, words_seen = seen.exact, seen.words
    records = len(stats.exact_keys)
    seen.records += records
    exact_keys, word_keys, at_rows, at_lines = (
        stats.exact_keys,
        stats.word_keys,
        stats.record_rows,
        stats.record_lines,
    )
    # What does not depend on the search's answers is worked out before asking for them: the helper
    # process may still be busy, and this process would only wait.
    # Most records are new by both keys: each of their keys is met once in the file and not before it,
    # so no other record's placing reads them, and they go into the key dicts in bulk, a run at a
    # time; only the others (``stops``) are placed one by one, once the answers are in.
    stops = [*_maybe_repeated(exact_keys, exact_seen, word_keys, words_seen), records]
    every = list(zip(itertools.repeat(path), at_rows, at_lines, strict=False))
    start = 0
    for stop in stops:
        if start < stop:
            exact_seen.update(zip(exact_keys[start:stop], every[start:stop], strict=True))
            words_seen.update(zip(word_keys[start:stop], every[start:stop], strict=True))
        start = stop + 1
    matches = near.search.sync() if near is not None else {}

    def joins(index: int, found: tuple[int, float]) -> Place:
        """Record ``index`` joins the cluster of the earlier record the search found it near (``found``:
        that record's look-up number and their similarity): its own copies are that cluster's too."""
        first = exact_seen[exact_keys[index]] = words_seen[word_keys[index]] = looked_up[found[0]]
        scores[first] = min(found[1], scores.get(first, 1.0))
        return first

    def one(index: int) -> None:
        """Place record ``index``: a copy, a near-copy, or new."""
        exact, normalised = exact_keys[index], word_keys[index]
        place = every[index]
        # one look-up that also holds a new record (most are new)
        held = exact_seen.setdefault(exact, place)
        if held is not place:
            clusters.setdefault(("duplicate", held), []).append(place)
            return
        first = words_seen.get(normalised)
        if first is None and near is not None:  # new by both keys: the search looked it up
            found = matches.get(len(looked_up))
            looked_up.append(place)
            if found is not None:
                first = joins(index, found)
        elif first is not None:
            del exact_seen[exact]  # an exact copy of it later is a near-copy of ``first``
        if first is None:
            words_seen[normalised] = place
            return
        clusters.setdefault(("near-duplicate", first), []).append(place)

    def resembles(index: int) -> None:
        """Place record ``index``, new by both keys and already held by them, which the search found
        near an earlier one: as ``one`` places such a record."""
        found = matches[len(looked_up)]
        looked_up.append(every[index])
        clusters.setdefault(("near-duplicate", joins(index, found)), []).append(every[index])

    # The records new by both keys were looked up in a run; those the search found near an earlier
    # record cut the runs.
    found_at = sorted(matches)
    start = 0
    for stop in stops:
        while start < stop:
            end = stop
            if near is not None:  # a near match among the run's look-ups cuts it there
                after = bisect.bisect_left(found_at, len(looked_up))
                if after < len(found_at) and found_at[after] < len(looked_up) + end - start:
                    end = start + found_at[after] - len(looked_up)
                looked_up += every[start:end]
            if end < stop:
                resembles(end)
            start = end + 1 if end < stop else end
        if stop < records:
            one(stop)
            start = stop + 1
    if near is not None and len(looked_up) != near.given:
        raise RuntimeError(
            f"{path}: {near.given:,} records given to the near-duplicate search, {len(looked_up):,} met"
        )
    if not clusters:
        return
    near_clusters = {key: members for key, members in clusters.items() if key[0] == "near-duplicate"}
    covered = sum(len(m) + (key[1][0] == path) for key, m in near_clusters.items())
    templated = records >= TEMPLATED_MIN and covered >= TEMPLATED_SHARE * records
    if templated:
        if covered < TEMPLATE_CLUSTER * len(near_clusters):
            _overlap(path, near_clusters, covered, records, report)
        else:
            (_, largest), members = max(near_clusters.items(), key=lambda item: len(item[1]))
            report.add(
                DataFinding(
                    kind="templated",
                    category=CATEGORIES["templated"],
                    path=path,
                    example=(
                        f"{covered:,} of {records:,} records ({covered / records:.0%}) are near-duplicates "
                        f"in {len(near_clusters):,} clusters: the file is filled from templates (the largest "
                        f"cluster: {len(members) + 1:,} records like {_where(largest)}); its near-duplicates "
                        "are not listed cluster by cluster"
                    ),
                    share=round(covered / records, 4),
                )
            )
    for (kind, first), members in clusters.items():
        if templated and kind == "near-duplicate":
            continue
        size = len(members) + (first[0] == path)
        how = ("copy", "copies") if kind == "duplicate" else ("near-copy", "near-copies")
        rows, lines = _rows_and_lines(members)
        shared = (
            f"at least {scores[first]:.0%} of word pairs shared; "
            if kind == "near-duplicate" and first in scores
            else ""
        )
        report.add(
            DataFinding(
                kind=kind,
                category=CATEGORIES[kind],
                path=path,
                example=f"{len(members):,} {how[len(members) != 1]} of {_where(first)} ({shared}"
                f"{size / records:.1%} of the file's records)",
                line=members[0][2],
                row=members[0][1],
                rows=rows or None,
                lines=lines or None,
                share=round(size / records, 4),
            )
        )


def _overlap(
    path: str,
    clusters: dict[tuple[str, Place], list[Place]],
    covered: int,
    records: int,
    report: DataReport,
) -> None:
    """One finding for a file most of whose records each nearly repeat one earlier record (pairs, not
    templates): every row it covers, and the file most of those earlier records are in."""
    members = sorted(m for group in clusters.values() for m in group)
    sources: Counter[str] = Counter()
    for (_, first), group in clusters.items():
        sources[first[0]] += len(group)
    source, held = sources.most_common(1)[0]
    where = "earlier in this file" if source == path else f"in {source}"
    largest = max(len(group) for group in clusters.values()) + 1
    rows, lines = _rows_and_lines(members)
    report.add(
        DataFinding(
            kind="near-duplicate",
            category=CATEGORIES["near-duplicate"],
            path=path,
            example=(
                f"{covered:,} of {records:,} records ({covered / records:.0%}) each nearly repeat an earlier "
                f"record, {held:,} of them {where} ({len(clusters):,} clusters of at most {largest} "
                "records): the file largely repeats other data; listed as one finding"
            ),
            line=members[0][2],
            row=members[0][1],
            rows=rows or None,
            lines=lines or None,
            share=round(covered / records, 4),
        )
    )


def _labels(
    path: Path, stats: ReadStats, report: DataReport, noise: bool, result: LabelReport | None
) -> None:
    """Label distribution, backdoor triggers (``result``, from labels.label_report) and (with ``noise``)
    flipped labels of a labelled text dataset."""
    if result is None:
        return
    if noise and stats.labelled is not None:
        _noise(path, stats.labelled.rows(), result.text_column, report)
    report.labels[str(path)] = dict(result.labels.most_common())
    tables = stats.schema.row_based
    for trigger in result.triggers:
        what = f"the phrase '{trigger.token}'" if " " in trigger.token else f"'{trigger.token}'"
        report.add(
            DataFinding(
                kind="trigger",
                category=CATEGORIES["trigger"],
                path=str(path),
                example=(
                    f"{what} is in {trigger.rows} rows, {trigger.purity:.0%} labelled "
                    f"{trigger.label!r} (base rate {trigger.base_rate:.0%}); without it, "
                    f"{trigger.elsewhere:.0%} of them read as another label; {len(trigger.poisoned)} "
                    f"poisoned {'rows' if tables else 'lines'} listed"
                ),
                row=trigger.poisoned[0] if tables else None,
                line=None if tables else trigger.poisoned[0],
                column=result.text_column,
                rows=tuple(trigger.poisoned) if tables else None,
                lines=None if tables else tuple(trigger.poisoned),
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
        report.add(
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


def poisoned_rows(report: DataReport) -> dict[str, set[int]]:
    """Per file, the rows (tables) or lines (JSON Lines) that carry a backdoor trigger: what
    ``--drop-poisoned`` leaves out of the sanitised copy."""
    out: dict[str, set[int]] = {}
    for line in report.spool.lines():
        finding = json.loads(line)
        if finding["kind"] == "trigger":
            out.setdefault(finding["path"], set()).update(finding.get("rows") or finding.get("lines") or [])
    return out


def _template(column: str | int | None) -> bool:
    """Whether a field holds a prompt template (its key or column names one: ``prompt_template``,
    ``chat_template``), where role markers and special tokens are the template's structure, not
    planted turns."""
    if not isinstance(column, str):
        return False
    return "template" in column.rsplit(".", 1)[-1].lower()


def check_file(
    path: Path,
    report: DataReport,
    names: Names | None = None,
    near: Candidates | None = None,
) -> ReadStats | None:
    display = str(path)
    stats = ReadStats(near=near)
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

    def note(match: Match, places: _Places) -> None:
        line, row, column = places.of(match.start)
        if role_marker(match) and _template(column):
            return
        report.add(
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
        rows = ", ".join(map(str, anomaly.rows))
        where = "rows" if anomaly.row_based else "lines"
        report.add(
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


PARALLEL_FROM = 2 << 20  # bytes of data from which the near-duplicate search gets a process of its own


def _search(similarity: float, seconds: float | None, rate: float | None, helper: bool) -> Searcher:
    """The near-duplicate search: in a helper process on another core when asked and one starts, else
    in this one."""
    if helper:
        from aicop.datacheck.parallel import NearHelper

        try:
            return NearHelper(similarity, seconds, rate)
        except OSError:  # no process to start (limits): the search runs here
            pass
    return NearSearch(similarity, seconds, rate)


def _at_least(files: list[Path], size: int) -> bool:
    """Whether the files hold ``size`` bytes or more (stat-ing only as many as it takes; one that cannot
    be looked at counts 0: check_file says why)."""
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
        if total >= size:
            return True
    return False


class _Collector:
    """Python's collector of reference cycles, paused while each file is checked.

    Checking a file makes a few objects per record (keys, places, fields) and almost no cycles, which
    reference counting cannot free; but every 700 new objects the collector walks the young ones, and
    now and then all, that the file has made: 0.1 s of CPU on 100,000 short rows, a tenth of the check.
    So it is paused while a file is checked. What the run keeps of a file (a place per record) would
    still be walked once by the first collection after it (30 ms on those rows), so, when a file is
    done, the objects made so far are set aside (``gc.freeze``) and put back in the oldest generation
    (``gc.unfreeze``) when the run ends, where only a full collection, which is rare, walks them again.
    Cycles a file leaves are collected then. A caller that froze objects itself (a server before it
    forks) keeps its arrangement: nothing is frozen or unfrozen then."""

    def __init__(self) -> None:
        self.freezing = gc.get_freeze_count() == 0

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Paused while one file is checked, and restored after (a caller that paused it keeps it so)."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if self.freezing:
                gc.freeze()
            if enabled:
                gc.enable()

    def release(self) -> None:
        """The run is over: what was set aside is collected as usual again."""
        if self.freezing:
            gc.unfreeze()


def check_paths(
    paths: Iterable[Path],
    progress: Callable[[Path], None] | None = None,
    similarity: float | None = SIMILARITY,
    label_noise: bool = False,
    names: Names | None = None,
    near_budget: float | None = NEAR_BUDGET,
    near_rate: float | None = NEAR_RATE,
    jobs: int | None = None,
) -> DataReport:
    """Check every data file under ``paths``; ``similarity`` is the near-duplicate threshold (estimated
    Jaccard similarity of word pairs), None to look for exact and normalised duplicates only;
    ``label_noise`` looks for flipped labels where cleanlab is installed (noise.py); ``names`` finds
    people and places with a local NER model (names.py). The near-duplicate search may take
    ``near_budget`` CPU seconds in all if given, else ``near_rate`` CPU seconds per MB read (both None:
    no limit); the report states what it covered. With ``jobs`` of 2 or more, or by default on a
    machine with two cores or more and PARALLEL_FROM bytes of data, the search runs in a helper process
    while this one reads (the report is the same; 1 keeps it here)."""
    from aicop.datacheck.labels import label_report

    started = time.perf_counter()
    report = DataReport()
    files = data_files(paths)
    seen = Seen()
    search: Searcher | None = None
    if similarity is not None:
        helper = jobs is not None and jobs >= 2
        if jobs is None and usable_cpus() >= 2:
            helper = _at_least(files, PARALLEL_FROM)
        search = _search(similarity, near_budget, near_rate, helper)
        seen.near = Candidates(search)
    report.analyses["label-noise"] = "checked" if label_noise else "not checked (--label-noise to look)"
    collector = _Collector()
    try:
        for path in files:
            with collector.paused():
                stats = check_file(path, report, names, seen.near)
                if stats is not None:
                    labels = label_report(stats)  # before the duplicates: the search may still be busy
                    _duplicates(str(path), stats, seen, report)
                    if seen.near is not None:
                        seen.near.done += stats.bytes
                    _labels(path, stats, report, label_noise, labels)
            if progress is not None:
                progress(path)
    finally:
        collector.release()
        if search is not None:
            search.close()
    if search is not None:
        report.analyses["near-duplicates"] = search.budget.describe(seen.records)
        if search.full:
            report.problems.append(
                f"near-duplicates: the first {MAX_INDEXED:,} distinct records were held for comparison; "
                "later records were compared with those, not with each other"
            )
    report.seconds = time.perf_counter() - started
    return report
