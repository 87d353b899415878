"""The contest's Ed25519 key: made at init, its private half wrapped by the admins' PINs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from judging.errors import NotAllowed, StateError

if TYPE_CHECKING:
    from db.contest import Contest, Writer


def create_contest_key(c: Contest, w: Writer, secrets: dict[str, str]) -> dict[str, Any]:
    from db import signing

    priv = Ed25519PrivateKey.generate()
    pub = priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    wrapped = signing.wrap_private_key(priv, secrets)
    return w.insert("keys", {"key_id": signing.key_id(pub), "public": pub.hex(),
                             "wrapped": json.dumps(wrapped, sort_keys=True)},
                    device=False, audit_row={"key_id": signing.key_id(pub),
                                             "public": pub.hex()})


def contest_key(c: Contest) -> tuple[str, bytes]:
    """(key id, raw public key) of the contest."""
    row = c.db.execute("SELECT key_id, public FROM keys ORDER BY rowid LIMIT 1").fetchone()
    if row is None:
        raise StateError("the contest has no signing key / 赛事没有签名密钥")
    return str(row[0]), bytes.fromhex(row[1])


def unlock_private_key(c: Contest, user: str, pin: str) -> Ed25519PrivateKey:
    """The private key, unwrapped with an admin's PIN."""
    from db import signing

    row = c.db.execute("SELECT wrapped FROM keys ORDER BY rowid LIMIT 1").fetchone()
    if row is None:
        raise StateError("the contest has no signing key / 赛事没有签名密钥")
    try:
        return signing.unwrap_private_key(json.loads(row[0]), user, pin)
    except Exception as exc:  # wrong PIN or a user without a key slot
        raise NotAllowed(f"{user} cannot unlock the contest key / 无法解锁赛事密钥: {exc}") from None
