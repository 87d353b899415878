"""Issue 16, "headquarters does not bind a contest to its key, and never recomputes results
from the marks it receives" — on both headquarters engines (SQLite and PostgreSQL).

Against the old behaviour: a file signed by a new key replaced a contest with --accept-key
(GJQG-004 to 1st, no mark changed); a venue whose key was accepted once replaced another
contest and removed its participations; a rewritten history re-exported was taken.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.files.exchange import build_body, export, sign_body
from db.hq.store import Headquarters
from db.keys import signing
from db.store.contest import Contest
from tests.attacks.forge import forge
from tests.conftest import USERS, cli, copy_db

New = Callable[[], str]



def admin(db: Path) -> Contest:
    c = Contest.open(db)
    c.sign_in(*USERS["admin"])
    return c


def resign(c: Contest, tmp: Path, name: str, change: Callable[[dict[str, Any]], None],
           private: bytes | None = None) -> tuple[Path, bytes]:
    """A results file of ``c`` with its body changed, signed with ``private`` (a new key by
    default): what someone with their own key can make."""
    body = build_body(c, exported_by="王组委")
    if private is None:
        private, public = signing.generate_key()
    else:
        public = signing.public_key(private)
    body["key"] = {"algorithm": "Ed25519", "key_id": signing.key_id(public),
                   "public": public.hex()}
    change(body)
    out = tmp / name
    out.write_bytes(sign_body(body, private))
    return out, private


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory,
          example_cache: Callable[[str], Path]) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("binding")
    db = copy_db(example_cache("decrypted"), base / "venue.db")
    c = admin(db)
    v1 = base / "v1.jxr"
    export(c, v1, USERS["admin"][1])
    c.close()
    return {"base": base, "db": db, "v1": v1}


def hq(target: str, *args: Any) -> int:
    return cli("hq", *args, "--hq", target)


def test_a_new_key_for_a_bound_competition_is_refused_even_with_accept_key(
        hq_target: New, venue: dict[str, Any], tmp_path: Path) -> None:
    target = hq_target()
    assert hq(target, "import", venue["v1"], "--accept-key") == 0
    c = admin(copy_db(venue["db"], tmp_path / "copy.db"))

    def to_first(body: dict[str, Any]) -> None:  # GJQG-004 to 1st, no mark changed
        rows = body["results"]["GJQG"]["rows"]
        for r in rows:
            if r["candidate"] == "GJQG-004":
                r["place"], r["award"] = 1, "一等奖"
        body["exports"] = [{"sha256": __import__("hashlib").sha256(
            venue["v1"].read_bytes()).hexdigest()}]
    forged, private = resign(c, tmp_path, "forged.jxr", to_first)
    c.close()
    assert hq(target, "import", forged, "--accept-key") == 3
    assert hq(target, "import", forged, "--accept-key", "--force") == 3
    # an operator rebinds with a reason: then the file is judged on its results, which the
    # marks do not give, so it is refused all the same
    public = signing.public_key(private).hex()
    assert hq(target, "bind", "--competition", "HLJ-2020-GJQG-F", "--key", public) == 3
    assert hq(target, "bind", "--competition", "HLJ-2020-GJQG-F", "--key", public,
              "--rebind") == 2
    assert hq(target, "bind", "--competition", "HLJ-2020-GJQG-F", "--key", public,
              "--rebind", "--reason", "venue laptop replaced, key checked by phone") == 0
    assert hq(target, "import", forged, "--force") == 3  # GJQG-004 is not 1st by its marks
    h = Headquarters.open(target)
    try:
        log = h.db.query("SELECT action, reason FROM key_bindings_log ORDER BY at")
        assert [r["action"] for r in log] == ["bind", "rebind"]
        assert h.count("submissions") == 1
    finally:
        h.close()


def test_a_known_venue_cannot_replace_another_contest(hq_target: New, venue: dict[str, Any],
                                                      tmp_path: Path) -> None:
    target = hq_target()
    assert hq(target, "import", venue["v1"], "--accept-key") == 0
    c = admin(copy_db(venue["db"], tmp_path / "other.db"))
    uid = c.meta("contest_uid")

    def second(body: dict[str, Any]) -> None:  # venue B's own contest, accepted once
        body["contest_uid"] = "venue-b"
        body["competition"].update(id="HLJ-2020-B", name="B")
        body["exports"] = []
    b, b_private = resign(c, tmp_path, "b.jxr", second)
    assert hq(target, "import", b, "--accept-key") == 0

    def claim_a(body: dict[str, Any]) -> None:  # then B claims A's contest file
        body["contest_uid"] = uid
        body["competition"].update(id="HLJ-2020-B", name="B")
        body["exports"] = []
    for claim in (claim_a, lambda body: (claim_a(body), body["competition"].update(
            id="HLJ-2020-GJQG-F"))):
        forged, _ = resign(c, tmp_path, "claim.jxr", claim, b_private)
        assert hq(target, "import", forged) == 3
        assert hq(target, "import", forged, "--force") == 3
    c.close()
    h = Headquarters.open(target)
    try:
        held = h.db.query("SELECT contest_uid, key_id FROM submissions WHERE state = 'current' "
                          "ORDER BY contest_uid")
        assert [r["contest_uid"] for r in held] == sorted([uid, "venue-b"])
        assert h.db.one("SELECT COUNT(*) FROM participations WHERE contest_uid = ?", [uid]) == 12
    finally:
        h.close()


def test_a_key_signs_only_its_own_competition(hq_target: New, venue: dict[str, Any],
                                              tmp_path: Path) -> None:
    target = hq_target()
    assert hq(target, "import", venue["v1"], "--accept-key") == 0
    c = admin(copy_db(venue["db"], tmp_path / "c.db"))
    key = bytes.fromhex(c.db.execute("SELECT public FROM keys").fetchone()[0])
    c.close()
    # the organiser binds a new competition in advance to the key of the first: refused
    assert hq(target, "bind", "--competition", "HLJ-2021-X", "--key", key.hex()) == 3


def test_a_rewritten_history_re_exported_is_refused(hq_target: New, venue: dict[str, Any],
                                                    tmp_path: Path) -> None:
    """An insider with the signing passphrase rewrites marks, recomputes the hashes, drops
    the signed heads that would give it away, and exports again (the file lists the first
    export, so it looks newer): headquarters holds the first export's signed heads."""
    target = hq_target()
    assert hq(target, "import", venue["v1"], "--accept-key") == 0
    db = copy_db(venue["db"], tmp_path / "insider.db")

    def rewrite(con: sqlite3.Connection) -> None:
        con.execute("UPDATE marks SET score = '3' WHERE station = '03' AND aspect LIKE 'C%' "
                    "AND score IS NOT NULL")
        con.execute("DELETE FROM audit WHERE tbl = 'signed_heads'")
        con.execute("DELETE FROM signed_heads")
    forge(db, rewrite, close_gaps=True)
    from db.ops.slots import rebuild_derived
    from db.store.connection import transaction

    c = admin(db)
    with transaction(c.db):
        rebuild_derived(c)
    out = tmp_path / "v2.jxr"
    export(c, out, USERS["admin"][1])  # the file alone has nothing left to object
    c.close()
    assert hq(target, "import", out) == 3


def test_stated_results_are_recomputed_at_headquarters(hq_target: New, venue: dict[str, Any],
                                                       tmp_path: Path) -> None:
    """A venue's own key signs results its marks do not give: refused, naming the place."""
    target = hq_target()
    c = admin(copy_db(venue["db"], tmp_path / "c.db"))

    def to_first(body: dict[str, Any]) -> None:
        for r in body["results"]["GJQG"]["rows"]:
            if r["candidate"] == "GJQG-004":
                r["place"] = 1
    from db.keys.contest_key import unlock_private_key

    forged, _ = resign(c, tmp_path, "f.jxr", to_first, unlock_private_key(c))
    c.close()
    assert hq(target, "import", forged, "--accept-key") == 3
