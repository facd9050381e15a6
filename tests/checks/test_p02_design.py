from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, MakeRepo


def test_met_with_a_requirements_document(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"docs/requirements.md": "# Requirements\n\n## Problem\n\nSlow answers.\n"}, manifest=MANIFEST
    )
    assert status(root, "2.1") is Status.MET


def test_not_met_when_it_states_no_problem(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/requirements.md": "# Notes\n\nTBD\n"}, manifest=MANIFEST)
    assert status(root, "2.1") is Status.NOT_MET


def test_not_met_without_a_document(make_repo: MakeRepo) -> None:
    # requirements.txt is a dependency list, not a requirements document
    root = make_repo({"requirements.txt": "numpy==1.26.4\n"}, manifest=MANIFEST)
    assert status(root, "2.1") is Status.NOT_MET


def test_declared_service_without_controls_is_told_to_add_them(make_repo: MakeRepo) -> None:
    app = "from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(messages=[])\n"
    manifest = MANIFEST + "external_apis:\n  - {name: OpenAI, provider: OpenAI}\n"
    root = make_repo({"app.py": app}, manifest=manifest)
    result = provision(root, "2.3")
    finding = next(f for f in result.findings if "declared as an external API" in f.message)
    assert finding.status is Status.PARTIAL
    assert finding.remediation is not None
    assert "'controls:'" in finding.remediation and "external_apis" in finding.remediation
    assert "aicop code" not in finding.remediation  # the generic advice of the check does not fit


def test_unreadable_model_gets_its_own_remedy(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + "models:\n  - {name: m, path: models/m.pkl}\n"
    root = make_repo({"models/m.pkl": b""}, manifest=manifest)  # an empty model file cannot be scanned
    errors = [f for f in provision(root, "2.7").findings if f.status is Status.ERROR]
    assert errors and errors[0].remediation is not None
    assert "replace it with a complete copy" in errors[0].remediation
