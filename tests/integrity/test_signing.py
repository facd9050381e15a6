"""aicop sign / aicop verify, and interoperability with OpenSSF model signing in both directions."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from model_signing import hashing as ms_hashing
from model_signing import signing as ms_signing
from model_signing import verifying as ms_verifying

from aicop.integrity import inventory, signing
from aicop.integrity.signing import SignatureError
from tests.conftest import CliResult, MakeRepo

Run = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def write_keys(folder: Path, kind: str = "p256", name: str = "key") -> tuple[Path, Path]:
    private: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
    private = (
        ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    )
    priv = folder / f"{name}.pem"
    pub = folder / f"{name}.pub.pem"
    priv.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    pub.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return priv, pub


@pytest.fixture
def model(tmp_path: Path) -> Path:
    root = tmp_path / "model"
    (root / "sub").mkdir(parents=True)
    (root / "weights.safetensors").write_bytes(os.urandom(10_000))
    (root / "config.json").write_text('{"layers": 2}')
    (root / "sub" / "tokenizer.json").write_text("{}")
    (root / ".gitattributes").write_text("* binary\n")
    return root


@pytest.mark.parametrize("kind", ["p256", "ed25519"])
def test_round_trip_names_every_difference(model: Path, tmp_path: Path, kind: str) -> None:
    key, pub = write_keys(tmp_path, kind)
    bundle = signing.sign_directory(model, key, model / "model.sig")
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    assert [r["name"] for r in statement["predicate"]["resources"]] == [
        "config.json",
        "sub/tokenizer.json",
        "weights.safetensors",
    ]  # the signature and git files are left out
    assert signing.verify_directory(model, model / "model.sig", pub).ok
    (model / "config.json").write_text('{"layers": 3}')
    (model / "sub" / "tokenizer.json").unlink()
    (model / "extra.bin").write_bytes(b"x")
    result = signing.verify_directory(model, model / "model.sig", pub)
    assert (result.modified, result.missing, result.unsigned) == (
        ["config.json"],
        ["sub/tokenizer.json"],
        ["extra.bin"],
    )


def test_verify_rehashes_the_mtime_blind_spot(model: Path, tmp_path: Path) -> None:
    key, pub = write_keys(tmp_path)
    signing.sign_directory(model, key, model / "model.sig")
    target = model / "weights.safetensors"
    stat = target.stat()
    data = bytearray(target.read_bytes())
    data[0] ^= 1
    target.write_bytes(bytes(data))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert signing.verify_directory(model, model / "model.sig", pub).modified == ["weights.safetensors"]


def test_tampered_signature_and_wrong_key(model: Path, tmp_path: Path) -> None:
    key, pub = write_keys(tmp_path)
    _, other = write_keys(tmp_path, name="other")
    sig = model / "model.sig"
    bundle = signing.sign_directory(model, key, sig)
    with pytest.raises(SignatureError, match="another key"):
        signing.verify_directory(model, sig, other)
    bundle["verificationMaterial"]["publicKey"] = {}
    sig.write_text(json.dumps(bundle))
    with pytest.raises(SignatureError, match="does not verify"):
        signing.verify_directory(model, sig, other)
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["resources"][0]["digest"] = "00" * 32  # bless other content
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    sig.write_text(json.dumps(bundle))
    with pytest.raises(SignatureError, match="tampered with"):
        signing.verify_directory(model, sig, pub)
    sig.write_text("{not json")
    with pytest.raises(SignatureError, match="not a JSON signature bundle"):
        signing.verify_directory(model, sig, pub)


def test_bad_keys(model: Path, tmp_path: Path) -> None:
    (tmp_path / "junk.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SignatureError, match="not a usable PEM private key"):
        signing.sign_directory(model, tmp_path / "junk.pem", model / "model.sig")
    with pytest.raises(SignatureError, match="cannot read the private key"):
        signing.sign_directory(model, tmp_path / "missing.pem", model / "model.sig")
    assert not (model / "model.sig").exists()


def test_symlinks_are_refused(model: Path, tmp_path: Path) -> None:
    key, _ = write_keys(tmp_path)
    (model / "link.bin").symlink_to(model / "config.json")
    with pytest.raises(SignatureError, match="symbolic link"):
        signing.sign_directory(model, key, model / "model.sig")


# ---------------------------------------------------------------- interoperability with model_signing
def ms_sign(model: Path, key: Path, sig: Path, mode: str = "files") -> None:
    config = ms_hashing.Config()
    if mode == "shards":
        config.use_shard_serialization(shard_size=4096)
    elif mode == "blake3":
        config.use_file_serialization(hashing_algorithm="blake3")
    ms_signing.Config().use_elliptic_key_signer(private_key=key).set_hashing_config(config).sign(model, sig)


def ms_verify(model: Path, pub: Path, sig: Path, *, ignore_unsigned: bool = False) -> None:
    (
        ms_verifying.Config()
        .use_elliptic_key_verifier(public_key=pub)
        .set_ignore_unsigned_files(ignore_unsigned)
        .verify(model, sig)
    )


@pytest.mark.parametrize("mode", ["files", "shards", "blake3"])
def test_aicop_verifies_what_model_signing_signs(model: Path, tmp_path: Path, mode: str) -> None:
    key, pub = write_keys(tmp_path)
    sig = tmp_path / "model.sig"
    ms_sign(model, key, sig, mode)
    result = signing.verify_directory(model, sig, pub)
    assert result.ok and result.method == ("shards" if mode == "shards" else "files")
    (model / "weights.safetensors").write_bytes(b"swapped")
    assert signing.verify_directory(model, sig, pub).modified == ["weights.safetensors"]


@pytest.mark.parametrize("inside", [True, False])
def test_model_signing_verifies_what_aicop_signs(model: Path, tmp_path: Path, inside: bool) -> None:
    key, pub = write_keys(tmp_path)
    sig = model / "model.sig" if inside else tmp_path / "aicop.sig"
    signing.sign_directory(model, key, sig)
    ms_verify(model, pub, sig)
    (model / "config.json").write_text("{}")
    with pytest.raises(ValueError, match=r"config\.json"):
        ms_verify(model, pub, sig)


def test_signed_inventory(make_repo: MakeRepo, tmp_path: Path) -> None:
    root = make_repo({"models/m.safetensors": "w", "data/train.csv": "a\n1\n", "src/app.py": "x = 1\n"})
    key, pub = write_keys(tmp_path)
    with pytest.raises(SignatureError, match="no recorded inventory"):
        signing.sign_inventory(root, None, key)
    inventory.record(root, None)
    signing.sign_inventory(root, None, key)
    sig = root / signing.INVENTORY_SIGNATURE
    assert signing.verify_directory(root, sig, pub, ignore_unsigned=True).ok
    ms_verify(root, pub, sig, ignore_unsigned=True)
    (root / "data/train.csv").write_text("a\n2\n")
    assert signing.verify_directory(root, sig, pub, ignore_unsigned=True).modified == ["data/train.csv"]
    with pytest.raises(SignatureError, match="differs from the recorded inventory"):
        signing.sign_inventory(root, None, key)


def test_crafted_resource_paths_are_refused(model: Path, tmp_path: Path) -> None:
    key, pub = write_keys(tmp_path)
    resources = [{"name": "../../etc/passwd", "algorithm": "sha256", "digest": "00" * 32}]
    bundle = signing.sign_resources(
        "model", resources, {"method": "files", "hash_type": "sha256", "allow_symlinks": False}, key, None
    )
    (tmp_path / "evil.sig").write_text(json.dumps(bundle))
    with pytest.raises(SignatureError, match="leaves the directory"):
        signing.verify_directory(model, tmp_path / "evil.sig", pub)


def test_cli(run_cli: Run, model: Path, tmp_path: Path) -> None:
    key, pub = write_keys(tmp_path)
    result = run_cli("sign", model, "--key", key)
    assert result.code == 0 and "signed 3 files" in result.out
    result = run_cli("verify", model, "--key", pub, "--format", "json")
    assert result.code == 0 and json.loads(result.out)["verified"] is True
    (model / "config.json").write_text("{}")
    result = run_cli("verify", model, "--key", pub)
    assert result.code == 1 and "modified config.json" in result.out
    _, other = write_keys(tmp_path, name="other")
    result = run_cli("verify", model, "--key", other)
    assert result.code == 2 and "another key" in result.err
    result = run_cli("sign", model, "--key", key, "--password-env", "AICOP_NO_SUCH_VARIABLE")
    assert result.code == 2 and "AICOP_NO_SUCH_VARIABLE" in result.err


# ---------------------------------------------------------------- certificates
def write_pki(folder: Path, *, digital_signature: bool = True) -> dict[str, Path]:
    """A root CA, an intermediate and a code-signing leaf, all P-256, as PEM files."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    def issue(
        cn: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: str,
        issuer_key: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        usage = x509.KeyUsage(
            digital_signature=digital_signature and not ca,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca,
            crl_sign=ca,
            encipher_only=False,
            decipher_only=False,
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        )
        if not ca:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    root_key, inter_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    certs = {
        "root": issue("root", root_key, "root", root_key, True),
        "inter": issue("inter", inter_key, "root", root_key, True),
        "leaf": issue("signer", leaf_key, "inter", inter_key, False),
    }
    paths = {name: folder / f"{name}.crt" for name in certs}
    for name, cert in certs.items():
        paths[name].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"] = folder / "leaf.key"
    paths["key"].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def test_certificate_signatures_both_ways(model: Path, tmp_path: Path) -> None:
    pki = write_pki(tmp_path)
    ours = tmp_path / "aicop.sig"
    signing.sign_directory(model, pki["key"], ours, certificate=pki["leaf"], chain=[pki["inter"]])
    assert signing.verify_directory(model, ours, None, ca=[pki["root"]]).ok
    ms_verifying.Config().use_certificate_verifier(certificate_chain=[pki["root"]]).verify(model, ours)
    theirs = tmp_path / "theirs.sig"
    ms_signing.Config().use_certificate_signer(
        private_key=pki["key"], signing_certificate=pki["leaf"], certificate_chain=[pki["inter"]]
    ).sign(model, theirs)
    assert signing.verify_directory(model, theirs, None, ca=[pki["root"]]).ok
    with pytest.raises(SignatureError, match="give the trusted root certificates"):
        signing.verify_directory(model, theirs, tmp_path / "any.pem")


