"""``aicop``: the command line.

Built on the standard library's ``argparse`` rather than click: ``aicop scan FILE`` runs once per file
in CI loops, and importing click costs about 21 ms, half of the fastest anchor scanner's whole run
(measured in benchmarks/scan_compare.py). Each command is one ``configure`` (its arguments) and one
``run``; ``main`` builds only the parser of the command being run, so start-up does not grow with
the number of commands. Heavy modules (pydantic, rich, Jinja2) are imported inside the commands.

Every user-facing problem is an ``AicopError`` (one line on stderr, its exit code); argument errors
exit 2; anything else is a bug and exits 3.
"""

from __future__ import annotations

import argparse
import os
import sys

from aicop import __version__
from aicop.cli import gateway_cmds
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import Any, NoReturn, TypeAlias

    from aicop.assess.results import Assessment
    from aicop.catalog.model import Catalog, Role
    from aicop.system.manifest import Manifest

    Command: TypeAlias = tuple[
        str, str | None, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]
    ]

ROLE_NAMES = ("developer", "system-operator", "data-controller")
REPORT_FORMATS = ("json", "markdown", "html", "sarif", "oscal")
SECTIONS = ("secure-design", "secure-development", "secure-deployment", "secure-maintenance")
DESCRIPTION = """\
aicop makes the UK AI Cyber Security Code of Practice executable.

Describe your AI system in aicop.yaml ('aicop init'), then 'aicop assess' it: every provision
that applies to the roles you play gets a status with evidence, in reports for people, CI
pipelines (SARIF) and auditors (OSCAL). 'aicop scan' finds code execution hidden in model files;
'aicop inventory', 'sign', 'snapshot', 'restore' and 'bom' keep the assets known and restorable;
'aicop data' checks the data that trains and feeds the model.
"""
EPILOG = (
    "Exit codes: 0 no gaps at the --fail-on level, 1 gaps (or unsafe models), 2 bad input or usage, "
    "3 internal error."
)


class UsageError(AicopError):
    """Arguments that do not fit together."""


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def _catalog(source: str | None) -> Catalog:
    from aicop.catalog import load_catalog

    return load_catalog(source)


def _add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        dest="catalog_source",
        metavar="ID|PATH",
        default=None,
        help="catalog id (default dsit-2024-05, the draft Code) or a catalog JSON file",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=("text", "json", "sarif"),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument("--output", "-o", type=_path, help="write the report here")


def _roles(value: list[str]) -> list[Role]:
    from aicop.catalog.model import Role

    names = [n.strip() for item in value for n in item.split(",") if n.strip()]
    bad = [n for n in names if n not in ROLE_NAMES]
    if bad:
        raise UsageError(f"--roles: unknown role {bad[0]!r}; choose from {', '.join(ROLE_NAMES)}")
    return [Role(n) for n in names]


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from aicop.fsutil import write_atomic

    write_atomic(output, text)
    print(f"wrote {output}", file=sys.stderr)


# --------------------------------------------------------------------------- catalog
def configure_catalog_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", choices=ROLE_NAMES, help="only provisions that bind this role")
    p.add_argument("--modality", choices=("shall", "should", "can"), help="only this modality")
    p.add_argument("--principle", metavar="N", help="only this principle (1-12)")
    p.add_argument("--section", choices=SECTIONS, help="only this section of the Code")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("table", "json", "csv"),
        default="table",
        help="output format (default: table)",
    )
    _add_catalog_option(p)


def run_catalog_list(a: argparse.Namespace) -> int:
    """List provisions, filtered."""
    from aicop.catalog.query import select

    cat = _catalog(a.catalog_source)
    if a.principle is not None and a.principle not in {p.id for p in cat.principles}:
        raise UsageError(f"--principle: no principle {a.principle!r} (1-{len(cat.principles)})")
    rows = select(cat, role=a.role, modality=a.modality, principle=a.principle, section=a.section)
    if a.fmt == "json":
        import json

        print(json.dumps([v.model_dump(mode="json") for v in rows], indent=2, ensure_ascii=False))
        return 0
    if a.fmt == "csv":
        from aicop.catalog.export import to_csv
        from aicop.catalog.query import restrict

        sys.stdout.write(to_csv(restrict(cat, {v.id for v in rows})))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{cat.title} ({cat.id}): {len(rows)} provisions", title_justify="left", expand=True)
    table.add_column("Id", no_wrap=True)
    table.add_column("Modality", no_wrap=True)
    table.add_column("Binds", ratio=1)
    table.add_column("Text", ratio=3)
    for v in rows:
        table.add_row(v.id, v.modality.value, ", ".join(s.value for s in v.stakeholders), v.text)
    Console().print(table)
    return 0


def configure_catalog_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("item_id", metavar="ID", help="a provision (5.4.1) or a principle (5)")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    _add_catalog_option(p)


def run_catalog_show(a: argparse.Namespace) -> int:
    """Show a provision (e.g. 5.4.1) or a principle (e.g. 5) in full."""
    from aicop.catalog.query import describe

    cat = _catalog(a.catalog_source)
    try:
        item = cat.provision(a.item_id) if "." in a.item_id else cat.principle(a.item_id)
    except KeyError:
        raise AicopError(f"no provision or principle {a.item_id!r} in catalog {cat.id}") from None
    sys.stdout.write(item.model_dump_json(indent=2) + "\n" if a.fmt == "json" else describe(cat, item))
    return 0


def configure_catalog_export(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("json", "yaml", "csv", "oscal"),
        required=True,
        help="json/yaml: the catalog as data; csv: a row per provision; oscal: an OSCAL 1.1.3 catalog",
    )
    p.add_argument("--output", "-o", type=_path, help="file to write (default: stdout)")
    _add_catalog_option(p)


