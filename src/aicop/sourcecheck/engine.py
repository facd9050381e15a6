"""Run the source rules over a tree: parse every Python file and notebook once, then resolve what
needs the whole project (functions that reach a model through other modules), secrets in source and
configuration files, and the manifest's declared external services."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import warnings

from aicop.sourcecheck import services, suppress
from aicop.sourcecheck.analyzer import Analyzer
from aicop.sourcecheck.facts import Cache, FileRecord, ModuleFacts
from aicop.sourcecheck.model import CodeFinding, CodeReport
from aicop.sourcecheck.secrets import find_secrets

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from aicop.system.manifest import Manifest

MAX_BYTES = 2 * 1024 * 1024  # larger Python files are generated code, not code people wrote
SECRET_SUFFIXES = (".py", ".ipynb", ".yaml", ".yml", ".json", ".toml", ".env", ".cfg", ".ini", ".txt", ".sh")
SOURCE_SUFFIXES = (".py", ".ipynb")


def reads(rel: str) -> bool:
    """Whether ``check_tree`` reads this file at all: source for every rule, config and text for secrets."""
    return rel.endswith(SOURCE_SUFFIXES + SECRET_SUFFIXES) or os.path.basename(rel).startswith(".env")


def module_name(path: str) -> str:
    parts = path[:-3].split("/") if path.endswith(".py") else path.rsplit(".", 1)[0].split("/")
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class Project:
    """Every module of a tree, analysed once: (facts, the lines its suppressions are read from)."""

    def __init__(self) -> None:
        self.modules: list[tuple[ModuleFacts, list[str]]] = []

    def model_functions(self) -> set[str]:
        """Functions that call a model, directly or through other functions of the project (fixpoint)."""
        found = {f"{m.module}.{fn}" for m, _ in self.modules for fn in m.calls_model}
        changed = True
        while changed:
            changed = False
            for facts, _ in self.modules:
                for function, names in facts.calls.items():
                    key = f"{facts.module}.{function}"
                    if key not in found and any(facts.qualify_local(n) in found for n in names):
                        found.add(key)
                        changed = True
        return found


def check_tree(
    root: Path,
    files: list[str],
    *,
    manifest: Manifest | None = None,
    today: dt.date | None = None,
    cache: Path | None = None,
    workers: int | None = None,
) -> CodeReport:
    """Check ``files`` (paths relative to ``root``). With ``cache`` (a file: ``facts.location_for``),
    what each unchanged file gave last time is taken from it instead of parsing the file again. The
    files left to analyse are shared with helper processes when there are enough of them to repay
    the helpers' start-up (``parallel``; ``workers`` sets how many helpers, 0 for none)."""
    today = today or dt.date.today()
    report = CodeReport()
    project = Project()
    store = Cache(cache)
    wanted = [rel for rel in files if reads(rel)]
    with fewer_collections():
        records = _records(root, wanted, store, workers)
    for rel, (record, text) in zip(wanted, records, strict=True):
        _apply(record, text, rel, project, report, today)
    store.save()
    report.cache_hits = store.hits
    functions = project.model_functions()
    report.limited_routes = []
    for facts, lines in project.modules:
        for finding, covered in facts.route_findings(functions):
            finding.cell = facts.cell
            if covered:
                report.limited_routes.append(finding)
            else:
                _keep(report, [finding], lines, facts.path, today)
    _providers(project, report, manifest, today)
    return report


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector run less often meanwhile. Parsing makes hundreds of thousands of
    nodes per module (freed by reference counting, not by the collector), and each 700 allocations
    started a collection: 15% of the analysis's CPU time on private-gpt (2.54 -> 2.16 s, median of
    three, benchmarks/assess_cold.py's tree). The threshold is put back afterwards."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 10_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _records(
    root: Path, wanted: list[str], store: Cache, workers: int | None
) -> list[tuple[FileRecord, str | None]]:
    """What each file gives, with its text, in the order of ``wanted``. Every file is read and hashed
    here and the cache answers for the unchanged ones; the rest are analysed here or by helpers."""
    from aicop.sourcecheck import parallel

    out: list[tuple[FileRecord, str | None]] = []
    todo: list[parallel.Job] = []
    for rel in wanted:
        full = os.path.join(root, rel)
        raw, record, text = _read(full, rel, rel.endswith(SOURCE_SUFFIXES))
        if raw is None:  # unreadable, or too big to analyse: nothing to cache
            out.append((record, text))
            continue
        digest = hashlib.sha256(raw).hexdigest()
        text = raw.decode("utf-8", "replace")
        cached = store.get(rel, digest)
        if cached is None:
            todo.append(parallel.Job(len(out), rel, digest, text))
        out.append((cached or record, text))
    computed = parallel.analyse(str(root), todo, workers)
    for job in todo:
        record = computed.get(job.position) or analyse_file(os.path.join(root, job.rel), job.rel, job.text)
        store.put(job.rel, job.digest, record)
        out[job.position] = (record, job.text)
    return out


