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
    root = make_repo(
        {"pyproject.toml": "[project]\nname='x'\ndependencies = ['numpy>=1']\n"}, manifest=MANIFEST
    )
    assert status(root, "7.2") is Status.NOT_MET


PYPROJECT = "[project]\nname = 'x'\ndependencies = ['langchain>=0.2', 'fastapi']\n"
PACKAGE = '{"name": "web", "dependencies": {"react": "^18"}}'


def test_each_ecosystem_is_judged_on_its_own(make_repo: MakeRepo) -> None:
    # Field trial: met "because frontend/package-lock.json exists" while Python had ranges and no lock.
    root = make_repo(
        {"pyproject.toml": PYPROJECT, "frontend/package.json": PACKAGE, "frontend/package-lock.json": "{}"},
        manifest=MANIFEST,
    )
    result = provision(root, "7.2")
    assert result.status is Status.NOT_MET
    messages = {f.status: f.message for f in result.findings}
    assert messages[Status.MET].startswith("npm: dependencies are locked in frontend/package-lock.json")
    assert messages[Status.NOT_MET].startswith("Python: dependencies are declared in pyproject.toml")
    assert "a lock for npm does not pin them" in messages[Status.NOT_MET]


def test_every_ecosystem_locked_is_met(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "uv.lock": "version = 1\n",
            "frontend/package.json": PACKAGE,
            "frontend/yarn.lock": "",
            "tests/fixtures/pkg/package.json": PACKAGE,  # a test fixture is not the system's dependencies
        },
        manifest=MANIFEST,
    )
    assert status(root, "7.2") is Status.MET


def test_a_lock_at_the_workspace_root_covers_its_members(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"package.json": PACKAGE, "package-lock.json": "{}", "apps/web/package.json": PACKAGE},
        manifest=MANIFEST,
    )
    assert status(root, "7.2") is Status.MET


def test_a_pyproject_of_tool_settings_alone_declares_nothing(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
            "package.json": PACKAGE,
            "package-lock.json": "{}",
        },
        manifest=MANIFEST,
    )
    assert status(root, "7.2") is Status.MET


def test_no_dependencies_needs_attestation(make_repo: MakeRepo) -> None:
    assert status(make_repo(manifest=MANIFEST), "7.2") is Status.NEEDS_ATTESTATION
