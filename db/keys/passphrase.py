"""Where the contest signing passphrase comes from, and the recovery phrase made at init.

The passphrase (at least 12 characters) unlocks the contest's signing key; a PIN never does.
It comes, in this order, from what the app holds for this session (asked once in a dialog,
kept in memory only), or the environment variable ``JIANGXIN_PASSPHRASE``. The command line
may also prompt on a terminal (cli/passphrase_prompt). Without one, signing is refused
(NotAllowed, exit 5). The demo contest's default, used only by ``demo`` when the variable is
unset, is documented in the README.
"""

from __future__ import annotations

import os
import secrets as _secrets

from judging.errors import NotAllowed

ENV = "JIANGXIN_PASSPHRASE"
DEMO_PASSPHRASE = "jiangxin-demo-passphrase"
SIGNING_HOLDER = "signing-passphrase"
RECOVERY_HOLDER = "recovery-phrase"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUPS = 5  # 5 groups of 5 symbols: 125 bits

_held: str | None = None


def hold(passphrase: str | None) -> None:
    """Keep (or with None forget) the passphrase for this process: the app's session."""
    global _held
    _held = passphrase


def held() -> str | None:
    """The passphrase held for this session, if any."""
    return _held


def current() -> str | None:
    """The passphrase held for this session, else the environment variable's, else None."""
    if _held:
        return _held
    value = os.environ.get(ENV)
    return value if value else None


def required(given: str | None = None) -> str:
    """``given``, else current(); NotAllowed (exit 5) when there is none."""
    value = given if given else current()
    if not value:
        raise NotAllowed(
            "signing needs the contest's signing passphrase: set JIANGXIN_PASSPHRASE (or type "
            "it when asked); a PIN does not unlock the key / 签名需要签名口令："
            "请设置 JIANGXIN_PASSPHRASE（或按提示输入），PIN 不能解锁签名密钥"
        )
    return value


def new_recovery_phrase() -> str:
    """A random recovery phrase: 25 Crockford base32 symbols (125 bits) in groups of 5."""
    symbols = "".join(_secrets.choice(_CROCKFORD) for _ in range(5 * RECOVERY_GROUPS))
    return "-".join(symbols[i:i + 5] for i in range(0, len(symbols), 5))


def normalize_recovery_phrase(typed: str) -> str | None:
    """A typed recovery phrase in printed form (case, spaces, hyphens, O/0 I/L/1 forgiven),
    or None when it cannot be one."""
    table = str.maketrans({"O": "0", "I": "1", "L": "1"})
    clean = "".join(ch for ch in typed.upper() if ch not in " -\t").translate(table)
    if len(clean) != 5 * RECOVERY_GROUPS or any(c not in _CROCKFORD for c in clean):
        return None
    return "-".join(clean[i:i + 5] for i in range(0, len(clean), 5))