def run_catalog_export(a: argparse.Namespace) -> int:
    """Export the catalog for other tools."""
    from aicop.catalog.export import export

    _emit(export(_catalog(a.catalog_source), a.fmt), a.output)
    return 0


# --------------------------------------------------------------------------- manifest and init
def configure_nothing(p: argparse.ArgumentParser) -> None:
    return None


def run_manifest_schema(a: argparse.Namespace) -> int:
    """Print the JSON Schema of aicop.yaml."""
    import json

    from aicop.system.manifest import Manifest

    print(json.dumps(Manifest.model_json_schema(), indent=2))
    return 0


def configure_manifest_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="the manifest (default: ./aicop.yaml)")
    _add_catalog_option(p)


def run_manifest_validate(a: argparse.Namespace) -> int:
    """Check aicop.yaml against the schema and the catalog; exit 2 with file:line on the first error."""
    from pathlib import Path

    from aicop.system import load_manifest

    path = a.path or Path("aicop.yaml")
    loaded = load_manifest(path, path.parent, _catalog(a.catalog_source))
    print(f"{path}: valid ({loaded.system.name}, roles: {', '.join(r.value for r in loaded.roles)})")
    return 0


def configure_init(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--print",
        dest="to_stdout",
        action="store_true",
        help="print the manifest instead of writing aicop.yaml",
    )


def run_init(a: argparse.Namespace) -> int:
    """Discover a starting aicop.yaml from the repository at PATH (never overwrites one)."""
    from pathlib import Path

    from aicop.fsutil import write_atomic
    from aicop.system.discover import discover, render_manifest
    from aicop.system.manifest import MANIFEST_NAME
    from aicop.system.yamlsource import load_manifest

    path = a.path or Path()
    if not path.is_dir():
        raise AicopError("not a directory", path=path)
    target = path / MANIFEST_NAME
    if target.exists() and not a.to_stdout:
        raise AicopError(
            "already exists; aicop init never overwrites a manifest (use --print to compare)", path=target
        )
    found = discover(path)
    text = render_manifest(found)
    if a.to_stdout:
        sys.stdout.write(text)
        return 0
    write_atomic(target, text)
    load_manifest(target, path)  # what init writes must load; a failure here is a bug, not bad input
    print(
        f"wrote {target}: {len(found.models)} models, {len(found.datasets)} datasets, {len(found.prompts)} "
        f"prompts, {len(found.documents)} documents, {len(found.external_apis)} external APIs. "
        f"Review it, then run 'aicop assess {path}'."
    )
    return 0


# --------------------------------------------------------------------------- assess
def configure_assess(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--manifest", dest="manifest_path", type=_path, help="manifest to use (default PATH/aicop.yaml)"
    )
    p.add_argument(
        "--roles",
        action="append",
        default=[],
        metavar="ROLE[,ROLE]",
        help="roles to assess as, overriding the manifest: developer, system-operator, data-controller",
    )
    p.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=REPORT_FORMATS,
        default=[],
        help="report formats to write (repeatable; default all five with --output); without "
        "--output, one format is printed to stdout instead of the table",
    )
    p.add_argument(
        "--output",
        "-o",
        type=_path,
        help="directory to write reports into (aicop-report.json, .md, .html, .sarif, .oscal.json)",
    )
    p.add_argument(
        "--fail-on",
        choices=("shall", "should", "never"),
        default="shall",
        help="exit 1 when a gap remains in a provision of this modality or stronger (default: shall)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="do not print the table")
    _add_catalog_option(p)


def run_assess(a: argparse.Namespace) -> int:
    """Assess the AI system in the repository at PATH against the Code."""
    from pathlib import Path

    from aicop.assess import assess as run_assessment
    from aicop.assess.results import FailOn
    from aicop.fsutil import write_all_atomic
    from aicop.report import FORMATS, render

    path = a.path or Path()
    if a.output is None and len(a.formats) > 1:
        raise UsageError("without --output, give at most one --format (it is printed to stdout)")
    if not path.exists():
        raise AicopError("no such directory", path=path)
    with _spinner() as progress:
        result = run_assessment(
            path,
            manifest_path=a.manifest_path,
            roles=_roles(a.roles) or None,
            catalog=_catalog(a.catalog_source),
            progress=progress,
        )
    if a.output is None and a.formats:
        sys.stdout.write(render(result, a.formats[0]))
    else:
        rendered = {}
        if a.output is not None:
            rendered = {
                a.output / FORMATS[f].filename: render(result, f) for f in (a.formats or REPORT_FORMATS)
            }
        if not a.quiet:
            _print_table(result)
        write_all_atomic(rendered)
        for written in rendered:
            print(f"wrote {written}", file=sys.stderr)
    return int(ExitCode.GAPS if result.gaps(FailOn(a.fail_on)) else ExitCode.OK)


def _spinner(
    first: str = "walking the repository…", then: str = "running check {}…"
) -> AbstractContextManager[Callable[[str], None] | None]:
    """A status line on stderr during long work (checks, hashing), only when a person is watching."""
    import contextlib

    @contextlib.contextmanager
    def spinner() -> Iterator[Callable[[str], None] | None]:
        if not sys.stderr.isatty():
            yield None
            return
        from rich.console import Console

        with Console(stderr=True).status(first) as status:
            yield lambda item: status.update(then.format(item))

    return spinner()


def _print_table(result: Assessment) -> None:
    from rich.console import Console

    from aicop.report.terminal import renderable

    Console(highlight=False).print(renderable(result))


# --------------------------------------------------------------------------- scan
def configure_scan(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=_path, metavar="PATH", help="files or directories to scan")
    p.add_argument(
        "--manifest",
        dest="manifest_path",
        type=_path,
        help="scan the local models an aicop.yaml names (with or instead of PATHs)",
    )
    p.add_argument(
        "--policy",
        dest="policy_path",
        type=_path,
        help="YAML policy: 'allow: [module.Name, package.*]' and 'deny: {module.name: reason}'",
    )
    _add_output_options(p)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per file (default: 60)")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes for directories of 64 files or more (default: one per core)",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="also list informational findings")


