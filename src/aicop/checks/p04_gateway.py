"""The runtime duties an ``aicop gateway`` carries out, judged from its gateway.yaml and its audit log:
safeguards around outputs and controls on the API (4.1, 4.6), limits (4.3), access control (6.1),
outputs without attacker-useful metadata (8.2), and a log of all inputs and outputs (12.1).

A repository without a gateway.yaml gets no finding from these checks: the duties may be met by other
means, and the provisions stay open for evidence or attestation.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import days_since
from aicop.errors import AicopError

if TYPE_CHECKING:
    from aicop.gateway.config import GatewayConfig
    from aicop.gateway.keys import Key

CONFIG_NAMES = ("gateway.yaml", "gateway.yml")
RECENT_DAYS = 30
# Above these a per-key limit stops experimentation or resource exhaustion by no one: 1,000 requests a
# second, a thousand requests at once, 64 MB bodies, a million tokens in an answer.
UNLIMITED = {
    "requests_per_minute": 60_000,
    "tokens_per_minute": 100_000_000,
    "concurrent": 1_000,
    "body_bytes": 64 << 20,
    "max_tokens": 1_000_000,
}


def _config(ctx: Context) -> tuple[str, GatewayConfig] | Finding | None:
    """(path, config) of the repository's gateway.yaml; a finding when it does not load. Parsed once
    for the five checks (the cache is keyed by the file's size and mtime)."""
    entries = [e for e in ctx.files if e.name in CONFIG_NAMES]
    if not entries:
        return None
    entry = min(entries, key=lambda e: e.path.count("/"))
    full = ctx.root / entry.path
    try:
        stat = full.stat()
        return entry.path, _parse(str(full), stat.st_mtime_ns, stat.st_size)
    except (AicopError, OSError) as err:
        return Finding(
            provision="4.1",
            status=Status.ERROR,
            message=str(err),
            evidence=[Evidence(path=entry.path)],
            remediation=f"Correct {entry.path} where the message says ('aicop gateway serve --config "
            f"{entry.path}' checks it the same way), then assess again.",
        )


@functools.lru_cache(maxsize=8)
def _parse(path: str, _mtime: int, _size: int) -> GatewayConfig:
    from aicop.gateway.config import load_config

    return load_config(Path(path))


def gateway_configs(ctx: Context) -> Iterator[tuple[str, GatewayConfig]]:
    """The gateway.yaml that loads (a broken one is reported once, by gateway.safeguards)."""
    found = _config(ctx)
    if isinstance(found, tuple):
        yield found


def _keys(ctx: Context, path: str, config: GatewayConfig) -> list[Key]:
    """The keys in the key file gateway.yaml names (none when it is absent or unreadable here)."""
    from aicop.gateway.config import resolve
    from aicop.gateway.keys import KeyStore

    try:
        return KeyStore(resolve((ctx.root / path).parent, config.auth.keys)).load()
    except AicopError:
        return []


@check(
    "gateway.safeguards",
    provisions=["4.1", "4.6"],
    title="A gateway guards the model API: input guards against injection, output guards on answers",
    remediation="In gateway.yaml, keep guards.input.injection at block (or flag) and guards.output.redact "
    "and guards.output.leak on; put the API behind 'aicop gateway serve'.",
)
def safeguards(ctx: Context) -> Iterator[Finding]:
    found = _config(ctx)
    if isinstance(found, Finding):
        yield found
        return
    if found is None:
        return
    path, config = found
    guards = config.guards
    missing = []
    if guards.input.injection == "off":
        missing.append("the injection guard is off")
    if not guards.output.redact and guards.output.leak == "off":
        missing.append("no output guard is on (redaction and leak detection both off)")
    detail = (
        f"injection: {guards.input.injection} at {guards.input.threshold}; output redaction "
        f"{'on' if guards.output.redact else 'off'}; leaks: {guards.output.leak}; "
        f"fail closed: {guards.fail_closed}"
    )
    evidence = [Evidence(path=path, detail=detail)]
    if missing:
        yield Finding(provision="4.1", status=Status.NOT_MET, evidence=evidence, message="; ".join(missing))
    else:
        yield Finding(
            provision="4.1",
            status=Status.MET,
            evidence=evidence,
            message="answers pass non-AI safeguards in the gateway: " + detail,
        )
    api_controls = config.auth.enabled and guards.input.injection != "off"
    yield Finding(
        provision="4.6",
        status=Status.MET if api_controls else Status.NOT_MET,
        evidence=evidence,
        message="the API is behind keys, per-key limits and the injection guard"
        if api_controls
        else "the API lacks " + ("authentication" if not config.auth.enabled else "an injection guard"),
    )


@check(
    "gateway.limits",
    provisions=["4.3"],
    title="The gateway limits the rate of access per key and the resources of a single input",
    remediation="Set limits in gateway.yaml: requests_per_minute, tokens_per_minute, concurrent, body_bytes, "
    "messages and max_tokens (the defaults are set unless changed).",
)
def limits(ctx: Context) -> Iterator[Finding]:
    for path, config in gateway_configs(ctx):
        lim = config.limits
        shared = "shared through Redis" if lim.storage != "memory" else "in memory (one instance)"
        evidence = [
            Evidence(
                path=path,
                detail=f"{lim.requests_per_minute} requests and {lim.tokens_per_minute} tokens a minute, "
                f"{lim.concurrent} at once per key ({shared}); bodies up to {lim.body_bytes} bytes, "
                f"{lim.messages} messages, max_tokens capped at {lim.max_tokens}",
            )
        ]
        unlimited = [name for name, ceiling in UNLIMITED.items() if getattr(lim, name) > ceiling]
        yield Finding(
            provision="4.3",
            status=Status.NOT_MET if unlimited else Status.MET,
            evidence=evidence,
            message="limits set so high that they do not limit: "
            + ", ".join(f"{name} above {UNLIMITED[name]:,}" for name in unlimited)
            if unlimited
            else "rate of access and resources per input are limited per key",
        )


@check(
    "gateway.access",
    provisions=["6.1"],
    title="Access to the model API needs a key; keys are stored hashed and scoped to models",
    remediation="Keep auth.enabled in gateway.yaml and create keys with 'aicop gateway keys create NAME "
    "--models ...'; revoke the ones no longer needed.",
)
def access(ctx: Context) -> Iterator[Finding]:
    for path, config in gateway_configs(ctx):
        if not config.auth.enabled:
            yield Finding(
                provision="6.1",
                status=Status.NOT_MET,
                evidence=[Evidence(path=path, detail="auth.enabled: false")],
                message="the gateway lets anyone call the model API: authentication is off",
            )
            continue
        detail = "API keys required"
        keys = _keys(ctx, path, config)
        if keys:
            live = [k for k in keys if not k.revoked]
            scoped = sum("*" not in k.scopes for k in live)
            detail += (
                f"; {len(live)} live keys ({scoped} scoped to named models), {len(keys) - len(live)} revoked"
            )
        yield Finding(
            provision="6.1",
            status=Status.MET,
            evidence=[Evidence(path=path, detail=detail)],
            message="the model API is behind API keys stored as digests"
            + ("" if config.admin else ", admin off"),
        )


@check(
    "gateway.metadata",
    provisions=["8.2"],
    title="Answers leave the gateway without metadata that helps an attacker",
    remediation="Serve the model through 'aicop gateway serve': it removes upstream ids, fingerprints, "
    "server headers and logprobs; create keys without --logprobs unless a use needs them.",
)
def metadata(ctx: Context) -> Iterator[Finding]:
    for path, config in gateway_configs(ctx):
        revealing = [k.name for k in _keys(ctx, path, config) if k.logprobs and not k.revoked]
        detail = (
            f"keys allowed logprobs: {', '.join(revealing)}"
            if revealing
            else "no live key is allowed logprobs"
        )
        yield Finding(
            provision="8.2",
            status=Status.NOT_MET if revealing else Status.MET,
            evidence=[Evidence(path=path, detail=detail)],
            message=f"{len(revealing)} live keys receive logprobs, which help hone attacks on the model; "
            "revoke them and issue keys without --logprobs unless the use needs them"
            if revealing
            else "the gateway keeps only the fields downstream needs: upstream ids, system fingerprints, "
            "server and version headers and logprobs are removed",
        )


@check(
    "gateway.audit-log",
    provisions=["12.1"],
    title="Every input and output through the gateway is in a verified, recent audit log",
    remediation="Run the API through 'aicop gateway serve' with its audit log in the place gateway.yaml "
    "names; 'aicop audit verify' must find the chain intact.",
)
def audit_log(ctx: Context) -> Iterator[Finding]:
    from aicop.audit import verify_log
    from aicop.gateway.auditlog import last_record
    from aicop.gateway.config import resolve

    for path, config in gateway_configs(ctx):
        log = resolve((ctx.root / path).parent, config.audit.path)
        shown = _shown(ctx.root, log)
        if not log.is_file():
            yield Finding(
                provision="12.1",
                status=Status.NOT_MET,
                absence=True,
                evidence=[Evidence(path=path, detail=f"audit.path: {config.audit.path}")],
                message=f"no gateway audit log at {shown}",
            )
            continue
        try:
            count, problems = verify_log(log)
        except AicopError as err:
            yield Finding(
                provision="12.1",
                status=Status.ERROR,
                message=str(err),
                evidence=[Evidence(path=shown)],
                remediation=f"The audit log {shown} cannot be read: restore it from a copy, or move it "
                "aside and let the gateway start a new one (keep the old one as evidence).",
            )
            continue
        if problems:
            yield Finding(
                provision="12.1",
                status=Status.NOT_MET,
                evidence=[Evidence(path=shown, detail=problems[0])],
                message=f"the gateway audit log has been tampered with: {'; '.join(problems[:3])}",
                remediation="Treat it as a security incident: keep the log as it is, find who changed "
                "the record named here (the gateway never rewrites one), and restore from a verified copy.",
            )
            continue
        final = last_record(log)  # read from the end: verify_log has read the whole log once already
        last = final.get("time") if final else None
        detail = f"{count} chained records, privacy {config.audit.privacy}, last at {last}"
        if days_since(ctx.today, str(last), unknown=RECENT_DAYS + 1) > RECENT_DAYS:
            yield Finding(
                provision="12.1",
                status=Status.NOT_MET,
                evidence=[Evidence(path=shown, detail=detail)],
                message=f"the audit log verifies but has no traffic in the last {RECENT_DAYS} days",
            )
            continue
        yield Finding(
            provision="12.1",
            status=Status.MET,
            evidence=[Evidence(path=shown, detail=detail)],
            message="inputs and outputs are logged in a hash-chained log that verifies, with recent traffic",
        )


def _shown(root: Path, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
