"""Principle 11: the audit and update plan, bulletins for security fixes, escalation, model changes."""

from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, MakeRepo

REQUIREMENTS = """\
# Requirements

## Security audits
An external penetration test every year; an internal review each release.

## Updates and patching
Dependencies are updated monthly; security patches within 7 days.

## External providers
The model vendor notifies us of model changes under contract.
"""

BULLETIN = """\
id: ACME-2026-001
title: Prompt template injection in the assistant
summary: A crafted template could read server attributes.
details: |
  Versions before 1.4.2 rendered user templates unsandboxed; 1.4.2 renders them sandboxed.
severity: high
published: 2026-11-01
affected:
  - package: acme-assistant
    fixed: "1.4.2"
update: Upgrade acme-assistant to 1.4.2.
aliases: [GHSA-abcd-efgh-ijkl]
publisher:
  name: ACME
  namespace: https://acme.example
"""

CHANGELOG = """\
# Changelog

## 1.4.2
- Security: templates are rendered in a sandbox (ACME-2026-001).

## 1.4.1
- Faster answers.
"""

SECURITY = """\
# Security policy

Report vulnerabilities to security@acme.example.

Security advisories are published as a JSON Feed at https://acme.example/advisories/feed.json.
"""


def test_11_1_requirements_plan(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/requirements.md": REQUIREMENTS}, manifest=MANIFEST)
    assert status(root, "11.1") is Status.MET


def test_11_1_partial_plan_and_a_schedule(make_repo: MakeRepo) -> None:
    text = "# Requirements\n\n## Security audits\nYearly pen test.\n"
    assert status(make_repo({"docs/requirements.md": text}, manifest=MANIFEST), "11.1") is Status.PARTIAL
    root = make_repo(
        {
            "docs/requirements.md": text + "\n## Suppliers\nOur vendor patches the base model.\n",
            ".github/dependabot.yml": "version: 2\nupdates: []\n",
        },
        manifest=MANIFEST,
        name="with-schedule",
    )
    assert status(root, "11.1") is Status.MET


def test_11_1_no_requirements_is_a_gap(make_repo: MakeRepo) -> None:
    assert status(make_repo(manifest=MANIFEST), "11.1") in (Status.NOT_MET, Status.NEEDS_ATTESTATION)


def test_11_2_bulletin_for_each_fix_and_a_channel(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"advisories/ACME-2026-001.yaml": BULLETIN, "CHANGELOG.md": CHANGELOG, "SECURITY.md": SECURITY},
        manifest=MANIFEST,
    )
    assert status(root, "11.2") is Status.MET


def test_11_2_a_fix_without_a_bulletin_is_partial(make_repo: MakeRepo) -> None:
    root = make_repo({"CHANGELOG.md": CHANGELOG, "SECURITY.md": SECURITY}, manifest=MANIFEST)
    result = provision(root, "11.2")
    assert result.status is Status.PARTIAL
    assert any("1.4.2 has no published bulletin" in f.message for f in result.findings)


def test_11_2_a_broken_bulletin_is_not_met(make_repo: MakeRepo) -> None:
    broken = BULLETIN.replace("update: Upgrade acme-assistant to 1.4.2.\n", "")
    root = make_repo({"advisories/ACME-2026-001.yaml": broken, "SECURITY.md": SECURITY}, manifest=MANIFEST)
    result = provision(root, "11.2")
    assert result.status is Status.NOT_MET
    assert any("update" in f.message for f in result.findings)


def test_11_2_nothing_published_is_a_gap(make_repo: MakeRepo) -> None:
    assert status(make_repo(manifest=MANIFEST), "11.2") in (Status.NOT_MET, Status.NEEDS_ATTESTATION)


def test_11_2_1_escalation(make_repo: MakeRepo) -> None:
    assert status(make_repo({"SECURITY.md": SECURITY}, manifest=MANIFEST), "11.2.1") is Status.MET
    contact_only = make_repo(
        {"SECURITY.md": "# Security\nMail security@acme.example.\n"}, manifest=MANIFEST, name="b"
    )
    assert status(contact_only, "11.2.1") is Status.PARTIAL
    assert status(make_repo(manifest=MANIFEST, name="c"), "11.2.1") in (
        Status.NOT_MET,
        Status.NEEDS_ATTESTATION,
    )


def test_11_4_model_change_policy(make_repo: MakeRepo) -> None:
    doc = "# API\n\n## Deprecation policy\nA model version is served 6 months after its successor.\n"
    assert status(make_repo({"docs/api.md": doc}, manifest=MANIFEST), "11.4") is Status.MET
    versioned = MANIFEST + "endpoints:\n  - name: chat\n    url: https://api.acme.example/v2/chat\n"
    assert status(make_repo(manifest=versioned, name="v"), "11.4") is Status.PARTIAL
    assert status(make_repo(manifest=MANIFEST, name="n"), "11.4") in (
        Status.NOT_MET,
        Status.NEEDS_ATTESTATION,
    )
