"""Signing and verifying a model directory (or the inventory) offline, in the OpenSSF model-signing
format, so that ``model_signing verify key`` accepts what aicop signs and aicop verifies what
``model_signing sign key`` signs.

The format (model-signing v1.0): a Sigstore bundle (media type v0.3, JSON) holding a DSSE envelope
whose payload is an in-toto Statement v1. The statement's one subject is the model, named by its
directory and digested by SHA-256 over the concatenated raw digests of its files in name order; the
predicate (type ``https://model_signing/signature/v1.0``) lists every file as a resource (name,
algorithm, hex digest) and the serialization that produced them (``files`` or ``shards``, the hash,
whether symbolic links were allowed, the ignored paths). The signature covers the DSSE
pre-authentication encoding of the payload; the bundle's public key hint is the SHA-256 of the
PEM-encoded public key.

Written on ``cryptography`` rather than by calling the ``model-signing`` package: that package pulls in
the Sigstore client and its network stack (and, in 1.1.1, fails to import without pyOpenSSL, which it
does not declare). The format is small and fixed; the interoperability tests run the real package
both ways. Keys: ECDSA P-256, P-384 and P-521 (which model_signing also accepts) and Ed25519 (which
model_signing rejects: aicop signs and verifies it, model_signing cannot). Certificate chains and
keyless Sigstore signing need a PKI or the network and are not supported here.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from aicop.crypto import (
    SignatureError,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)
from aicop.errors import AicopError, ExitCode
from aicop.integrity.hashing import hash_file, hash_files, hash_shards

__all__ = ["SignatureError", "load_private_key", "load_public_key", "sign_bytes", "verify_bytes"]

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
GIT_PATHS = [".gitattributes", ".gitignore", ".github", ".git"]


class VerificationFailed(AicopError):
    """The signature is valid but the files differ from what was signed."""

    exit_code = ExitCode.GAPS


@dataclass
class Verified:
    name: str
    files: int
    method: str
    hash_type: str
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unsigned: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.modified or self.missing or self.unsigned)


def pae(payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    return b"DSSEv1 %d %s %d %s" % (len(PAYLOAD_TYPE), PAYLOAD_TYPE.encode(), len(payload), payload)


def _is_ignored(rel: str, ignore: list[str]) -> bool:
    return any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in ignore)


def list_files(directory: Path, ignore: list[str], *, allow_symlinks: bool = False) -> list[str]:
    """Every regular file under ``directory`` as a relative POSIX path, minus the ignored ones."""
    found: list[str] = []
    for top, dirs, files in os.walk(directory, followlinks=False):
        base = Path(top)
        for name in sorted(dirs + files):
            path = base / name
            rel = path.relative_to(directory).as_posix()
            if _is_ignored(rel, ignore):
                if name in dirs:
                    dirs.remove(name)
                continue
            if path.is_symlink() and not allow_symlinks:
                raise SignatureError(
                    f"{rel} is a symbolic link; model signing does not follow links", path=path
                )
            if name in files and path.is_file():
                found.append(rel)
    return sorted(found)


def root_digest(resources: list[dict[str, str]]) -> str:
    hasher = hashlib.sha256()
    for resource in resources:
        hasher.update(bytes.fromhex(resource["digest"]))
    return hasher.hexdigest()


def _ignore_list(directory: Path, signature: Path, extra: list[str], git: bool) -> list[str]:
    ignore = list(extra) + (GIT_PATHS if git else [])
    with contextlib.suppress(ValueError):
        ignore.append(signature.resolve().relative_to(directory.resolve()).as_posix())
    return ignore


def _key_hint(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    pem = public_key.public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(pem).hexdigest()


def _load_certificates(paths: Sequence[Path]) -> list[Any]:
    """Every certificate in these PEM files, in order."""
    from cryptography import x509

    certificates: list[x509.Certificate] = []
    for path in paths:
        try:
            certificates += x509.load_pem_x509_certificates(path.read_bytes())
        except OSError as err:
            raise SignatureError(f"cannot read the certificates: {err.strerror}", path=path) from err
        except ValueError as err:
            raise SignatureError(f"not PEM certificates: {err}", path=path) from err
    return certificates


def _certificate_material(key: Any, certificate: Path, chain: Sequence[Path]) -> dict[str, Any]:
    """The bundle's x509CertificateChain: the signing certificate (which must hold the key's public
    half), then the intermediates."""
    from cryptography.hazmat.primitives import serialization

    certificates = _load_certificates([certificate, *chain])
    if certificates[0].public_key() != key.public_key():
        raise SignatureError("the certificate is not for this private key", path=certificate)
    der = [c.public_bytes(serialization.Encoding.DER) for c in certificates]
    return {
        "x509CertificateChain": {"certificates": [{"rawBytes": base64.b64encode(d).decode()} for d in der]}
    }


def sign_resources(
    name: str,
    resources: list[dict[str, str]],
    serialization: dict[str, Any],
    key_path: Path,
    password: str | None,
    certificate: Path | None = None,
    chain: Sequence[Path] = (),
) -> dict[str, Any]:
    """The Sigstore bundle signing these resources with the key (and its certificate, if given)."""

    key = load_private_key(key_path, password)
    material: dict[str, Any] = (
        _certificate_material(key, certificate, chain)
        if certificate is not None
        else {"publicKey": {"hint": _key_hint(key.public_key())}}
    )
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": root_digest(resources)}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {"serialization": serialization, "resources": resources},
    }
    payload = json.dumps(statement, indent=2).encode()
    raw = sign_bytes(key, pae(payload))
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {**material, "tlogEntries": []},
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(raw).decode(), "keyid": ""}],
        },
    }


def sign_directory(
    directory: Path,
    key_path: Path,
    signature: Path,
    *,
    password: str | None = None,
    algorithm: str = "sha256",
    ignore: list[str] | None = None,
    ignore_git: bool = True,
    certificate: Path | None = None,
    chain: Sequence[Path] = (),
    shard_size: int | None = None,
) -> dict[str, Any]:
    """Hash every file of the directory (whole, or in shards of ``shard_size`` bytes hashed in
    parallel) and write the signature bundle; returns the bundle."""
    if directory.is_file():  # a one-file model: model-signing names its only resource "."
        if shard_size is not None:
            raise SignatureError("--shard-size signs a directory; this is a single file", path=directory)
        digest, _ = hash_file(directory, algorithm)
        single = [{"name": ".", "algorithm": algorithm, "digest": digest}]
        one_file = {"method": "files", "hash_type": algorithm, "allow_symlinks": False}
        bundle = sign_resources(directory.name, single, one_file, key_path, password, certificate, chain)
        from aicop.fsutil import write_atomic

        write_atomic(signature, json.dumps(bundle, indent=2) + "\n")
        return bundle
    if not directory.is_dir():
        raise SignatureError("no such file or directory", path=directory)
    ignored = _ignore_list(directory, signature, ignore or [], ignore_git)
    files = list_files(directory, ignored)
    if not files:
        raise SignatureError("no files to sign", path=directory)
    serialization: dict[str, Any] = {"method": "files", "hash_type": algorithm, "allow_symlinks": False}
    if shard_size is None:
        digests = hash_files(directory, files, algorithm)
        resources = [{"name": rel, "algorithm": algorithm, "digest": digests[rel][0]} for rel in files]
    else:
        shards = hash_shards(directory, files, shard_size, algorithm)
        resources = [
            {
                "name": f"{rel}:{start}:{end}",
                "algorithm": f"{algorithm}-sharded-{shard_size}",
                "digest": digest,
            }
            for rel in files
            for start, end, digest in shards[rel]
        ]
        serialization = {**serialization, "method": "shards", "shard_size": shard_size}
    if ignored:
        serialization["ignore_paths"] = ignored
    bundle = sign_resources(
        directory.resolve().name, resources, serialization, key_path, password, certificate, chain
    )
    from aicop.fsutil import write_atomic

    write_atomic(signature, json.dumps(bundle, indent=2) + "\n")
    return bundle


def _b64(value: object, where: str, path: Path) -> bytes:
    if not isinstance(value, str):
        raise SignatureError(f"{where} is missing", path=path)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as err:
        raise SignatureError(f"{where} is not base64", path=path) from err


def _verify_chain(chain: object, ca: Sequence[Path], signature: Path) -> Any:
    """The signing certificate's public key, once its chain leads to one of the trusted roots in
    ``ca`` (checked at the certificate's start of validity, as model_signing does, so a signature
    outlives its short-lived certificate) and it may sign (key usage digitalSignature)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.x509 import verification

    try:
        raw = [base64.b64decode(c["rawBytes"], validate=True) for c in chain["certificates"]]  # type: ignore[index]
        certificates = [x509.load_der_x509_certificate(r) for r in raw]
    except (KeyError, TypeError, ValueError, binascii.Error) as err:
        raise SignatureError(f"the bundle's certificate chain is unreadable: {err}", path=signature) from err
    if not certificates:
        raise SignatureError("the bundle's certificate chain is empty", path=signature)
    roots = _load_certificates(ca)

    def may_sign(_policy: object, _cert: object, usage: x509.KeyUsage | None) -> None:
        if usage is None or not usage.digital_signature:
            raise ValueError("the signing certificate's key usage does not include digitalSignature")

    leaf = certificates[0]
    end_entity = verification.ExtensionPolicy.permit_all().require_present(
        x509.KeyUsage, verification.Criticality.AGNOSTIC, may_sign
    )
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(roots))
        .time(leaf.not_valid_before_utc)
        .extension_policies(ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(), ee_policy=end_entity)
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, certificates[1:])
    except verification.VerificationError as err:
        raise SignatureError(
            f"the signing certificate does not chain to a trusted root in {', '.join(map(str, ca))}: {err}",
            path=signature,
        ) from err
    key = leaf.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise SignatureError("the signing certificate holds an unsupported key type", path=signature)
    return key


