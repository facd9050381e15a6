from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Collection, Iterable
from pathlib import Path

import pytest

from aicop.assess import assess, registry
from aicop.assess.context import Context
from aicop.assess.registry import registered_checks
from aicop.assess.results import Finding, ProvisionResult, Status
from aicop.checks import p03_risks
from aicop.risks.register import LoadedRegister, load_register
from aicop.system.manifest import Manifest
from tests.conftest import TODAY, MakeRepo
from tests.risks.helpers import REGISTER

MANIFEST = """\
version: 1
system:
  name: test-system
roles: [developer, system-operator, data-controller]
"""
RISK_PROVISIONS = ("3.1.1", "3.1.3", "3.2", "3.3", "3.4", "3.5", "3.6")
UNLINKED = REGISTER.replace("    check: gateway.safeguards\n", "")
SUMMARY = "# Risk summary\n\n## Threats we cannot resolve\n\n- prompt-theft: the prompt is public.\n"
COMMUNICATED = UNLINKED.replace(
    "    residual: medium\n    review: 2027-05-01\n",
    "    residual: medium\n    review: 2027-05-01\n    communicated:\n      operators: true\n"
    "      where: docs/risk-summary.md\n",
)


def results(root: Path) -> dict[str, ProvisionResult]:
    """Only the risk checks run: a whole assessment per assertion would cost seconds each."""
    specs = [s for s in registered_checks() if s.id.startswith("risks.")]
    return {v.id: v for v in assess(root, today=TODAY, checks=specs).provisions()}


def provision(root: Path, pid: str) -> ProvisionResult:
    return results(root)[pid]


def status(root: Path, pid: str) -> Status:
    return provision(root, pid).status


def test_without_a_register_every_provision_is_an_absence(make_repo: MakeRepo) -> None:
    found = results(make_repo(manifest=MANIFEST))
    for pid in RISK_PROVISIONS:
        result = found[pid]
        assert result.status is Status.NOT_MET
        assert result.findings[0].absence and "risks suggest --write" in result.findings[0].message


def test_an_invalid_register_is_an_error_naming_its_line(make_repo: MakeRepo) -> None:
    root = make_repo({"risks.yaml": REGISTER.replace("AML.T0056", "AML.T0999")}, manifest=MANIFEST)
    result = provision(root, "3.6")
    assert result.status is Status.ERROR
    assert (
        "risks.yaml:29: risks.1.atlas.0: unknown ATLAS technique id 'AML.T0999'" in result.findings[0].message
    )


def test_a_sound_register_meets_the_risk_provisions(make_repo: MakeRepo) -> None:
    root = make_repo({"risks.yaml": COMMUNICATED, "docs/risk-summary.md": SUMMARY}, manifest=MANIFEST)
    found = results(root)
    for pid in ("3.1.3", "3.2", "3.3", "3.4", "3.5", "3.6"):
        assert found[pid].status is Status.MET, pid
    evidence = found["3.3"].findings[0].evidence
    assert any(e.path == "docs/risk-summary.md" and e.line == 5 for e in evidence)


def test_not_a_git_checkout_is_partial_for_311(make_repo: MakeRepo) -> None:
    root = make_repo({"risks.yaml": UNLINKED}, manifest=MANIFEST)
    result = provision(root, "3.1.1")
    assert result.status is Status.PARTIAL and "not a git checkout" in result.findings[0].message


