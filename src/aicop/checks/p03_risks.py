"""Principle 3 over time: the risk register (``risks.yaml``) judged against the repository.

One check per provision, each in its own function, so that the registry's conversion to controls can
take them one by one. The register is loaded (and validated, every error with its line) by
``aicop.risks.register``; a register with errors is reported by the engine as an error finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check, registered_checks
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import todo_lines, unfinished
from aicop.risks.changes import changes_since
from aicop.risks.model import REGISTER_NAME, Level, Risk, Treatment, level_index
from aicop.risks.register import LoadedRegister, load_register
from aicop.risks.suggest import MULTI_FUNCTION
from aicop.system.manifest import MANIFEST_NAME
from aicop.system.walk import FileKind

ASSURANCE_DAYS = 365
REGISTER_REVIEW_DAYS = 365
MAX_NAMED = 5


def register(ctx: Context) -> LoadedRegister | None:
    """The repository's register, validated against its manifest and the registered checks; loaded
    once per run for the seven checks (a register with errors raises the same error in each)."""
    return ctx.once("risks.register", lambda: _load(ctx))


def _load(ctx: Context) -> LoadedRegister | None:
    if not (ctx.root / REGISTER_NAME).is_file():
        return None
    return load_register(
        ctx.root / REGISTER_NAME, manifest=ctx.manifest, check_ids={s.id for s in registered_checks()}
    )


def _absent(provision: str) -> Finding:
    return Finding(
        provision=provision,
        status=Status.NOT_MET,
        absence=True,
        message=f"no risk register ({REGISTER_NAME}); 'aicop risks suggest --write' starts one",
    )


def _at(loaded: LoadedRegister, *at: str | int, detail: str) -> Evidence:
    return Evidence(path=REGISTER_NAME, line=loaded.line(*at), detail=detail)


def _finish(loaded: LoadedRegister, finding: Finding) -> Finding:
    """A register with TODO markers (e.g. an owner 'aicop risks suggest' could not know) is partial."""
    return unfinished(finding, REGISTER_NAME, todo_lines(loaded.path.read_text(encoding="utf-8")))


def _names(items: list[str]) -> str:
    more = f" and {len(items) - MAX_NAMED} more" if len(items) > MAX_NAMED else ""
    return "; ".join(items[:MAX_NAMED]) + more


def _watched_paths(ctx: Context) -> list[str]:
    """Models, prompts, datasets and configuration: what a re-assessment must follow (3.1.1)."""
    if ctx.manifest is None:
        kinds = (FileKind.MODEL, FileKind.PROMPT, FileKind.DATASET, FileKind.CONFIG)
        return [e.path for k in kinds for e in ctx.of_kind(k)][:500]
    m = ctx.manifest
    paths = [x.path for x in m.models if x.path] + [x.path for x in m.datasets if x.path]
    paths += [x.path for x in m.prompts]
    paths += [e.gateway_config for e in m.endpoints if e.gateway_config]
    paths.append(MANIFEST_NAME)
    return [p for p in dict.fromkeys(paths) if (ctx.root / p).exists()]


@check(
    "risks.reassessed-after-change",
    provisions=["3.1.1"],
    title="The risk register was reviewed after the last change to a model, prompt, dataset or configuration",
    remediation="Review risks.yaml whenever a model, prompt, dataset or configuration changes, and set "
    "last_reviewed to the day of that review.",
)
def reassessed_after_change(ctx: Context) -> Iterator[Finding]:
    loaded = register(ctx)
    if loaded is None:
        yield _absent("3.1.1")
        return
    since = loaded.register.last_reviewed
    evidence = _at(loaded, "last_reviewed", detail=f"last reviewed {since.isoformat()}")
    changes = changes_since(ctx.root, _watched_paths(ctx), since)
    if changes is None:
        yield Finding(
            provision="3.1.1",
            status=Status.PARTIAL,
            evidence=[evidence],
            message=f"the register was reviewed {since.isoformat()}, but the repository is not a git "
            "checkout (or git is missing), so changes since then cannot be told",
        )
    elif changes:
        named = [
            f"{c.commit} {c.day.isoformat() if c.day else ''} {c.subject[:60]!r} ({', '.join(c.paths[:3])})"
            for c in changes
        ]
        yield Finding(
            provision="3.1.1",
            status=Status.NOT_MET,
            evidence=[evidence]
            + [
                Evidence(path=c.paths[0] if c.paths else None, detail=f"commit {c.commit}")
                for c in changes[:10]
            ],
            message=f"changed after the register's review on {since.isoformat()}: {_names(named)}",
        )
    else:
        yield Finding(
            provision="3.1.1",
            status=Status.MET,
            evidence=[evidence],
            message="no model, prompt, dataset or configuration changed in git after the review on "
            f"{since.isoformat()}",
        )


@check(
    "risks.unused-capabilities",
    provisions=["3.1.3"],
    title="Models that offer more functions than the system uses are recorded, with the risk that "
    "manages them",
    remediation="For each multi-modal or tool-capable model, add to 'capabilities' in risks.yaml what it "
    "offers, what the system uses, and the risk (managed_by) whose controls restrict the rest.",
)
def unused_capabilities(ctx: Context) -> Iterator[Finding]:
    loaded = register(ctx)
    if loaded is None:
        yield _absent("3.1.3")
        return
    reg = loaded.register
    recorded = {c.model: (i, c) for i, c in enumerate(reg.capabilities)}
    models = ctx.manifest.models if ctx.manifest else []
    problems: list[str] = []
    evidence: list[Evidence] = []
    for m in models:
        ref = m.uri or m.path or ""
        if (MULTI_FUNCTION.search(ref) or MULTI_FUNCTION.search(m.name)) and m.name not in recorded:
            problems.append(f"{m.name} ({ref}) offers more than one function and is not in 'capabilities'")
    for name, (i, cap) in recorded.items():
        unused = [x for x in cap.offers if x not in cap.uses]
        if unused and cap.managed_by is None:
            problems.append(
                f"{name} offers {', '.join(unused)} the system does not use, and no risk manages it"
            )
        evidence.append(_at(loaded, "capabilities", i, detail=f"{name}: uses {', '.join(cap.uses)}"))
    if problems:
        yield Finding(
            provision="3.1.3",
            status=Status.NOT_MET,
            evidence=evidence or [_at(loaded, detail="register")],
            message=_names(problems),
        )
        return
    if not recorded and ctx.manifest is None:
        yield Finding(
            provision="3.1.3",
            status=Status.PARTIAL,
            evidence=[_at(loaded, detail="no capabilities in the register")],
            message="no aicop.yaml declares the models, and the register records no capabilities",
        )
        return
    message = (
        f"unused capabilities recorded and managed for {', '.join(recorded)}"
        if recorded
        else "no declared model is known to offer more functions than the system uses"
    )
    basis = evidence or [Evidence(path=MANIFEST_NAME, detail=f"{len(models)} declared models")]
    yield _finish(loaded, Finding(provision="3.1.3", status=Status.MET, evidence=basis, message=message))


@check(
    "risks.dpia",
    provisions=["3.2"],
    title="A data protection impact assessment is referenced when datasets hold personal data",
    remediation="Record the DPIA in risks.yaml (dpia: {reference: <path or URL>, date: YYYY-MM-DD}).",
)
def dpia(ctx: Context) -> Iterator[Finding]:
    loaded = register(ctx)
    if loaded is None:
        yield _absent("3.2")
        return
    personal = [
        d.name
        for d in (ctx.manifest.datasets if ctx.manifest else [])
        if d.sensitivity in ("personal", "special-category")
    ]
    given = loaded.register.dpia
    if given is not None:
        local = "://" not in given.reference
        if local and not (ctx.root / given.reference).exists():
            yield Finding(
                provision="3.2",
                status=Status.NOT_MET,
                evidence=[_at(loaded, "dpia", "reference", detail=given.reference)],
                message=f"the DPIA {given.reference} named in the register does not exist",
            )
            return
        yield _finish(
            loaded,
            Finding(
                provision="3.2",
                status=Status.MET,
                evidence=[_at(loaded, "dpia", detail=f"DPIA {given.reference} of {given.date.isoformat()}")],
                message=f"DPIA {given.reference} ({given.date.isoformat()})",
            ),
        )
    elif ctx.manifest is None:
        yield Finding(
            provision="3.2",
            status=Status.PARTIAL,
            evidence=[_at(loaded, detail="no dpia in the register")],
            message="no aicop.yaml declares the datasets' sensitivity, so whether a DPIA is needed cannot be "
            "told, and the register names none",
        )
    elif personal:
        yield Finding(
            provision="3.2",
            status=Status.NOT_MET,
            evidence=[Evidence(path=MANIFEST_NAME, detail=f"personal data in {', '.join(personal)}")],
            message=f"datasets {', '.join(personal)} hold personal data and the register names no DPIA",
        )
    else:
        yield Finding(
            provision="3.2",
            status=Status.MET,
            evidence=[
                Evidence(path=MANIFEST_NAME, detail="no dataset declared personal or special-category")
            ],
            message="no declared dataset holds personal data, so no DPIA is needed for them",
        )


def _unresolved(risk: Risk, appetite: Level) -> bool:
    """A threat the Developer cannot resolve: accepted, transferred, or above appetite after treatment."""
    return risk.treatment in (Treatment.ACCEPT, Treatment.TRANSFER) or level_index(
        risk.residual
    ) > level_index(appetite)


@check(
    "risks.communicated",
    provisions=["3.3"],
    title="Threats the Developer cannot resolve are communicated to Operators and End-users in a document "
    "that names them",
    remediation="For each accepted, transferred or above-appetite risk set communicated (operators / "
    "end_users, where: a document) and name the risk id in that document ('aicop docs draft risk-summary').",
)
def communicated(ctx: Context) -> Iterator[Finding]:
    loaded = register(ctx)
    if loaded is None:
        yield _absent("3.3")
        return
    reg = loaded.register
    problems: list[str] = []
    partial: list[str] = []
    evidence: list[Evidence] = []
    for i, risk in enumerate(reg.risks):
        if not _unresolved(risk, reg.risk_appetite):
            continue
        said = risk.communicated
        if not (said.operators or said.end_users) or said.where is None:
            problems.append(f"{risk.id} is not resolved by the Developer and not communicated")
            continue
        text = ctx.read_text(said.where)
        if text is None:
            problems.append(f"{risk.id}: {said.where} does not exist")
        elif risk.id not in text:
            partial.append(f"{risk.id} is not named in {said.where}")
        else:
            todos = todo_lines(text)
            if todos:
                partial.append(f"{said.where} still has TODO markers (line {todos[0]})")
            line = text[: text.index(risk.id)].count("\n") + 1
            evidence.append(Evidence(path=said.where, line=line, detail=risk.id))
        evidence.append(_at(loaded, "risks", i, "communicated", detail=f"{risk.id} communicated"))
    if problems or partial:
        yield Finding(
            provision="3.3",
            status=Status.NOT_MET if problems else Status.PARTIAL,
            evidence=evidence or [_at(loaded, "risks", detail="register")],
            message=_names(problems + list(dict.fromkeys(partial))),
        )
        return
    told = [e.detail or "" for e in evidence if e.path != REGISTER_NAME]
    message = (
        f"unresolved risks communicated: {', '.join(told)}"
        if told
        else f"every risk is treated by the Developer within the appetite ({reg.risk_appetite})"
    )
    yield _finish(
        loaded,
        Finding(
            provision="3.3",
            status=Status.MET,
            evidence=evidence or [_at(loaded, "risks", detail="register")],
            message=message,
        ),
    )


@check(
    "risks.third-party-assurance",
    provisions=["3.4"],
    title="Risks held by third parties name the party and an assurance checked within a year",
    remediation="For each risk a third party holds, set treatment: transfer with transfer: {party, assurance "
    "(a contract clause or report), reviewed: YYYY-MM-DD}; record a risk for each external AI service.",
)
def third_party_assurance(ctx: Context) -> Iterator[Finding]:
    loaded = register(ctx)
    if loaded is None:
        yield _absent("3.4")
        return
    problems: list[str] = []
    evidence: list[Evidence] = []
    parties: list[str] = []
    for i, risk in enumerate(loaded.register.risks):
        if risk.transfer is None:
            continue
        t = risk.transfer
        parties.append(t.party)
        evidence.append(_at(loaded, "risks", i, "transfer", detail=f"{risk.id}: {t.party}"))
        if t.reviewed is None:
            problems.append(f"{risk.id}: the assurance from {t.party} has no 'reviewed' date")
        elif (ctx.today - t.reviewed).days > ASSURANCE_DAYS:
            problems.append(
                f"{risk.id}: the assurance from {t.party} was last checked {t.reviewed.isoformat()}"
            )
    mentioned = " ".join(
        [*parties, *(c for r in loaded.register.risks for c in [*r.components, *r.assets])]
    ).lower()
    for api in ctx.manifest.external_apis if ctx.manifest else []:
        names = {api.name.lower(), (api.provider or api.name).lower()}
        if not any(n in mentioned for n in names):
            problems.append(f"no risk names the external service {api.name} or records assurance from it")
    if problems:
        yield Finding(
            provision="3.4",
            status=Status.PARTIAL if evidence else Status.NOT_MET,
            evidence=evidence or [_at(loaded, "risks", detail="register")],
            message=_names(problems),
        )
        return
    if not parties and ctx.manifest is None:
        yield Finding(
            provision="3.4",
            status=Status.PARTIAL,
            evidence=[_at(loaded, "risks", detail="no transferred risk")],
            message="no aicop.yaml declares the external services, and no risk is transferred to a third "
            "party",
        )
        return
    message = (
        f"assurance obtained from {', '.join(sorted(set(parties)))}"
        if parties
        else "no third party holds a risk and every external service is covered by a risk"
    )
    yield _finish(
        loaded,
        Finding(
            provision="3.4",
            status=Status.MET,
            evidence=evidence or [_at(loaded, "risks", detail="register")],
            message=message,
        ),
    )


def _failing_checks(ctx: Context, wanted: set[str]) -> dict[str, str]:
    """The linked aicop checks that do not pass, with their first problem: their controls do not work.
    Their findings are the run's own (``CheckSpec.run`` computes each check once per Context)."""
    failing: dict[str, str] = {}
    for spec in registered_checks():
        if spec.id not in wanted:
            continue
        try:
            findings = spec.run(ctx)
        except Exception as err:  # the check's own error is reported by the engine; here it means "not shown"
            failing[spec.id] = f"{type(err).__name__}: {err}"
            continue
        bad = [f for f in findings if f.status is not Status.MET and f.suppression is None]
        if bad:
            failing[spec.id] = bad[0].message
        elif not findings:
            failing[spec.id] = "it found nothing to judge, so the control is not shown to work"
    return failing


