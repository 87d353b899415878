"""Paper forms: marking, summary, draw and check-in sheets, and the public results list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from judging.forms import FormAspect as FormAspect  # the forms' input, plain data
from judging.forms import FormEvent as FormEvent
from judging.forms import FormModule as FormModule
from judging.forms import PersonRow as PersonRow
from printing import fonts

Out = str | Path | BinaryIO
STATUS = {
    "ok": "",
    "absent": "缺考",
    "withdrawn": "弃权",
    "terminated": "终止比赛",
    "disqualified": "取消资格",
}
KINDS = {"M": "测量", "J": "评价", "P": "评分", "D": "扣分"}
LINE = (0.25, 0.25, 0.25)
SHADE = (0.93, 0.93, 0.93)


# ---------------------------------------------------------------- page kit


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if line and fonts.text_width(line + ch, font, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


def _fit(
    text: str, font: str, size: float, width: float, height: float
) -> tuple[float, list[str]]:
    """The largest size (down to 5 pt) at which text, wrapped, fits the box; and its lines."""
    s = size
    while s > 5:
        lines = _wrap(text, font, s, width)
        if len(lines) * s * 1.2 <= height:
            return s, lines
        s -= 0.5
    lines = text.split("\n")
    return min(fonts.fit_size(line, font, 5, width, 3) for line in lines), lines


class _Pages:
    """One canvas with a running heading and page numbers; tables break across pages."""

    def __init__(self, out: Out, event: FormEvent, title: str, portrait: bool) -> None:
        fonts.register_fonts()
        self.size = A4 if portrait else landscape(A4)
        self.w, self.h = float(self.size[0]), float(self.size[1])
        self.c = Canvas(
            out if not isinstance(out, Path) else str(out),
            pagesize=self.size,
            pageCompression=1,
        )
        self.c.setTitle(title)
        self.c.setCreator("匠心 Jiangxin")
        self.event, self.title = event, title
        self.margin = 14 * mm
        self.page = 0
        self.y = 0.0

    def new_page(self, subtitle: str = "") -> None:
        if self.page:
            self.c.showPage()
        self.page += 1
        c, m = self.c, self.margin
        c.setFillColorRGB(0.3, 0.3, 0.3)
        fonts.draw_text(
            c, m, self.h - m + 2 * mm, self.event.competition, fonts.SANS, 9
        )
        right = "  ".join(x for x in (self.event.venue, self.event.date) if x)
        fonts.draw_text(
            c, self.w - m, self.h - m + 2 * mm, right, fonts.SANS, 9, "right"
        )
        c.setFillColorRGB(0, 0, 0)
        heading = f"{self.event.title} {self.title}"
        size = fonts.fit_size(heading, fonts.SERIF_BOLD, 18, self.w - 2 * m)
        fonts.draw_text(
            c,
            self.w / 2,
            self.h - m - 8 * mm,
            heading,
            fonts.SERIF_BOLD,
            size,
            "centre",
        )
        self.y = self.h - m - 13 * mm
        if subtitle:
            fonts.draw_text(
                c, self.w / 2, self.y - 1 * mm, subtitle, fonts.SANS, 10.5, "centre"
            )
            self.y -= 7 * mm
        c.setFillColorRGB(0.3, 0.3, 0.3)
        fonts.draw_text(
            c, self.w / 2, m - 7 * mm, f"第 {self.page} 页", fonts.SANS, 8, "centre"
        )
        c.setFillColorRGB(0, 0, 0)

    def cell(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        text: str,
        size: float = 9.5,
        font: str = fonts.SANS,
        align: str = "centre",
        shade: bool = False,
    ) -> None:
        c = self.c
        if shade:
            c.setFillColorRGB(*SHADE)
            c.rect(x, y - h, w, h, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(*LINE)
        c.setLineWidth(0.5)
        c.rect(x, y - h, w, h, stroke=1, fill=0)
        if not text:
            return
        s, lines = _fit(text, font, size, w - 2 * mm, h - 1 * mm)
        base = y - h / 2 - s * 0.35 + (len(lines) - 1) * s * 0.6
        for i, line in enumerate(lines):
            tx = x + w / 2 if align == "centre" else x + 1.5 * mm
            fonts.draw_text(c, tx, base - i * s * 1.2, line, font, s, align)

    def table(
        self,
        widths: Sequence[float],
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        row_h: float,
        header_h: float = 10 * mm,
        subtitle: str = "",
        footer_h: float = 0,
        aligns: Sequence[str] = (),
        fresh: bool = False,
        shaded: frozenset[int] = frozenset(),
    ) -> None:
        """Rows under a repeated header, starting a new page when the page is full."""
        x0 = (self.w - sum(widths)) / 2

        def head() -> None:
            x = x0
            for w, text in zip(widths, header):
                self.cell(x, self.y, w, header_h, text, 9, shade=True)
                x += w
            self.y -= header_h

        if (
            fresh
            or self.page == 0
            or self.y - header_h - row_h < self.margin + footer_h
        ):
            self.new_page(subtitle)
        head()
        for i, row in enumerate(rows):
            if self.y - row_h < self.margin + (footer_h if i == len(rows) - 1 else 0):
                self.new_page(subtitle)
                head()
            x = x0
            for j, (w, text) in enumerate(zip(widths, row)):
                align = aligns[j] if j < len(aligns) else "centre"
                self.cell(x, self.y, w, row_h, text, 10, align=align, shade=i in shaded)
                x += w
            self.y -= row_h

    def signatures(self, labels: Sequence[str]) -> None:
        """A line of signature blanks under the table."""
        c, m = self.c, self.margin
        y = max(self.y - 12 * mm, m + 2 * mm)
        slot = (self.w - 2 * m) / len(labels)
        for i, label in enumerate(labels):
            x = m + i * slot
            w = fonts.draw_text(c, x, y, label + "：", fonts.SANS, 10)
            c.setLineWidth(0.5)
            c.line(x + w, y - 1.5, x + slot - 6 * mm, y - 1.5)
        self.y = y - 6 * mm

    def save(self) -> None:
        if self.page == 0:
            self.new_page()
        self.c.save()


# ---------------------------------------------------------------- sheets


def marking_sheets(event: FormEvent, out: Out, module_ids: Sequence[str] = ()) -> None:
    """Per module: rows of stations, for each aspect a column per judge; signature lines.

    Only workstation numbers appear, never names or units. Aspects too many for one page
    width continue on further pages with the same stations.
    """
    pages = _Pages(out, event, "评分表", portrait=False)
    width = pages.w - 2 * pages.margin
    for module in event.modules:
        if module_ids and module.id not in module_ids:
            continue
        station_w, min_col = 16 * mm, 13 * mm
        chunks: list[list[FormAspect]] = [[]]
        used = station_w
        for aspect in module.aspects:
            need = aspect.judges * min_col
            if chunks[-1] and used + need > width:
                chunks.append([])
                used = station_w
            chunks[-1].append(aspect)
            used += need
        for part, aspects in enumerate(chunks, start=1):
            cols = sum(a.judges for a in aspects)
            col = min((width - station_w) / max(cols, 1), 30 * mm)
            subtitle = f"模块 {module.id} {module.name}"
            if len(chunks) > 1:
                subtitle += f"（{part}/{len(chunks)}）"
            pages.new_page(subtitle)
            x0 = (pages.w - station_w - col * cols) / 2
            top = pages.y
            pages.cell(x0, top, station_w, 22 * mm, "工位号", 10, shade=True)
            x = x0 + station_w
            for a in aspects:
                label = f"{a.id} {KINDS.get(a.kind, a.kind)} 满分{a.max}\n{_clip(a.text, 40)}"
                pages.cell(x, top, col * a.judges, 14 * mm, label, 8, shade=True)
                for j in range(a.judges):
                    judge = f"裁判{j + 1}" if a.judges > 1 else "得分"
                    pages.cell(
                        x + j * col, top - 14 * mm, col, 8 * mm, judge, 8, shade=True
                    )
                x += col * a.judges
            pages.y = top - 22 * mm
            row_h = 8 * mm
            for station in event.stations:
                if pages.y - row_h < pages.margin + 20 * mm:
                    pages.signatures(["裁判员签名", "裁判长签名", "日期"])
                    pages.new_page(subtitle + "（续）")
                pages.cell(x0, pages.y, station_w, row_h, station, 11)
                for k in range(cols):
                    pages.cell(x0 + station_w + k * col, pages.y, col, row_h, "")
                pages.y -= row_h
            pages.signatures(["裁判员签名", "裁判长签名", "日期"])
    pages.save()


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def summary_sheets(event: FormEvent, out: Out, stations: Sequence[str] = (),
                   chain_head: str = "") -> None:
    """One page per station: every aspect with each judge's mark, the aspect mark, totals.

    ``chain_head``: the audit chain's head when printed, in the subtitle of every page."""
    pages = _Pages(out, event, "工位成绩汇总表", portrait=True)
    most = max((a.judges for m in event.modules for a in m.aspects), default=1)
    width = pages.w - 2 * pages.margin
    text_w = width - 16 * mm - 28 * mm - (most + 1) * 13 * mm
    widths = [16 * mm, text_w, 14 * mm, 14 * mm, *[13 * mm] * most, 13 * mm]
    header = [
        "评分项",
        "内容",
        "类型",
        "满分",
        *[f"裁判{j + 1}" for j in range(most)],
        "得分",
    ]
    for station in stations or event.stations:
        rows: list[list[str]] = []
        shaded: set[int] = set()
        for module in event.modules:
            shaded.add(len(rows))
            rows.append([module.id, module.name, "", "", *[""] * most, ""])
            for a in module.aspects:
                blanks = ["" if j < a.judges else "—" for j in range(most)]
                rows.append(
                    [
                        a.id,
                        _clip(a.text, 30),
                        KINDS.get(a.kind, a.kind),
                        a.max,
                        *blanks,
                        "",
                    ]
                )
        rows += [
            ["实操", "实操成绩（M+J+P−D）", "", "", *[""] * most, ""],
            ["理论", "理论成绩", "", "", *[""] * most, ""],
            ["用时", "用时（时:分:秒）", "", "", *[""] * most, ""],
        ]
        pages.table(
            widths,
            header,
            rows,
            7 * mm,
            subtitle=f"工位号 {station}" + (f"　审计链头 {chain_head}" if chain_head else ""),
            footer_h=20 * mm,
            aligns=["centre", "left"],
            fresh=True,
            shaded=frozenset(shaded),
        )
        pages.signatures(["记分员", "复核员", "裁判长"])
    pages.save()