def _git(root: Path, *args: str, day: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e.x", GIT_COMMITTER_NAME="t")
    env |= {
        "GIT_COMMITTER_EMAIL": "t@e.x",
        "GIT_AUTHOR_DATE": f"{day}T10:00:00Z",
        "GIT_COMMITTER_DATE": f"{day}T10:00:00Z",
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def test_a_prompt_changed_after_the_review_is_a_gap_naming_the_commit(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + "prompts:\n  - {name: system, path: prompts/system.md}\n"
    root = make_repo({"risks.yaml": UNLINKED, "prompts/system.md": "Be helpful.\n"}, manifest=manifest)
    _git(root, "init", "-q", day="2026-11-01")
    _git(root, "add", ".", day="2026-11-01")
    _git(root, "commit", "-qm", "initial", day="2026-11-01")
    assert status(root, "3.1.1") is Status.MET  # reviewed 2026-11-20, after the only commit
    (root / "prompts" / "system.md").write_text("Be helpful. Offer refunds freely.\n")
    _git(root, "commit", "-qam", "generous refunds", day="2026-11-25")
    result = provision(root, "3.1.1")
    assert result.status is Status.NOT_MET
    assert (
        "generous refunds" in result.findings[0].message and "prompts/system.md" in result.findings[0].message
    )


def test_a_failing_linked_check_raises_its_risk(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"risks.yaml": REGISTER}, manifest=MANIFEST
    )  # 'guard' is evidenced by gateway.safeguards
    result = provision(root, "3.5")
    assert result.status is Status.NOT_MET
    assert "injection rises to high: control guard fails gateway.safeguards" in result.findings[0].message


@pytest.mark.parametrize("text", [REGISTER, REGISTER.replace("AML.T0056", "AML.T0999")])
def test_the_register_is_loaded_once_and_a_linked_check_runs_once_per_assessment(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """Seven checks read the register and risks.controls judges gateway.safeguards, which the engine
    also runs: one load and one run each, with the same verdicts (a broken register: seven errors)."""
    root = make_repo({"risks.yaml": text}, manifest=MANIFEST)
    loads: list[Path] = []
    real_load = load_register

    def load(path: Path, *, manifest: Manifest | None, check_ids: Collection[str]) -> LoadedRegister:
        loads.append(path)
        return real_load(path, manifest=manifest, check_ids=check_ids)

    runs: list[str] = []
    linked = next(s for s in registered_checks() if s.id == "gateway.safeguards")

    def safeguards(ctx: Context) -> Iterable[Finding]:
        runs.append(linked.id)
        return linked.function(ctx)

    monkeypatch.setattr(p03_risks, "load_register", load)
    monkeypatch.setitem(registry._REGISTRY, linked.id, dataclasses.replace(linked, function=safeguards))
    specs = [s for s in registered_checks() if s.id.startswith("risks.") or s.id == linked.id]
    found = {v.id: v for v in assess(root, today=TODAY, checks=specs).provisions()}
    assert len(loads) == 1 and runs == [linked.id]
    if text == REGISTER:
        assert "control guard fails gateway.safeguards" in found["3.5"].findings[0].message
    else:
        for pid in RISK_PROVISIONS:
            assert found[pid].status is Status.ERROR and "AML.T0999" in found[pid].findings[0].message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    controls: [guard]\n", "", "injection is to be mitigated but has no control"),
        ("    residual: low\n", "    residual: high\n", "injection stays high, above the appetite (medium)"),
        ("    cost: medium\n", "", "controls without a cost: guard"),
    ],
)
def test_controls_gaps(make_repo: MakeRepo, old: str, new: str, expected: str) -> None:
    root = make_repo(
        {"risks.yaml": COMMUNICATED.replace(old, new, 1), "docs/risk-summary.md": SUMMARY}, manifest=MANIFEST
    )
    result = provision(root, "3.5")
    assert result.status is not Status.MET and expected in result.findings[0].message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "review: 2027-05-01",
            "review: 2026-11-01",
            "accepted risk prompt-theft was due for review on 2026-11-01",
        ),
        (
            "last_reviewed: 2026-11-20",
            "last_reviewed: 2025-06-01",
            "the register was last reviewed 2025-06-01",
        ),
    ],
)
def test_residual_risk_reviews_that_have_passed(
    make_repo: MakeRepo, old: str, new: str, expected: str
) -> None:
    root = make_repo(
        {"risks.yaml": COMMUNICATED.replace(old, new), "docs/risk-summary.md": SUMMARY}, manifest=MANIFEST
    )
    result = provision(root, "3.6")
    assert result.status is Status.NOT_MET and expected in result.findings[0].message


def test_a_todo_in_the_register_keeps_it_partial(make_repo: MakeRepo) -> None:
    text = COMMUNICATED.replace("owner: Product owner", "owner: TODO")
    root = make_repo({"risks.yaml": text, "docs/risk-summary.md": SUMMARY}, manifest=MANIFEST)
    result = provision(root, "3.6")
    assert result.status is Status.PARTIAL and "TODO" in result.findings[0].message


@pytest.mark.parametrize(
    ("register", "summary", "expected", "outcome"),
    [
        (
            UNLINKED,
            SUMMARY,
            "prompt-theft is not resolved by the Developer and not communicated",
            Status.NOT_MET,
        ),
        (COMMUNICATED, None, "docs/risk-summary.md does not exist", Status.NOT_MET),
        (COMMUNICATED, "# Risks\n\n- the prompt is public\n", "prompt-theft is not named in", Status.PARTIAL),
        (COMMUNICATED, SUMMARY + "\n- What you should do: TODO\n", "TODO markers", Status.PARTIAL),
    ],
)
def test_unresolved_threats_must_be_communicated(
    make_repo: MakeRepo, register: str, summary: str | None, expected: str, outcome: Status
) -> None:
    files = {"risks.yaml": register} | ({"docs/risk-summary.md": summary} if summary else {})
    result = provision(make_repo(files, manifest=MANIFEST), "3.3")
    assert result.status is outcome and expected in result.findings[0].message


