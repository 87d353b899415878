"""The contest's Ed25519 key: made at init, its private half wrapped by the admins' PINs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from db.keys import signing
from judging.errors import StateError

if TYPE_CHECKING:
    from db.store.contest import Contest, Writer


def create_contest_key(c: Contest, w: Writer, secrets: dict[str, str]) -> dict[str, Any]:
    """A new key pair; the private key is stored only wrapped (AES-GCM, scrypt per admin PIN)."""
    private, public = signing.generate_key()
    wrapped = signing.wrap_private_key(private, secrets)
    kid = signing.key_id(public)
    return w.insert("keys", {"key_id": kid, "public": public.hex(),
                             "wrapped": json.dumps(wrapped, sort_keys=True)},
                    device=False, audit_row={"key_id": kid, "public": public.hex()})


def contest_key(c: Contest) -> tuple[str, bytes]:
    """(key id, raw public key) of the contest."""
    row = c.db.execute("SELECT key_id, public FROM keys ORDER BY rowid LIMIT 1").fetchone()
    if row is None:
        raise StateError("the contest has no signing key / 赛事没有签名密钥")
    return str(row[0]), bytes.fromhex(row[1])


def unlock_private_key(c: Contest, user: str, pin: str) -> bytes:
    """The raw private key, unwrapped with an admin's PIN (NotAllowed on a wrong PIN)."""
    row = c.db.execute("SELECT wrapped FROM keys ORDER BY rowid LIMIT 1").fetchone()
    if row is None:
        raise StateError("the contest has no signing key / 赛事没有签名密钥")
    return signing.unwrap_private_key(json.loads(row[0]), user, pin)