def draw_sheet(
    event: FormEvent,
    rows: Sequence[PersonRow],
    out: Out,
    *,
    seed: str = "",
    witness: str = "",
) -> None:
    """The draw record: each competitor with candidate and workstation number (or blanks)."""
    pages = _Pages(out, event, "抽签记录表", portrait=True)
    width = pages.w - 2 * pages.margin
    widths = [12 * mm, 26 * mm, 0.0, 28 * mm, 18 * mm, 26 * mm]
    widths[2] = width - sum(widths)
    header = ["序号", "姓名", "单位", "参赛编号", "工位号", "本人签字"]
    body = [
        [str(i), r.name, r.unit, r.candidate, r.station, ""]
        for i, r in enumerate(rows, 1)
    ]
    note = "  ".join(
        x
        for x in (
            f"随机种子 {seed}" if seed else "",
            f"见证人 {witness}" if witness else "",
        )
        if x
    )
    pages.table(
        widths,
        header,
        body,
        9 * mm,
        subtitle=note or "第一次抽签：参赛编号；第二次抽签：工位号",
        footer_h=20 * mm,
        aligns=["centre", "centre", "left"],
    )
    pages.signatures(["抽签监督", "加密裁判", "日期"])
    pages.save()


def checkin_list(
    event: FormEvent, rows: Sequence[PersonRow], out: Out, late_limit_min: int = 15
) -> None:
    """The check-in list: identity shown to the check-in desk, with time and signature blanks."""
    pages = _Pages(out, event, "检录签到表", portrait=True)
    width = pages.w - 2 * pages.margin
    widths = [11 * mm, 24 * mm, 0.0, 38 * mm, 18 * mm, 22 * mm, 16 * mm]
    widths[2] = width - sum(widths)
    header = ["序号", "姓名", "单位", "身份证号", "检录时间", "本人签字", "备注"]
    body = [
        [str(i), r.name, r.unit, r.id_masked, "", "", r.extra.get("note", "")]
        for i, r in enumerate(rows, 1)
    ]
    pages.table(
        widths,
        header,
        body,
        9 * mm,
        subtitle=f"开赛后 {late_limit_min} 分钟未检录者按缺考处理",
        footer_h=20 * mm,
        aligns=["centre", "centre", "left"],
    )
    pages.signatures(["检录员", "监督员", "日期"])
    pages.save()


