"""The engine's rules: scope, exclusions, findings, attestations, and what counts as a gap."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from aicop.assess import Context, Evidence, FailOn, Finding, Status, assess
from aicop.assess.registry import CheckSpec
from aicop.catalog import Role
from tests.conftest import MANIFEST, TODAY, MakeRepo

ATTEST = "  {pid}: {{status: {status}, owner: CISO, evidence: https://wiki/x, date: 2026-01-01{extra}}}\n"


def spec(pid: str, *findings: Finding, boom: bool = False) -> CheckSpec:
    def run(ctx: Context) -> Iterable[Finding]:
        if boom:
            raise ValueError("parser fell over")
        return findings

    return CheckSpec(id=f"test.{pid}", provisions=(pid,), title="t", remediation="fix it", function=run)


MET = Evidence(path="README.md", line=1)


def result(root: Path, pid: str, *specs: CheckSpec, roles: list[Role] | None = None):  # type: ignore[no-untyped-def]
    assessment = assess(root, today=TODAY, checks=list(specs), roles=roles)
    return next(v for v in assessment.provisions() if v.id == pid), assessment


def test_provisions_outside_the_roles_are_not_applicable(make_repo: MakeRepo) -> None:
    v, _ = result(make_repo(manifest=MANIFEST), "2.4")  # binds data controllers only
    assert (v.applicable, v.status, v.basis, v.gap) == (False, Status.NOT_APPLICABLE, "scope", False)
    assert "binds data-controller" in v.notes[0]


def test_roles_argument_overrides_the_manifest(make_repo: MakeRepo) -> None:
    v, a = result(make_repo(manifest=MANIFEST), "2.4", roles=[Role.DATA_CONTROLLER])
    assert v.applicable and a.roles == [Role.DATA_CONTROLLER]


def test_without_a_manifest_every_role_is_assessed_with_a_warning(make_repo: MakeRepo) -> None:
    _, a = result(make_repo(), "2.4")
    assert a.roles == [Role.DEVELOPER, Role.SYSTEM_OPERATOR, Role.DATA_CONTROLLER]  # the draft's three
    assert "no aicop.yaml" in a.warnings[0]


def test_a_shall_without_evidence_or_attestation_is_a_gap(make_repo: MakeRepo) -> None:
    v, a = result(make_repo(manifest=MANIFEST), "6.1")
    assert (v.status, v.gap, v.basis) == (Status.NEEDS_ATTESTATION, True, "none")
    assert v in a.gaps(FailOn.SHALL)


def test_a_can_provision_is_never_a_gap(make_repo: MakeRepo) -> None:
    v, _ = result(make_repo(manifest=MANIFEST), "1.1.2")
    assert v.status is Status.NEEDS_ATTESTATION and not v.gap


def test_fail_on_levels(make_repo: MakeRepo) -> None:
    _, a = result(make_repo(manifest=MANIFEST), "1.1")
    shall, should = a.gaps(FailOn.SHALL), a.gaps(FailOn.SHOULD)
    assert {v.modality.value for v in shall} == {"shall"}
    assert {v.modality.value for v in should} == {"shall", "should"}
    assert a.gaps(FailOn.NEVER) == []


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [
        ((Status.MET, Status.PARTIAL), Status.PARTIAL),
        ((Status.ERROR, Status.MET), Status.ERROR),
        ((Status.ERROR, Status.NOT_MET), Status.NOT_MET),
        ((Status.MET, Status.MET), Status.MET),
    ],
)
def test_status_is_the_worst_finding(
    make_repo: MakeRepo, statuses: tuple[Status, ...], worst: Status
) -> None:
    findings = [
        Finding(provision="6.3", status=s, message=f"f{i}", evidence=[MET]) for i, s in enumerate(statuses)
    ]
    v, _ = result(make_repo(manifest=MANIFEST), "6.3", spec("6.3", *findings))
    assert v.status is worst and v.basis == "checks"


def test_met_without_evidence_becomes_an_error(make_repo: MakeRepo) -> None:
    v, _ = result(
        make_repo(manifest=MANIFEST),
        "6.3",
        spec("6.3", Finding(provision="6.3", status=Status.MET, message="trust me")),
    )
    assert v.status is Status.ERROR
    assert "without evidence" in v.findings[0].message


def test_a_crashing_check_is_an_error_not_a_crash(make_repo: MakeRepo) -> None:
    v, _ = result(make_repo(manifest=MANIFEST), "6.3", spec("6.3", boom=True))
    assert v.status is Status.ERROR
    assert "parser fell over" in v.findings[0].message


def test_a_check_may_not_report_other_provisions(make_repo: MakeRepo) -> None:
    bad = spec("6.3", Finding(provision="6.4", status=Status.MET, message="x", evidence=[MET]))
    with pytest.raises(RuntimeError, match="not registered for"):
        result(make_repo(manifest=MANIFEST), "6.3", bad)


def test_a_check_for_an_unknown_provision_is_refused(make_repo: MakeRepo) -> None:
    with pytest.raises(RuntimeError, match=r"not in catalog"):
        result(make_repo(manifest=MANIFEST), "6.3", spec("2.1.2"))


def test_remediation_is_attached_to_unmet_findings(make_repo: MakeRepo) -> None:
    v, _ = result(
        make_repo(manifest=MANIFEST),
        "6.3",
        spec("6.3", Finding(provision="6.3", status=Status.NOT_MET, message="no")),
    )
    assert v.findings[0].remediation == "fix it" and v.findings[0].check == "test.6.3"


def _manifest(section: str, body: str) -> str:
    return MANIFEST + f"{section}:\n" + body


def test_valid_attestation_decides_a_provision_without_evidence(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=_manifest("attestations", ATTEST.format(pid="6.1", status="met", extra="")))
    v, _ = result(root, "6.1")
    assert (v.status, v.basis, v.gap) == (Status.MET, "attestation", False)


def test_expired_attestation_is_ignored(make_repo: MakeRepo) -> None:
    extra = ", expires: 2026-06-30"
    root = make_repo(manifest=_manifest("attestations", ATTEST.format(pid="6.1", status="met", extra=extra)))
    v, _ = result(root, "6.1")
    assert v.status is Status.NEEDS_ATTESTATION and v.gap
    assert v.attestation is not None and not v.attestation.valid
    assert "expired on 2026-06-30" in v.notes[0]


def test_attestation_decides_an_absence(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=_manifest("attestations", ATTEST.format(pid="6.3", status="met", extra="")))
    absent = Finding(provision="6.3", status=Status.NOT_MET, message="no policy in the repo", absence=True)
    v, _ = result(root, "6.3", spec("6.3", absent))
    assert (v.status, v.basis) == (Status.MET, "attestation")
    assert v.findings == [absent.model_copy(update={"check": "test.6.3", "remediation": "fix it"})]


def test_attestation_cannot_override_a_defect(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=_manifest("attestations", ATTEST.format(pid="6.3", status="met", extra="")))
    defect = Finding(provision="6.3", status=Status.NOT_MET, message="security.txt expired", evidence=[MET])
    v, _ = result(root, "6.3", spec("6.3", defect))
    assert (v.status, v.basis) == (Status.NOT_MET, "checks")


def test_valid_exclusion_makes_a_provision_not_applicable(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=_manifest("exclusions", '  4.6: {reason: "We offer no external API."}\n'))
    v, a = result(root, "4.6")
    assert (v.status, v.basis, v.applicable) == (Status.NOT_APPLICABLE, "exclusion", False)
    assert v.exclusion is not None and v.exclusion.reason == "We offer no external API."
    assert v not in a.gaps(FailOn.SHALL)


def test_expired_exclusion_is_assessed_again(make_repo: MakeRepo) -> None:
    body = '  4.6: {reason: "We offer no external API.", expires: 2026-01-01}\n'
    v, a = result(make_repo(manifest=_manifest("exclusions", body)), "4.6")
    assert v.status is Status.NEEDS_ATTESTATION and v.gap
    assert "exclusion of 4.6 expired on 2026-01-01" in a.warnings


def test_summary_and_principle_rollup(make_repo: MakeRepo) -> None:
    findings = [Finding(provision="6.3", status=Status.NOT_MET, message="x")]
    _, a = result(make_repo(manifest=MANIFEST), "6.3", spec("6.3", *findings))
    principle = next(p for p in a.principles if p.id == "6")
    assert principle.status is Status.NOT_MET and principle.counts.not_met == 1
    assert a.summary.provisions == 73
    assert a.summary.counts.not_met == 1
    assert a.summary.applicable == 73 - a.summary.counts.not_applicable


def test_missing_directory(tmp_path: Path) -> None:
    from aicop.errors import InputError

    with pytest.raises(InputError, match="not a directory"):
        assess(tmp_path / "nope")
