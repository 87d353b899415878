"""Ed25519 contest keys: making, wrapping at rest, signing, trust files, certificate checks."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from judging import certificate_payload as payload
from judging.certificate import CertificateData
from judging.errors import InputError, NotAllowed, Revoked, VerificationFailed

WRAP_FORMAT = "jiangxin-wrapped-key-1"
# The key-encryption KDF: scrypt N=2^17, r=8, p=1 (128 MiB of memory and ~0.3-0.5 s per
# guess on a venue laptop; docs/keys.md has the figures). The parameters are stored in each
# envelope, so they can be raised later and older envelopes still open. The test suite lowers
# SCRYPT_N in-process for speed (tests/conftest.py); a test checks the production envelope.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
MIN_SECRET_LEN = 12  # a holder secret is a passphrase, never a PIN
_RAW = serialization.Encoding.Raw


# ---------------------------------------------------------------- keys


def generate_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (raw 32-byte private key, raw 32-byte public key)."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw, public_key(raw)


def public_key(private: bytes) -> bytes:
    """The raw 32-byte public key of a raw private key."""
    key = Ed25519PrivateKey.from_private_bytes(private)
    return key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def key_id_bytes(public: bytes) -> bytes:
    """The first 8 bytes of SHA-256 of the raw public key (what the QR payload carries)."""
    return hashlib.sha256(public).digest()[: payload.KEY_ID_LEN]


def key_id(public: bytes) -> str:
    """The key id as 16 lower-case hex digits."""
    return key_id_bytes(public).hex()


def sign(private: bytes, data: bytes) -> bytes:
    """The 64-byte Ed25519 signature of data."""
    return Ed25519PrivateKey.from_private_bytes(private).sign(data)


def verify(public: bytes, data: bytes, signature: bytes) -> bool:
    """Whether signature is a valid Ed25519 signature of data by public."""
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---------------------------------------------------------------- at rest


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _kek(secret: str, salt: bytes, n: int, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    if not (1 < n <= 2**22 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        raise ValueError(f"unsupported scrypt parameters n={n} r={r} p={p}")
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret.encode("utf-8"))


def check_secret(secret: str, name: str = "passphrase") -> None:
    """InputError (exit 2) unless the secret is a passphrase of at least MIN_SECRET_LEN
    characters (not counting surrounding spaces)."""
    if not isinstance(secret, str) or len(secret.strip()) < MIN_SECRET_LEN:
        raise InputError(
            f"the {name} must have at least {MIN_SECRET_LEN} characters (a PIN never "
            f"protects a key) / 口令至少{MIN_SECRET_LEN}个字符，PIN 不能用来保护密钥",
            field=name,
        )


def wrap_private_key(
    private: bytes, secrets: Mapping[str, str], *, cost: int | None = None
) -> dict[str, Any]:
    """The private key encrypted at rest so that each named holder's secret opens it.

    A random data key encrypts the private key (AES-256-GCM); each secret (a passphrase of at
    least MIN_SECRET_LEN characters, never a PIN), through scrypt with its own salt and the
    parameters recorded beside it, wraps a copy of the data key. The result is JSON-able.
    """
    if not secrets:
        raise ValueError("at least one secret is needed")
    for name, secret in secrets.items():
        check_secret(secret, f"secret of {name}")
    public = public_key(private)
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    wrapped: dict[str, Any] = {
        "format": WRAP_FORMAT,
        "public_key": _b64(public),
        "key_id": key_id(public),
        "nonce": _b64(nonce),
        "ciphertext": _b64(AESGCM(data_key).encrypt(nonce, private, public)),
        "unwrappers": {},
    }
    for name, secret in secrets.items():
        _add_unwrapper(wrapped, data_key, name, secret, cost)
    return wrapped


def _add_unwrapper(
    wrapped: dict[str, Any], data_key: bytes, name: str, secret: str, cost: int | None
) -> None:
    n = SCRYPT_N if cost is None else cost
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _kek(secret, salt, n, SCRYPT_R, SCRYPT_P)
    wrapped["unwrappers"][name] = {
        "kdf": "scrypt",
        "n": n,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "wrapped_key": _b64(AESGCM(kek).encrypt(nonce, data_key, name.encode("utf-8"))),
    }


def _data_key(wrapped: Mapping[str, Any], name: str, secret: str) -> bytes:
    entry = wrapped.get("unwrappers", {}).get(name)
    if wrapped.get("format") != WRAP_FORMAT or entry is None:
        raise NotAllowed(f"{name} cannot open the contest key")
    try:
        if entry.get("kdf", "scrypt") != "scrypt":
            raise ValueError(f"unknown KDF {entry.get('kdf')!r}")
        kek = _kek(secret, _unb64(entry["salt"]), int(entry["n"]),
                   int(entry.get("r", 8)), int(entry.get("p", 1)))
        return AESGCM(kek).decrypt(
            _unb64(entry["nonce"]), _unb64(entry["wrapped_key"]), name.encode("utf-8")
        )
    except InvalidTag as exc:
        raise NotAllowed(f"wrong passphrase for {name} / 口令错误") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise VerificationFailed(f"the stored contest key is damaged: {exc}") from exc


def unwrap_private_key(wrapped: Mapping[str, Any], name: str, secret: str) -> bytes:
    """The raw private key, opened with one user's secret; NotAllowed on a wrong secret."""
    data_key = _data_key(wrapped, name, secret)
    try:
        public = _unb64(wrapped["public_key"])
        private = AESGCM(data_key).decrypt(
            _unb64(wrapped["nonce"]), _unb64(wrapped["ciphertext"]), public
        )
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise VerificationFailed("the stored contest key is damaged") from exc
    if public_key(private) != public:
        raise VerificationFailed("the stored contest key does not match its public key")
    return private


