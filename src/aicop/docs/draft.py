"""Draft the documents the Code asks for from what aicop knows about the system: the manifest, the
risk register, the recorded inventory and the latest assessment.

Each draft has every section the matching check looks for (the same topic patterns), filled with
facts where aicop has them and a ``TODO:`` marker where only a person can answer; the checks treat a
TODO as partial, never met, so a draft cannot pass for a finished document. Markdown is written by
small functions rather than templates: every section is a list computed from data, and a template
would hold little more than the headings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from aicop.risks import taxonomy
from aicop.risks.model import Register, Risk, Treatment, level_index
from aicop.risks.suggest import Suggestion
from aicop.system.manifest import Manifest


class Kind(StrEnum):
    THREAT_MODEL = "threat-model"
    MODEL_CARD = "model-card"
    SECURITY_TXT = "security-txt"
    DISCLOSURE_POLICY = "disclosure-policy"
    INCIDENT_PLAN = "incident-plan"
    USER_NOTICE = "user-notice"
    RISK_SUMMARY = "risk-summary"


# Where each document usually lives: where the checks look for it when aicop.yaml does not say.
DEFAULT_PATHS = {
    Kind.THREAT_MODEL: "docs/threat-model.md",
    Kind.MODEL_CARD: "docs/model-card.md",
    Kind.SECURITY_TXT: ".well-known/security.txt",
    Kind.DISCLOSURE_POLICY: "SECURITY.md",
    Kind.INCIDENT_PLAN: "docs/incident-response.md",
    Kind.USER_NOTICE: "docs/user-notice.md",
    Kind.RISK_SUMMARY: "docs/risk-summary.md",
}


class DraftError(ValueError):
    """A document that cannot be drafted from what is known (e.g. a risk summary without a register)."""


@dataclass
class Sources:
    """What a draft is written from. Only ``name`` is required; every other source adds facts."""

    name: str
    today: dt.date
    manifest: Manifest | None = None
    register: Register | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # path → digest, from .aicop/inventory.json
    gaps: list[tuple[str, str]] = field(default_factory=list)  # (provision, message) from an assessment


def draft(kind: Kind, src: Sources, *, model: str | None = None) -> str:
    writers = {
        Kind.THREAT_MODEL: threat_model,
        Kind.SECURITY_TXT: security_txt,
        Kind.DISCLOSURE_POLICY: disclosure_policy,
        Kind.INCIDENT_PLAN: incident_plan,
        Kind.USER_NOTICE: user_notice,
        Kind.RISK_SUMMARY: risk_summary,
    }
    if kind is Kind.MODEL_CARD:
        return model_card(src, model)
    return writers[kind](src)


def _lines(*parts: str | Iterable[str]) -> str:
    out: list[str] = []
    for part in parts:
        out.extend([part] if isinstance(part, str) else part)
    return "\n".join(out).rstrip() + "\n"


def _header(title: str, src: Sources) -> list[str]:
    return [
        f"# {title}: {src.name}",
        "",
        f"<!-- Drafted by aicop on {src.today.isoformat()} from aicop.yaml, risks.yaml and the inventory. "
        "Answer each marked item; until then aicop counts this document as partial. -->",
        "",
    ]


def _ids(risk: Risk | Suggestion) -> str:
    found = [f"{i} {taxonomy.atlas_title(i)}" for i in risk.atlas]
    found += [f"{i} {taxonomy.owasp_title(i)}" for i in risk.owasp]
    return "; ".join(found) or "—"


def _threats(src: Sources) -> list[Risk | Suggestion]:
    if src.register is not None and src.register.risks:
        return list(src.register.risks)
    return list(src.suggestions)


def _overview(src: Sources) -> list[str]:
    m = src.manifest
    if m is None:
        return ["TODO: describe the system: its models, data, users and the services it calls.", ""]
    out = [m.system.description or "TODO: one paragraph on what the system does and for whom.", ""]
    out += [f"- Model {x.name}: {x.uri or x.path} ({x.source or 'source not recorded'})" for x in m.models]
    out += [
        f"- Dataset {d.name}: {d.path or d.url} ({d.sensitivity}"
        f"{', published' if d.public and d.sensitivity != 'public' else ''})"
        for d in m.datasets
    ]
    out += [f"- Prompt {p.name}: {p.path}" for p in m.prompts]
    out += [
        f"- External service {a.name}: sent {', '.join(a.data_sent) or 'TODO: what data'}"
        for a in m.external_apis
    ]
    out += [f"- Endpoint {e.name}: {e.url or ''}{' (public)' if e.public else ''}" for e in m.endpoints]
    return [*out, ""]


# Why someone would take each suggested route: a starting list for the motivations section.
MOTIVATIONS = {
    "direct-prompt-injection": "Fraud or mischief: users who want the system to do what its rules forbid.",
    "indirect-prompt-injection": "Attackers who reach users through content the system reads.",
    "retrieval-poisoning": "Anyone who wants the system to give false answers at scale.",
    "training-data-poisoning": "Attackers who want lasting influence over the model's behaviour.",
    "system-prompt-extraction": "Competitors or researchers wanting the prompt and business rules.",
    "denial-of-wallet": "Free use of the model, or running up its bill to disrupt the service.",
    "model-extraction": "Competitors wanting a copy of the model.",
    "data-leakage-to-llm-service": "Data theft: personal or confidential data sent to or returned by the "
    "model.",
    "excessive-agency": "Attackers wanting the system's tools to act for them.",
    "model-supply-chain": "Supply-chain attackers who plant code or backdoors in shared models.",
    "unused-capability": "Attackers probing functions the system never meant to expose.",
    "overreliance-on-output": "Harm through wrong answers acted upon, deliberate or not.",
}


def threat_model(src: Sources) -> str:
    threats = _threats(src)
    motivations = [f"- {MOTIVATIONS[t.id]}" for t in threats if t.id in MOTIVATIONS]
    routes = ["| Threat | Route | ATLAS / OWASP | Assets |", "|---|---|---|---|"]
    routes += [f"| {t.id} | {t.title} | {_ids(t)} | {', '.join(t.assets) or '—'} |" for t in threats]
    if not threats:
        routes = ["- TODO: list the attack routes, one per line, with the motivation each serves."]
    reg = src.register
    controls = [f"- {c.id}: {c.title} ({c.status})" for c in reg.controls] if reg else []
    return _lines(
        _header("Threat model", src),
        f"Last reviewed: TODO (YYYY-MM-DD) · Owner: {reg.owner if reg else 'TODO'}",
        "",
        "## System overview",
        "",
        _overview(src),
        "## Adversarial motivations",
        "",
        motivations or ["- TODO: who would attack this system, and why."],
        "- TODO: add the motivations particular to your organisation (insiders, activists, competitors).",
        "",
        "## Attack routes",
        "",
        routes,
        "" if reg else "\nTODO: these routes are aicop's suggestions; confirm or strike each.",
        "",
        "## Controls",
        "",
        controls or ["- TODO: the controls that treat each route (see risks.yaml)."],
    )


def _model(src: Sources, name: str | None) -> tuple[str, list[str]]:
    m = src.manifest
    models = m.models if m else []
    chosen = next((x for x in models if x.name == name), None) if name else None
    if name and chosen is None:
        raise DraftError(f"no model {name!r} in aicop.yaml")
    chosen = chosen or next((x for x in models if x.path), None) or (models[0] if models else None)
    if chosen is None:
        return name or "TODO: model name", ["- TODO: architecture, version, source and licence."]
    facts = [
        f"- Name: {chosen.name}",
        f"- Location: {chosen.path or chosen.uri}",
        f"- Source: {chosen.source or 'TODO: in-house, vendor or hub'}",
        f"- Format: {chosen.format or 'TODO'}",
        f"- Licence: {chosen.licence or 'TODO'}",
        "- Architecture: TODO: the model's design in a sentence or two.",
    ]
    if chosen.revision:
        facts.append(f"- Pinned revision: {chosen.revision}")
    return chosen.name, facts


def model_card(src: Sources, name: str | None = None) -> str:
    chosen, facts = _model(src, name)
    m = src.manifest
    location = next((x.path for x in (m.models if m else []) if x.name == chosen and x.path), None)
    hashes = [
        f"- `{p}`: {d}"
        for p, d in sorted(src.digests.items())
        if location and (p == location or p.startswith(location.rstrip("/") + "/"))
    ]
    data = [f"- {d.name}: {d.source or d.path or d.url} ({d.sensitivity})" for d in (m.datasets if m else [])]
    reg = src.register
    guards = [f"- {c.title}" for c in reg.controls] if reg else []
    failures = [f"- {r.title} ({r.id})" for r in reg.risks] if reg else []
    return _lines(
        _header(f"Model card: {chosen}", src),
        "## Model details",
        "",
        facts,
        "",
        "## Training data",
        "",
        data or ["- TODO: the sources of training data."],
        "- TODO: fine-tuning data and human or operational feedback used, if any.",
        "",
        "## Intended use and limitations",
        "",
        "TODO: what the model is for, what it is not for, and where it is known to perform poorly.",
        "",
        "## Guardrails",
        "",
        guards or ["- TODO: the safeguards around the model's inputs and outputs."],
        "",
        "## Hashes and signatures",
        "",
        hashes or ["- TODO: run 'aicop inventory' and 'aicop sign'; the SHA-256 of each file goes here."],
        "",
        "## Retention",
        "",
        "TODO: how long the model, its training data and its logs are kept, and when they are deleted.",
        "",
        "## Review frequency",
        "",
        "TODO: reviewed every N months, and after any change to its data or prompts.",
        "",
        "## Failure modes",
        "",
        failures or ["- TODO: known failure modes and how they show."],
        "",
        "## Maintenance plan",
        "",
        "TODO: post-deployment monitoring, updates, retraining and decommissioning.",
    )


def security_txt(src: Sources) -> str:
    expires = dt.datetime.combine(src.today + dt.timedelta(days=365), dt.time(), tzinfo=dt.UTC)
    return _lines(
        f"# security.txt for {src.name} (RFC 9116), drafted by aicop on {src.today.isoformat()}.",
        "# TODO: set the contact address, publish at /.well-known/security.txt, then delete these comments.",
        "Contact: mailto:TODO",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en",
    )


def disclosure_policy(src: Sources) -> str:
    scope = ["- The application's code, APIs and infrastructure."]
    m = src.manifest
    if m is not None:
        scope += [f"- The model {x.name} and its prompts and guardrails." for x in m.models]
    return _lines(
        _header("Security policy", src),
        "## Reporting a vulnerability",
        "",
        "Please report a suspected vulnerability to TODO@your-domain.example (or a web form: TODO) rather "
        "than in a public issue.",
        "AI-specific weaknesses count: ways to make the system reveal its instructions or other users' data, "
        "bypass its guardrails, or act beyond its purpose.",
        "",
        "## Scope",
        "",
        scope,
        "",
        "## What happens next",
        "",
        "TODO: how soon you acknowledge a report, how you keep the reporter informed, and when you disclose.",
        "",
        "## Safe harbour",
        "",
        "TODO: your commitment not to take action against good-faith research that follows this policy.",
    )


def incident_plan(src: Sources) -> str:
    reg = src.register
    owners = sorted({r.owner for r in reg.risks} | {reg.owner}) if reg else []
    return _lines(
        _header("Incident response plan", src),
        "## Roles and contacts",
        "",
        [f"- {o}" for o in owners] or ["- TODO: the incident lead and how to reach them."],
        "- Incident lead and on-call rota: TODO",
        "",
        "## Detection and triage",
        "",
        "- Signals: gateway guard hits and refusals, unusual token use, failing 'aicop assess' checks, "
        "reports under the disclosure policy.",
        "- Severity: TODO: the levels and the time to classify an incident.",
        "",
        "## Containment and recovery",
        "",
        "- Switch off AI functionality or route users to people: TODO (the switch).",
        "- Restore the last known-good model, prompts and data with 'aicop restore' from a snapshot.",
        "- Rotate API keys that may have leaked ('aicop gateway keys').",
        "",
        "## Communication and notification",
        "",
        "- TODO: who tells System Operators, End-users and regulators (ICO within 72 hours for personal "
        "data breaches), and how.",
        "",
        "## Supporting affected users after an incident",
        "",
        "- TODO: the help affected End-users and System Operators get to contain the impact, and the "
        "contract terms that commit you to it.",
    )


def user_notice(src: Sources) -> str:
    m = src.manifest
    sent = [
        f"- {', '.join(a.data_sent) or 'your messages'} to {a.provider or a.name}"
        for a in (m.external_apis if m else [])
    ]
    reg = src.register
    told = [r for r in reg.risks if r.communicated.end_users] if reg else []
    limits = [f"- {r.title}" for r in told]
    return _lines(
        _header("About our AI system", src),
        "## What you are responsible for",
        "",
        "TODO: what users must not share, and what they must check before acting on an answer.",
        "",
        "## How your data is used",
        "",
        sent or ["TODO: where your data goes."],
        "TODO: how long it is stored (retention), who reviews it, and whether it is used for retraining.",
        "",
        "## Using the system securely",
        "",
        "TODO: how to use, integrate and configure it securely.",
        "",
        "## Prohibited uses",
        "",
        "- Do not use it to attempt to get other people's data or to bypass its rules.",
        "- TODO: uses your terms forbid.",
        "",
        "## Known limitations",
        "",
        limits or ["- It can be wrong; check important answers."],
        "- TODO: limitations particular to this system.",
        "",
        "## Failure modes",
        "",
        "- TODO: how it fails (invented answers, outdated information, refusals) and what to do then.",
        "",
        "## AI functionality and how to opt out",
        "",
        "TODO: which features use AI, and how to turn them off or reach a person instead.",
        "",
        "## If a security incident affects you",
        "",
        "TODO: how we tell you, the help we give to contain the impact, and where this is agreed.",
    )


def risk_summary(src: Sources) -> str:
    reg = src.register
    if reg is None:
        raise DraftError(
            "a risk summary is drafted from risks.yaml; 'aicop risks suggest --write' starts one"
        )
    unresolved = [
        r
        for r in reg.risks
        if r.treatment in (Treatment.ACCEPT, Treatment.TRANSFER)
        or level_index(r.residual) > level_index(reg.risk_appetite)
    ]
    rows = ["| Risk | Threat | ATLAS / OWASP | Residual | Treatment |", "|---|---|---|---|---|"]
    rows += [f"| {r.id} | {r.title} | {_ids(r)} | {r.residual} | {r.treatment} |" for r in reg.risks]
    sections: list[str] = []
    for r in unresolved:
        why = (
            f"accepted by {r.acceptance.approver}: {r.acceptance.reason}"
            if r.acceptance
            else f"held by {r.transfer.party}"
            if r.transfer
            else f"residual {r.residual} above the appetite"
        )
        sections += [
            f"### {r.id}: {r.title}",
            "",
            f"- Why it remains: {why}",
            "- What you should do: TODO",
            "",
        ]
    return _lines(
        _header("Risk summary for System Operators and End-users", src),
        f"Register reviewed {reg.last_reviewed.isoformat()} by {reg.owner}; "
        f"risk appetite: {reg.risk_appetite}.",
        "",
        "## Threats we cannot resolve for you",
        "",
        sections or ["Every risk in the register is treated by us within the risk appetite.", ""],
        "## All risks",
        "",
        rows,
        ["", "## Open gaps from the latest assessment", ""] if src.gaps else [],
        [f"- {pid}: {msg}" for pid, msg in src.gaps[:20]],
    )
