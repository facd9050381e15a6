from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, MakeRepo

GOOD = """\
# Threat model

## Adversarial motivations
- Fraud
- Data theft

## Attack routes
| Motivation | Route |
|---|---|
| Fraud | prompt injection |
"""


def test_met_with_motivations_and_attack_routes(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/threat-model.md": GOOD}, manifest=MANIFEST)
    assert status(root, "3.1") is Status.MET
    result = provision(root, "3.1.2")
    assert result.status is Status.MET
    assert {e.line for e in result.findings[0].evidence} == {3, 7}


def test_partial_without_attack_routes(make_repo: MakeRepo) -> None:
    root = make_repo({"THREAT_MODEL.md": "# TM\n## Threat actors\n- criminals\n"}, manifest=MANIFEST)
    result = provision(root, "3.1.2")
    assert result.status is Status.PARTIAL
    assert "attack routes" in result.findings[0].message


def test_not_met_without_lists(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/threat-model.md": "# TM\nWe thought about it.\n"}, manifest=MANIFEST)
    assert status(root, "3.1.2") is Status.NOT_MET
    assert status(root, "3.1") is Status.PARTIAL


def test_not_met_without_a_threat_model(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST)
    assert status(root, "3.1") is Status.NOT_MET


def test_declared_but_missing(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST + "documents:\n  threat-model: docs/tm.md\n")
    result = provision(root, "3.1")
    assert result.status is Status.NOT_MET
    assert result.findings[0].evidence[0].path == "docs/tm.md"
