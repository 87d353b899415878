"""The contest's Ed25519 signing key: made at init, its private half wrapped at rest under the
signing passphrase and a recovery phrase printed once (never under a PIN: docs/keys.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from db.keys import passphrase as pp
from db.keys import signing
from judging.errors import NotAllowed, StateError

if TYPE_CHECKING:
    from db.store.contest import Contest, Writer


def create_contest_key(c: Contest, w: Writer, passphrase: str,
                       recovery: str | None = None) -> tuple[dict[str, Any], str]:
    """A new key pair, its private half stored only wrapped (AES-GCM under scrypt) for the
    signing passphrase and a recovery phrase. Returns (the keys row, the recovery phrase),
    the phrase to be shown once and never stored."""
    signing.check_secret(passphrase, "JIANGXIN_PASSPHRASE")
    phrase = recovery or pp.new_recovery_phrase()
    private, public = signing.generate_key()
    wrapped = signing.wrap_private_key(private, {pp.SIGNING_HOLDER: passphrase,
                                                 pp.RECOVERY_HOLDER: phrase})
    kid = signing.key_id(public)
    row = w.insert("keys", {"key_id": kid, "public": public.hex(),
                            "wrapped": json.dumps(wrapped, sort_keys=True)},
                   device=False, audit_row={"key_id": kid, "public": public.hex()})
    return row, phrase


def contest_key(c: Contest) -> tuple[str, bytes]:
    """(key id, raw public key) of the contest."""
    row = c.db.execute("SELECT key_id, public FROM keys ORDER BY rowid LIMIT 1").fetchone()
    if row is None:
        raise StateError("the contest has no signing key / 赛事没有签名密钥")
    return str(row[0]), bytes.fromhex(row[1])


def wrapped_key(c: Contest) -> dict[str, Any]:
    """The stored envelope of the contest's private key (JSON)."""
    row = c.db.execute("SELECT wrapped FROM keys ORDER BY rowid LIMIT 1").fetchone()
    if row is None:
        raise StateError("the contest has no signing key / 赛事没有签名密钥")
    return dict(json.loads(row[0]))


def unlock_private_key(c: Contest, passphrase: str | None = None) -> bytes:
    """The raw private key, unwrapped with the signing passphrase or the recovery phrase.

    Without ``passphrase``: the one held for this session or JIANGXIN_PASSPHRASE; none at all,
    or a wrong one, is NotAllowed (exit 5).
    """
    secret = pp.required(passphrase)
    wrapped = wrapped_key(c)
    holders = wrapped.get("unwrappers", {})
    if pp.SIGNING_HOLDER not in holders:
        raise NotAllowed("this contest file's key was wrapped under admin PINs by an older "
                         "version; it cannot be unlocked by a passphrase / 旧版本赛事文件的密钥"
                         "由PIN保护，无法用口令解锁")
    recovery = pp.normalize_recovery_phrase(secret)
    if recovery is not None and pp.RECOVERY_HOLDER in holders:
        try:
            return signing.unwrap_private_key(wrapped, pp.RECOVERY_HOLDER, recovery)
        except NotAllowed:
            pass  # a passphrase that merely looks like a recovery phrase
    try:
        return signing.unwrap_private_key(wrapped, pp.SIGNING_HOLDER, secret)
    except NotAllowed:
        raise NotAllowed("wrong signing passphrase (JIANGXIN_PASSPHRASE) / 签名口令错误") from None


def confirm_pin(c: Contest, user: str, pin: str) -> None:
    """NotAllowed (exit 5) unless ``pin`` is ``user``'s PIN: a confirmation of who signs,
    nothing more (the PIN opens no key)."""
    from db.ops.auth import check_pin

    row = c.db.execute("SELECT pin_hash FROM users WHERE name = ?", [user]).fetchone()
    if row is None or not check_pin(pin, str(row[0])):
        raise NotAllowed(f"wrong PIN for {user} / PIN错误")