TRANSFER = COMMUNICATED.replace(
    "    treatment: mitigate\n",
    "    treatment: transfer\n    transfer:\n      party: Acme AI\n      assurance: contract clause 7\n"
    "      reviewed: 2026-06-01\n",
    1,
).replace(
    "    residual: low\n",
    "    residual: low\n    communicated:\n      operators: true\n      where: docs/risk-summary.md\n",
    1,
)


def test_third_party_assurance(make_repo: MakeRepo) -> None:
    summary = SUMMARY + "- injection: held by Acme AI.\n"
    root = make_repo({"risks.yaml": TRANSFER, "docs/risk-summary.md": summary}, manifest=MANIFEST, name="ok")
    result = provision(root, "3.4")
    assert result.status is Status.MET and "Acme AI" in result.findings[0].message
    old = make_repo(
        {"risks.yaml": TRANSFER.replace("2026-06-01", "2025-01-01"), "docs/risk-summary.md": summary},
        manifest=MANIFEST,
        name="stale",
    )
    assert "was last checked 2025-01-01" in provision(old, "3.4").findings[0].message
    api = MANIFEST + "external_apis:\n  - {name: Claude, provider: Anthropic}\n"
    unnamed = make_repo(
        {"risks.yaml": COMMUNICATED, "docs/risk-summary.md": SUMMARY}, manifest=api, name="api"
    )
    result = provision(unnamed, "3.4")
    assert result.status is Status.NOT_MET and "external service Claude" in result.findings[0].message


def test_unused_capabilities_of_a_multi_function_model(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + "models:\n  - {name: llm, uri: 'openai:gpt-4o-2024-08-06'}\n"
    files = {"risks.yaml": COMMUNICATED, "docs/risk-summary.md": SUMMARY}
    root = make_repo(files, manifest=manifest, name="unrecorded")
    result = provision(root, "3.1.3")
    assert (
        result.status is Status.NOT_MET
        and "llm (openai:gpt-4o-2024-08-06) offers more" in result.findings[0].message
    )
    unmanaged = "capabilities:\n  - {model: llm, offers: [text, vision], uses: [text]}\n"
    root = make_repo(
        files | {"risks.yaml": COMMUNICATED.replace("controls:\n", unmanaged + "controls:\n", 1)},
        manifest=manifest,
        name="unmanaged",
    )
    assert "offers vision the system does not use" in provision(root, "3.1.3").findings[0].message
    managed = unmanaged.replace("uses: [text]", "uses: [text], managed_by: injection")
    root = make_repo(
        files | {"risks.yaml": COMMUNICATED.replace("controls:\n", managed + "controls:\n", 1)},
        manifest=manifest,
        name="managed",
    )
    assert status(root, "3.1.3") is Status.MET


def test_a_dpia_when_datasets_hold_personal_data(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + "datasets:\n  - {name: tickets, path: t.csv, sensitivity: personal}\n"
    files = {"risks.yaml": COMMUNICATED, "docs/risk-summary.md": SUMMARY, "t.csv": "a\n"}
    root = make_repo(files, manifest=manifest, name="none")
    result = provision(root, "3.2")
    assert result.status is Status.NOT_MET and "tickets hold personal data" in result.findings[0].message
    dpia = "dpia:\n  reference: docs/dpia.pdf\n  date: 2026-05-01\n"
    with_ref = COMMUNICATED.replace("controls:\n", dpia + "controls:\n", 1)
    missing = make_repo(files | {"risks.yaml": with_ref}, manifest=manifest, name="missing")
    assert (
        "docs/dpia.pdf named in the register does not exist" in provision(missing, "3.2").findings[0].message
    )
    kept = make_repo(
        files | {"risks.yaml": with_ref, "docs/dpia.pdf": "%PDF"}, manifest=manifest, name="kept"
    )
    assert status(kept, "3.2") is Status.MET


def test_without_a_manifest_what_it_would_declare_is_partial(make_repo: MakeRepo) -> None:
    found = results(make_repo({"risks.yaml": UNLINKED}))
    assert found["3.2"].status is Status.PARTIAL and "cannot be told" in found["3.2"].findings[0].message
    assert (
        found["3.1.3"].status is Status.PARTIAL
        and "declares the models" in found["3.1.3"].findings[0].message
    )
    assert found["3.4"].status is Status.PARTIAL and "external services" in found["3.4"].findings[0].message
