"""Run the source rules over a tree: parse every Python file and notebook once, then resolve what
needs the whole project (functions that reach a model through other modules), secrets in source and
configuration files, and the manifest's declared external services."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import warnings

from aicop.sourcecheck import services, suppress
from aicop.sourcecheck.analyzer import Analyzer
from aicop.sourcecheck.model import CodeFinding, CodeReport
from aicop.sourcecheck.secrets import find_secrets

TYPE_CHECKING = False
if TYPE_CHECKING:
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
    """Every module of a tree, analysed once."""

    def __init__(self) -> None:
        self.analyzers: list[tuple[Analyzer, list[str], int | None]] = []  # analyzer, lines, cell
        self.services: dict[int, list[services.ServiceUse]] = {}  # id(analyzer) → its provider evidence

    def model_functions(self) -> set[str]:
        """Functions that call a model, directly or through other functions of the project (fixpoint)."""
        found = {f"{a.module}.{fn}" for a, _, _ in self.analyzers for fn in a.calls_model}
        changed = True
        while changed:
            changed = False
            for analyzer, _, _ in self.analyzers:
                for function, names in analyzer.calls.items():
                    key = f"{analyzer.module}.{function}"
                    if key not in found and any(analyzer.qualify_local(n) in found for n in names):
                        found.add(key)
                        changed = True
        return found


def check_tree(
    root: Path, files: list[str], *, manifest: Manifest | None = None, today: dt.date | None = None
) -> CodeReport:
    """Check ``files`` (paths relative to ``root``)."""
    today = today or dt.date.today()
    report = CodeReport()
    project = Project()
    for rel in files:
        full = os.path.join(root, rel)
        text = None
        if rel.endswith(SOURCE_SUFFIXES):
            text = _analyse(full, rel, project, report, today)
        if rel.endswith(SECRET_SUFFIXES) or os.path.basename(rel).startswith(".env"):
            _secrets(full, rel, report, today, text)
    functions = project.model_functions()
    report.limited_routes = []
    for analyzer, lines, cell in project.analyzers:
        for finding, covered in analyzer.route_findings(functions):
            finding.cell = cell
            if covered:
                report.limited_routes.append(finding)
            else:
                _keep(report, [finding], lines, analyzer.path, today)
    _providers(project, report, manifest, today)
    return report


def _read(full: str, rel: str, report: CodeReport) -> str | None:
    try:
        if os.path.getsize(full) > MAX_BYTES:
            report.skipped.append((rel, f"larger than {MAX_BYTES // (1024 * 1024)} MiB (generated code?)"))
            return None
        raw = open(full, "rb").read()  # noqa: SIM115 - str paths throughout the hot loop
    except OSError as err:
        report.skipped.append((rel, f"cannot read: {err.strerror}"))
        return None
    if b"\0" in raw:
        report.skipped.append((rel, "binary content"))
        return None
    return raw.decode("utf-8", "replace")


def _analyse(full: str, rel: str, project: Project, report: CodeReport, today: dt.date) -> str | None:
    """Analyse one module or notebook; its text, for the secrets rule to read it only once."""
    text = _read(full, rel, report)
    if text is None:
        return None
    report.files += 1
    if rel.endswith(".ipynb"):
        cells = _notebook_cells(text, rel, report)
        for index, source in cells:
            _analyse_source(source, rel, project, report, today, cell=index)
    else:
        _analyse_source(text, rel, project, report, today)
    return text


def _analyse_source(
    source: str, rel: str, project: Project, report: CodeReport, today: dt.date, cell: int | None = None
) -> None:
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
        report.skipped.append((rel, f"does not parse as Python 3 at {where}: {err.msg}{hint}"))
        return
    except (ValueError, RecursionError, MemoryError) as err:
        report.skipped.append((rel, f"cannot be parsed: {type(err).__name__}"))
        return
    analyzer = Analyzer(rel, module=module_name(rel), source=source)
    analyzer.visit(tree)
    project.services[id(analyzer)] = services.uses_in_tree(tree, rel, source)
    lines = source.splitlines()
    for finding in analyzer.findings:
        finding.cell = cell
    _keep(report, analyzer.findings, lines, rel, today)
    project.analyzers.append((analyzer, lines, cell))


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


def _secrets(full: str, rel: str, report: CodeReport, today: dt.date, text: str | None = None) -> None:
    """Secrets in one file; ``text`` is a source file's, already read (a source file too large or binary
    to analyse is still read for secrets)."""
    if text is None and not rel.endswith(SOURCE_SUFFIXES):
        text = _read(full, rel, report)
    if text is None and not rel.endswith(SOURCE_SUFFIXES):
        return
    if not rel.endswith(SOURCE_SUFFIXES):
        report.files += 1  # read for secrets only: still a file checked
    if text is None:
        try:
            text = open(full, encoding="utf-8", errors="replace").read()  # noqa: SIM115
        except OSError:
            return
    lines = text.splitlines()
    _keep(report, find_secrets(full, rel, lines), lines, rel, today)


def _providers(project: Project, report: CodeReport, manifest: Manifest | None, today: dt.date) -> None:
    """AIC501 at the first place in each file where the product code talks to a hosted service the
    manifest does not declare. Local servers and stores (Ollama, FAISS) keep data in; tests, mocks and
    fixtures are listed apart, not raised."""
    report.providers = []
    report.test_providers = []
    raised: set[tuple[str, str]] = set()  # (path, provider): a notebook's cells are one file
    for analyzer, lines, cell in project.analyzers:
        first: dict[str, services.ServiceUse] = {}
        for use in project.services.get(id(analyzer), []):
            talks = use.strength is services.Strength.USE and use.provider.where == services.HOSTED
            if talks and (use.provider.name not in first or use.line < first[use.provider.name].line):
                first[use.provider.name] = use
        for name, use in sorted(first.items(), key=lambda item: item[1].line):
            if (analyzer.path, name) in raised:
                continue
            raised.add((analyzer.path, name))
            if use.in_tests:
                report.test_providers.append((name, analyzer.path, use.line))
                continue
            declared, controls = _declared(use.provider, manifest)
            report.providers.append((name, analyzer.path, use.line, declared, controls))
            if declared:
                continue
            finding = CodeFinding(
                "AIC501",
                analyzer.path,
                use.line,
                1,
                f"sends data to {name} ({use.how}), which aicop.yaml does not declare under external_apis",
                cell=cell,
            )
            _keep(report, [finding], lines, analyzer.path, today)


def _declared(provider: services.Provider, manifest: Manifest | None) -> tuple[bool, bool]:
    if manifest is None:
        return False, False
    for api in manifest.external_apis:
        if services.matches_declaration(provider, api.name, api.provider, api.url):
            return True, bool(api.controls)
    return False, False