def results_list(
    event: FormEvent,
    results: Mapping[str, Any],
    out: Out,
    sha256: str,
    sha_label: str = "成绩文件 SHA-256：",
    chain_head: str = "",
) -> None:
    """The results for public posting (公示), rows as in the results JSON of docs/formats.md.

    Before decryption (names null): by workstation, numbers only. After: by place with names.
    The SHA-256 of the exported results file is printed under the table, after ``sha_label``
    (another label when the digest is of something else, e.g. the published snapshot).
    """
    rows: list[Mapping[str, Any]] = list(results.get("rows", []))
    decrypted = bool(results.get("decrypted")) and any(r.get("name") for r in rows)
    scale = any(r.get("scale") is not None for r in rows)
    pages = _Pages(out, event, "成绩公示", portrait=False)
    snapshot = results.get("snapshot")
    stage = "按名次" if decrypted else "解密前，按工位号"
    subtitle = f"第 {snapshot} 次公示（{stage}）" if snapshot else f"（{stage}）"
    width = pages.w - 2 * pages.margin

    def num(v: Any) -> str:
        return "" if v is None else str(v)

    def used(s: Any) -> str:
        if s is None:
            return ""
        h, rem = divmod(int(s), 3600)
        return f"{h}:{rem // 60:02d}:{rem % 60:02d}"

    def place_key(r: Mapping[str, Any]) -> tuple[int, str]:
        return (
            r["place"] if r.get("place") is not None else 10**6,
            str(r.get("station")),
        )

    if decrypted:
        rows.sort(key=place_key)
        header = [
            "名次",
            "姓名",
            "单位",
            "参赛编号",
            "理论",
            "实操",
            "总成绩",
            "用时",
            "奖项",
            "称号 / 等级",
            "备注",
        ]
        fixed = [
            14 * mm,
            24 * mm,
            0,
            26 * mm,
            16 * mm,
            16 * mm,
            18 * mm,
            18 * mm,
            18 * mm,
            40 * mm,
            18 * mm,
        ]
        body = [
            [
                num(r.get("place")),
                num(r.get("name")),
                num(r.get("unit")),
                num(r.get("candidate")),
                num(r.get("theory")),
                num(r.get("practical")),
                num(r.get("total")),
                used(r.get("time_used_s")),
                num(r.get("award")),
                " ".join(x for x in (r.get("title"), r.get("grade")) if x),
                STATUS.get(str(r.get("status")), str(r.get("status"))),
            ]
            for r in rows
        ]
        aligns = ["centre", "centre", "left"]
    else:
        rows.sort(key=lambda r: str(r.get("station")))
        header = [
            "工位号",
            "参赛编号",
            "理论",
            "实操",
            "总成绩",
            "用时",
            "名次",
            "奖项",
            "备注",
        ]
        fixed = [
            20 * mm,
            30 * mm,
            22 * mm,
            22 * mm,
            24 * mm,
            24 * mm,
            18 * mm,
            22 * mm,
            0,
        ]
        body = [
            [
                num(r.get("station")),
                num(r.get("candidate")),
                num(r.get("theory")),
                num(r.get("practical")),
                num(r.get("total")),
                used(r.get("time_used_s")),
                num(r.get("place")),
                num(r.get("award")),
                STATUS.get(str(r.get("status")), str(r.get("status"))),
            ]
            for r in rows
        ]
        aligns = []
    if scale:
        header.insert(-1, "标准分")
        fixed.insert(-1, 16 * mm)
        for r, line in zip(rows, body):
            line.insert(-1, num(r.get("scale")))
    flex = fixed.index(0)
    fixed[flex] = width - sum(fixed)
    pages.table(
        fixed, header, body, 8 * mm, subtitle=subtitle, footer_h=30 * mm, aligns=aligns
    )
    c = pages.c
    y = max(pages.y - 7 * mm, pages.margin + 16 * mm)
    label_w = fonts.draw_text(c, pages.margin, y, sha_label, fonts.SANS, 9)
    c.setFont("Courier", 8.5)
    c.drawString(pages.margin + max(30 * mm, label_w + 2 * mm), y, sha256)
    if chain_head:  # the audit chain's head: headquarters and anyone can compare it later
        y -= 5 * mm
        label_w = fonts.draw_text(c, pages.margin, y, "审计链头：", fonts.SANS, 9)
        c.setFont("Courier", 8.5)
        c.drawString(pages.margin + max(30 * mm, label_w + 2 * mm), y, chain_head)
    fonts.draw_text(
        c,
        pages.margin,
        y - 5 * mm,
        "公示期内如有异议，请于规定时间内向监督仲裁组书面提出。",
        fonts.SANS,
        9,
    )
    pages.y = y - 4 * mm
    pages.signatures(["裁判长", "监督仲裁", "公示日期"])
    pages.save()
