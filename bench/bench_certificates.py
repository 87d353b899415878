"""Certificates per second, ours against the naive reportlab QR widget, measured in one run."""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

from db.keys import signing
from judging.certificate import CertificateData
from printing import (
    certificates,
    fonts,
)
from printing.qr import qr_code

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜"
            "叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶"
            "黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕鹏辉宇浩凯"
         "堃玥昇喆犇淼鑫龑赟旸珺翀垚镕祎钰")
UNITS = [
    "哈尔滨东安汽车发动机制造有限公司",
    "齐齐哈尔第一机床厂",
    "大庆油田有限责任公司",
    "中国一重集团有限公司",
    "哈尔滨电机厂有限责任公司",
    "黑龙江龙煤矿业集团股份有限公司",
]
AWARDS = ["一等奖", "二等奖", "三等奖", "优胜奖"]


def make_certs(n: int) -> list[CertificateData]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        name = rng.choice(SURNAMES) + "".join(
            rng.choice(GIVEN) for _ in range(rng.randint(1, 2))
        )
        award = AWARDS[min(3, i * 4 // max(n, 1))]
        out.append(
            CertificateData(
                serial=f"HLJ-2020-GJQG-F-GJQG-{i + 1:04d}",
                name=name,
                id_masked=(f"{2301 + i % 90:04d}**********{rng.randint(0, 999):03d}"
                           f"{rng.choice('0123456789X')}"),
                unit=rng.choice(UNITS),
                competition="2020年黑龙江省职工职业技能大赛工具钳工决赛",
                event="工具钳工",
                group="职工组",
                award=award,
                title="黑龙江省技术能手" if i < 3 else None,
                grade="技师" if i < 6 else None,
                date="2020-09-25",
                organiser="黑龙江省总工会",
                place=i + 1 if i < 255 else None,
                duplicate=i % 50 == 49,
            )
        )
    return out


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(
    certs: list[CertificateData], private: bytes, samples: dict[int, float]
) -> tuple[float, int]:
    """Sign and render all; returns seconds and PDF bytes."""
    out = io.BytesIO()
    start = time.perf_counter()
    signed = [signing.sign_certificate(c, private) for c in certs]

    def progress(done: int, total: int) -> None:
        if done in (1, 100, 250, 500, 750, 1000, total):
            samples[done] = rss_mib()

    certificates.render_certificates(signed, None, out, progress=progress)
    return time.perf_counter() - start, len(out.getvalue())


class _NaiveCode:
    def __init__(self, text: str) -> None:
        self.text = text


def _naive_qr_code(text: str, level: str = "M") -> _NaiveCode:
    return _NaiveCode(text)


def _naive_draw_qr(
    canvas: object, code: _NaiveCode, x: float, y: float, size: float
) -> None:
    # The naive way: reportlab's own widget, same text, same level, same place and size.
    widget = QrCodeWidget(
        code.text, barLevel="M", barWidth=size, barHeight=size, barBorder=0
    )
    drawing = Drawing(size, size)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="certificates for our way")
    parser.add_argument(
        "--naive-n", type=int, default=100, help="certificates for the naive way"
    )
    args = parser.parse_args()
    fonts.register_fonts()
    fonts.coverage(fonts.FALLBACK)
    private, _public = signing.generate_key()
    certs = make_certs(args.n)
    warm = {}  # fonts, caches and imports warmed once for both
    run(certs[:3], private, warm)

    samples: dict[int, float] = {}
    ours, size = run(certs, private, samples)
    ours_per = ours / len(certs)

    original = (certificates.qr_code, certificates.draw_qr)
    certificates.qr_code, certificates.draw_qr = _naive_qr_code, _naive_draw_qr  # type: ignore[assignment]
    try:
        naive_certs = certs[: args.naive_n]
        naive, naive_size = run(naive_certs, private, {})
    finally:
        certificates.qr_code, certificates.draw_qr = original
    naive_per = naive / len(naive_certs)

    text = signing.sign_certificate(certs[0], private).qr_text
    t = time.perf_counter()
    for _ in range(50):
        qr_code(text)
    qr_ms = (time.perf_counter() - t) / 50 * 1000
    t = time.perf_counter()
    for _ in range(5):
        w = QrCodeWidget(text, barLevel="M")
        w.draw()
    widget_ms = (time.perf_counter() - t) / 5 * 1000
    t = time.perf_counter()
    for c in certs[:200]:
        signing.sign_certificate(c, private)
    sign_ms = (time.perf_counter() - t) / 200 * 1000

    print(
        f"ours : {len(certs)} certificates in {ours:.2f} s = {ours_per * 1000:.1f} ms each, "
        f"PDF {size / 2**20:.1f} MiB"
    )
    print(
        f"naive: {len(naive_certs)} certificates in {naive:.2f} s = "
        f"{naive_per * 1000:.1f} ms each, "
        f"PDF {naive_size / 2**20:.1f} MiB"
    )
    print(f"speed-up per certificate: {naive_per / ours_per:.1f}x")
    print(
        f"QR matrix alone: ours {qr_ms:.1f} ms, reportlab QrCodeWidget {widget_ms:.1f} ms "
        f"(version {qr_code(text).version}, {len(text)} characters)"
    )
    print(f"signing + payload per certificate: {sign_ms:.2f} ms")
    print(
        "RSS (MiB) after page: "
        + ", ".join(f"{k}: {v:.0f}" for k, v in sorted(samples.items()))
    )


if __name__ == "__main__":
    main()
