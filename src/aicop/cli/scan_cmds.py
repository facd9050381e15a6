"""Finding unsafe code: ``aicop scan`` (model files) and ``aicop code`` (source code)."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import (
    UsageError,
    add_output_options,
    as_path,
    emit,
    positive_float,
    positive_int,
)
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from aicop.cli.common import Command, Group


def configure_scan(p: argparse.ArgumentParser) -> None:
    from aicop.cli.registry_cmds import add_options, as_target

    p.add_argument(
        "paths",
        nargs="*",
        type=as_target,
        metavar="PATH",
        help="files or directories to scan, or URLs of objects in a store (s3://, gs://, az://)",
    )
    p.add_argument(
        "--manifest",
        dest="manifest_path",
        type=as_path,
        help="scan the local models an aicop.yaml names (with or instead of PATHs)",
    )
    p.add_argument(
        "--policy",
        dest="policy_path",
        type=as_path,
        help="YAML policy: 'allow: [module.Name, package.*]', 'deny: {module.name: reason}' and "
        "'malformed: unsafe|error' (a file that claims a model format but does not parse as it: "
        "unsafe, the default, or reported as not scanned)",
    )
    add_output_options(p)
    p.add_argument(
        "--timeout", type=positive_float, default=60.0, help="seconds allowed per file (default: 60)"
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes for directories of 64 files or more (default: one per core)",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="also list informational findings")
    add_options(p)


def quick_scan(argv: list[str]) -> argparse.Namespace | None:
    """The arguments of ``aicop scan PATH...`` with no option, as the parser would read them, without
    building it: that is how CI loops call it, once per file, and building the parser (its help texts
    formatted, the terminal measured, gettext's locale looked up) was a tenth of such a run. None for
    anything else, which the parser reads. tests/cli checks that both give the same."""
    if not argv or any(arg.startswith("-") for arg in argv):
        return None
    from aicop.cli.registry_cmds import as_target

    try:
        paths = [as_target(arg) for arg in argv]
    except Exception:  # whatever a path does to the parser's type, the parser reports
        return None
    return argparse.Namespace(
        command="scan", paths=paths, manifest_path=None, policy_path=None,
        fmt="text", output=None, timeout=60.0, jobs=None, verbose=False, executor="local",
        endpoint_url=None, state=None, full=False, run=run_scan,
    )  # fmt: skip


SCAN_DESCRIPTION = """\
Find code execution hidden in model files, without loading them.

Formats are recognised by content: pickle (protocols 0-5), PyTorch zip and legacy checkpoints,
joblib (raw and compressed), NumPy .npy/.npz, Keras .h5/.keras, TensorFlow SavedModel, ONNX,
safetensors, GGUF, and zip, tar, 7z, gzip, bz2 and xz containers. Every finding says which format
it assumed. A file that claims a format by its name (.safetensors, .pt, .pkl, .gguf, ...) or its
signature and does not parse as it cannot be verified: unsafe, unless the policy says
'malformed: error'. Content of another format than the name says is scanned as what it is.
Directories: .git, .hg and .svn are never entered, and what .gitignore ignores is skipped.

Exit 0 when nothing unsafe was found, 1 when something unsafe was, 2 when a file could not be
scanned (and nothing unsafe was found).
"""


def run_scan(a: argparse.Namespace) -> int:
    from aicop.scan.output import render_json, render_sarif, render_text
    from aicop.scan.policy import DEFAULT_POLICY, Policy
    from aicop.scan.scanner import Limits, iter_files, scan_paths

    models = _manifest_models(a.manifest_path) if a.manifest_path else []
    if a.manifest_path and not models and not a.paths:
        raise AicopError(
            "names no local model (an entry under models: with a path), so there is nothing to scan; "
            "give PATHs to scan, or declare the models",
            path=a.manifest_path,
        )
    targets = list(a.paths) + models
    if not targets:
        raise UsageError("give at least one PATH, or --manifest with an aicop.yaml that names local models")
    from aicop.cli import registry_cmds

    if registry_cmds.wants_registry(targets, a.executor):
        report, code = registry_cmds.scan(a, targets)
    else:
        policy = Policy.load(a.policy_path) if a.policy_path else DEFAULT_POLICY
        total = sum(1 for _ in iter_files(targets)) if sys.stderr.isatty() else 0
        with _scan_progress(total) as advance:
            report = scan_paths(targets, policy, Limits(seconds=a.timeout), advance, workers=a.jobs)
        code = int(ExitCode.GAPS if report.unsafe else (ExitCode.BAD_INPUT if report.errors else ExitCode.OK))
    if a.fmt == "json":
        text = render_json(report)
    elif a.fmt == "sarif":
        text = render_sarif(report)
    else:
        text = render_text(report, verbose=a.verbose)
    emit(text, a.output)
    return code


def _manifest_models(path: Path) -> list[Path]:
    from aicop.system import load_manifest

    manifest = load_manifest(path, path.parent)
    return [path.parent / m.path for m in manifest.models if m.path]


def _scan_progress(total: int) -> AbstractContextManager[Callable[[Path], None] | None]:
    """A progress bar on stderr for scans of many files, only when a person is watching."""
    import contextlib

    @contextlib.contextmanager
    def progress() -> Iterator[Callable[[Path], None] | None]:
        if total < 20:
            yield None
            return
        import time

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.description}"),
        )
        # No refresh thread: the scanner forks worker processes, and a fork must not copy a thread's locks.
        with Progress(*columns, transient=True, auto_refresh=False) as bar:
            task = bar.add_task("", total=total)
            shown = [0.0]

            def advance(path: Path) -> None:
                bar.update(task, advance=1, description=path.name[-40:])
                if time.monotonic() - shown[0] > 0.1:
                    shown[0] = time.monotonic()
                    bar.refresh()

            yield advance

    return progress()


def configure_code(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="a repository or a file (default: .)")
    p.add_argument(
        "--manifest",
        dest="manifest_path",
        type=as_path,
        help="manifest whose external_apis are declared (default: PATH/aicop.yaml if present)",
    )
    add_output_options(p)


def run_code(a: argparse.Namespace) -> int:
    """Check Python files and notebooks for unsafe model loading, remote code, unpinned models, secrets,
    undeclared LLM services, privileged agent tools and model endpoints without a rate limit.
    Suppress a finding with '# aicop: ignore[RULE] reason'. Exit 0 clean, 1 findings, 2 error."""
    from pathlib import Path

    from aicop.sourcecheck import check_tree
    from aicop.sourcecheck.engine import reads
    from aicop.sourcecheck.output import render_json, render_sarif, render_text
    from aicop.system.manifest import MANIFEST_NAME
    from aicop.system.walk import walk
    from aicop.system.yamlsource import load_manifest

    path = a.path or Path()
    if not path.exists():
        raise AicopError("no such file or directory", path=path)
    root, files = (path.parent, [path.name]) if path.is_file() else (path, [e.path for e in walk(path)])
    files = [f for f in files if reads(f)]
    if not files:
        what = "is not a file" if path.is_file() else "holds no file"
        raise AicopError(
            f"{what} that aicop code reads: Python (.py), notebooks (.ipynb), and for secrets "
            "configuration and text (.yaml, .json, .toml, .env, .cfg, .ini, .txt, .sh); nothing was checked",
            path=path,
        )
    manifest_path = a.manifest_path or (root / MANIFEST_NAME if (root / MANIFEST_NAME).is_file() else None)
    manifest = load_manifest(manifest_path, manifest_path.parent) if manifest_path else None
    from aicop.sourcecheck.facts import location_for

    report = check_tree(root, files, manifest=manifest, cache=location_for(root))
    render = {"json": render_json, "sarif": render_sarif}.get(a.fmt, render_text)
    emit(render(report), a.output)
    return int(ExitCode.GAPS if report.active else ExitCode.OK)


# Commands whose common form is read without the parser (main.main tries these first).
QUICK = {"scan": quick_scan}
COMMANDS: dict[str, Command] = {
    "scan": ("find code execution hidden in model files", SCAN_DESCRIPTION, configure_scan, run_scan),
    "code": ("check source code for AI-specific security problems", None, configure_code, run_code),
}
GROUPS: dict[str, Group] = {}
