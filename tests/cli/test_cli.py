"""The command line: exit codes, no partial output on bad input, and each command's output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys; from aicop.cli.main import main; "
        "heavy = [m for m in ('pydantic', 'rich', 'jinja2', 'yaml', 'click', 'typing') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_version_and_help(run_cli: Run) -> None:
    assert run_cli("--version").out.startswith("aicop, version")
    result = run_cli("--help")
    assert result.code == 0 and "assess" in result.out and "Exit codes" in result.out


def test_assess_example_writes_every_report(run_cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = run_cli("assess", EXAMPLE, "--output", out)
    assert result.code == 1  # the example has shall gaps
    assert sorted(p.name for p in out.iterdir()) == [
        "aicop-report.html",
        "aicop-report.json",
        "aicop-report.md",
        "aicop-report.oscal.json",
        "aicop-report.sarif",
    ]
    assert "Fix these first" in result.out and "Principle 1: Raise staff awareness" not in result.out
    assert "gaps:" in result.out


def test_fail_on_never_exits_zero(run_cli: Run) -> None:
    assert run_cli("assess", EXAMPLE, "--fail-on", "never", "-q").code == 0


def test_no_gaps_exits_zero(run_cli: Run, make_repo: MakeRepo) -> None:
    lines = [f'  "{pid}": {{reason: "This provision is out of our scope entirely."}}' for pid in _shall_ids()]
    root = make_repo(manifest=MANIFEST + "exclusions:\n" + "\n".join(lines) + "\n")
    assert run_cli("assess", root, "-q").code == 0


def _shall_ids() -> list[str]:
    from aicop.catalog import load_catalog

    return [v.id for v in load_catalog().provisions() if v.modality.value == "shall"]


def test_single_format_goes_to_stdout(run_cli: Run) -> None:
    result = run_cli("assess", EXAMPLE, "--format", "json")
    assert json.loads(result.out)["system"]["name"] == "support-assistant"


def test_two_formats_without_output_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("assess", EXAMPLE, "--format", "json", "--format", "sarif")
    assert result.code == 2 and "at most one --format" in result.err


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("system: [broken\n", "invalid YAML"),
        (MANIFEST + "colour: blue\n", "colour: unknown field"),
        (MANIFEST.replace("developer, system-operator", "developer, boss"), "roles.1"),
        (
            MANIFEST + "attestations:\n  99.1: {status: met, owner: a, evidence: b, date: 2026-01-01}\n",
            "no provision 99.1",
        ),
        (MANIFEST + "prompts:\n  - {name: p, path: ../../outside.md}\n", "outside the repository"),
    ],
)
def test_bad_manifest_exits_2_and_writes_nothing(
    run_cli: Run, make_repo: MakeRepo, tmp_path: Path, manifest: str, message: str
) -> None:
    root = make_repo(manifest=manifest)
    out = tmp_path / "out"
    result = run_cli("assess", root, "--output", out)
    assert result.code == 2
    assert result.err.startswith(f"aicop: error: {root / 'aicop.yaml'}:")
    assert message in result.err
    assert not out.exists()


def test_unknown_role_is_a_usage_error(run_cli: Run, make_repo: MakeRepo) -> None:
    result = run_cli("assess", make_repo(manifest=MANIFEST), "--roles", "developer,auditor")
    assert result.code == 2 and "unknown role 'auditor'" in result.err


def test_missing_path(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("assess", tmp_path / "nope")
    assert result.code == 2 and "no such directory" in result.err


def test_internal_error_exits_3(run_cli: Run, monkeypatch: pytest.MonkeyPatch, make_repo: MakeRepo) -> None:
    import aicop.assess

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(aicop.assess, "assess", broken)
    result = run_cli("assess", make_repo(manifest=MANIFEST))
    assert result.code == 3 and "internal error (ZeroDivisionError: oops)" in result.err


def test_catalog_list_filters(run_cli: Run) -> None:
    rows = json.loads(
        run_cli(
            "catalog", "list", "--role", "data-controller", "--modality", "should", "--format", "json"
        ).out
    )
    assert [r["id"] for r in rows] == ["3.2", "7.3.2"]
    rows = json.loads(run_cli("catalog", "list", "--principle", "8", "--format", "json").out)
    assert [r["id"] for r in rows] == ["8.1", "8.1.1", "8.1.2", "8.2"]
    rows = json.loads(run_cli("catalog", "list", "--section", "secure-deployment", "--format", "json").out)
    assert {r["id"].split(".")[0] for r in rows} == {"10"}
    assert "7.3.1" in run_cli("catalog", "list", "--format", "csv").out
    assert run_cli("catalog", "list", "--principle", "13").code == 2


def test_catalog_show(run_cli: Run) -> None:
    result = run_cli("catalog", "show", "9.2.1")
    assert "Provision 9.2.1 (shall)" in result.out and "2.1.2, which the Code does not contain" in result.out
    assert "Principle 6: Secure your infrastructure" in run_cli("catalog", "show", "6").out
    assert json.loads(run_cli("catalog", "show", "5.4.1", "--format", "json").out)["parent"] == "5.4"
    missing = run_cli("catalog", "show", "2.1.2")
    assert missing.code == 2 and "no provision or principle '2.1.2'" in missing.err


@pytest.mark.parametrize("fmt", ["json", "yaml", "csv", "oscal"])
def test_catalog_export_to_file(run_cli: Run, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"catalog.{fmt}"
    assert run_cli("catalog", "export", "--format", fmt, "--output", out).code == 0
    assert out.stat().st_size > 10_000


def test_init_writes_a_valid_manifest_and_never_overwrites(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo({"docs/threat-model.md": "# TM\n", "src/app.py": "import openai\n"})
    first = run_cli("init", root)
    assert first.code == 0 and "1 external APIs" in first.out
    assert run_cli("manifest", "validate", root / "aicop.yaml").code == 0
    before = (root / "aicop.yaml").read_text()
    second = run_cli("init", root)
    assert second.code == 2 and "never overwrites" in second.err
    assert (root / "aicop.yaml").read_text() == before
    assert "threat-model: docs/threat-model.md" in run_cli("init", root, "--print").out


def test_init_names_the_catalog_its_provision_ids_are_numbered_in(run_cli: Run, make_repo: MakeRepo) -> None:
    from aicop.catalog.loader import DEFAULT_CATALOG
    from aicop.system.yamlsource import load_manifest

    root = make_repo({"src/app.py": "import openai\n"})
    assert run_cli("init", root).code == 0
    assert load_manifest(root / "aicop.yaml", root).catalog == DEFAULT_CATALOG


def test_init_says_which_roles_it_chose_why_and_what_each_adds(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(
        {"app.py": "import flask\nfrom anthropic import Anthropic\nc = Anthropic()\n", "data/x.csv": "a\n"}
    )
    result = run_cli("init", root, "--print")
    assert result.code == 0 and result.out.startswith("# aicop.yaml")  # stdout is the manifest alone
    lines = {line.split(":")[0].strip(): line for line in result.err.splitlines()}
    assert "Anthropic (app.py:3)" in lines["developer"]
    assert "Flask" in lines["system-operator"] and "data/x.csv" in lines["data-controller"]
    added = [
        int(lines[r].split("+")[1].split()[0]) for r in ("developer", "system-operator", "data-controller")
    ]
    assert all(n > 0 for n in added[:1]) and sum(added) <= 73
    assert f"{sum(added)} of 73 provisions" in result.err


def test_manifest_schema_and_validate_errors(run_cli: Run, make_repo: MakeRepo) -> None:
    assert json.loads(run_cli("manifest", "schema").out)["title"] == "Manifest"
    root = make_repo(manifest=MANIFEST + "colour: blue\n")
    result = run_cli("manifest", "validate", root / "aicop.yaml")
    assert result.code == 2 and ":5: colour: unknown field" in result.err


def test_checks_list_reports_coverage(run_cli: Run) -> None:
    data = json.loads(run_cli("checks", "list", "--format", "json").out)
    assert data["coverage"]["provisions"] == 73
    assert {"6.3", "6.4", "7.2", "8.1.1"} <= set(data["coverage"]["covered"])
    covered = len(data["coverage"]["covered"])
    assert (
        covered >= 34
        and f"Automated or document evidence for {covered} of 73" in run_cli("checks", "list").out
    )


def test_report_schema(run_cli: Run) -> None:
    assert json.loads(run_cli("report", "schema").out)["$id"].endswith("assessment-1.0.json")


def test_console_script_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "aicop"
    result = subprocess.run(
        [str(exe), "assess", str(EXAMPLE), "-q", "--fail-on", "never"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "argv",
    [["model.pkl"], ["a.pt", "dir", "s3://bucket/key", "hf://org/model", "weird name.bin", "@file", ""]],
)
def test_quick_scan_reads_as_the_parser_does(argv: list[str]) -> None:
    from aicop.cli import main, scan_cmds

    quick = scan_cmds.quick_scan(argv)
    assert quick is not None
    assert vars(quick) == vars(main.build_parser("scan").parse_args(["scan", *argv]))


@pytest.mark.parametrize(
    "argv", [[], ["-v", "a.pkl"], ["a.pkl", "--format", "json"], ["--", "a"], ["a", "-1"]]
)
def test_quick_scan_leaves_options_to_the_parser(argv: list[str]) -> None:
    from aicop.cli import scan_cmds

    assert scan_cmds.quick_scan(argv) is None


def test_each_command_is_found_in_its_module() -> None:
    """main.WHERE names the module of every top-level command and group, and nothing else: a run
    imports only that module, so a command missing from it would not run."""
    from aicop.cli import main

    found: dict[str, str] = {}
    for name in main.MODULES:
        module = main._module(name)
        found |= dict.fromkeys([*module.COMMANDS, *module.GROUPS], name)
    found |= dict.fromkeys(main._gateway(), "main")
    assert found == main.WHERE
    for name in main.WHERE:
        commands, groups = main.tables(name)
        assert name in commands or name in groups


def test_a_command_imports_only_its_own_module() -> None:
    code = (
        "import sys; from aicop.cli.main import MODULES, build_parser; build_parser('scan'); "
        "print(sorted(m for m in MODULES if 'aicop.cli.' + m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['scan_cmds']"