SCAN_DESCRIPTION = """\
Find code execution hidden in model files, without loading them.

Formats are recognised by content: pickle (protocols 0-5), PyTorch zip and legacy checkpoints,
joblib (raw and compressed), NumPy .npy/.npz, Keras .h5/.keras, TensorFlow SavedModel, ONNX,
safetensors, GGUF, and zip, tar, 7z, gzip, bz2 and xz containers.

Exit 0 when nothing unsafe was found, 1 when something unsafe was, 2 when a file could not be
scanned (and nothing unsafe was found).
"""


def run_scan(a: argparse.Namespace) -> int:
    from aicop.scan.output import render_json, render_sarif, render_text
    from aicop.scan.policy import DEFAULT_POLICY, Policy
    from aicop.scan.scanner import Limits, iter_files, scan_paths

    targets = list(a.paths) + (_manifest_models(a.manifest_path) if a.manifest_path else [])
    if not targets:
        raise UsageError("give at least one PATH, or --manifest")
    policy = Policy.load(a.policy_path) if a.policy_path else DEFAULT_POLICY
    total = sum(1 for _ in iter_files(targets)) if sys.stderr.isatty() else 0
    with _scan_progress(total) as advance:
        report = scan_paths(targets, policy, Limits(seconds=a.timeout), advance, workers=a.jobs)
    if a.fmt == "json":
        text = render_json(report)
    elif a.fmt == "sarif":
        text = render_sarif(report)
    else:
        text = render_text(report, verbose=a.verbose)
    _emit(text, a.output)
    return int(ExitCode.GAPS if report.unsafe else (ExitCode.BAD_INPUT if report.errors else ExitCode.OK))


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


# --------------------------------------------------------------------------- code
def configure_code(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="a repository or a file (default: .)")
    p.add_argument(
        "--manifest",
        dest="manifest_path",
        type=_path,
        help="manifest whose external_apis are declared (default: PATH/aicop.yaml if present)",
    )
    _add_output_options(p)


def run_code(a: argparse.Namespace) -> int:
    """Check Python files and notebooks for unsafe model loading, remote code, unpinned models, secrets,
    undeclared LLM services, privileged agent tools and model endpoints without a rate limit.
    Suppress a finding with '# aicop: ignore[RULE] reason'. Exit 0 clean, 1 findings, 2 error."""
    from pathlib import Path

    from aicop.sourcecheck import check_tree
    from aicop.sourcecheck.output import render_json, render_sarif, render_text
    from aicop.system.manifest import MANIFEST_NAME
    from aicop.system.walk import walk
    from aicop.system.yamlsource import load_manifest

    path = a.path or Path()
    if not path.exists():
        raise AicopError("no such file or directory", path=path)
    root, files = (path.parent, [path.name]) if path.is_file() else (path, [e.path for e in walk(path)])
    manifest_path = a.manifest_path or (root / MANIFEST_NAME if (root / MANIFEST_NAME).is_file() else None)
    manifest = load_manifest(manifest_path, manifest_path.parent) if manifest_path else None
    report = check_tree(root, files, manifest=manifest)
    render = {"json": render_json, "sarif": render_sarif}.get(a.fmt, render_text)
    _emit(render(report), a.output)
    return int(ExitCode.GAPS if report.active else ExitCode.OK)


# --------------------------------------------------------------------------- inventory and audit
def configure_inventory(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--check",
        action="store_true",
        help="compare with the recorded inventory; exit 1 on any change (nothing is written)",
    )
    p.add_argument(
        "--paranoid",
        action="store_true",
        help="re-read every byte instead of trusting the (size, mtime, inode) cache",
    )
    p.add_argument(
        "--algorithm", choices=("sha256", "blake3"), default="sha256", help="hash (default: sha256)"
    )
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_inventory(a: argparse.Namespace) -> int:
    """Record every model, dataset, prompt, configuration file and document with its content hash in
    .aicop/inventory.json (with history and an audit event), or --check what changed since."""
    import json

    from aicop.integrity import inventory

    root, manifest = _project(a.path)
    if a.check:
        with _spinner("hashing the assets…"):
            diff = inventory.check(root, manifest, paranoid=a.paranoid)
        changed = any(diff.values())
        if a.fmt == "json":
            print(json.dumps({"changed": changed, **diff}, indent=2))
        else:
            for kind, paths in diff.items():
                for rel in paths:
                    print(f"{kind:9} {rel}")
            print(
                "changed since the recorded inventory"
                if changed
                else "unchanged since the recorded inventory"
            )
        return int(ExitCode.GAPS if changed else ExitCode.OK)
    with _spinner("hashing the assets…"):
        recorded, diff = inventory.record(root, manifest, algorithm=a.algorithm, paranoid=a.paranoid)
    if a.fmt == "json":
        print(json.dumps({"digest": recorded["digest"], "assets": len(recorded["assets"]), **diff}, indent=2))
    else:
        kinds: dict[str, int] = {}
        for asset in recorded["assets"]:
            kinds[asset["type"]] = kinds.get(asset["type"], 0) + 1
        by_type = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print(
            f"recorded {len(recorded['assets'])} assets ({by_type}) in {root / '.aicop' / 'inventory.json'}; "
            "since the last recording: " + ", ".join(f"{len(v)} {k}" for k, v in diff.items())
        )
    return int(ExitCode.OK)


