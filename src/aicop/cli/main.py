"""``aicop``: the command line.

Heavy modules (pydantic models, rich, Jinja2) are imported inside the commands, so ``aicop --help``
starts in a few tens of milliseconds. Every user-facing problem is an ``AicopError`` that becomes one
line on stderr and its exit code; anything else is a bug and exits 3.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from aicop import __version__
from aicop.errors import AicopError, ExitCode

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from aicop.assess.results import Assessment
    from aicop.catalog.model import Catalog, Role

ROLE_NAMES = ("developer", "system-operator", "data-controller")
REPORT_FORMATS = ("json", "markdown", "html", "sarif", "oscal")


def _fail(message: str, code: ExitCode) -> NoReturn:
    click.echo(f"aicop: error: {message}", err=True)
    sys.exit(int(code))


def _catalog(source: str | None) -> Catalog:
    from aicop.catalog import load_catalog

    return load_catalog(source)


def _roles(value: tuple[str, ...]) -> list[Role]:
    from aicop.catalog.model import Role

    names = [n.strip() for item in value for n in item.split(",") if n.strip()]
    bad = [n for n in names if n not in ROLE_NAMES]
    if bad:
        raise click.BadParameter(
            f"unknown role {bad[0]!r}; choose from {', '.join(ROLE_NAMES)}", param_hint="--roles"
        )
    return [Role(n) for n in names]


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from aicop.fsutil import write_atomic

    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


catalog_option = click.option(
    "--catalog",
    "catalog_source",
    metavar="ID|PATH",
    default=None,
    help="Catalog id (default dsit-2024-05, the draft Code) or a catalog JSON file.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="aicop")
def cli() -> None:
    """aicop makes the UK AI Cyber Security Code of Practice executable.

    Describe your AI system in aicop.yaml ('aicop init'), then 'aicop assess' it: every provision
    that applies to the roles you play gets a status with evidence, in reports for people, CI
    pipelines (SARIF) and auditors (OSCAL).

    Exit codes: 0 no gaps at the --fail-on level, 1 gaps, 2 bad input or usage, 3 internal error.
    """


# --------------------------------------------------------------------------- catalog
@cli.group()
def catalog() -> None:
    """Browse and export the Code: principles, provisions, modality and stakeholders."""


@catalog.command("list")
@click.option("--role", type=click.Choice(ROLE_NAMES), help="Only provisions that bind this role.")
@click.option("--modality", type=click.Choice(["shall", "should", "can"]), help="Only this modality.")
@click.option("--principle", metavar="N", help="Only this principle (1-12).")
@click.option(
    "--section",
    type=click.Choice(["secure-design", "secure-development", "secure-deployment", "secure-maintenance"]),
    help="Only this section of the Code.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
@catalog_option
def catalog_list(
    role: str | None,
    modality: str | None,
    principle: str | None,
    section: str | None,
    fmt: str,
    catalog_source: str | None,
) -> None:
    """List provisions, filtered."""
    from aicop.catalog.query import select

    cat = _catalog(catalog_source)
    if principle is not None and principle not in {p.id for p in cat.principles}:
        raise click.BadParameter(
            f"no principle {principle!r} (1-{len(cat.principles)})", param_hint="--principle"
        )
    rows = select(cat, role=role, modality=modality, principle=principle, section=section)
    if fmt == "json":
        import json

        click.echo(json.dumps([v.model_dump(mode="json") for v in rows], indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        from aicop.catalog.export import to_csv
        from aicop.catalog.query import restrict

        click.echo(to_csv(restrict(cat, {v.id for v in rows})), nl=False)
        return
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


@catalog.command("show")
@click.argument("item_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@catalog_option
def catalog_show(item_id: str, fmt: str, catalog_source: str | None) -> None:
    """Show a provision (e.g. 5.4.1) or a principle (e.g. 5) in full."""
    from aicop.catalog.query import describe

    cat = _catalog(catalog_source)
    try:
        item = cat.provision(item_id) if "." in item_id else cat.principle(item_id)
    except KeyError:
        raise AicopError(f"no provision or principle {item_id!r} in catalog {cat.id}") from None
    if fmt == "json":
        click.echo(item.model_dump_json(indent=2))
        return
    click.echo(describe(cat, item))


@catalog.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml", "csv", "oscal"]),
    required=True,
    help="json/yaml: the catalog as data; csv: a row per provision; oscal: an OSCAL 1.1.3 catalog.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout)."
)
@catalog_option
def catalog_export(fmt: str, output: Path | None, catalog_source: str | None) -> None:
    """Export the catalog for other tools."""
    from aicop.catalog.export import export

    _emit(export(_catalog(catalog_source), fmt), output)


# --------------------------------------------------------------------------- manifest and init
@cli.group()
def manifest() -> None:
    """The aicop.yaml manifest: its schema and validation."""


@manifest.command("schema")
def manifest_schema() -> None:
    """Print the JSON Schema of aicop.yaml."""
    import json

    from aicop.system.manifest import Manifest

    click.echo(json.dumps(Manifest.model_json_schema(), indent=2))


@manifest.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default="aicop.yaml")
@catalog_option
def manifest_validate(path: Path, catalog_source: str | None) -> None:
    """Check aicop.yaml against the schema and the catalog; exit 2 with file:line on the first error."""
    from aicop.system import load_manifest

    loaded = load_manifest(path, path.parent, _catalog(catalog_source))
    click.echo(f"{path}: valid ({loaded.system.name}, roles: {', '.join(r.value for r in loaded.roles)})")


@cli.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--print", "to_stdout", is_flag=True, help="Print the manifest instead of writing aicop.yaml.")
def init(path: Path, to_stdout: bool) -> None:
    """Discover a starting aicop.yaml from the repository at PATH (never overwrites one)."""
    from aicop.fsutil import write_atomic
    from aicop.system.discover import discover, render_manifest
    from aicop.system.manifest import MANIFEST_NAME
    from aicop.system.yamlsource import load_manifest

    if not path.is_dir():
        raise AicopError("not a directory", path=path)
    target = path / MANIFEST_NAME
    if target.exists() and not to_stdout:
        raise AicopError(
            "already exists; aicop init never overwrites a manifest (use --print to compare)", path=target
        )
    found = discover(path)
    text = render_manifest(found)
    if to_stdout:
        click.echo(text, nl=False)
        return
    write_atomic(target, text)
    load_manifest(target, path)  # what init writes must load; a failure here is a bug, not bad input
    click.echo(
        f"wrote {target}: {len(found.models)} models, {len(found.datasets)} datasets, "
        f"{len(found.prompts)} prompts, {len(found.documents)} documents, "
        f"{len(found.external_apis)} external APIs. Review it, then run 'aicop assess {path}'."
    )


# --------------------------------------------------------------------------- assess
@cli.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(path_type=Path),
    help="Manifest to use (default PATH/aicop.yaml).",
)
@click.option(
    "--roles",
    multiple=True,
    metavar="ROLE[,ROLE]",
    help="Roles to assess as, overriding the manifest: developer, system-operator, data-controller.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(REPORT_FORMATS),
    help="Report formats to write (repeatable; default all five with --output). Without --output, "
    "one format is printed to stdout instead of the table.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write reports into (aicop-report.json, .md, .html, .sarif, .oscal.json).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["shall", "should", "never"]),
    default="shall",
    show_default=True,
    help="Exit 1 when a gap remains in a provision of this modality or stronger.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not print the table.")
@catalog_option
def assess(
    path: Path,
    manifest_path: Path | None,
    roles: tuple[str, ...],
    formats: tuple[str, ...],
    output: Path | None,
    fail_on: str,
    quiet: bool,
    catalog_source: str | None,
) -> None:
    """Assess the AI system in the repository at PATH against the Code."""
    from aicop.assess import assess as run_assessment
    from aicop.assess.results import FailOn
    from aicop.fsutil import write_all_atomic
    from aicop.report import FORMATS, render

    if output is None and len(formats) > 1:
        raise click.UsageError("without --output, give at most one --format (it is printed to stdout)")
    if not path.exists():
        raise AicopError("no such directory", path=path)
    with _spinner() as progress:
        result = run_assessment(
            path,
            manifest_path=manifest_path,
            roles=_roles(roles) or None,
            catalog=_catalog(catalog_source),
            progress=progress,
        )
    if output is None and formats:
        click.echo(render(result, formats[0]), nl=False)
    else:
        rendered = (
            {output / FORMATS[f].filename: render(result, f) for f in (formats or REPORT_FORMATS)}
            if output is not None
            else {}
        )
        if not quiet:
            _print_table(result)
        write_all_atomic(rendered)
        for written in rendered:
            click.echo(f"wrote {written}", err=True)
    gaps = result.gaps(FailOn(fail_on))
    sys.exit(int(ExitCode.GAPS if gaps else ExitCode.OK))


@contextlib.contextmanager
def _spinner() -> Iterator[Callable[[str], None] | None]:
    """A status line on stderr while checks run, only when a person is watching."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status("walking the repository…") as status:
        yield lambda check_id: status.update(f"running check {check_id}…")


