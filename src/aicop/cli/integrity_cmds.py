"""Keeping the assets known and restorable: ``aicop inventory``, ``sign``, ``verify``, ``snapshot``,
``restore``, ``bom`` and ``aicop audit verify``."""

from __future__ import annotations

import argparse
import os

from aicop.cli.common import (
    as_path,
    emit,
    output_file,
    positive_int,
    project,
    spinner,
)
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from aicop.cli.common import Command, Group


def configure_inventory(p: argparse.ArgumentParser) -> None:
    from aicop.cli.registry_cmds import add_options, as_target

    p.add_argument(
        "path",
        nargs="?",
        type=as_target,
        default=None,
        help="the repository (default: .), or a URL of objects in a store (s3://, gs://, az://)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="compare with the recorded inventory; exit 1 on any change (nothing is written)",
    )
    p.add_argument(
        "--paranoid",
        action="store_true",
        help="re-read every byte instead of trusting the (size, mtime, inode) cache",
    )
    p.add_argument(
        "--algorithm", choices=("sha256", "blake3"), default="sha256", help="hash (default: sha256)"
    )
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    add_options(p)
    p.add_argument(
        "--into",
        type=as_path,
        default=None,
        metavar="DIR",
        help="for a URL: the directory whose .aicop/ keeps its inventory and audit trail (default: .)",
    )


def run_inventory(a: argparse.Namespace) -> int:
    """Record every model, dataset, prompt, configuration file and document with its content hash in
    .aicop/inventory.json (with history and an audit event), or --check what changed since."""
    import json

    from aicop.integrity import inventory

    if isinstance(a.path, str):  # a URL
        from aicop.cli import registry_cmds

        return registry_cmds.inventory(a, a.path)
    root, manifest = project(a.path)
    if a.check:
        with spinner("hashing the assets…"):
            diff = inventory.check(root, manifest, paranoid=a.paranoid)
        return print_check(diff, a.fmt)
    with spinner("hashing the assets…"):
        recorded, diff = inventory.record(root, manifest, algorithm=a.algorithm, paranoid=a.paranoid)
    if a.fmt == "json":
        print(json.dumps({"digest": recorded["digest"], "assets": len(recorded["assets"]), **diff}, indent=2))
    else:
        kinds: dict[str, int] = {}
        for asset in recorded["assets"]:
            kinds[asset["type"]] = kinds.get(asset["type"], 0) + 1
        by_type = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print(
            f"recorded {len(recorded['assets'])} assets ({by_type}) in {root / '.aicop' / 'inventory.json'}; "
            "since the last recording: " + ", ".join(f"{len(v)} {k}" for k, v in diff.items())
        )
    return int(ExitCode.OK)


def _add_store_options(p: argparse.ArgumentParser, key_help: str) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--store",
        type=as_path,
        default=None,
        metavar="DIR",
        help="the content-addressed store of known-good copies (default: PATH/.aicop/store)",
    )
    p.add_argument("--key", type=as_path, default=None, metavar="PEM", help=key_help)


def password_from(variable: str | None) -> str | None:
    if variable is None:
        return None
    password = os.environ.get(variable)
    if password is None:
        raise AicopError(f"--password-env: the variable {variable} is not set")
    return password


def configure_snapshot(p: argparse.ArgumentParser) -> None:
    _add_store_options(p, "sign the snapshot manifest with this private key")
    p.add_argument(
        "--password-env", default=None, metavar="VAR", help="the variable holding the key's password"
    )
    p.add_argument("--list", action="store_true", help="list the snapshots in the store instead")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_snapshot(a: argparse.Namespace) -> int:
    """Copy every model, dataset, prompt, configuration file and document into a content-addressed
    store as a known-good state, and record the snapshot in the audit trail. 'aicop restore' brings
    it back."""
    import json

    from aicop.integrity import store

    root, manifest = project(a.path)
    if a.list:
        where = store.store_dir(root, a.store)
        rows = []
        for path in store.list_snapshots(where):
            doc, _ = store.load_snapshot(where, path.stem)
            rows.append({"id": doc["id"], "created": doc["created"], "assets": len(doc["assets"])})
        if a.fmt == "json":
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                print(f"{row['id']}  {row['created']}  {row['assets']} assets")
            print(f"{len(rows)} snapshots in {where}")
        return int(ExitCode.OK)
    password = password_from(a.password_env)
    with spinner("copying the assets into the store…"):
        doc, added = store.snapshot(root, manifest, a.store, key=a.key, password=password)
    size = sum(int(x["size"]) for x in doc["assets"])
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "id": doc["id"],
                    "digest": doc["digest"],
                    "assets": len(doc["assets"]),
                    "bytes": size,
                    "objects_added": added,
                },
                indent=2,
            )
        )
    else:
        print(
            f"snapshot {doc['id']}: {len(doc['assets'])} assets, {size:,} bytes "
            f"({added} new objects) in {store.store_dir(root, a.store)}"
        )
    return int(ExitCode.OK)


