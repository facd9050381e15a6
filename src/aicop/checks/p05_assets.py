"""Principle 5: identify, track and protect your assets (and 2.2's audit trail of models, datasets and
prompts), from the inventory and the audit trail that 'aicop inventory' keeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import days_since
from aicop.errors import AicopError

INVENTORY = ".aicop/inventory.json"
AUDIT = ".aicop/audit.jsonl"
STALE_DAYS = 90


@check(
    "assets.inventory",
    provisions=["5.1", "5.2"],
    title="An inventory records every model, dataset, prompt and document by content hash, and the tree "
    "still matches it",
    remediation="Run 'aicop inventory' to record the assets (commit .aicop/inventory.json and "
    ".aicop/audit.jsonl), and again after every intended change; 'aicop inventory --check' in CI.",
)
def asset_inventory(ctx: Context) -> Iterator[Finding]:

    from aicop.integrity import inventory

    try:
        recorded = inventory.load(ctx.root)
    except AicopError as err:
        for pid in ("5.1", "5.2"):
            yield Finding(
                provision=pid,
                status=Status.ERROR,
                message=str(err),
                evidence=[Evidence(path=INVENTORY)],
                remediation=f"Restore {INVENTORY} from version control, or record it again with "
                "'aicop inventory' once the assets are known to be good.",
            )
        return
    if recorded is None:
        for pid in ("5.1", "5.2"):
            yield Finding(
                provision=pid,
                status=Status.NOT_MET,
                absence=True,
                message="no asset inventory (.aicop/inventory.json) in the repository",
            )
        return
    when = str(recorded.get("recorded", ""))
    evidence = [
        Evidence(
            path=INVENTORY,
            sha256=str(recorded.get("digest", "")),
            detail=f"{len(recorded['assets'])} assets recorded {when}",
        )
    ]
    # One hashing pass over the walk assess already made: what is new since the recording is what the
    # inventory misses (5.1), and every difference is a change (5.2).
    diff = inventory.check(ctx.root, ctx.manifest, recorded=recorded, files=ctx.files)
    missing = diff["added"]
    age = days_since(ctx.today, when, unknown=STALE_DAYS + 1)
    if missing:
        yield Finding(
            provision="5.1",
            status=Status.PARTIAL,
            evidence=evidence,
            message=f"{len(missing)} assets are not in the inventory, e.g. {', '.join(missing[:3])}",
        )
    else:
        yield Finding(
            provision="5.1",
            status=Status.MET if age <= STALE_DAYS else Status.PARTIAL,
            evidence=evidence,
            message=f"every asset is inventoried by content hash (recorded {age} days ago)",
        )
    changed = {k: v for k, v in diff.items() if v}
    if changed:
        listed = "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in changed.items())
        yield Finding(
            provision="5.2",
            status=Status.NOT_MET,
            evidence=evidence,
            message=f"the tree differs from the recorded inventory ({listed})",
        )
    else:
        yield Finding(
            provision="5.2",
            status=Status.MET,
            evidence=evidence,
            message="every asset matches its recorded hash",
        )


def _verified_audit(ctx: Context, provisions: tuple[str, ...], absent: str) -> tuple[int, list[Finding]]:
    """(records, findings to report instead): the findings say the audit log is missing (an absence,
    under the first provision), unreadable, or tampered with (under every provision)."""
    from aicop.audit import verify_log

    path = ctx.root / AUDIT
    if not path.is_file():
        return 0, [Finding(provision=provisions[0], status=Status.NOT_MET, absence=True, message=absent)]
    try:
        count, problems = verify_log(path)
    except AicopError as err:
        return 0, [
            Finding(
                provision=provisions[0],
                status=Status.ERROR,
                message=str(err),
                evidence=[Evidence(path=AUDIT)],
                remediation=f"Restore {AUDIT} from version control; 'aicop audit verify' names the first "
                "record that does not verify.",
            )
        ]
    if problems:
        return count, [
            Finding(
                provision=pid,
                status=Status.NOT_MET,
                evidence=[Evidence(path=AUDIT, detail=problems[0])],
                message=f"the audit trail has been tampered with: {'; '.join(problems[:3])}",
            )
            for pid in provisions
        ]
    return count, []


@check(
    "assets.audit-trail",
    provisions=["2.2", "5.2"],
    title="A tamper-evident audit trail records the life cycle of models, datasets and prompts",
    remediation="Record assets with 'aicop inventory' (each recording is an audit event) and keep "
    ".aicop/audit.jsonl and its head in version control; verify with 'aicop audit verify'.",
)
def audit_trail(ctx: Context) -> Iterator[Finding]:
    count, failed = _verified_audit(
        ctx, ("2.2", "5.2"), "no audit trail of models, datasets and prompts (.aicop/audit.jsonl)"
    )
    if failed:
        yield from failed
        return
    yield Finding(
        provision="2.2",
        status=Status.MET,
        message=f"audit trail of {count} events, hash chain intact",
        evidence=[Evidence(path=AUDIT, detail=f"{count} chained records")],
    )


@check(
    "assets.restore",
    provisions=["5.3"],
    title="A known-good snapshot of the assets exists and a recent restore drill passed",
    remediation="Take a snapshot with 'aicop snapshot' after every release, and run 'aicop restore --drill' "
    "on a schedule (it restores into a scratch directory, verifies every byte and records the drill).",
)
def restore_ability(ctx: Context) -> Iterator[Finding]:

    from aicop.audit import events

    _, failed = _verified_audit(
        ctx, ("5.3",), "no snapshot of the assets and no restore drill recorded (.aicop/audit.jsonl)"
    )
    if failed:
        yield from failed
        return
    records = list(events(ctx.root / AUDIT))
    snapshots = [r for r in records if r.get("event") == "snapshot.created"]
    drills = [r for r in records if r.get("event") == "restore.drill"]
    if not snapshots:
        yield Finding(
            provision="5.3",
            status=Status.NOT_MET,
            absence=True,
            message="no known-good snapshot of the assets ('aicop snapshot') in the audit trail",
        )
        return
    latest = snapshots[-1]
    snap_evidence = Evidence(
        path=AUDIT,
        sha256=str(latest["data"].get("digest", "")),
        detail=f"snapshot {latest['data'].get('id')} taken {str(latest.get('time', ''))[:10]}",
    )
    if not drills:
        yield Finding(
            provision="5.3",
            status=Status.PARTIAL,
            evidence=[snap_evidence],
            message="a known-good snapshot exists, but no restore drill shows it can be restored",
        )
        return
    drill = drills[-1]
    data = drill.get("data", {})
    when = str(drill.get("time", ""))[:10]
    age = days_since(ctx.today, when, unknown=STALE_DAYS + 1)
    evidence = [snap_evidence, Evidence(path=AUDIT, detail=f"record {drill.get('seq')}: drill of {when}")]
    if not data.get("passed"):
        yield Finding(
            provision="5.3",
            status=Status.NOT_MET,
            evidence=evidence,
            message=f"the latest restore drill ({when}) failed: {data.get('error', 'no reason recorded')}",
        )
    elif age > STALE_DAYS:
        yield Finding(
            provision="5.3",
            status=Status.PARTIAL,
            evidence=evidence,
            message=f"the latest restore drill passed, but {age} days ago (older than {STALE_DAYS} days)",
        )
    else:
        yield Finding(
            provision="5.3",
            status=Status.MET,
            evidence=evidence,
            message=f"restore drill of {when} restored snapshot {data.get('snapshot')} "
            f"({data.get('files')} files) and verified every byte",
        )


@check(
    "assets.signatures",
    provisions=["5.2"],
    title="Every local model is signed (model.sig in its directory, or the signed inventory) and the "
    "signatures verify with the declared public key",
    remediation="Sign each model directory with 'aicop sign DIR --key KEY' (or model_signing), or the "
    "recorded inventory with 'aicop sign --inventory'; declare the public key as signing.public_key "
    "in aicop.yaml.",
)
def model_signatures(ctx: Context) -> Iterator[Finding]:
    from pathlib import PurePosixPath

    from aicop.integrity import signing

    manifest = ctx.manifest
    models = [(m.name, m.path.rstrip("/")) for m in manifest.models if m.path] if manifest else []
    if manifest is None or not models:
        return  # nothing local to sign: the provision is judged by the other checks
    key_rel = manifest.signing.public_key if manifest.signing else None
    key = ctx.root / key_rel if key_rel else None
    verified: list[str] = []
    failed: list[str] = []  # a signature that does not verify, or files that differ from it
    unverifiable: list[str] = []
    unsigned: list[str] = []
    evidence: list[Evidence] = []

    def verify(folder: Path, sig: Path, rel: str, ignore_unsigned: bool) -> signing.Verified | None:
        if key is None:
            unverifiable.append(f"{rel}: no signing.public_key in aicop.yaml to verify it with")
            return None
        try:
            result = signing.verify_directory(folder, sig, key, ignore_unsigned=ignore_unsigned)
        except AicopError as err:
            failed.append(str(err))
            return None
        evidence.append(Evidence(path=rel, detail=f"signature verifies with {key_rel}"))
        return result

    inventory_sig = ctx.root / signing.INVENTORY_SIGNATURE
    whole = (
        verify(ctx.root, inventory_sig, signing.INVENTORY_SIGNATURE, True)
        if inventory_sig.is_file()
        else None
    )
    for name, path in models:
        single = (ctx.root / path).is_file()
        sig = ctx.root / (f"{path}.sig" if single else f"{path}/model.sig")
        if sig.is_file():
            rel = f"{path}.sig" if single else PurePosixPath(path, "model.sig").as_posix()
            result = verify(ctx.root / path, sig, rel, False)
            if result is not None:
                changed = result.modified + result.missing + result.unsigned
                (failed if changed else verified).append(
                    f"{rel}: files differ from the signature: {', '.join(changed[:3])}" if changed else name
                )
            continue
        covered = [f for f in whole.signed if f == path or f.startswith(path + "/")] if whole else []
        if whole is not None and covered:
            changed = [f for f in whole.modified + whole.missing if f in covered]
            (failed if changed else verified).append(
                f"{name}: differs from the inventory signature: {', '.join(changed[:3])}" if changed else name
            )
        elif inventory_sig.is_file() and whole is None:
            continue  # the inventory signature failed or cannot be verified: reported above
        else:
            unsigned.append(name)
    if failed:
        status, message = Status.NOT_MET, f"model signatures fail: {'; '.join(failed[:3])}"
    elif not verified:
        detail = unverifiable[:2] + ([f"unsigned: {', '.join(unsigned[:3])}"] if unsigned else [])
        status, message = (
            Status.NOT_MET if not unverifiable else Status.PARTIAL,
            (f"no model signature could be verified ({'; '.join(detail)})"),
        )
    elif unsigned or unverifiable:
        detail = unverifiable[:2] + ([f"unsigned: {', '.join(unsigned[:3])}"] if unsigned else [])
        status, message = Status.PARTIAL, f"not every model is authenticated ({'; '.join(detail)})"
    else:
        status, message = (
            Status.MET,
            f"every local model ({len(verified)}) is signed and verifies with {key_rel}",
        )
    absence = not (failed or verified or unverifiable)
    yield Finding(provision="5.2", status=status, evidence=evidence, message=message, absence=absence)