def _read(full: str, rel: str, source: bool) -> tuple[bytes | None, FileRecord, str | None]:
    """The file's bytes; or None, with the record and the text of a file that is not analysed."""
    record = FileRecord()
    try:
        too_big = os.path.getsize(full) > MAX_BYTES
        raw = None if too_big else open(full, "rb").read()  # noqa: SIM115 - str paths in the hot loop
    except OSError as err:
        record.skipped.append(f"cannot read: {err.strerror}")
        return None, record, None
    if raw is not None:
        return raw, record, None
    record.skipped.append(f"larger than {MAX_BYTES // (1024 * 1024)} MiB (generated code?)")
    if source:  # not analysed, but still read for secrets
        try:
            text = open(full, encoding="utf-8", errors="replace").read()  # noqa: SIM115
        except OSError:
            return None, record, None
        record.secrets, record.secrets_read = find_secrets(full, rel, text.splitlines()), True
        return None, record, text
    return None, record, None


def analyse_file(full: str, rel: str, text: str) -> FileRecord:
    """What a file gives every rule, from its bytes decoded (``text``); the same in whichever process
    it runs, and what the cache keeps."""
    record = FileRecord()
    source = rel.endswith(SOURCE_SUFFIXES)
    if "\0" in text:  # decoded with replacement, a NUL byte and only a NUL byte gives "\0"
        record.skipped.append("binary content")
        if source:  # not analysed, but still read for secrets
            record.secrets, record.secrets_read = find_secrets(full, rel, text.splitlines()), True
    else:
        record.counted = 1
        if source:
            record.modules = _analyse(text, rel, record)
        record.secrets, record.secrets_read = find_secrets(full, rel, text.splitlines()), True
    return record


def _apply(
    record: FileRecord, text: str | None, rel: str, project: Project, report: CodeReport, today: dt.date
) -> None:
    """Add one file's record to the report in the order the rules run: analysis, then secrets."""
    report.skipped += [(rel, reason) for reason in record.skipped]
    report.files += record.counted
    if record.modules and text is not None:
        cells = dict(_notebook_cells(text, rel, CodeReport())) if rel.endswith(".ipynb") else {}
        for facts in record.modules:
            lines = (cells.get(facts.cell, "") if facts.cell is not None else text).splitlines()
            _keep(report, facts.findings, lines, rel, today)
            project.modules.append((facts, lines))
    if record.secrets_read and text is not None:
        _keep(report, record.secrets, text.splitlines(), rel, today)


def _analyse(text: str, rel: str, record: FileRecord) -> list[ModuleFacts]:
    """The facts of one module, or of each code cell of a notebook."""
    if not rel.endswith(".ipynb"):
        facts = _analyse_source(text, rel, record)
        return [facts] if facts is not None else []
    holder = CodeReport()
    cells = _notebook_cells(text, rel, holder)
    record.skipped += [reason for _, reason in holder.skipped]
    return [
        f for index, source in cells if (f := _analyse_source(source, rel, record, cell=index)) is not None
    ]