def configure_restore(p: argparse.ArgumentParser) -> None:
    _add_store_options(
        p,
        "require the snapshot's signature by this public key (default: signing.public_key of aicop.yaml "
        "when the snapshot is signed)",
    )
    p.add_argument("--snapshot", default=None, metavar="ID", help="the snapshot to restore (default: newest)")
    p.add_argument(
        "--drill",
        action="store_true",
        help="restore into a scratch directory, verify every byte and record the drill (5.3's evidence)",
    )
    p.add_argument("--into", type=as_path, default=None, metavar="DIR", help="with --drill: restore here")
    p.add_argument("--keep", action="store_true", help="with --drill: keep the scratch directory")
    p.add_argument("--dry-run", action="store_true", help="say what would be restored; write nothing")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_restore(a: argparse.Namespace) -> int:
    """Restore the project's assets from a snapshot. Every store object, every path and the staged
    copies are checked before anything is replaced, and a failed swap is rolled back. Files that are
    not in the snapshot are listed and left alone."""
    import json

    from aicop.integrity import store

    root, manifest = project(a.path)
    if (a.into or a.keep) and not a.drill:
        raise AicopError("--into and --keep go with --drill")
    key = a.key
    if key is None and manifest is not None and manifest.signing is not None:
        store_at = store.store_dir(root, a.store)
        found = (
            store.list_snapshots(store_at)
            if a.snapshot is None
            else [store_at / "snapshots" / f"{a.snapshot}.json"]
        )
        if found and found[-1].with_suffix(".sig").is_file():
            key = root / manifest.signing.public_key
    with spinner("checking the snapshot and the store…"):
        if a.drill:
            result = store.drill(
                root, manifest, a.store, a.snapshot, into=a.into, keep=a.keep, public_key=key
            )
        else:
            result = store.restore(root, manifest, a.store, a.snapshot, dry_run=a.dry_run, public_key=key)
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "snapshot": result.snapshot,
                    "target": str(result.target),
                    "drill": a.drill,
                    "dry_run": a.dry_run,
                    "restored": result.restored,
                    "unchanged": len(result.unchanged),
                    "not_in_snapshot": result.not_in_snapshot,
                    "bytes": result.bytes,
                    "seconds": round(result.seconds, 3),
                },
                indent=2,
            )
        )
        return int(ExitCode.OK)
    if not a.drill:
        for rel in result.restored:
            print(f"{'would restore' if a.dry_run else 'restored'} {rel}")
        for rel in result.not_in_snapshot:
            print(f"not in the snapshot, left in place: {rel}")
    files = f"{len(result.restored)} file{'' if len(result.restored) == 1 else 's'}"
    if a.drill:
        where = f"into {result.target}" + ("" if a.keep or a.into else " (since removed)")
        print(
            f"drill passed: snapshot {result.snapshot}, {files} ({result.bytes:,} bytes) restored {where} "
            f"and verified in {result.seconds:.2f} s; recorded in .aicop/audit.jsonl"
        )
    else:
        done = "would be restored" if a.dry_run else "restored"
        print(f"snapshot {result.snapshot}: {files} {done}, {len(result.unchanged)} already matched")
    return int(ExitCode.OK)


def _add_signing_target(
    p: argparse.ArgumentParser, key_help: str, *, key_required: bool, path_type: Any = as_path
) -> None:
    p.add_argument(
        "path",
        nargs="?",
        type=path_type,
        default=None,
        help="a model directory or file, or with --inventory the repository (default: .)",
    )
    p.add_argument("--key", type=as_path, required=key_required, metavar="PEM", help=key_help)
    p.add_argument(
        "--signature",
        type=as_path,
        default=None,
        metavar="FILE",
        help="the Sigstore bundle (default: DIR/model.sig, FILE.sig; .aicop/inventory.sig with --inventory)",
    )
    p.add_argument(
        "--inventory",
        action="store_true",
        help="the recorded inventory's assets instead of every file of a directory",
    )


def _signature_path(a: argparse.Namespace, root: Path) -> Path:
    from aicop.integrity.signing import INVENTORY_SIGNATURE

    if a.signature is not None:
        return a.signature  # type: ignore[no-any-return]
    if root.is_file():
        return root.with_name(root.name + ".sig")
    return root / (INVENTORY_SIGNATURE if a.inventory else "model.sig")