def read_statement(signature: Path, public_key: Path | None, ca: Sequence[Path] = ()) -> dict[str, Any]:
    """Check the bundle's signature with the public key, or with the certificate it carries once that
    chains to a root in ``ca``; return the signed in-toto statement."""

    try:
        bundle = json.loads(signature.read_text(encoding="utf-8"))
    except OSError as err:
        raise SignatureError(f"cannot read the signature: {err.strerror}", path=signature) from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SignatureError(f"not a JSON signature bundle: {err}", path=signature) from err
    if not isinstance(bundle, dict) or bundle.get("mediaType") != BUNDLE_MEDIA_TYPE:
        raise SignatureError(f"not a Sigstore bundle of media type {BUNDLE_MEDIA_TYPE}", path=signature)
    envelope = bundle.get("dsseEnvelope")
    if (
        not isinstance(envelope, dict)
        or not isinstance(envelope.get("signatures"), list)
        or not envelope["signatures"]
    ):
        raise SignatureError("the bundle has no DSSE envelope with a signature", path=signature)
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise SignatureError(f"payload type is not {PAYLOAD_TYPE}", path=signature)
    material = bundle.get("verificationMaterial") or {}
    if "x509CertificateChain" in material:
        if not ca:
            raise SignatureError(
                "signed with a certificate: give the trusted root certificates (--ca)", path=signature
            )
        key = _verify_chain(material["x509CertificateChain"], ca, signature)
        signer = "the certificate"
    else:
        if public_key is None:
            raise SignatureError("signed with a key: give its public key (--key)", path=signature)
        key = load_public_key(public_key)
        hint = (material.get("publicKey") or {}).get("hint")
        if hint and hint != _key_hint(key):
            raise SignatureError(
                f"signed with another key than {public_key} (key hint differs)", path=signature
            )
        signer = str(public_key)
    payload = _b64(envelope.get("payload"), "dsseEnvelope.payload", signature)
    raw = _b64(envelope["signatures"][0].get("sig"), "dsseEnvelope.signatures[0].sig", signature)
    if not verify_bytes(key, raw, pae(payload)):
        raise SignatureError(
            f"the signature does not verify with {signer}: the bundle was tampered with, or the key is wrong",
            path=signature,
        ) from None
    try:
        statement = json.loads(payload)
        if statement["_type"] != STATEMENT_TYPE or statement["predicateType"] != PREDICATE_TYPE:
            raise ValueError("not a model-signing v1.0 in-toto statement")
        resources = statement["predicate"]["resources"]
        subject = statement["subject"][0]
        if len(statement["subject"]) != 1 or subject["digest"]["sha256"] != root_digest(resources):
            raise ValueError("the subject digest does not match the resources")
        for resource in resources:
            PurePosixPath(str(resource["name"]))
            bytes.fromhex(str(resource["digest"]))
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise SignatureError(f"signed payload is unusable: {err}", path=signature) from err
    return dict(statement)