def _project(path: Path | None) -> tuple[Path, Manifest | None]:
    """(root, manifest or None) for a repository argument."""
    from pathlib import Path

    from aicop.system.manifest import MANIFEST_NAME
    from aicop.system.yamlsource import load_manifest

    root = path or Path()
    if not root.is_dir():
        raise AicopError("not a directory", path=root)
    manifest = load_manifest(root / MANIFEST_NAME, root) if (root / MANIFEST_NAME).is_file() else None
    return root, manifest


def _add_store_options(p: argparse.ArgumentParser, key_help: str) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--store",
        type=_path,
        default=None,
        metavar="DIR",
        help="the content-addressed store of known-good copies (default: PATH/.aicop/store)",
    )
    p.add_argument("--key", type=_path, default=None, metavar="PEM", help=key_help)


def _password(variable: str | None) -> str | None:
    if variable is None:
        return None
    password = os.environ.get(variable)
    if password is None:
        raise AicopError(f"--password-env: the variable {variable} is not set")
    return password


def configure_snapshot(p: argparse.ArgumentParser) -> None:
    _add_store_options(p, "sign the snapshot manifest with this private key")
    p.add_argument(
        "--password-env", default=None, metavar="VAR", help="the variable holding the key's password"
    )
    p.add_argument("--list", action="store_true", help="list the snapshots in the store instead")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_snapshot(a: argparse.Namespace) -> int:
    """Copy every model, dataset, prompt, configuration file and document into a content-addressed
    store as a known-good state, and record the snapshot in the audit trail. 'aicop restore' brings
    it back."""
    import json

    from aicop.integrity import store

    root, manifest = _project(a.path)
    if a.list:
        where = store.store_dir(root, a.store)
        rows = []
        for path in store.list_snapshots(where):
            doc, _ = store.load_snapshot(where, path.stem)
            rows.append({"id": doc["id"], "created": doc["created"], "assets": len(doc["assets"])})
        if a.fmt == "json":
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                print(f"{row['id']}  {row['created']}  {row['assets']} assets")
            print(f"{len(rows)} snapshots in {where}")
        return int(ExitCode.OK)
    password = _password(a.password_env)
    with _spinner("copying the assets into the store…"):
        doc, added = store.snapshot(root, manifest, a.store, key=a.key, password=password)
    size = sum(int(x["size"]) for x in doc["assets"])
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "id": doc["id"],
                    "digest": doc["digest"],
                    "assets": len(doc["assets"]),
                    "bytes": size,
                    "objects_added": added,
                },
                indent=2,
            )
        )
    else:
        print(
            f"snapshot {doc['id']}: {len(doc['assets'])} assets, {size:,} bytes "
            f"({added} new objects) in {store.store_dir(root, a.store)}"
        )
    return int(ExitCode.OK)


def configure_restore(p: argparse.ArgumentParser) -> None:
    _add_store_options(
        p,
        "require the snapshot's signature by this public key (default: signing.public_key of aicop.yaml "
        "when the snapshot is signed)",
    )
    p.add_argument("--snapshot", default=None, metavar="ID", help="the snapshot to restore (default: newest)")
    p.add_argument(
        "--drill",
        action="store_true",
        help="restore into a scratch directory, verify every byte and record the drill (5.3's evidence)",
    )
    p.add_argument("--into", type=_path, default=None, metavar="DIR", help="with --drill: restore here")
    p.add_argument("--keep", action="store_true", help="with --drill: keep the scratch directory")
    p.add_argument("--dry-run", action="store_true", help="say what would be restored; write nothing")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_restore(a: argparse.Namespace) -> int:
    """Restore the project's assets from a snapshot. Every store object, every path and the staged
    copies are checked before anything is replaced, and a failed swap is rolled back. Files that are
    not in the snapshot are listed and left alone."""
    import json

    from aicop.integrity import store

    root, manifest = _project(a.path)
    if (a.into or a.keep) and not a.drill:
        raise AicopError("--into and --keep go with --drill")
    key = a.key
    if key is None and manifest is not None and manifest.signing is not None:
        store_at = store.store_dir(root, a.store)
        found = (
            store.list_snapshots(store_at)
            if a.snapshot is None
            else [store_at / "snapshots" / f"{a.snapshot}.json"]
        )
        if found and found[-1].with_suffix(".sig").is_file():
            key = root / manifest.signing.public_key
    with _spinner("checking the snapshot and the store…"):
        if a.drill:
            result = store.drill(
                root, manifest, a.store, a.snapshot, into=a.into, keep=a.keep, public_key=key
            )
        else:
            result = store.restore(root, manifest, a.store, a.snapshot, dry_run=a.dry_run, public_key=key)
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "snapshot": result.snapshot,
                    "target": str(result.target),
                    "drill": a.drill,
                    "dry_run": a.dry_run,
                    "restored": result.restored,
                    "unchanged": len(result.unchanged),
                    "not_in_snapshot": result.not_in_snapshot,
                    "bytes": result.bytes,
                    "seconds": round(result.seconds, 3),
                },
                indent=2,
            )
        )
        return int(ExitCode.OK)
    if not a.drill:
        for rel in result.restored:
            print(f"{'would restore' if a.dry_run else 'restored'} {rel}")
        for rel in result.not_in_snapshot:
            print(f"not in the snapshot, left in place: {rel}")
    files = f"{len(result.restored)} file{'' if len(result.restored) == 1 else 's'}"
    if a.drill:
        where = f"into {result.target}" + ("" if a.keep or a.into else " (since removed)")
        print(
            f"drill passed: snapshot {result.snapshot}, {files} ({result.bytes:,} bytes) restored {where} "
            f"and verified in {result.seconds:.2f} s; recorded in .aicop/audit.jsonl"
        )
    else:
        done = "would be restored" if a.dry_run else "restored"
        print(f"snapshot {result.snapshot}: {files} {done}, {len(result.unchanged)} already matched")
    return int(ExitCode.OK)


