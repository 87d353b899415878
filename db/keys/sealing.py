"""Sealing to a person: X25519 ephemeral-static + HKDF-SHA256 + AES-256-GCM ("sealed box").

``seal(recipient_public, plaintext, aad)`` needs only the recipient's public key, so the venue
laptop seals the draw at the moment it is made; ``open_sealed(recipient_private, blob, aad)``
needs the private key, which only the encryption officer's passphrase unwraps (docs/keys.md).

Blob layout (bytes): ``b"JXS1"`` + 32-byte ephemeral public key + 12-byte nonce + AES-GCM
ciphertext with its 16-byte tag. The AES key is HKDF-SHA256 of the X25519 shared secret, salted
with both public keys, so a blob opens only for the key it was sealed to. ``aad`` (additional
data) binds the blob to its place (contest, event, draw): a blob moved elsewhere does not open.

``content_key(recipient_private, blob)`` gives one blob's AES key: published at decryption (a
row of ``openings``), it lets any laptop open that one blob with ``open_with_key`` and so check
that a decryption merged from another laptop was made with the officer's key (nobody without
the private key, or the ephemeral key thrown away at sealing, can produce it).
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from judging.errors import VerificationFailed

MAGIC = b"JXS1"
_INFO = b"jiangxin-sealed-box-1"
_RAW = serialization.Encoding.Raw


def generate_keypair() -> tuple[bytes, bytes]:
    """A new X25519 key pair as (raw 32-byte private key, raw 32-byte public key)."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    return raw, public_of(raw)


def public_of(private: bytes) -> bytes:
    """The raw X25519 public key of a raw private key."""
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        _RAW, serialization.PublicFormat.Raw)


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=_INFO).derive(shared)


def seal(recipient_public: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """``plaintext`` encrypted so that only the holder of the matching private key opens it."""
    if len(recipient_public) != 32:
        raise ValueError("an X25519 public key is 32 bytes")
    ephemeral = X25519PrivateKey.generate()
    eph_pub = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    nonce = os.urandom(12)
    body = AESGCM(_key(shared, eph_pub, recipient_public)).encrypt(nonce, plaintext, aad)
    return MAGIC + eph_pub + nonce + body


def open_sealed(recipient_private: bytes, blob: bytes, aad: bytes) -> bytes:
    """The plaintext of a sealed blob (VerificationFailed if it is not for this key, was
    changed, or belongs to another place)."""
    if len(blob) < 4 + 32 + 12 + 16 or blob[:4] != MAGIC:
        raise VerificationFailed("not a sealed blob / 不是加密数据")
    eph_pub, nonce, body = blob[4:36], blob[36:48], blob[48:]
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    recipient = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        return AESGCM(_key(shared, eph_pub, recipient)).decrypt(nonce, body, aad)
    except (InvalidTag, ValueError) as exc:
        raise VerificationFailed("the sealed data does not open with this key, or was changed "
                                 "/ 密封数据无法用此密钥打开或已被改动") from exc


def _parts(blob: bytes) -> tuple[bytes, bytes, bytes]:
    if len(blob) < 4 + 32 + 12 + 16 or blob[:4] != MAGIC:
        raise VerificationFailed("not a sealed blob / 不是加密数据")
    return blob[4:36], blob[36:48], blob[48:]


def content_key(recipient_private: bytes, blob: bytes) -> bytes:
    """The AES key of one sealed blob (opens that blob only, see open_with_key)."""
    eph_pub, _nonce, _body = _parts(blob)
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    recipient = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    except ValueError as exc:
        raise VerificationFailed("not a sealed blob / 不是加密数据") from exc
    return _key(shared, eph_pub, recipient)


def open_with_key(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """The plaintext of a sealed blob, opened with its content key (VerificationFailed when the
    key is not this blob's, or the blob or its place changed)."""
    _eph, nonce, body = _parts(blob)
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except (InvalidTag, ValueError) as exc:
        raise VerificationFailed("the sealed data does not open with this key, or was changed "
                                 "/ 密封数据无法用此密钥打开或已被改动") from exc
