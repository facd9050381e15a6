"""Principle 9 (test and evaluate) and 11.3 (test again after a major update), judged from the runs
``aicop redteam run`` recorded under ``.aicop/redteam/runs`` and the repository's ``redteam.yaml``.

Each check reads the same recorded runs; none sends a request. A repository with neither a redteam.yaml
nor a recorded run gets no finding (the provisions stay open for other evidence or an attestation, as
with the gateway checks); one with a redteam.yaml but no run gets absences; a run that fails, a model
changed since its run, or a broken run file is a defect.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import days_since
from aicop.errors import AicopError

if TYPE_CHECKING:
    from aicop.redteam.model import Run
    from aicop.redteam.suite import RedteamConfig

CONFIG = "redteam.yaml"
MIN_CATEGORIES = 5  # OWASP LLM Top 10 categories a red-team run should cover to count as a whole-system test


def _config(ctx: Context) -> RedteamConfig:
    from aicop.redteam.suite import load_config

    path = ctx.root / CONFIG
    return load_config(path if path.is_file() else None)


def _unused(ctx: Context) -> bool:
    """No redteam.yaml and no recorded run: aicop redteam is not used here, so its checks say nothing."""
    return not (ctx.root / CONFIG).is_file() and not (ctx.root / ".aicop" / "redteam").is_dir()


def _runs(ctx: Context) -> tuple[RedteamConfig, list[tuple[str, Run]]]:
    """(config, [(repository path of run.json, run)]) oldest first; raises AicopError on a broken file."""
    from aicop.redteam.gate import load_runs

    config = _config(ctx)
    runs = load_runs(ctx.root / config.runs)
    return config, [(p.relative_to(ctx.root).as_posix(), r) for p, r in runs]


def _error(provision: str, err: AicopError) -> Finding:
    return Finding(
        provision=provision, status=Status.ERROR, message=str(err), evidence=[Evidence(path=CONFIG)]
    )


def _none(provision: str, what: str) -> Finding:
    return Finding(
        provision=provision,
        status=Status.NOT_MET,
        absence=True,
        message=f"no {what}: run 'aicop redteam run' against the system's endpoint (runs are recorded under "
        ".aicop/redteam/runs)",
    )


def _latest_complete(runs: list[tuple[str, Run]]) -> list[tuple[str, Run]]:
    """The latest complete run of each model (or of the unbound target)."""
    latest: dict[str | None, tuple[str, Run]] = {}
    for path, run in runs:
        if run.complete:
            latest[run.binding.model_name] = (path, run)
    return list(latest.values())


def _evidence(path: str, run: Run) -> Evidence:
    return Evidence(path=path, detail=f"run {run.run_id} of {run.finished[:10]}: {run.status}")


@check(
    "redteam.release-gate",
    provisions=["9.1", "11.3"],
    title="Every declared model has a passing red-team run recorded for its current hash and system prompt",
    remediation="Run 'aicop redteam run' against each model (model: in redteam.yaml binds the run to its "
    "inventory hash) and gate releases on 'aicop release check' in CI.",
)
def release_gate(ctx: Context) -> Iterator[Finding]:
    if _unused(ctx):
        return
    if ctx.manifest is None or not ctx.manifest.models:
        return
    from aicop.redteam.gate import release_status

    try:
        config, runs = _runs(ctx)
        if not runs:
            yield _none("9.1", "red-team run recorded")
            yield _none("11.3", "red-team run recorded")
            return
        gates = release_status(ctx.root, ctx.manifest, config, ctx.root, ctx.today, config.max_age_days)
    except AicopError as err:
        yield _error("9.1", err)
        return
    for gate in gates:
        evidence = [Evidence(path=e, detail=f"run {gate.run}") for e in gate.evidence]
        yield Finding(
            provision="9.1",
            status=Status.MET if gate.passed else Status.NOT_MET,
            message=f"{gate.identity}: {gate.reason}",
            evidence=evidence,
        )
        changed = "changed since" in gate.reason
        if changed or gate.passed:
            yield Finding(
                provision="11.3",
                status=Status.NOT_MET if changed else Status.MET,
                message=f"{gate.identity}: {gate.reason}"
                if changed
                else f"{gate.identity}: the current version was tested ({gate.reason})",
                evidence=evidence,
            )


@check(
    "redteam.performs-as-intended",
    provisions=["9.2"],
    title="The latest red-team run passes every suite, including benign requests the model must answer",
    remediation="Fix what the failing suites show (or justify a threshold in redteam.yaml) and keep the "
    "'benign' suite in the run so over-refusal is tested too.",
)
def performs_as_intended(ctx: Context) -> Iterator[Finding]:
    if _unused(ctx):
        return
    try:
        _, runs = _runs(ctx)
    except AicopError as err:
        yield _error("9.2", err)
        return
    latest = _latest_complete(runs)
    if not latest:
        yield _none("9.2", "complete red-team run")
        return
    for path, run in latest:
        failing = run.failing()
        benign = [s for s in run.suites if not s.adversarial]
        if failing:
            rates = ", ".join(f"{s.id} {s.successes}/{s.attempts}" for s in failing)
            status, message = Status.NOT_MET, f"suites beyond their thresholds: {rates}"
        elif not benign:
            status, message = Status.PARTIAL, "every suite passes, but no benign suite tested that it answers"
        else:
            status, message = Status.MET, f"all {len(run.suites)} suites within their thresholds"
        yield Finding(provision="9.2", status=status, message=message, evidence=[_evidence(path, run)])


@check(
    "redteam.adversarial",
    provisions=["9.2.2"],
    title="Red teaming covers the OWASP LLM Top 10 categories that apply to a chat endpoint",
    remediation="Run the built-in suites ('suites: [builtin]' in redteam.yaml) or your own covering "
    f"at least {MIN_CATEGORIES} OWASP LLM Top 10 categories.",
)
def adversarial(ctx: Context) -> Iterator[Finding]:
    if _unused(ctx):
        return
    try:
        _, runs = _runs(ctx)
    except AicopError as err:
        yield _error("9.2.2", err)
        return
    latest = _latest_complete(runs)
    if not latest:
        yield _none("9.2.2", "complete red-team run")
        return
    for path, run in latest:
        categories = sorted({s.owasp for s in run.suites if s.adversarial and s.owasp})
        attempts = sum(s.attempts for s in run.suites if s.adversarial)
        status = (
            Status.MET
            if len(categories) >= MIN_CATEGORIES
            else (Status.PARTIAL if categories else Status.NOT_MET)
        )
        yield Finding(
            provision="9.2.2",
            status=status,
            message=f"{attempts} adversarial attacks over {len(categories)} OWASP LLM categories "
            f"({', '.join(categories) or 'none'})",
            evidence=[_evidence(path, run)],
        )


@check(
    "redteam.history",
    provisions=["9.3"],
    title="Red-team runs are repeated over the lifecycle: a history of runs, the latest one recent",
    remediation="Run 'aicop redteam run' on a schedule and on every model change, keep the runs, and compare "
    "them with 'aicop redteam compare OLD NEW'.",
)
def history(ctx: Context) -> Iterator[Finding]:
    if _unused(ctx):
        return
    try:
        config, runs = _runs(ctx)
    except AicopError as err:
        yield _error("9.3", err)
        return
    complete = [(p, r) for p, r in runs if r.complete]
    if not complete:
        yield _none("9.3", "complete red-team run")
        return
    days = sorted({r.finished[:10] for _, r in complete})
    last = complete[-1][1]
    age = days_since(ctx.today, last.finished, unknown=10**6)
    evidence = [_evidence(p, r) for p, r in complete[-5:]]
    if len(days) >= 2 and age <= config.max_age_days:
        status, message = Status.MET, f"{len(complete)} runs on {len(days)} days from {days[0]} to {days[-1]}"
    elif age > config.max_age_days:
        status, message = Status.NOT_MET, f"the latest run is {age} days old (limit {config.max_age_days})"
    else:
        status, message = Status.PARTIAL, f"runs on one day only ({days[0]}): no history to benchmark against"
    yield Finding(provision="9.3", status=status, message=message, evidence=evidence)


@check(
    "redteam.shared",
    provisions=["9.4"],
    title="The latest red-team findings are published for System Operators as a shareable summary",
    remediation="Set 'share: docs/redteam-summary.md' in redteam.yaml: each run writes its summary (no "
    "prompts, answers or planted secrets) there, for System Operators.",
)
def shared(ctx: Context) -> Iterator[Finding]:
    if _unused(ctx):
        return
    try:
        config, runs = _runs(ctx)
    except AicopError as err:
        yield _error("9.4", err)
        return
    complete = [(p, r) for p, r in runs if r.complete]
    if not complete:
        yield _none("9.4", "complete red-team run")
        return
    path, last = complete[-1]
    if config.share:
        text = ctx.read_text(config.share)
        if text is not None and last.run_id in text:
            yield Finding(
                provision="9.4",
                status=Status.MET,
                message=f"the summary of run {last.run_id} is published at {config.share}",
                evidence=[Evidence(path=config.share, detail=f"summary of run {last.run_id}")],
            )
            return
        yield Finding(
            provision="9.4",
            status=Status.NOT_MET,
            message=f"{config.share} does not hold the summary of the latest run {last.run_id}",
            evidence=[Evidence(path=CONFIG, key="share")],
        )
        return
    summary = Path(path).parent / "summary.md"
    yield Finding(
        provision="9.4",
        status=Status.PARTIAL,
        message="a shareable summary exists beside the run, but redteam.yaml names no 'share' path "
        "where System Operators find it",
        evidence=[Evidence(path=summary.as_posix(), detail=f"summary of run {last.run_id}")],
    )