def add_secret(
    wrapped: Mapping[str, Any],
    name: str,
    secret: str,
    new_name: str,
    new_secret: str,
    *,
    cost: int | None = None,
) -> dict[str, Any]:
    """A copy of wrapped that new_name's secret opens as well (or instead of their old one)."""
    check_secret(new_secret, f"secret of {new_name}")
    data_key = _data_key(wrapped, name, secret)
    out = json.loads(json.dumps(wrapped))
    _add_unwrapper(out, data_key, new_name, new_secret, cost)
    return dict(out)


def remove_secret(wrapped: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A copy of wrapped that name's secret no longer opens (at least one must remain)."""
    out = json.loads(json.dumps(wrapped))
    out["unwrappers"].pop(name, None)
    if not out["unwrappers"]:
        raise ValueError("the last secret cannot be removed")
    return dict(out)


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class VerifiedCertificate:
    """A certificate whose signature checked out against a known contest key."""

    fields: CertificateData
    key_id: str
    short_code: str
    signed: bytes
    signature: bytes


class CertificateRevoked(Revoked):
    """A genuine certificate whose serial headquarters has revoked (exit 4)."""

    def __init__(self, certificate: VerifiedCertificate) -> None:
        super().__init__(
            f"certificate {certificate.fields.serial} has been revoked (已撤销)"
        )
        self.certificate = certificate


def sign_certificate(
    fields: CertificateData,
    private: bytes,
    verify_url: str = payload.DEFAULT_VERIFY_URL,
) -> CertificateData:
    """The certificate with its signed QR text and short code filled in."""
    kid = key_id_bytes(public_key(private))
    signature = sign(private, payload.encode(fields, kid))
    text = payload.pack(fields, kid, signature, verify_url)
    return replace(fields, qr_text=text, short_code=payload.short_code(signature))


def verify_certificate(
    qr_text: str,
    public_keys: Mapping[str, bytes],
    revoked: AbstractSet[str] = frozenset(),
) -> VerifiedCertificate:
    """Check a QR text: VerificationFailed (exit 3) unless genuine, CertificateRevoked (exit 4).

    ``public_keys`` maps key ids (16 hex digits) to raw public keys.
    """
    unpacked = payload.unpack(qr_text)
    kid = unpacked.key_id.hex()
    public = public_keys.get(kid)
    if public is None:
        raise VerificationFailed(f"signed by an unknown contest key {kid} (未知密钥)")
    if key_id_bytes(public) != unpacked.key_id:
        raise VerificationFailed(f"the public key given for {kid} has another id")
    if not verify(public, unpacked.signed, unpacked.signature):
        raise VerificationFailed(
            "the signature does not match: altered or not genuine (签名不符)"
        )
    result = VerifiedCertificate(
        unpacked.fields,
        kid,
        unpacked.fields.short_code,
        unpacked.signed,
        unpacked.signature,
    )
    if unpacked.fields.serial in revoked:
        raise CertificateRevoked(result)
    return result
