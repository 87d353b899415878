"""A fast QR code encoder (ISO/IEC 18004) and its drawing as merged vector rectangles."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol

from qrcode.base import rs_blocks
from qrcode.util import pattern_position

# Why our own encoder: qrcode and reportlab's QrCodeWidget build the matrix bit by bit and try
# all eight masks by re-building it eight times; a certificate batch spends most of its time
# there. Here everything that depends only on the version (function patterns, the zigzag
# order, the eight mask patterns) is computed once and cached, rows are Python ints, the
# Reed-Solomon remainder is table-driven, and the mask penalty works on whole rows at once.
# The tables of block sizes and alignment positions come from the qrcode package.

EC_LEVELS = {
    "L": 1,
    "M": 0,
    "Q": 3,
    "H": 2,
}  # format-information bits, also qrcode's constants
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALNUM_INDEX = {ch: i for i, ch in enumerate(ALNUM)}
NUMERIC, ALPHANUMERIC, BYTE = 1, 2, 4  # mode indicators
_COUNT_BITS = {NUMERIC: (10, 12, 14), ALPHANUMERIC: (9, 11, 13), BYTE: (8, 16, 16)}
_MODES = (NUMERIC, ALPHANUMERIC, BYTE)


@dataclass(frozen=True)
class QrCode:
    """A QR symbol: ``rows[r]`` has bit ``size - 1 - c`` set where module (r, c) is dark."""

    version: int
    mask: int
    size: int
    rows: tuple[int, ...]

    def is_dark(self, row: int, col: int) -> bool:
        """Whether the module at row, column (from the top left) is dark."""
        return bool(self.rows[row] >> (self.size - 1 - col) & 1)


# ---------------------------------------------------------------- segments


def _version_class(version: int) -> int:
    return 0 if version <= 9 else 1 if version <= 26 else 2


_RUNS = re.compile(r"[0-9]+|[A-Z $%*+\-./:]+|[^0-9A-Z $%*+\-./:]+")


def segment(text: str, vclass: int = 1) -> list[tuple[int, str]]:
    """Split text into (mode, chars) segments with the fewest bits.

    A dynamic programme over runs of one character class (digits; other alphanumeric-mode
    characters; the rest), switching modes only between runs: Nayuki's optimal segmentation,
    run by run instead of character by character.
    """
    runs = [m.group() for m in _RUNS.finditer(text)]
    if not runs:
        return []
    head = {m: (4 + _COUNT_BITS[m][vclass]) * 6 for m in _MODES}
    inf = 1 << 60
    prev = dict(head)
    choices: list[dict[int, int]] = []
    for run in runs:
        first = run[0]
        n = len(run)
        stay = {
            NUMERIC: prev[NUMERIC] + 20 * n if first.isdigit() else inf,
            ALPHANUMERIC: prev[ALPHANUMERIC] + 33 * n if first in _ALNUM_INDEX else inf,
            BYTE: prev[BYTE] + 48 * len(run.encode("utf-8")),
        }
        cur = dict(stay)
        came = {m: m for m in _MODES}  # the mode this run is encoded in
        for to in _MODES:
            for frm in _MODES:
                if frm == to or stay[frm] >= inf:
                    continue
                cost = (stay[frm] + 5) // 6 * 6 + head[to]
                if cost < cur[to]:
                    cur[to], came[to] = cost, frm
        choices.append(came)
        prev = cur
    mode = min(_MODES, key=lambda m: prev[m])
    modes: list[int] = []
    for came in reversed(choices):
        mode = came[mode]
        modes.append(mode)
    modes.reverse()
    segments: list[tuple[int, str]] = []
    for run, m in zip(runs, modes):
        if segments and segments[-1][0] == m:
            segments[-1] = (m, segments[-1][1] + run)
        else:
            segments.append((m, run))
    return segments


def _segment_bits(segments: list[tuple[int, str]], version: int) -> int | None:
    vclass = _version_class(version)
    bits = 0
    for mode, chars in segments:
        n = len(chars.encode("utf-8")) if mode == BYTE else len(chars)
        if n >= 1 << _COUNT_BITS[mode][vclass]:
            return None
        bits += 4 + _COUNT_BITS[mode][vclass]
        if mode == NUMERIC:
            bits += 10 * (n // 3) + (0, 4, 7)[n % 3]
        elif mode == ALPHANUMERIC:
            bits += 11 * (n // 2) + 6 * (n % 2)
        else:
            bits += 8 * n
    return bits


@cache
def _blocks(version: int, ec: int) -> tuple[tuple[int, int], ...]:
    return tuple((b.total_count, b.data_count) for b in rs_blocks(version, ec))


def data_capacity_bits(version: int, level: str = "M") -> int:
    """Data bits a symbol of this version and level holds."""
    return 8 * sum(d for _, d in _blocks(version, EC_LEVELS[level]))


def choose_version(text: str, level: str = "M") -> tuple[int, list[tuple[int, str]]]:
    """The smallest version that holds the text, with its segments; ValueError if none."""
    for vclass, (lo, hi) in enumerate(((1, 9), (10, 26), (27, 40))):
        segments = segment(text, vclass)
        for version in range(lo, hi + 1):
            bits = _segment_bits(segments, version)
            if bits is not None and bits <= data_capacity_bits(version, level):
                return version, segments
    raise ValueError("text too long for a QR code")


# ---------------------------------------------------------------- codewords

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@cache
def _rs_table(degree: int) -> tuple[int, ...]:
    """For each factor, factor × generator (without its leading 1) as one big-endian int."""
    gen = [1]
    for i in range(degree):
        nxt = [0] * (len(gen) + 1)
        for j, g in enumerate(gen):
            nxt[j] ^= g
            nxt[j + 1] ^= _gf_mul(g, _EXP[i])
        gen = nxt
    return tuple(
        int.from_bytes(bytes(_gf_mul(f, g) for g in gen[1:]), "big") for f in range(256)
    )


def _rs_remainder(data: bytes, degree: int) -> bytes:
    table = _rs_table(degree)
    top = 8 * (degree - 1)
    full = (1 << (8 * degree)) - 1
    rem = 0
    for byte in data:
        factor = (rem >> top) ^ byte
        rem = ((rem << 8) & full) ^ table[factor]
    return rem.to_bytes(degree, "big")


def _codewords(segments: list[tuple[int, str]], version: int, ec: int) -> bytes:
    vclass = _version_class(version)
    acc, nbits = 0, 0

    def put(value: int, width: int) -> None:
        nonlocal acc, nbits
        acc = (acc << width) | value
        nbits += width

    for mode, chars in segments:
        put(mode, 4)
        if mode == NUMERIC:
            put(len(chars), _COUNT_BITS[mode][vclass])
            for i in range(0, len(chars), 3):
                part = chars[i : i + 3]
                put(int(part), (0, 4, 7, 10)[len(part)])
        elif mode == ALPHANUMERIC:
            put(len(chars), _COUNT_BITS[mode][vclass])
            for i in range(0, len(chars), 2):
                part = chars[i : i + 2]
                if len(part) == 2:
                    put(_ALNUM_INDEX[part[0]] * 45 + _ALNUM_INDEX[part[1]], 11)
                else:
                    put(_ALNUM_INDEX[part], 6)
        else:
            raw = chars.encode("utf-8")
            put(len(raw), _COUNT_BITS[mode][vclass])
            put(int.from_bytes(raw, "big"), 8 * len(raw))
    blocks = _blocks(version, ec)
    capacity = 8 * sum(d for _, d in blocks)
    put(0, min(4, capacity - nbits))
    put(0, -nbits % 8)
    data = bytearray(acc.to_bytes(nbits // 8, "big"))
    pad = (0xEC, 0x11)
    while len(data) < capacity // 8:
        data.append(pad[(len(data) - nbits // 8) % 2])
    chunks: list[bytes] = []
    ecc: list[bytes] = []
    pos = 0
    for total, count in blocks:
        chunk = bytes(data[pos : pos + count])
        pos += count
        chunks.append(chunk)
        ecc.append(_rs_remainder(chunk, total - count))
    out = bytearray()
    for i in range(max(len(c) for c in chunks)):
        out.extend(c[i] for c in chunks if i < len(c))
    for i in range(len(ecc[0])):
        out.extend(e[i] for e in ecc)
    return bytes(out)


# ---------------------------------------------------------------- matrix


@dataclass(frozen=True)
class _Layout:
    size: int
    base: tuple[int, ...]  # function patterns (without format information)
    order: tuple[tuple[int, int], ...]  # data modules in placement order: (row, bit)
    masks: tuple[tuple[int, ...], ...]  # per mask, per row: data modules the mask flips


_MASK_FUNCS: tuple[Callable[[int, int], bool], ...] = (
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
)


@lru_cache(maxsize=8)
def _layout(version: int) -> _Layout:
    n = 17 + 4 * version
    dark = [[False] * n for _ in range(n)]
    func = [[False] * n for _ in range(n)]

    def put(r: int, c: int, value: bool) -> None:
        dark[r][c] = value
        func[r][c] = True

    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
        for dr in range(-1, 8):
            for dc in range(-1, 8):
                r, c = r0 + dr, c0 + dc
                if 0 <= r < n and 0 <= c < n:
                    ring = max(abs(dr - 3), abs(dc - 3))
                    put(r, c, ring not in (2, 4))
    for i in range(8, n - 8):
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    positions = pattern_position(version)
    corners = (
        {(positions[0], positions[-1]), (positions[-1], positions[0])}
        if positions
        else set()
    )
    corners |= {(positions[0], positions[0])} if positions else set()
    for r0 in positions:
        for c0 in positions:
            if (r0, c0) in corners:
                continue
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    put(r0 + dr, c0 + dc, max(abs(dr), abs(dc)) != 1)
    for i in range(9):  # format information, filled in per mask
        func[8][i] = func[i][8] = True
    for i in range(8):
        func[8][n - 1 - i] = func[n - 1 - i][8] = True
    put(n - 8, 8, True)
    if version >= 7:
        rem = version
        for _ in range(12):
            rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
        bits = version << 12 | rem
        for i in range(18):
            bit = bool(bits >> i & 1)
            a, b = n - 11 + i % 3, i // 3
            put(b, a, bit)
            put(a, b, bit)
    order: list[tuple[int, int]] = []
    right = n - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for vert in range(n):
            r = n - 1 - vert if upward else vert
            for c in (right, right - 1):
                if not func[r][c]:
                    order.append((r, 1 << (n - 1 - c)))
        right -= 2
    base = tuple(
        sum(1 << (n - 1 - c) for c in range(n) if dark[r][c]) for r in range(n)
    )
    masks = tuple(
        tuple(
            sum(1 << (n - 1 - c) for c in range(n) if not func[r][c] and fn(r, c))
            for r in range(n)
        )
        for fn in _MASK_FUNCS
    )
    return _Layout(n, base, tuple(order), masks)


@lru_cache(maxsize=64)
def _format_rows(version: int, ec: int, mask: int) -> tuple[int, ...]:
    n = 17 + 4 * version
    data = ec << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    bits = (data << 10 | rem) ^ 0x5412
    rows = [0] * n
    cells: list[tuple[int, int, int]] = []
    cells += [(i, 8, i) for i in range(6)] + [(7, 8, 6), (8, 8, 7), (8, 7, 8)]
    cells += [(8, 14 - i, i) for i in range(9, 15)]
    cells += [(8, n - 1 - i, i) for i in range(8)]
    cells += [(n - 15 + i, 8, i) for i in range(8, 15)]
    for r, c, i in cells:
        if bits >> i & 1:
            rows[r] |= 1 << (n - 1 - c)
    return tuple(rows)


_RUN5_LIGHT = re.compile("00000+")
_RUN5_DARK = re.compile("11111+")


def penalty(rows: tuple[int, ...] | list[int], size: int) -> int:
    """The mask-selection penalty of ISO/IEC 18004 §7.8.3 (N1..N4), light border assumed."""
    full = (1 << size) - 1
    strings = [format(r, f"0{size}b") for r in rows]
    lines = strings + ["".join(col) for col in zip(*strings)]
    joined = "|".join(lines)
    runs = _RUN5_LIGHT.findall(joined) + _RUN5_DARK.findall(joined)
    score = len("".join(runs)) - 2 * len(runs)
    padded = "0000" + "0000|0000".join(lines) + "0000"
    score += 40 * (padded.count("10111010000") + padded.count("00001011101"))
    inner = full >> 1
    for a, b in itertools.pairwise(rows):
        same = ~(a ^ b) & full
        score += 3 * (same & (same >> 1) & ~(a ^ (a >> 1)) & inner).bit_count()
    dark = sum(r.bit_count() for r in rows)
    score += 10 * (abs(dark * 20 - size * size * 10) // (size * size))
    return score


def qr_code(text: str, level: str = "M", mask: int | None = None) -> QrCode:
    """Encode text (segmented for fewest bits) at the given level; the mask by least penalty."""
    ec = EC_LEVELS[level]
    version, segments = choose_version(text, level)
    layout = _layout(version)
    data = _codewords(segments, version, ec)
    rows = list(layout.base)
    bits = format(int.from_bytes(data, "big"), f"0{8 * len(data)}b")
    for (r, bit), b in zip(layout.order, bits):
        if b == "1":
            rows[r] |= bit
    best: tuple[int, int, tuple[int, ...]] | None = None
    for m in range(8) if mask is None else (mask,):
        fmt = _format_rows(version, ec, m)
        candidate = tuple(
            row ^ flip | f for row, flip, f in zip(rows, layout.masks[m], fmt)
        )
        score = penalty(candidate, layout.size) if mask is None else 0
        if best is None or score < best[0]:
            best = (score, m, candidate)
    assert best is not None
    return QrCode(version, best[1], layout.size, best[2])


# ---------------------------------------------------------------- drawing


def rectangles(code: QrCode) -> list[tuple[int, int, int, int]]:
    """Dark modules as (col, row, width, height) rectangles: row runs merged down the rows."""
    n = code.size
    open_runs: dict[tuple[int, int], int] = {}  # (col, width) -> starting row
    out: list[tuple[int, int, int, int]] = []
    for r in range(n + 1):
        runs: set[tuple[int, int]] = set()
        if r < n:
            line = format(code.rows[r], f"0{n}b")
            for m in re.finditer("1+", line):
                runs.add((m.start(), m.end() - m.start()))
        for key in list(open_runs):
            if key not in runs:
                start = open_runs.pop(key)
                out.append((key[0], start, key[1], r - start))
        for key in runs:
            open_runs.setdefault(key, r)
    return out


def pdf_path(code: QrCode) -> str:
    """PDF content operators filling the dark modules, one module = 1 unit, origin bottom left."""
    n = code.size
    parts = [f"{c} {n - r - h} {w} {h} re" for c, r, w, h in rectangles(code)]
    return "\n".join(parts) + "\nf"


class _Canvas(Protocol):
    def saveState(self) -> None: ...
    def restoreState(self) -> None: ...
    def translate(self, dx: float, dy: float) -> None: ...
    def scale(self, x: float, y: float) -> None: ...
    def setFillColorRGB(self, r: float, g: float, b: float) -> None: ...
    def addLiteral(self, s: str, escaped: int = 1) -> None: ...


def draw_qr(canvas: _Canvas, code: QrCode, x: float, y: float, size: float) -> None:
    """Draw the symbol (without quiet zone) with its lower left at x, y, ``size`` points wide."""
    canvas.saveState()
    canvas.translate(x, y)
    unit = size / code.size
    canvas.scale(unit, unit)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(pdf_path(code))
    canvas.restoreState()


def qr_png(text: str, scale: int = 8, border: int = 4, level: str = "M") -> bytes:
    """A PNG of the QR code for the screen: ``scale`` pixels a module, ``border`` modules white."""
    from PIL import Image

    code = qr_code(text, level)
    n = code.size + 2 * border
    pixels = bytearray(b"\xff" * (n * n))
    for r, row in enumerate(code.rows):
        line = format(row, f"0{code.size}b")
        start = (r + border) * n + border
        pixels[start : start + code.size] = (
            line.replace("1", "\x00").replace("0", "\xff").encode("latin-1")
        )
    image = Image.frombytes("L", (n, n), bytes(pixels)).resize(
        (n * scale, n * scale), Image.Resampling.NEAREST
    )
    buf = io.BytesIO()
    image.convert("1").save(buf, format="PNG", optimize=True)
    return buf.getvalue()
