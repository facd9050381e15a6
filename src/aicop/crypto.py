"""Keys and raw signatures: the primitives that model signing (``integrity.signing``), the audit
chain's signed checkpoints (``audit``) and the gateway's log share.

They live here, below both, so that ``audit`` does not import ``integrity`` (which itself records its
events in the audit trail): the arrows point one way. Built on ``cryptography``; the key types are
those model-signing accepts (ECDSA P-256, P-384, P-521) plus Ed25519.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aicop.errors import AicopError


class SignatureError(AicopError):
    """A signature, key or signed directory is unusable: nothing was written."""


def load_private_key(path: Path, password: str | None) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password.encode() if password else None)
    except OSError as err:
        raise SignatureError(f"cannot read the private key: {err.strerror}", path=path) from err
    except (ValueError, TypeError) as err:
        raise SignatureError(f"not a usable PEM private key: {err}", path=path) from err
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in ("secp256r1", "secp384r1", "secp521r1"):
            raise SignatureError(f"unsupported curve {key.curve.name}: use P-256, P-384 or P-521", path=path)
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise SignatureError("unsupported key type: use ECDSA (P-256, P-384, P-521) or Ed25519", path=path)


def load_public_key(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as err:
        raise SignatureError(f"cannot read the public key: {err.strerror}", path=path) from err
    except ValueError as err:
        raise SignatureError(f"not a usable PEM public key: {err}", path=path) from err
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise SignatureError("unsupported key type: use ECDSA (P-256, P-384, P-521) or Ed25519", path=path)
    return key


def ecdsa_hash(key: Any) -> Any:
    from cryptography.hazmat.primitives import hashes

    return {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}[key.curve.key_size]


def sign_bytes(key: Any, data: bytes) -> bytes:
    """A signature over ``data`` with an ECDSA (hash by curve size) or Ed25519 private key."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if isinstance(key, ec.EllipticCurvePrivateKey):
        return bytes(key.sign(data, ec.ECDSA(ecdsa_hash(key))))
    return bytes(key.sign(data))


def verify_bytes(key: Any, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(ecdsa_hash(key)))
        else:
            key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
