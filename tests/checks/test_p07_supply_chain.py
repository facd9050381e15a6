from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, MakeRepo


def test_lock_file_is_met(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"pyproject.toml": "[project]\nname='x'\n", "uv.lock": "version = 1\n"}, manifest=MANIFEST
    )
    assert status(root, "7.2") is Status.MET


def test_pins_with_hashes_are_met(make_repo: MakeRepo) -> None:
    root = make_repo({"requirements.txt": "numpy==1.26.4 --hash=sha256:abcd\n"}, manifest=MANIFEST)
    assert status(root, "7.2") is Status.MET


def test_pins_without_hashes_are_partial(make_repo: MakeRepo) -> None:
    root = make_repo({"requirements.txt": "numpy==1.26.4\n"}, manifest=MANIFEST)
    assert status(root, "7.2") is Status.PARTIAL


def test_unpinned_requirements_are_not_met(make_repo: MakeRepo) -> None:
    root = make_repo({"requirements.txt": "numpy==1.26.4\ntorch\nrequests>=2\n"}, manifest=MANIFEST)
    result = provision(root, "7.2")
    assert result.status is Status.NOT_MET
    assert [e.line for e in result.findings[0].evidence] == [2, 3]


def test_declared_without_lock_is_not_met(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": "[project]\nname='x'\n"}, manifest=MANIFEST)
    assert status(root, "7.2") is Status.NOT_MET


def test_no_dependencies_needs_attestation(make_repo: MakeRepo) -> None:
    assert status(make_repo(manifest=MANIFEST), "7.2") is Status.NEEDS_ATTESTATION