def configure_sign(p: argparse.ArgumentParser) -> None:
    _add_signing_target(
        p, "the PEM private key: ECDSA P-256/P-384/P-521, or Ed25519 (aicop-only)", key_required=True
    )
    p.add_argument(
        "--certificate",
        type=as_path,
        default=None,
        metavar="PEM",
        help="sign with this X.509 certificate of the key (key usage digitalSignature) instead of a bare key",
    )
    p.add_argument(
        "--chain",
        type=as_path,
        action="append",
        default=[],
        metavar="PEM",
        help="intermediate certificates to include with --certificate (repeat)",
    )
    p.add_argument(
        "--password-env",
        default=None,
        metavar="VAR",
        help="the environment variable holding the private key's password",
    )
    p.add_argument("--algorithm", choices=("sha256", "blake3"), default="sha256", help="file hash")
    p.add_argument(
        "--ignore", action="append", default=[], metavar="REL", help="a path to leave out (repeat)"
    )
    p.add_argument(
        "--shard-size",
        type=positive_int,
        default=None,
        metavar="BYTES",
        help="hash in shards of this size in parallel (model-signing 'shards'; faster for a few large files)",
    )
    p.add_argument("--no-ignore-git", action="store_true", help="sign .git, .gitignore and the like too")


def _sign(a: argparse.Namespace, root: Path, signature: Path, password: str | None) -> dict[str, Any]:
    from aicop.integrity import signing

    if a.inventory:
        repo, manifest = project(root)
        return signing.sign_inventory(
            repo, manifest, a.key, password=password, certificate=a.certificate, chain=a.chain
        )
    return signing.sign_directory(
        root,
        a.key,
        signature,
        password=password,
        algorithm=a.algorithm,
        ignore=a.ignore,
        ignore_git=not a.no_ignore_git,
        certificate=a.certificate,
        chain=a.chain,
        shard_size=a.shard_size,
    )


def run_sign(a: argparse.Namespace) -> int:
    """Sign a model directory (every file) or the recorded inventory, offline, in the OpenSSF
    model-signing format: an in-toto statement in a Sigstore bundle that 'model_signing verify key'
    accepts for ECDSA keys."""
    from pathlib import Path

    from aicop.audit import AuditLog
    from aicop.integrity import signing

    root = a.path or Path()
    password = password_from(a.password_env)
    signature = _signature_path(a, root)
    with spinner("hashing and signing…"):
        bundle = _sign(a, root, signature, password)
    import base64
    import json

    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    subject = statement["subject"][0]
    sharded = statement["predicate"]["serialization"]["method"] == "shards"
    files = len(
        {r["name"].rsplit(":", 2)[0] if sharded else r["name"] for r in statement["predicate"]["resources"]}
    )
    log = signing.audit_log_for(root)
    if log is not None:
        AuditLog(log).append(
            "asset.signed",
            {
                "subject": subject["name"],
                "digest": subject["digest"]["sha256"],
                "files": files,
                "signature": str(signature),
                "signer": a.certificate.name
                if a.certificate
                else bundle["verificationMaterial"]["publicKey"]["hint"],
            },
        )
    print(
        f"signed {files} files of {subject['name']} "
        f"(sha256 {subject['digest']['sha256'][:16]}…) into {signature}"
    )
    return int(ExitCode.OK)


def configure_verify(p: argparse.ArgumentParser) -> None:
    from aicop.cli.registry_cmds import add_options, as_target

    _add_signing_target(
        p, "the signer's PEM public key (for a key signature)", key_required=False, path_type=as_target
    )
    add_options(p, state=False)
    p.add_argument(
        "--ca",
        type=as_path,
        action="append",
        default=[],
        metavar="PEM",
        help="trusted root certificates (for a certificate signature; repeat)",
    )
    p.add_argument(
        "--ignore-unsigned",
        action="store_true",
        help="do not report files that the signature does not cover (implied by --inventory)",
    )
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_verify(a: argparse.Namespace) -> int:
    """Verify a signature made by aicop or model_signing, then re-hash every file and name each that
    was modified, is missing or is not covered. Exit 0 verified, 1 files differ, 2 the signature or the
    key is bad."""
    import json
    from pathlib import Path

    from aicop.integrity import signing

    if isinstance(a.path, str):  # a URL
        from aicop.cli import registry_cmds

        return registry_cmds.verify(a, a.path)
    root = a.path or Path()
    if not root.exists():
        raise AicopError("no such file or directory", path=root)
    signature = _signature_path(a, root)
    if (a.key is None) == (not a.ca):
        raise AicopError("give --key (a key signature) or --ca (a certificate signature)")
    with spinner("checking the signature and re-hashing every file…"):
        result = signing.verify_directory(
            root, signature, a.key, ca=a.ca, ignore_unsigned=a.ignore_unsigned or a.inventory
        )
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "verified": result.ok,
                    "subject": result.name,
                    "files": result.files,
                    "method": result.method,
                    "hash_type": result.hash_type,
                    "modified": result.modified,
                    "missing": result.missing,
                    "unsigned": result.unsigned,
                },
                indent=2,
            )
        )
    else:
        for kind in ("modified", "missing", "unsigned"):
            for rel in getattr(result, kind):
                print(f"{kind:8} {rel}")
        verdict = "match it" if result.ok else "DO NOT MATCH it"
        print(
            f"{root}: signature by {a.key or 'a certificate from ' + ', '.join(map(str, a.ca))} is valid; "
            f"the files {verdict} ({result.method}, {result.hash_type})"
        )
    return int(ExitCode.OK if result.ok else ExitCode.GAPS)