def _print_table(result: Assessment) -> None:
    from rich.console import Console

    from aicop.report.terminal import renderable

    Console(highlight=False).print(renderable(result))


# --------------------------------------------------------------------------- scan
@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scan the local models an aicop.yaml names (with or instead of PATHS).",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML policy: 'allow: [module.Name, package.*]' and 'deny: {module.name: reason}'.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here."
)
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds allowed per file.")
@click.option("--verbose", "-v", is_flag=True, help="Also list informational findings.")
def scan(
    paths: tuple[Path, ...],
    manifest_path: Path | None,
    policy_path: Path | None,
    fmt: str,
    output: Path | None,
    timeout: float,
    verbose: bool,
) -> None:
    """Find code execution hidden in model files, without loading them.

    Formats are recognised by content: pickle (protocols 0-5), PyTorch zip and legacy checkpoints,
    joblib (raw and compressed), NumPy .npy/.npz, Keras .h5/.keras, TensorFlow SavedModel, ONNX,
    safetensors, GGUF, and zip, tar, 7z, gzip, bz2 and xz containers. Exit 0 when nothing unsafe
    was found, 1 when something unsafe was, 2 when a file could not be scanned (and nothing unsafe).
    """
    from aicop.scan.output import render_json, render_sarif, render_text
    from aicop.scan.policy import DEFAULT_POLICY, Policy
    from aicop.scan.scanner import Limits, iter_files, scan_paths

    targets = list(paths) + (_manifest_models(manifest_path) if manifest_path else [])
    if not targets:
        raise click.UsageError("give at least one PATH, or --manifest")
    policy = Policy.load(policy_path) if policy_path else DEFAULT_POLICY
    with _scan_progress(sum(1 for _ in iter_files(targets)) if sys.stderr.isatty() else 0) as advance:
        report = scan_paths(targets, policy, Limits(seconds=timeout), advance)
    text = {"json": render_json, "sarif": render_sarif}.get(fmt, lambda r: render_text(r, verbose=verbose))(
        report
    )
    _emit(text, output)
    sys.exit(int(ExitCode.GAPS if report.unsafe else (ExitCode.BAD_INPUT if report.errors else ExitCode.OK)))