def _add_signing_target(p: argparse.ArgumentParser, key_help: str, *, key_required: bool) -> None:
    p.add_argument(
        "path",
        nargs="?",
        type=_path,
        default=None,
        help="a model directory or file, or with --inventory the repository (default: .)",
    )
    p.add_argument("--key", type=_path, required=key_required, metavar="PEM", help=key_help)
    p.add_argument(
        "--signature",
        type=_path,
        default=None,
        metavar="FILE",
        help="the Sigstore bundle (default: DIR/model.sig, FILE.sig; .aicop/inventory.sig with --inventory)",
    )
    p.add_argument(
        "--inventory",
        action="store_true",
        help="the recorded inventory's assets instead of every file of a directory",
    )


def _signature_path(a: argparse.Namespace, root: Path) -> Path:
    from aicop.integrity.signing import INVENTORY_SIGNATURE

    if a.signature is not None:
        return a.signature  # type: ignore[no-any-return]
    if root.is_file():
        return root.with_name(root.name + ".sig")
    return root / (INVENTORY_SIGNATURE if a.inventory else "model.sig")


def configure_sign(p: argparse.ArgumentParser) -> None:
    _add_signing_target(
        p, "the PEM private key: ECDSA P-256/P-384/P-521, or Ed25519 (aicop-only)", key_required=True
    )
    p.add_argument(
        "--certificate",
        type=_path,
        default=None,
        metavar="PEM",
        help="sign with this X.509 certificate of the key (key usage digitalSignature) instead of a bare key",
    )
    p.add_argument(
        "--chain",
        type=_path,
        action="append",
        default=[],
        metavar="PEM",
        help="intermediate certificates to include with --certificate (repeat)",
    )
    p.add_argument(
        "--password-env",
        default=None,
        metavar="VAR",
        help="the environment variable holding the private key's password",
    )
    p.add_argument("--algorithm", choices=("sha256", "blake3"), default="sha256", help="file hash")
    p.add_argument(
        "--ignore", action="append", default=[], metavar="REL", help="a path to leave out (repeat)"
    )
    p.add_argument(
        "--shard-size",
        type=int,
        default=None,
        metavar="BYTES",
        help="hash in shards of this size in parallel (model-signing 'shards'; faster for a few large files)",
    )
    p.add_argument("--no-ignore-git", action="store_true", help="sign .git, .gitignore and the like too")


def _sign(a: argparse.Namespace, root: Path, signature: Path, password: str | None) -> dict[str, Any]:
    from aicop.integrity import signing

    if a.inventory:
        project, manifest = _project(root)
        return signing.sign_inventory(
            project, manifest, a.key, password=password, certificate=a.certificate, chain=a.chain
        )
    return signing.sign_directory(
        root,
        a.key,
        signature,
        password=password,
        algorithm=a.algorithm,
        ignore=a.ignore,
        ignore_git=not a.no_ignore_git,
        certificate=a.certificate,
        chain=a.chain,
        shard_size=a.shard_size,
    )


def run_sign(a: argparse.Namespace) -> int:
    """Sign a model directory (every file) or the recorded inventory, offline, in the OpenSSF
    model-signing format: an in-toto statement in a Sigstore bundle that 'model_signing verify key'
    accepts for ECDSA keys."""
    from pathlib import Path

    from aicop.audit import AuditLog
    from aicop.integrity import signing

    root = a.path or Path()
    password = _password(a.password_env)
    signature = _signature_path(a, root)
    with _spinner("hashing and signing…"):
        bundle = _sign(a, root, signature, password)
    import base64
    import json

    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    subject = statement["subject"][0]
    sharded = statement["predicate"]["serialization"]["method"] == "shards"
    files = len(
        {r["name"].rsplit(":", 2)[0] if sharded else r["name"] for r in statement["predicate"]["resources"]}
    )
    log = signing.audit_log_for(root)
    if log is not None:
        AuditLog(log).append(
            "asset.signed",
            {
                "subject": subject["name"],
                "digest": subject["digest"]["sha256"],
                "files": files,
                "signature": str(signature),
                "signer": a.certificate.name
                if a.certificate
                else bundle["verificationMaterial"]["publicKey"]["hint"],
            },
        )
    print(
        f"signed {files} files of {subject['name']} "
        f"(sha256 {subject['digest']['sha256'][:16]}…) into {signature}"
    )
    return int(ExitCode.OK)


