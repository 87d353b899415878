"""The audit log in words a supervisor reads (db/ops/audit_log.py describe): who did what to
which workstation, before → after, why; Chinese first, English beside it. On the shared
example contest, through the same core operations the app and the command line call."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from db.ops.audit_log import ACTION_WORDS, describe, log_records
from db.ops.marking import clear_mark, enter_mark, unlock
from db.ops.people import set_status
from db.ops.timing import clock_action
from tests.conftest import signed_in


def newest(c, n: int = 1):
    return describe(c, log_records(c, limit=n))


def test_a_correction_reads_before_and_after(example_db: Callable[[str], Path]) -> None:
    db = example_db("marked")  # typed once by 冯记录, not verified yet
    c = signed_in(db, "recorder")
    enter_mark(c, "GJQG", "05", "A4", "赵一", Decimal("6.5"))  # it was 7.0
    line = newest(c)[0]
    assert line.action.zh == "更正分数" and line.action.en == "corrected a mark"
    assert line.target.zh == "GJQG · 工位 05 · 评分项 A4 · 裁判 赵一"
    assert line.change.zh == "7 → 6.5"  # as stored (canonical)
    assert line.sentence("zh") == ("冯记录（记分员）：更正分数 — GJQG · 工位 05 · 评分项 A4 · "
                                   "裁判 赵一：7 → 6.5")
    assert line.sentence("en").startswith("冯记录 (recorder): corrected a mark — GJQG · "
                                          "station 05 · aspect A4 · judge 赵一: 7 → 6.5")


def test_the_chief_clearing_a_verified_mark_says_what_was_there_and_why(
        example_db: Callable[[str], Path]) -> None:
    c = signed_in(example_db("verified"), "chief")
    clear_mark(c, "GJQG", "05", "A1", "赵一", "记分员看错了行")
    line = newest(c)[0]
    assert line.action.zh == "清除分数"
    assert line.target.zh == "GJQG · 工位 05 · 评分项 A1 · 裁判 赵一"
    assert line.change.zh == "实测 59.985 → —" and line.change.en == "measured 59.985 → —"
    assert line.why == "记分员看错了行"
    assert "原因：记分员看错了行" in line.sentence("zh")


def test_status_clock_and_unlock_in_words(example_db: Callable[[str], Path]) -> None:
    c = signed_in(example_db("locked"), "chief")
    unlock(c, "GJQG", "A", "申诉成立，复核 A 模块")
    set_status(c, "GJQG", "07", "disqualified", "作品上做标记")
    status, unlocked = newest(c, 2)
    assert status.action.zh == "更改选手状态"
    assert status.target.zh.startswith("GJQG · 工位 07")
    assert status.change.zh == "正常 → 取消资格" and status.change.en == "OK → disqualified"
    assert status.why == "作品上做标记"
    assert unlocked.action.zh == "解锁评分" and unlocked.change.zh == "模块 A"
    assert unlocked.why == "申诉成立，复核 A 模块"

    c2 = signed_in(example_db("drawn"), "chief")
    clock_action(c2, "GJQG", ["03"], "start")
    clock_action(c2, "GJQG", ["03"], "extra", seconds=300, reason="停电五分钟")
    extra, start = newest(c2, 2)
    assert start.action.zh == "开始计时" and start.target.zh == "GJQG · 工位 03"
    assert extra.action.zh == "补时" and extra.change.zh == "+5 分钟" and extra.why == "停电五分钟"


def test_every_record_of_the_example_reads_in_words(example_db: Callable[[str], Path]) -> None:
    c = signed_in(example_db("decrypted"), "supervisor")
    records = log_records(c)
    lines = describe(c, records)
    assert len(lines) == len(records) > 600
    for line in lines:
        r = line.record
        assert r.action in ACTION_WORDS, r.action  # no developer string as the action
        assert line.action.zh != r.action and line.action.en != r.action
        # no raw JSON and no bookkeeping "from file.csv" reason left for the reader
        for text in (line.target.zh, line.change.zh, line.target.en, line.change.en):
            assert "{" not in text and "=" not in text, (r.action, text)
        assert not line.why.startswith("from "), (r.action, line.why)
        # Chinese first: every Chinese sentence has Chinese in it
        assert any("\u4e00" <= ch <= "\u9fff" for ch in line.sentence("zh"))
    # which workstation: every mark, time, theory score and draw line names one
    for line in lines:
        if line.record.table in ("marks", "times", "theory"):
            assert "工位 " in line.target.zh, line.sentence()
    # the draw (sealed to the encryption officer) and its opening at decryption
    for table in ("lots", "assignments"):
        drawn = [x for x in lines if x.record.table == table]
        assert len(drawn) == 12 and all("参赛编号 GJQG-" in x.change.zh and "→ 工位 " in
                                        x.change.zh for x in drawn), table


def test_judges_and_recorders_read_stations_never_candidates(
        example_db: Callable[[str], Path]) -> None:
    c = signed_in(example_db("final"), "chief")
    blind = describe(c, log_records(c), identities=False)
    text = "\n".join(x.sentence("zh") + x.sentence("en") for x in blind)
    assert "GJQG-0" not in text  # no candidate number anywhere
    assert "工位 05" in text