def _manifest_models(path: Path) -> list[Path]:
    from aicop.system import load_manifest

    manifest = load_manifest(path, path.parent)
    return [path.parent / m.path for m in manifest.models if m.path]


@contextlib.contextmanager
def _scan_progress(total: int) -> Iterator[Callable[[Path], None] | None]:
    """A progress bar on stderr for scans of many files, only when a person is watching."""
    if total < 20:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("", total=total)
        yield lambda path: bar.update(task, advance=1, description=path.name[-40:])


# --------------------------------------------------------------------------- checks and report schema
@cli.group()
def checks() -> None:
    """The registered checks and the provisions each evidences."""


@checks.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@catalog_option
def checks_list(fmt: str, catalog_source: str | None) -> None:
    """Print every check with its provisions, and the coverage of the Code."""
    from aicop.assess.registry import registered_checks

    specs = registered_checks()
    cat = _catalog(catalog_source)
    covered = {pid for s in specs for pid in s.provisions}
    if fmt == "json":
        import json

        click.echo(
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
        return
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


def _provision_key(pid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in pid.split("."))


@cli.group()
def report() -> None:
    """The JSON report format."""


@report.command("schema")
def report_schema() -> None:
    """Print the JSON Schema of the JSON report."""
    from aicop.report.json_report import schema_text

    click.echo(schema_text(), nl=False)


def main(argv: list[str] | None = None) -> NoReturn:
    try:
        cli.main(args=argv, prog_name="aicop", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", ExitCode.BAD_INPUT)
    except click.ClickException as err:
        err.show()
        sys.exit(int(ExitCode.BAD_INPUT))
    except AicopError as err:
        _fail(str(err), err.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _fail("interrupted", ExitCode.BAD_INPUT)
    except Exception as err:  # a bug: say so, with the traceback when asked for
        if os.environ.get("AICOP_DEBUG"):
            raise
        _fail(
            f"internal error ({type(err).__name__}: {err}); rerun with AICOP_DEBUG=1 and report it",
            ExitCode.INTERNAL,
        )
    sys.exit(int(ExitCode.OK))