def configure_verify(p: argparse.ArgumentParser) -> None:
    _add_signing_target(p, "the signer's PEM public key (for a key signature)", key_required=False)
    p.add_argument(
        "--ca",
        type=_path,
        action="append",
        default=[],
        metavar="PEM",
        help="trusted root certificates (for a certificate signature; repeat)",
    )
    p.add_argument(
        "--ignore-unsigned",
        action="store_true",
        help="do not report files that the signature does not cover (implied by --inventory)",
    )
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_verify(a: argparse.Namespace) -> int:
    """Verify a signature made by aicop or model_signing, then re-hash every file and name each that
    was modified, is missing or is not covered. Exit 0 verified, 1 files differ, 2 the signature or the
    key is bad."""
    import json
    from pathlib import Path

    from aicop.integrity import signing

    root = a.path or Path()
    if not root.exists():
        raise AicopError("no such file or directory", path=root)
    signature = _signature_path(a, root)
    if (a.key is None) == (not a.ca):
        raise AicopError("give --key (a key signature) or --ca (a certificate signature)")
    with _spinner("checking the signature and re-hashing every file…"):
        result = signing.verify_directory(
            root, signature, a.key, ca=a.ca, ignore_unsigned=a.ignore_unsigned or a.inventory
        )
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "verified": result.ok,
                    "subject": result.name,
                    "files": result.files,
                    "method": result.method,
                    "hash_type": result.hash_type,
                    "modified": result.modified,
                    "missing": result.missing,
                    "unsigned": result.unsigned,
                },
                indent=2,
            )
        )
    else:
        for kind in ("modified", "missing", "unsigned"):
            for rel in getattr(result, kind):
                print(f"{kind:8} {rel}")
        verdict = "match it" if result.ok else "DO NOT MATCH it"
        print(
            f"{root}: signature by {a.key or 'a certificate from ' + ', '.join(map(str, a.ca))} is valid; "
            f"the files {verdict} ({result.method}, {result.hash_type})"
        )
    return int(ExitCode.OK if result.ok else ExitCode.GAPS)


def configure_bom(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="the repository (default: .)")
    p.add_argument("--output", "-o", type=_path, help="file to write (default: stdout)")


def run_bom(a: argparse.Namespace) -> int:
    """Write a CycloneDX 1.6 JSON ML-BOM of the system from aicop.yaml: models with a modelCard
    carrying 8.1.1's fields from their model card, datasets, prompts, dependencies with versions and
    hashes, external services and the dependency graph. Validated against the schema before it is
    written."""
    import json

    from aicop.bom.cyclonedx import build

    root, manifest = _project(a.path)
    if manifest is None:
        raise AicopError("a BOM needs aicop.yaml to name the system: run 'aicop init' first", path=root)
    with _spinner("hashing the assets and building the BOM…"):
        document = build(root, manifest)
    _emit(json.dumps(document, indent=2) + "\n", a.output)
    return int(ExitCode.OK)


def configure_data_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=_path, metavar="PATH", help="data files or directories")
    p.add_argument("--format", dest="fmt", choices=("text", "json", "sarif", "html"), default="text")
    p.add_argument(
        "--redact",
        type=_path,
        default=None,
        metavar="OUT",
        help="also write a sanitised copy of the data under OUT (a new directory): personal data, "
        "secrets and planted instructions replaced by [KIND]",
    )
    p.add_argument(
        "--similarity",
        type=_similarity,
        default=0.7,
        metavar="S",
        help="report records that share at least this share of their word pairs with an earlier one as "
        "near-duplicates (estimated Jaccard similarity, 0.5 to 1; default 0.7); 'off' for exact and "
        "normalised duplicates only",
    )
    p.add_argument(
        "--ner",
        metavar="MODEL",
        default=None,
        help="also find names of people and places with Presidio over a local spaCy pipeline: a package "
        "name (en_core_web_lg) or a saved pipeline's folder; tens of KB/s, so off by default (needs "
        "aicop[ner]; nothing is downloaded)",
    )
    p.add_argument(
        "--no-label-noise",
        dest="label_noise",
        action="store_false",
        help="skip the search for flipped labels in labelled sets (cleanlab with a cross-validated "
        "model: seconds per 100,000 rows; needs the aicop[labels] extra)",
    )
    p.add_argument("--output", "-o", type=_path, help="file to write (default: stdout)")


def _similarity(value: str) -> float | None:
    if value.lower() == "off":
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.5 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a similarity from 0.5 to 1, or 'off'")
    return number


def run_data_check(a: argparse.Namespace) -> int:
    """Find personal data (with check digits), secrets and planted instructions in CSV, TSV, JSON,
    JSON Lines and text files, compressed or not, streamed. Exit 0 clean, 1 findings, 2 nothing
    readable."""
    import json
    from pathlib import Path

    from aicop.datacheck.engine import check_paths

    for path in a.paths:
        if not path.exists():
            raise AicopError("no such file or directory", path=path)
    names = None
    if a.ner is not None:
        from aicop.datacheck.names import Names

        with _spinner(f"loading the NER model {a.ner}…"):
            names = Names.load(a.ner)
    with _spinner("reading the data…", "checking {}…") as progress:
        report = check_paths(
            a.paths,
            progress=(lambda p: progress(p.name)) if progress else None,
            similarity=a.similarity,
            label_noise=a.label_noise,
            names=names,
        )
    if a.redact is not None:
        from aicop.datacheck.engine import data_files
        from aicop.datacheck.redact import redact_tree

        pairs = []
        for base in a.paths:
            for path in data_files([base]):
                pairs.append(
                    (path, Path(base.name) / path.relative_to(base) if base.is_dir() else Path(path.name))
                )
        with _spinner("writing the sanitised copy…"):
            written = redact_tree(pairs, a.redact, names)
        print(f"wrote a sanitised copy of {written} files to {a.redact}", file=sys.stderr)
    if a.fmt == "json":
        text = json.dumps(report.as_dict(), indent=2) + "\n"
    elif a.fmt == "sarif":
        from aicop.datacheck.output import render_sarif

        text = render_sarif(report)
    elif a.fmt == "html":
        from aicop.datacheck.output import render_html

        text = render_html(report)
    else:
        lines = []
        for f in report.findings:
            where = f"line {f.line}" if f.row is None else f"row {f.row}"
            column = f", column {f.column}" if f.column is not None else ""
            lines.append(f"{f.path}: {where}{column}: {f.kind}: {f.example}")
        lines += [f"problem: {p}" for p in report.problems]
        counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items())) or "nothing found"
        lines.append(f"{report.files} files, {report.bytes / 1e6:.1f} MB in {report.seconds:.2f} s: {counts}")
        text = "\n".join(lines) + "\n"
    _emit(text, a.output)
    if report.files == 0 and report.problems:
        return int(ExitCode.BAD_INPUT)
    return int(ExitCode.GAPS if report.counts else ExitCode.OK)