def signed_shard_size(serialization: dict[str, Any], signature: Path) -> int:
    """The ``shard_size`` of a ``shards`` serialization: a positive whole number, or a SignatureError."""
    shard_size = serialization.get("shard_size")
    if isinstance(shard_size, float) and shard_size.is_integer():  # JSON via protobuf: numbers are doubles
        shard_size = int(shard_size)
    if not isinstance(shard_size, int) or isinstance(shard_size, bool) or shard_size <= 0:
        raise SignatureError(
            f"shards serialization without a usable shard_size: {shard_size!r}", path=signature
        )
    return shard_size


def verify_directory(
    directory: Path,
    signature: Path,
    public_key: Path | None,
    *,
    ca: Sequence[Path] = (),
    ignore_unsigned: bool = False,
) -> Verified:
    """Check the signature, then re-hash every file (never from a cache) and name each difference."""
    statement = read_statement(signature, public_key, ca)
    predicate = statement["predicate"]
    serialization = predicate.get("serialization", {})
    method = str(serialization.get("method", ""))
    hash_type = str(serialization.get("hash_type", ""))
    if method not in ("files", "shards") or hash_type not in ("sha256", "blake3"):
        raise SignatureError(f"unsupported serialization {method}/{hash_type}", path=signature)
    ignore = [str(p) for p in serialization.get("ignore_paths", [])]
    ignore += _ignore_list(directory, signature, [], False)
    expected = {str(r["name"]): str(r["digest"]) for r in predicate["resources"]}
    result = Verified(name=str(statement["subject"][0]["name"]), files=0, method=method, hash_type=hash_type)
    result.signed = sorted({name.rsplit(":", 2)[0] if method == "shards" else name for name in expected})
    if directory.is_file() or set(expected) == {"."}:
        if not directory.is_file() or method != "files" or set(expected) != {"."}:
            raise SignatureError(
                "the signature covers a single file and this is a directory, or the other way round",
                path=signature,
            )
        result.files = 1
        if hash_file(directory, hash_type)[0] != expected["."]:
            result.modified = [directory.name]
        return result
    root = directory.resolve()
    for name in expected:
        rel = name.rsplit(":", 2)[0] if method == "shards" else name
        if PurePosixPath(rel).is_absolute() or not (root / rel).resolve().is_relative_to(root):
            raise SignatureError(f"signed resource {name!r} leaves the directory", path=signature)
    present = list_files(directory, ignore, allow_symlinks=bool(serialization.get("allow_symlinks")))
    result.files = len(present)
    if method == "files":
        signed = set(expected)
        actual = hash_files(directory, [p for p in present if p in signed], hash_type)
        for rel in sorted(signed):
            if rel not in actual:
                result.missing.append(rel)
            elif actual[rel][0] != expected[rel]:
                result.modified.append(rel)
        if not ignore_unsigned:
            result.unsigned = sorted(set(present) - signed)
        return result
    shard_size = signed_shard_size(serialization, signature)
    by_file: dict[str, set[tuple[int, int, str]]] = {}
    for name, digest in expected.items():
        rel, start, end = name.rsplit(":", 2)
        by_file.setdefault(rel, set()).add((int(start), int(end), digest))
    result.missing = sorted(set(by_file) - set(present))
    sharded = hash_shards(directory, [p for p in present if p in by_file], shard_size, hash_type)
    result.modified = sorted(rel for rel, shards in sharded.items() if set(shards) != by_file[rel])
    if not ignore_unsigned:  # an empty file has no shards, so nothing to sign
        result.unsigned = sorted(p for p in set(present) - set(by_file) if (directory / p).stat().st_size)
    return result