def raised_risks(ctx: Context, loaded: LoadedRegister) -> dict[str, tuple[Level, str]]:
    """Risks whose controls are shown not to work by a failing aicop check: id → (risk now, why).
    A control that does not work gives no reduction, so the risk is back at its inherent level."""
    reg = loaded.register
    wanted = {c.check for c in reg.controls if c.check}
    failing = _failing_checks(ctx, wanted) if wanted else {}
    raised: dict[str, tuple[Level, str]] = {}
    for risk in reg.risks:
        for cid in risk.controls:
            control = reg.control(cid)
            if control is not None and control.check in failing:
                if level_index(risk.inherent) > level_index(risk.residual):
                    raised[risk.id] = (
                        risk.inherent,
                        f"control {cid} fails {control.check}: {failing[control.check]}",
                    )
                break
    return raised


@check(
    "risks.controls",
    provisions=["3.5"],
    title="Every risk to mitigate has controls with a cost, the controls' checks pass, and what "
    "remains fits the risk appetite",
    remediation="Give each mitigated risk its controls in risks.yaml, with the cost of each, link a control "
    "to the aicop check that evidences it, and fix the checks that fail.",
)
def controls(ctx: Context) -> Iterator[Finding]:
    loaded = register(ctx)
    if loaded is None:
        yield _absent("3.5")
        return
    reg = loaded.register
    gaps: list[str] = []
    partial: list[str] = []
    raised = raised_risks(ctx, loaded)
    for risk in reg.risks:
        if risk.treatment is Treatment.MITIGATE and not risk.controls:
            gaps.append(f"{risk.id} is to be mitigated but has no control")
        now = raised.get(risk.id, (risk.residual, ""))[0]
        if risk.id in raised:
            gaps.append(f"{risk.id} rises to {now}: {raised[risk.id][1][:160]}")
        elif level_index(now) > level_index(reg.risk_appetite) and risk.treatment is not Treatment.ACCEPT:
            gaps.append(
                f"{risk.id} stays {now}, above the appetite ({reg.risk_appetite}), and is not accepted"
            )
    uncosted = [c.id for c in reg.controls if c.cost is None]
    if uncosted:
        partial.append(f"controls without a cost: {', '.join(uncosted)}")
    evidence = [_at(loaded, "controls", i, detail=f"{c.id}: {c.title}") for i, c in enumerate(reg.controls)]
    evidence = evidence[:10] or [_at(loaded, "risks", detail="register")]
    if gaps or partial:
        yield Finding(
            provision="3.5",
            status=Status.NOT_MET if gaps else Status.PARTIAL,
            evidence=evidence,
            message=_names(gaps + partial),
        )
        return
    linked = sum(1 for c in reg.controls if c.check)
    yield _finish(
        loaded,
        Finding(
            provision="3.5",
            status=Status.MET,
            evidence=evidence,
            message=f"{len(reg.controls)} costed controls treat {len(reg.risks)} risks within the appetite "
            f"({reg.risk_appetite}); {linked} are evidenced by passing aicop checks",
        ),
    )


