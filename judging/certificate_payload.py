"""The signed certificate payload carried in the QR code: byte layout, text form, short code."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import replace
from typing import NamedTuple

from judging.certificate import CertificateData
from judging.errors import InputError, VerificationFailed

# The byte layout is documented in docs/certificate-format.md; keep the two in step.
FORMAT = 0xC1  # never a valid first byte of UTF-8 text, so a payload is never mistaken for JSON
KEY_ID_LEN = 8
SIGNATURE_LEN = 64
EPOCH = dt.date(2000, 1, 1)
FLAG_DUPLICATE = 0x01
NO_ID = 0xFFFF
TEXT_UTF16 = 0x80
TEXT_MAX = 0x7F
DEFAULT_VERIFY_URL = "HTTPS://VERIFY.EXAMPLE.GOV.CN/C#"
MAX_QR_VERSION = 13

# The text fields in their order in the payload; optional ones decode "" as None.
TEXT_FIELDS = (
    "serial",
    "name",
    "unit",
    "competition",
    "event",
    "group",
    "award",
    "title",
    "grade",
    "organiser",
)
OPTIONAL_FIELDS = frozenset({"award", "title", "grade"})
FIXED_LEN = 1 + KEY_ID_LEN + 1 + 2 + 1 + 4
MIN_LEN = FIXED_LEN + len(TEXT_FIELDS) + SIGNATURE_LEN

# Decimal digits per block of k bytes (k = 1..7): the digits of 256**k - 1.
BLOCK = 7
DIGITS = {k: len(str(256**k - 1)) for k in range(1, BLOCK + 1)}
BYTES_FOR_DIGITS = {d: k for k, d in DIGITS.items()}

# QR data codewords at error correction level M, versions 1..13 (ISO/IEC 18004 table 7).
_QR_M_DATA = (16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334)
_ID_RE = re.compile(r"^(\d{4})\*{10}(\d{3})([\dX])$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


class Unpacked(NamedTuple):
    """What a QR text holds: the fields, the key id, the signature and the exact signed bytes."""

    fields: CertificateData
    key_id: bytes
    signature: bytes
    signed: bytes


# ---------------------------------------------------------------- bytes


def _text_bytes(field: str, value: str) -> bytes:
    try:
        utf8 = value.encode("utf-8")
        utf16 = value.encode("utf-16-be")
    except UnicodeEncodeError as exc:
        raise InputError(f"invalid character in {field!r}", field=field) from exc
    header, data = (TEXT_UTF16, utf16) if len(utf16) < len(utf8) else (0, utf8)
    if len(data) > TEXT_MAX:
        raise InputError(
            f"{field} too long for the certificate QR code: {value!r} "
            f"({len(data)} bytes encoded, at most {TEXT_MAX})",
            field=field,
        )
    return bytes([header | len(data)]) + data


def _id_bytes(id_masked: str) -> bytes:
    if not id_masked:
        return NO_ID.to_bytes(2, "big") * 2
    m = _ID_RE.match(id_masked)
    if not m:
        raise InputError(
            f"masked ID number must be 4 digits, 10 '*', 4 characters: {id_masked!r}",
            field="id_masked",
        )
    last = int(m.group(2)) * 11 + (10 if m.group(3) == "X" else int(m.group(3)))
    return int(m.group(1)).to_bytes(2, "big") + last.to_bytes(2, "big")


def _date_bytes(date: str) -> bytes:
    try:
        days = (dt.date.fromisoformat(date) - EPOCH).days
    except ValueError as exc:
        raise InputError(f"date must be an ISO date: {date!r}", field="date") from exc
    if not 0 <= days <= 0xFFFF:
        raise InputError(f"date out of range: {date!r}", field="date")
    return days.to_bytes(2, "big")


def encode(fields: CertificateData, key_id: bytes) -> bytes:
    """The exact bytes the contest key signs: everything in the payload but the signature.

    Raises InputError (naming the field) for a value the layout cannot hold.
    """
    if len(key_id) != KEY_ID_LEN:
        raise ValueError(f"key id must be {KEY_ID_LEN} bytes")
    place = fields.place or 0
    if not 0 <= place <= 255:
        raise InputError(f"place out of range: {place}", field="place")
    out = bytearray([FORMAT])
    out += key_id
    out.append(FLAG_DUPLICATE if fields.duplicate else 0)
    out += _date_bytes(fields.date)
    out.append(place)
    out += _id_bytes(fields.id_masked)
    for name in TEXT_FIELDS:
        value = getattr(fields, name)
        out += _text_bytes(name, value or "")
    return bytes(out)


# ---------------------------------------------------------------- digits


def bytes_to_digits(data: bytes) -> str:
    """Decimal text of bytes: each 7-byte block as 17 digits, a last k-byte block as DIGITS[k]."""
    parts = []
    for i in range(0, len(data), BLOCK):
        block = data[i : i + BLOCK]
        parts.append(str(int.from_bytes(block, "big")).zfill(DIGITS[len(block)]))
    return "".join(parts)


def digits_to_bytes(text: str) -> bytes:
    """Inverse of bytes_to_digits; VerificationFailed on anything it could not have produced."""
    if not text.isascii() or not text.isdigit():
        raise VerificationFailed("certificate code: not a string of decimal digits")
    full, rest = divmod(len(text), DIGITS[BLOCK])
    if rest and rest not in BYTES_FOR_DIGITS:
        raise VerificationFailed(
            "certificate code: wrong number of digits (truncated?)"
        )
    out = bytearray()
    for i in range(full + (1 if rest else 0)):
        chunk = text[i * DIGITS[BLOCK] : (i + 1) * DIGITS[BLOCK]]
        k = BYTES_FOR_DIGITS[len(chunk)]
        value = int(chunk)
        if value >= 256**k:
            raise VerificationFailed("certificate code: digit block out of range")
        out += value.to_bytes(k, "big")
    return bytes(out)


# ---------------------------------------------------------------- QR text


def pack(
    fields: CertificateData,
    key_id: bytes,
    signature: bytes,
    verify_url: str = DEFAULT_VERIFY_URL,
) -> str:
    """The QR text: the verification address, then the signed payload as digits after '#'.

    Raises InputError when the result would not fit a QR code of version 13 at level M.
    """
    if len(signature) != SIGNATURE_LEN:
        raise ValueError(f"signature must be {SIGNATURE_LEN} bytes")
    prefix = verify_url if verify_url.endswith("#") else verify_url + "#"
    if "#" in prefix[:-1]:
        raise InputError(
            "the verification address may not contain '#'", field="verify_url"
        )
    text = prefix + bytes_to_digits(encode(fields, key_id) + signature)
    version = qr_version(text)
    if version > MAX_QR_VERSION:
        raise InputError(
            f"certificate {fields.serial}: the printed fields are too long for the QR code "
            f"(needs version {version}, at most {MAX_QR_VERSION}); shorten the longest of "
            f"unit, competition, organiser or name"
        )
    return text


def unpack(qr_text: str) -> Unpacked:
    """Read a QR text (the full address, or only what follows '#'); never checks the signature.

    Raises VerificationFailed on any malformed input.
    """
    text = qr_text.strip()
    digits = text.rsplit("#", 1)[-1]
    data = digits_to_bytes(digits)
    if len(data) < MIN_LEN:
        raise VerificationFailed("certificate code: too short")
    signed, signature = data[:-SIGNATURE_LEN], data[-SIGNATURE_LEN:]
    if signed[0] != FORMAT:
        raise VerificationFailed(f"certificate code: unknown format 0x{signed[0]:02X}")
    key_id = signed[1 : 1 + KEY_ID_LEN]
    pos = 1 + KEY_ID_LEN
    flags = signed[pos]
    if flags & ~FLAG_DUPLICATE:
        raise VerificationFailed("certificate code: reserved flag bits set")
    days = int.from_bytes(signed[pos + 1 : pos + 3], "big")
    place = signed[pos + 3]
    first = int.from_bytes(signed[pos + 4 : pos + 6], "big")
    last = int.from_bytes(signed[pos + 6 : pos + 8], "big")
    pos = FIXED_LEN
    if (first, last) == (NO_ID, NO_ID):
        id_masked = ""
    elif first <= 9999 and last <= 999 * 11 + 10:
        check = "X" if last % 11 == 10 else str(last % 11)
        id_masked = f"{first:04d}" + "*" * 10 + f"{last // 11:03d}" + check
    else:
        raise VerificationFailed("certificate code: bad ID number field")
    texts: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        if pos >= len(signed):
            raise VerificationFailed("certificate code: truncated")
        header = signed[pos]
        size = header & TEXT_MAX
        raw = signed[pos + 1 : pos + 1 + size]
        if len(raw) != size:
            raise VerificationFailed("certificate code: truncated")
        try:
            value = raw.decode("utf-16-be" if header & TEXT_UTF16 else "utf-8")
        except UnicodeDecodeError as exc:
            raise VerificationFailed(f"certificate code: bad text in {name}") from exc
        texts[name] = value if value or name not in OPTIONAL_FIELDS else None
        pos += 1 + size
    if pos != len(signed):
        raise VerificationFailed("certificate code: trailing bytes")
    fields = CertificateData(
        serial=texts["serial"] or "",
        name=texts["name"] or "",
        id_masked=id_masked,
        unit=texts["unit"] or "",
        competition=texts["competition"] or "",
        event=texts["event"] or "",
        group=texts["group"] or "",
        award=texts["award"],
        title=texts["title"],
        grade=texts["grade"],
        date=(EPOCH + dt.timedelta(days=days)).isoformat(),
        organiser=texts["organiser"] or "",
        place=place or None,
        duplicate=bool(flags & FLAG_DUPLICATE),
    )
    try:
        canonical = encode(fields, key_id)
    except InputError as exc:
        raise VerificationFailed(f"certificate code: {exc}") from exc
    if canonical != signed:
        raise VerificationFailed("certificate code: not in canonical form")
    fields = replace(fields, qr_text=text, short_code=short_code(signature))
    return Unpacked(fields, key_id, signature, signed)


# ---------------------------------------------------------------- short code


def short_code(signature: bytes) -> str:
    """Ten Crockford base32 symbols (50 bits of SHA-256 of the signature), as XXXXX-XXXXX."""
    value = int.from_bytes(hashlib.sha256(signature).digest()[:7], "big") >> 6
    symbols = "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(9, -1, -1))
    return f"{symbols[:5]}-{symbols[5:]}"


def normalize_short_code(typed: str) -> str:
    """A typed short code in printed form: case, spaces and hyphens ignored; O→0, I/L→1."""
    table = str.maketrans({"O": "0", "I": "1", "L": "1"})
    clean = re.sub(r"[\s\-]", "", typed.upper()).translate(table)
    if len(clean) != 10 or any(c not in _CROCKFORD for c in clean):
        raise InputError(f"a short code is 10 characters of 0-9 and A-Z: {typed!r}")
    return f"{clean[:5]}-{clean[5:]}"


# ---------------------------------------------------------------- QR size


def qr_bits(text: str) -> int:
    """Data bits of the QR text as printing/qr.py encodes it at worst (versions 10–26).

    An address of upper-case letters, digits and ``$%*+-./:`` is one alphanumeric segment
    and '#' one byte segment; any other address is one byte segment; the digits are one
    numeric segment. printing/qr.py segments optimally, so never needs more.
    """
    head = text.rstrip("0123456789")
    digits = len(text) - len(head)
    bits = 0
    address = head.removesuffix("#")
    if address and all(ch in _ALNUM for ch in address):
        bits += 4 + 11 + 11 * (len(address) // 2) + 6 * (len(address) % 2)
        if head.endswith("#"):
            bits += 4 + 16 + 8
    elif head:
        bits += 4 + 16 + 8 * len(head.encode("utf-8"))
    if digits:
        bits += 4 + 12 + 10 * (digits // 3) + (0, 4, 7)[digits % 3]
    return bits


def qr_version(text: str) -> int:
    """The smallest QR version (level M) that holds the text by qr_bits, or 14 for "too big"."""
    bits = qr_bits(text)
    for version, codewords in enumerate(_QR_M_DATA, start=1):
        if bits <= codewords * 8:
            return version
    return MAX_QR_VERSION + 1