def configure_data_watch(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=_path, default=None, help="the repository (default: .)")
    p.add_argument("--record", action="store_true", help="record the sources' current state as the known one")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_data_watch(a: argparse.Namespace) -> int:
    """Check the public data sources aicop.yaml declares (datasets with a url: http(s) or
    hf://datasets/ORG/NAME) against their recorded state: content, revision and licence. Exit 0
    unchanged, 1 changed, not recorded or not reachable (never reported as unchanged)."""
    import json

    from aicop.datacheck.watch import watch

    root, manifest = _project(a.path)
    if manifest is None:
        raise AicopError("no aicop.yaml: the sources to watch are its datasets with a url", path=root)
    with _spinner("fetching the sources…"):
        result = watch(root, manifest, record=a.record)
    unrecorded = [] if a.record else result.new
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "changes": result.changes,
                    "not_checked": result.not_checked,
                    "not_recorded": unrecorded,
                    "checked": [s.name for s in result.states if s.error is None],
                },
                indent=2,
            )
        )
    else:
        for name, what in result.changes.items():
            print(f"changed      {name}: {'; '.join(what)}")
        for name, why in result.not_checked.items():
            print(f"not checked  {name}: {why}")
        for name in unrecorded:
            print(f"not recorded {name}: run 'aicop data watch --record' once it is reviewed")
        checked = sum(s.error is None for s in result.states)
        verb = "recorded" if a.record else "checked"
        print(f"{checked} of {len(result.states)} sources {verb}; state in .aicop/sources.json")
    return int(ExitCode.GAPS if result.changes or result.not_checked or unrecorded else ExitCode.OK)


def configure_audit_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        type=_path,
        default=None,
        help="an audit log (with its rotated parts beside it), or a repository whose .aicop/audit.jsonl "
        "to verify (default: .)",
    )
    p.add_argument(
        "--public-key",
        type=_path,
        default=None,
        metavar="PEM",
        help="check every signed checkpoint with this public key (a rewritten chain cannot be re-signed)",
    )


def run_audit_verify(a: argparse.Namespace) -> int:
    """Verify a hash-chained audit log: name every edited, deleted, reordered or truncated record.
    Exit 0 intact, 1 tampered, 2 unreadable."""
    from pathlib import Path

    from aicop.audit import verify_log

    path = a.path or Path()
    log = path / ".aicop" / "audit.jsonl" if path.is_dir() else path
    key = None
    if a.public_key is not None:
        from aicop.integrity.signing import load_public_key

        key = load_public_key(a.public_key)
    count, problems = verify_log(log, key)
    for problem in problems:
        print(f"{log}: {problem}")
    print(f"{log}: {count} records, " + ("chain intact" if not problems else f"{len(problems)} problems"))
    return int(ExitCode.GAPS if problems else ExitCode.OK)


# --------------------------------------------------------------------------- checks and report
def configure_checks_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", dest="fmt", choices=("table", "json"), default="table")
    _add_catalog_option(p)


def run_checks_list(a: argparse.Namespace) -> int:
    """Print every check with its provisions, and the coverage of the Code."""
    from aicop.assess.registry import registered_checks

    specs = registered_checks()
    cat = _catalog(a.catalog_source)
    covered = {pid for s in specs for pid in s.provisions}
    if a.fmt == "json":
        import json

        print(
            json.dumps(
                {
                    "checks": [
                        {
                            "id": s.id,
                            "provisions": list(s.provisions),
                            "title": s.title,
                            "remediation": s.remediation,
                        }
                        for s in specs
                    ],
                    "coverage": {
                        "covered": sorted(covered, key=_provision_key),
                        "provisions": len(cat.provisions()),
                    },
                },
                indent=2,
            )
        )
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(specs)} checks", title_justify="left", expand=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Provisions", no_wrap=True)
    table.add_column("Title", ratio=1)
    for s in specs:
        table.add_row(s.id, ", ".join(s.provisions), s.title)
    console = Console()
    console.print(table)
    console.print(
        f"Automated evidence for {len(covered)} of {len(cat.provisions())} provisions of {cat.id}; "
        "the others need attestation."
    )
    return 0


def _provision_key(pid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in pid.split("."))


def run_report_schema(a: argparse.Namespace) -> int:
    """Print the JSON Schema of the JSON report."""
    from aicop.report.json_report import schema_text

    sys.stdout.write(schema_text())
    return 0