def _analyse_source(source: str, rel: str, record: FileRecord, cell: int | None = None) -> ModuleFacts | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not our findings
            tree = ast.parse(source, filename=rel)
    except SyntaxError as err:
        where = f"cell {cell}, line {err.lineno}" if cell is not None else f"line {err.lineno}"
        hint = (
            " (Python 2 syntax?)"
            if (err.msg and "print" in err.msg.lower()) or "Missing parentheses" in (err.msg or "")
            else ""
        )
        record.skipped.append(f"does not parse as Python 3 at {where}: {err.msg}{hint}")
        return None
    except (ValueError, RecursionError, MemoryError) as err:
        record.skipped.append(f"cannot be parsed: {type(err).__name__}")
        return None
    analyzer = Analyzer(rel, module=module_name(rel), source=source)
    analyzer.visit(tree)
    for finding in analyzer.findings:
        finding.cell = cell
    return ModuleFacts(
        path=rel,
        module=analyzer.module,
        cell=cell,
        findings=analyzer.findings,
        calls_model=analyzer.calls_model,
        calls=analyzer.calls,
        defined=analyzer.defined,
        routes=[(r.name, r.lineno, r.col_offset + 1, limited) for r, limited in analyzer.routes],
        global_limiter=analyzer.global_limiter,
        services=services.uses_in_tree(tree, rel, source),
    )


def _keep(
    report: CodeReport, findings: list[CodeFinding], lines: list[str], rel: str, today: dt.date
) -> None:
    extra = suppress.apply(findings, lines, rel, today)
    known = {(f.rule, f.line) for f in report.findings if f.path == rel}
    report.findings += [f for f in [*findings, *extra] if (f.rule, f.line) not in known or f.rule != "AIC901"]


def _notebook_cells(text: str, rel: str, report: CodeReport) -> list[tuple[int, str]]:
    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError) as err:
        report.skipped.append((rel, f"not a readable notebook: {type(err).__name__}: {err}"[:200]))
        return []
    out = []
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        # IPython magics and shell escapes are not Python: keep their line, blank their content.
        lines = ["pass" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")]
        out.append((index, "\n".join(lines)))
    return out


def _providers(project: Project, report: CodeReport, manifest: Manifest | None, today: dt.date) -> None:
    """AIC501 at the first place in each file where the product code talks to a hosted service the
    manifest does not declare. Local servers and stores (Ollama, FAISS) keep data in; tests, mocks and
    fixtures are listed apart, not raised."""
    report.providers = []
    report.test_providers = []
    raised: set[tuple[str, str]] = set()  # (path, provider): a notebook's cells are one file
    for facts, lines in project.modules:
        first: dict[str, services.ServiceUse] = {}
        for use in facts.services:
            talks = use.strength is services.Strength.USE and use.provider.where == services.HOSTED
            if talks and (use.provider.name not in first or use.line < first[use.provider.name].line):
                first[use.provider.name] = use
        for name, use in sorted(first.items(), key=lambda item: item[1].line):
            if (facts.path, name) in raised:
                continue
            raised.add((facts.path, name))
            if use.in_tests:
                report.test_providers.append((name, facts.path, use.line))
                continue
            declared, controls = _declared(use.provider, manifest)
            report.providers.append((name, facts.path, use.line, declared, controls))
            if declared:
                continue
            finding = CodeFinding(
                "AIC501",
                facts.path,
                use.line,
                1,
                f"sends data to {name} ({use.how}), which aicop.yaml does not declare under external_apis",
                cell=facts.cell,
            )
            _keep(report, [finding], lines, facts.path, today)


def _declared(provider: services.Provider, manifest: Manifest | None) -> tuple[bool, bool]:
    if manifest is None:
        return False, False
    for api in manifest.external_apis:
        if services.matches_declaration(provider, api.name, api.provider, api.url):
            return True, bool(api.controls)
    return False, False
