"""Cost per guess of the key-encryption KDF (docs/keys.md): what an attacker holding a copy of
the contest file pays for every passphrase tried.

    .venv/bin/python bench/bench_kdf.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt  # noqa: E402

from db.keys import signing  # noqa: E402


def per_guess(n: int, r: int, p: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        salt = os.urandom(16)
        t = time.perf_counter()
        Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(b"a guessed passphrase")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    for n in (2**15, signing.SCRYPT_N):
        secs = per_guess(n, signing.SCRYPT_R, signing.SCRYPT_P, args.rounds)
        mib = 128 * n * signing.SCRYPT_R // 2**20
        print(f"scrypt N=2^{n.bit_length() - 1} r={signing.SCRYPT_R} p={signing.SCRYPT_P}: "
              f"{mib} MiB, {secs:.3f} s per guess (median of {args.rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
