"""The encryption officer's X25519 key pair, and headquarters' optional recovery key.

The draw is sealed to the officer's public key (db/ops/blind.py); its private half is stored
only wrapped by the officer's passphrase (``JIANGXIN_OFFICER_PASSPHRASE``, falling back to
``JIANGXIN_PASSPHRASE``) with the envelope of db/keys/signing.py. Headquarters' recovery key is
a public key named in the competition file (``[competition] recovery_key = "64 hex"``): each
seal gets a second copy for it, opened at headquarters if the officer's passphrase is lost.
"""

from __future__ import annotations

import json
import os
import tomllib
from typing import TYPE_CHECKING

from db.keys import sealing, signing
from judging.errors import InputError, NotAllowed, StateError

if TYPE_CHECKING:
    from db.store.contest import Contest, Writer

HOLDER = "officer"
DEMO_PASSPHRASE = "jiangxin-officer-demo"
MIN_PASSPHRASE = 12


def passphrase_from_env() -> str | None:
    return (os.environ.get("JIANGXIN_OFFICER_PASSPHRASE")
            or os.environ.get("JIANGXIN_PASSPHRASE") or None)


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InputError(f"the officer's passphrase needs at least {MIN_PASSPHRASE} characters "
                         f"/ 保密口令至少{MIN_PASSPHRASE}个字符",
                         field="JIANGXIN_OFFICER_PASSPHRASE")


def officer_key(c: Contest) -> tuple[str, bytes] | None:
    """(key id, raw X25519 public key) of the officer's newest key, or None."""
    row = c.db.execute("SELECT key_id, public FROM officer_keys WHERE purpose = 'officer' "
                       "ORDER BY rowid DESC LIMIT 1").fetchone()
    return None if row is None else (str(row[0]), bytes.fromhex(row[1]))


def recovery_key(c: Contest) -> tuple[str, bytes] | None:
    """Headquarters' recovery public key named in the competition file, or None."""
    text = c.meta("competition") or ""
    try:
        value = tomllib.loads(text).get("competition", {}).get("recovery_key")
    except tomllib.TOMLDecodeError:
        return None
    if not value:
        return None
    try:
        public = bytes.fromhex(str(value).strip())
    except ValueError:
        public = b""
    if len(public) != 32:
        raise InputError("recovery_key must be 64 hex digits (an X25519 public key) "
                         "/ 恢复密钥应为64位十六进制", file=c.meta("competition_file"),
                         field="competition.recovery_key")
    return signing.key_id(public), public


def make_officer_key(c: Contest, w: Writer, passphrase: str) -> str:
    """A new officer key pair inside the caller's write; returns its key id."""
    _check_passphrase(passphrase)
    private, public = sealing.generate_keypair()
    wrapped = signing.wrap_private_key(private, {HOLDER: passphrase})
    kid = signing.key_id(public)
    w.insert("officer_keys", {"purpose": "officer", "key_id": kid, "public": public.hex(),
                              "wrapped": json.dumps(wrapped, sort_keys=True)},
             device=False, audit_row={"purpose": "officer", "key_id": kid, "public": public.hex()})
    return kid


def create_officer_key(c: Contest, passphrase: str | None = None) -> str:
    """`jiangxin officer key`: the encryption officer makes their key pair (once, before the
    first draw; a second key is refused while a seal is made to the first)."""
    c.require("decrypt")
    passphrase = passphrase or passphrase_from_env()
    if not passphrase:
        raise NotAllowed("the officer's passphrase is needed (JIANGXIN_OFFICER_PASSPHRASE) "
                         "/ 需要保密口令")
    if officer_key(c) is not None:
        raise StateError("the encryption officer's key exists already / 保密密钥已存在")
    from db.ops.blind import seal_legacy_draws

    with c.write("officer.key", reason="encryption officer's key / 加密裁判密钥") as w:
        kid = make_officer_key(c, w, passphrase)
    seal_legacy_draws(c)
    return kid


def unlock_officer_key(c: Contest, passphrase: str | None) -> bytes:
    """The officer's raw private key (NotAllowed, exit 5, without or with a wrong passphrase)."""
    if not passphrase:
        raise NotAllowed("the encryption officer's passphrase is needed to decrypt "
                         "(JIANGXIN_OFFICER_PASSPHRASE) / 解密需要保密口令")
    row = c.db.execute("SELECT wrapped FROM officer_keys WHERE purpose = 'officer' "
                       "ORDER BY rowid DESC LIMIT 1").fetchone()
    if row is None:
        raise StateError("the contest has no encryption officer's key / 没有保密密钥")
    try:
        return signing.unwrap_private_key(json.loads(row[0]), HOLDER, passphrase)
    except NotAllowed:
        raise NotAllowed("wrong passphrase for the encryption officer's key / 保密口令错误") \
            from None
