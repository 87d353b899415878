"""Issue 16, "headquarters never recomputes results from the marks it receives": the results a
file states are recomputed from the marks it carries, with the same rulebook (judging/)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import cli

Example = Callable[[str], Path]


@pytest.mark.parametrize("stage", ["locked", "decrypted"])
def test_an_honest_file_recomputes_to_what_it_states(example_db: Example, tmp_path: Path,
                                                     stage: str) -> None:
    from db.files.exchange import read_results_file
    from db.files.recompute import recompute_problems

    out = tmp_path / "r.jxresults"
    assert cli("export", "--out", out, "--db", example_db(stage), who="admin") == 0
    assert recompute_problems(read_results_file(out)) == []


def test_stated_results_that_the_marks_do_not_give_are_named(example_db: Example,
                                                             tmp_path: Path) -> None:
    """A venue whose software states other results than its marks give (the file signed with
    its own key, so the signature holds): the first difference is named."""
    from db.files import exchange
    from db.files.recompute import recompute_problems
    from db.keys.contest_key import unlock_private_key
    from db.store.contest import Contest
    from tests.conftest import USERS

    db = example_db("decrypted")
    c = Contest.open(db)
    c.sign_in(*USERS["admin"])
    body = exchange.build_body(c, exported_by="王组委")
    rows = body["results"]["GJQG"]["rows"]
    last = next(r for r in rows if r["station"] == "03")
    last["place"], last["award"] = 2, "二等奖"  # GJQG-004 to 2nd, no mark changed
    import inspect

    fn = unlock_private_key
    private = fn(c, *USERS["admin"]) if len(inspect.signature(fn).parameters) == 3 \
        else fn(c)  # type: ignore[call-arg]
    data = exchange.sign_body(body, private)
    c.close()
    f = exchange.read_results_file(data, name="forged.jxresults")
    problems = recompute_problems(f)
    assert problems and "workstation 03" in problems[0] and "place" in problems[0]
    assert json.dumps(problems, ensure_ascii=False)