# --------------------------------------------------------------------------- the command table
# name → (help, description or None, configure, run) for commands; name → (help, {subcommands}) for groups
COMMANDS: dict[str, Command] = {
    "assess": ("assess a repository against the Code", None, configure_assess, run_assess),
    "scan": ("find code execution hidden in model files", SCAN_DESCRIPTION, configure_scan, run_scan),
    "code": ("check source code for AI-specific security problems", None, configure_code, run_code),
    "init": ("discover a starting aicop.yaml", None, configure_init, run_init),
    "inventory": (
        "record or check the content hashes of models, data, prompts and documents",
        None,
        configure_inventory,
        run_inventory,
    ),
    "bom": ("write a CycloneDX 1.6 ML-BOM of the system", None, configure_bom, run_bom),
    "sign": (
        "sign a model directory or the inventory (OpenSSF model signing)",
        None,
        configure_sign,
        run_sign,
    ),
    "verify": (
        "verify a model signature and name each file that differs",
        None,
        configure_verify,
        run_verify,
    ),
    "snapshot": (
        "copy the assets into a store as a known-good state",
        None,
        configure_snapshot,
        run_snapshot,
    ),
    "restore": (
        "restore the assets from a snapshot, or --drill a restore",
        None,
        configure_restore,
        run_restore,
    ),
}
GROUPS: dict[str, tuple[str, dict[str, Command]]] = {
    "catalog": (
        "browse and export the Code: principles, provisions, modality and stakeholders",
        {
            "list": ("list provisions, filtered", None, configure_catalog_list, run_catalog_list),
            "show": ("show a provision or principle in full", None, configure_catalog_show, run_catalog_show),
            "export": (
                "export the catalog for other tools",
                None,
                configure_catalog_export,
                run_catalog_export,
            ),
        },
    ),
    "manifest": (
        "the aicop.yaml manifest: its schema and validation",
        {
            "schema": ("print the JSON Schema of aicop.yaml", None, configure_nothing, run_manifest_schema),
            "validate": ("validate an aicop.yaml", None, configure_manifest_validate, run_manifest_validate),
        },
    ),
    "data": (
        "check training and input data",
        {
            "check": (
                "personal data, secrets and planted instructions in data files",
                None,
                configure_data_check,
                run_data_check,
            ),
            "watch": (
                "record public data sources and report changes in content, revision or licence",
                None,
                configure_data_watch,
                run_data_watch,
            ),
        },
    ),
    "gateway": (
        "a guard and tamper-evident audit log in front of an OpenAI-compatible model API",
        {
            "serve": ("run the gateway", None, gateway_cmds.configure_serve, gateway_cmds.run_serve),
            "keys": (
                "create, list and revoke API keys",
                None,
                gateway_cmds.configure_keys,
                gateway_cmds.run_keys,
            ),
            "mock-upstream": (
                "an OpenAI-compatible fake model for tests and demos",
                None,
                gateway_cmds.configure_mock,
                gateway_cmds.run_mock,
            ),
        },
    ),
    "guard": (
        "the gateway's guards from the command line",
        {
            "check": (
                "score prompts for injection and jailbreak attempts",
                None,
                gateway_cmds.configure_guard_check,
                gateway_cmds.run_guard_check,
            )
        },
    ),
    "audit": (
        "tamper-evident audit logs",
        {"verify": ("verify a hash-chained audit log", None, configure_audit_verify, run_audit_verify)},
    ),
    "checks": (
        "the registered checks and the provisions each evidences",
        {
            "list": (
                "list the checks and the coverage of the Code",
                None,
                configure_checks_list,
                run_checks_list,
            ),
        },
    ),
    "report": (
        "the JSON report format",
        {
            "schema": (
                "print the JSON Schema of the JSON report",
                None,
                configure_nothing,
                run_report_schema,
            ),
        },
    ),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that top-level command's part of it (a faster start)."""
    parser = argparse.ArgumentParser(
        prog="aicop",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"aicop, version {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, (summary, description, configure, run) in COMMANDS.items():
        if only in (None, name):
            command = sub.add_parser(
                name,
                help=summary,
                description=description or run.__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            configure(command)
            command.set_defaults(run=run)
    for name, (summary, members) in GROUPS.items():
        if only in (None, name):
            group = sub.add_parser(name, help=summary, description=summary)
            group.set_defaults(run=None, group=group)
            group_sub = group.add_subparsers(dest="subcommand", metavar="COMMAND", title="commands")
            for member, (member_help, description, configure, run) in members.items():
                command = group_sub.add_parser(
                    member, help=member_help, description=description or run.__doc__
                )
                configure(command)
                command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> NoReturn:
    args_list = sys.argv[1:] if argv is None else argv
    first = args_list[0] if args_list else None
    parser = build_parser(first if first in COMMANDS or first in GROUPS else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:  # argparse: --help/--version exit 0, usage errors exit 2
        sys.exit(int(ExitCode.OK) if exit_.code in (0, None) else int(ExitCode.BAD_INPUT))
    run = getattr(args, "run", None)
    if run is None:
        (getattr(args, "group", None) or parser).print_help()
        sys.exit(int(ExitCode.OK))
    try:
        code = run(args)
    except AicopError as err:
        print(f"aicop: error: {err}", file=sys.stderr)
        sys.exit(int(err.exit_code))
    except KeyboardInterrupt:
        print("aicop: error: interrupted", file=sys.stderr)
        sys.exit(int(ExitCode.BAD_INPUT))
    except Exception as err:  # a bug: say so, with the traceback when asked for
        if os.environ.get("AICOP_DEBUG"):
            raise
        print(
            f"aicop: error: internal error ({type(err).__name__}: {err}); rerun with AICOP_DEBUG=1 and "
            "report it",
            file=sys.stderr,
        )
        sys.exit(int(ExitCode.INTERNAL))
    sys.exit(code)