INVENTORY_SIGNATURE = ".aicop/inventory.sig"


def sign_inventory(
    root: Path,
    manifest: Any,
    key_path: Path,
    *,
    password: str | None = None,
    certificate: Path | None = None,
    chain: Sequence[Path] = (),
) -> dict[str, Any]:
    """Sign the recorded inventory's assets (after checking the tree still matches it)."""
    from aicop.fsutil import write_atomic
    from aicop.integrity import inventory

    recorded = inventory.load(root)
    if recorded is None:
        raise SignatureError(
            f"no recorded inventory: run 'aicop inventory {root}' first", path=root / ".aicop"
        )
    changed = {k: v for k, v in inventory.check(root, manifest, paranoid=True).items() if v}
    if changed:
        listed = "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in changed.items())
        raise SignatureError(
            f"the tree differs from the recorded inventory ({listed}); "
            "record it with 'aicop inventory' first",
            path=root / ".aicop" / "inventory.json",
        )
    algorithm = str(recorded.get("algorithm", "sha256"))
    resources = [
        {"name": a["path"], "algorithm": algorithm, "digest": a["digest"]} for a in recorded["assets"]
    ]
    serialization = {"method": "files", "hash_type": algorithm, "allow_symlinks": False}
    bundle = sign_resources(
        root.resolve().name, resources, serialization, key_path, password, certificate, chain
    )
    write_atomic(root / INVENTORY_SIGNATURE, json.dumps(bundle, indent=2) + "\n")
    return bundle


def audit_log_for(path: Path) -> Path | None:
    """The audit log of the project holding ``path``: the nearest folder with .aicop or aicop.yaml."""
    for folder in [path.resolve(), *path.resolve().parents]:
        if (folder / ".aicop").is_dir() or (folder / "aicop.yaml").is_file():
            return folder / ".aicop" / "audit.jsonl"
    return None