def folder(base: Path, name: str) -> Path:
    (base / name).mkdir()
    return base / name


def test_bad_certificates(model: Path, tmp_path: Path) -> None:
    pki = write_pki(folder(tmp_path, "a"))
    stranger = write_pki(folder(tmp_path, "b"))
    sig = tmp_path / "model.sig"
    signing.sign_directory(model, pki["key"], sig, certificate=pki["leaf"], chain=[pki["inter"]])
    with pytest.raises(SignatureError, match="does not chain to a trusted root"):
        signing.verify_directory(model, sig, None, ca=[stranger["root"]])
    with pytest.raises(SignatureError, match="not for this private key"):
        signing.sign_directory(model, stranger["key"], sig, certificate=pki["leaf"])
    no_usage = write_pki(folder(tmp_path, "c"), digital_signature=False)
    signing.sign_directory(
        model, no_usage["key"], sig, certificate=no_usage["leaf"], chain=[no_usage["inter"]]
    )
    with pytest.raises(SignatureError, match="does not chain"):
        signing.verify_directory(model, sig, None, ca=[no_usage["root"]])


def test_sharded_signatures_both_ways(model: Path, tmp_path: Path) -> None:
    key, pub = write_keys(tmp_path)
    (model / "empty.txt").write_bytes(b"")  # no shards, and not unsigned either
    sig = tmp_path / "shards.sig"
    bundle = signing.sign_directory(model, key, sig, shard_size=4096)
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    names = [r["name"] for r in statement["predicate"]["resources"]]
    assert "weights.safetensors:0:4096" in names and "weights.safetensors:8192:10000" in names
    assert signing.verify_directory(model, sig, pub).ok
    ms_verify(model, pub, sig)
    data = bytearray((model / "weights.safetensors").read_bytes())
    data[9000] ^= 1
    (model / "weights.safetensors").write_bytes(bytes(data))
    assert signing.verify_directory(model, sig, pub).modified == ["weights.safetensors"]
    with pytest.raises(ValueError, match="weights"):
        ms_verify(model, pub, sig)


def test_single_file_models_both_ways(model: Path, tmp_path: Path) -> None:
    key, pub = write_keys(tmp_path)
    weights = model / "weights.safetensors"
    ours = tmp_path / "weights.sig"
    signing.sign_directory(weights, key, ours)
    assert signing.verify_directory(weights, ours, pub).ok
    ms_verify(weights, pub, ours)
    theirs = tmp_path / "theirs.sig"
    ms_sign(weights, key, theirs)
    assert signing.verify_directory(weights, theirs, pub).ok
    with pytest.raises(SignatureError, match="single file"):
        signing.verify_directory(model, theirs, pub)
    weights.write_bytes(b"swapped")
    assert signing.verify_directory(weights, theirs, pub).modified == ["weights.safetensors"]
    with pytest.raises(SignatureError, match="single file"):
        signing.sign_directory(weights, key, ours, shard_size=4096)
