"""Bulletins: new -> validate -> publish as OSV, CSAF 2.0 and a JSON Feed; incomplete ones refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from aicop.advisory.bulletin import escalation_contact
from aicop.advisory.schemas import csaf_errors, osv_full_errors
from tests.conftest import CliResult

Run = Callable[..., CliResult]


def filled(path: Path) -> None:
    text = path.read_text()
    text = text.replace(
        "  TODO: what is affected, the impact, and how it was fixed.",
        "  Before 1.4.2 user templates ran unsandboxed.",
    )
    text = text.replace("name: TODO", "name: ACME").replace("https://example.com", "https://acme.example")
    text = text.replace("aliases: []", "aliases: [CVE-2026-12345]")
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "SECURITY.md").write_text("# Security\n\nReport to security@acme.example.\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_new_validate_publish(run_cli: Run, repo: Path) -> None:
    created = run_cli(
        "advisory", "new", "ACME-2026-001", "--package", "acme-assistant", "--fixed", "1.4.2",
        "--summary", "Template injection in the assistant", "--severity", "high",
    )  # fmt: skip
    assert created.code == 0
    source = repo / "advisories" / "ACME-2026-001.yaml"
    assert run_cli("advisory", "validate", source).code == 2  # TODO placeholders left
    filled(source)
    assert run_cli("advisory", "validate", source).code == 0
    out = repo / "public"
    published = run_cli("advisory", "publish", source, "--out", out, "--base-url", "https://acme.example/adv")
    assert published.code == 0
    osv = json.loads((out / "ACME-2026-001.osv.json").read_text())
    csaf = json.loads((out / "ACME-2026-001.csaf.json").read_text())
    assert osv_full_errors(osv) == [] and csaf_errors(csaf) == []
    assert osv["id"] == "CVE-2026-12345" and osv["aliases"] == ["ACME-2026-001"]
    assert osv["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "1.4.2"}]
    assert csaf["document"]["publisher"]["contact_details"] == "security@acme.example"
    assert csaf["vulnerabilities"][0]["cve"] == "CVE-2026-12345"
    assert csaf["vulnerabilities"][0]["remediations"][0]["category"] == "vendor_fix"
    feed = json.loads((out / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["items"][0]["id"] == "ACME-2026-001"
    assert feed["items"][0]["url"] == "https://acme.example/adv/ACME-2026-001.csaf.json"
    assert (
        run_cli("advisory", "new", "ACME-2026-001", "--package", "x", "--fixed", "1", "--summary", "s").code
        == 2
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("severity: high\n", ""), "severity"),
        (lambda t: t.replace('    fixed: "1.4.2"\n', ""), "fixed"),
        (lambda t: t.replace("aliases: [CVE-2026-12345]", "aliases: []"), "OSV database prefix"),
        (lambda t: t.replace("published:", "publishd:"), "published: Field required"),
    ],
)
def test_a_bulletin_with_a_missing_field_is_refused(
    run_cli: Run, repo: Path, edit: Callable[[str], str], message: str
) -> None:
    run_cli(
        "advisory",
        "new",
        "ACME-2026-002",
        "--package",
        "acme-assistant",
        "--fixed",
        "1.4.2",
        "--summary",
        "x",
        "--severity",
        "high",
    )
    source = repo / "advisories" / "ACME-2026-002.yaml"
    filled(source)
    source.write_text(edit(source.read_text()))
    result = run_cli("advisory", "publish", source, "--out", repo / "public")
    assert result.code == 2 and message in result.err and "ACME-2026-002.yaml" in result.err
    assert not (repo / "public").exists()  # nothing written


def test_escalation_contact_prefers_security_txt(tmp_path: Path) -> None:
    assert escalation_contact(tmp_path) is None
    (tmp_path / "SECURITY.md").write_text(
        "# Security\nSee https://acme.example/security for how to report.\n"
    )
    assert escalation_contact(tmp_path) == ("SECURITY.md", 2, "https://acme.example/security")
    (tmp_path / ".well-known").mkdir()
    (tmp_path / ".well-known" / "security.txt").write_text(
        "Contact: mailto:sec@acme.example\nExpires: 2030-01-01T00:00:00Z\n"
    )
    assert escalation_contact(tmp_path) == (".well-known/security.txt", 1, "mailto:sec@acme.example")