@check(
    "risks.residual-reviewed",
    provisions=["3.6"],
    title="Residual risk is recorded and accepted by an approver, and no review date has passed",
    remediation="Review each risk by its review date, and the register within a year (last_reviewed); an "
    "accepted risk needs an approver (acceptance.approver).",
)
def residual_reviewed(ctx: Context) -> Iterator[Finding]:
    loaded = register(ctx)
    if loaded is None:
        yield _absent("3.6")
        return
    reg = loaded.register
    gaps: list[str] = []
    evidence = [_at(loaded, "last_reviewed", detail=f"register reviewed {reg.last_reviewed.isoformat()}")]
    age = (ctx.today - reg.last_reviewed).days
    if age > REGISTER_REVIEW_DAYS:
        gaps.append(f"the register was last reviewed {reg.last_reviewed.isoformat()}, {age} days ago")
    for i, risk in enumerate(reg.risks):
        if risk.review < ctx.today:
            kind = "accepted risk" if risk.treatment is Treatment.ACCEPT else "risk"
            gaps.append(f"{kind} {risk.id} was due for review on {risk.review.isoformat()}")
        if risk.acceptance is not None:
            evidence.append(
                _at(
                    loaded,
                    "risks",
                    i,
                    "acceptance",
                    detail=f"{risk.id} accepted by {risk.acceptance.approver}",
                )
            )
    if gaps:
        yield Finding(provision="3.6", status=Status.NOT_MET, evidence=evidence, message=_names(gaps))
        return
    accepted = sum(1 for r in reg.risks if r.acceptance is not None)
    nxt = min((r.review for r in reg.risks), default=None)
    yield _finish(
        loaded,
        Finding(
            provision="3.6",
            status=Status.MET,
            evidence=evidence,
            message=f"residual risk recorded for {len(reg.risks)} risks, {accepted} accepted with an "
            f"approver; next review {nxt.isoformat() if nxt else 'not set'}",
        ),
    )