def configure_bom(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the repository (default: .)")
    p.add_argument("--output", "-o", type=output_file, metavar="FILE", help="file to write (default: stdout)")


def run_bom(a: argparse.Namespace) -> int:
    """Write a CycloneDX 1.6 JSON ML-BOM of the system from aicop.yaml: models with a modelCard
    carrying 8.1.1's fields from their model card, datasets, prompts, dependencies with versions and
    hashes, external services and the dependency graph. Validated against the schema before it is
    written."""
    import json

    from aicop.bom.cyclonedx import build

    root, manifest = project(a.path)
    if manifest is None:
        raise AicopError("a BOM needs aicop.yaml to name the system: run 'aicop init' first", path=root)
    with spinner("hashing the assets and building the BOM…"):
        document = build(root, manifest)
    emit(json.dumps(document, indent=2) + "\n", a.output)
    return int(ExitCode.OK)


def configure_audit_verify(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        type=as_path,
        default=None,
        help="an audit log (with its rotated parts beside it), or a repository whose .aicop/audit.jsonl "
        "to verify (default: .)",
    )
    p.add_argument(
        "--public-key",
        type=as_path,
        default=None,
        metavar="PEM",
        help="check every signed checkpoint with this public key (a rewritten chain cannot be re-signed)",
    )


def run_audit_verify(a: argparse.Namespace) -> int:
    """Verify a hash-chained audit log: name every edited, deleted, reordered or truncated record.
    Exit 0 intact, 1 tampered, 2 unreadable."""
    from pathlib import Path

    from aicop.audit import verify_log

    path = a.path or Path()
    log = path / ".aicop" / "audit.jsonl" if path.is_dir() else path
    key = None
    if a.public_key is not None:
        from aicop.crypto import load_public_key

        key = load_public_key(a.public_key)
    count, problems = verify_log(log, key)
    for problem in problems:
        print(f"{log}: {problem}")
    print(f"{log}: {count} records, " + ("chain intact" if not problems else f"{len(problems)} problems"))
    return int(ExitCode.GAPS if problems else ExitCode.OK)


COMMANDS: dict[str, Command] = {
    "inventory": (
        "record or check the content hashes of models, data, prompts and documents",
        None,
        configure_inventory,
        run_inventory,
    ),
    "bom": ("write a CycloneDX 1.6 ML-BOM of the system", None, configure_bom, run_bom),
    "sign": (
        "sign a model directory or the inventory (OpenSSF model signing)",
        None,
        configure_sign,
        run_sign,
    ),
    "verify": (
        "verify a model signature and name each file that differs",
        None,
        configure_verify,
        run_verify,
    ),
    "snapshot": (
        "copy the assets into a store as a known-good state",
        None,
        configure_snapshot,
        run_snapshot,
    ),
    "restore": (
        "restore the assets from a snapshot, or --drill a restore",
        None,
        configure_restore,
        run_restore,
    ),
}
GROUPS: dict[str, Group] = {
    "audit": (
        "tamper-evident audit logs",
        {"verify": ("verify a hash-chained audit log", None, configure_audit_verify, run_audit_verify)},
    ),
}


def print_check(diff: dict[str, list[str]], fmt: str) -> int:
    """Print what changed since the recorded inventory (a directory's or an object store's); its exit code."""
    import json

    changed = any(diff.values())
    if fmt == "json":
        print(json.dumps({"changed": changed, **diff}, indent=2))
    else:
        for kind, names in diff.items():
            for name in names:
                print(f"{kind:9} {name}")
        print("changed since the recorded inventory" if changed else "unchanged since the recorded inventory")
    return int(ExitCode.GAPS if changed else ExitCode.OK)
