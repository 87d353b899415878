"""The certificate QR payload: layout round trip, size limit, malformed input refused."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from judging import certificate_payload as p
from judging.certificate import CertificateData
from judging.errors import InputError, VerificationFailed

KEY_ID = bytes.fromhex("0123456789abcdef")
SIG = bytes(range(64))

CERT = CertificateData(
    serial="HLJ-2020-GJQG-F-GJQG-0001",
    name="王建国",
    id_masked="2302**********378X",
    unit="哈尔滨东安汽车发动机制造有限公司",
    competition="2020年黑龙江省职工职业技能大赛工具钳工决赛",
    event="工具钳工",
    group="职工组",
    award="一等奖",
    title="黑龙江省技术能手",
    grade="技师",
    date="2020-09-25",
    organiser="黑龙江省总工会",
    place=1,
)

# The longest realistic certificate: the long unit and competition of a real provincial
# final, a long minority name, a long event, title and grade, a long serial, a duplicate.
WORST = dataclasses.replace(
    CERT,
    serial="HLJ-2020-DZSWS-KJDS-DZSWS-0999",
    name="阿卜杜热合曼·买买提明",
    unit="哈尔滨东安汽车发动机制造有限公司",
    competition="2020年黑龙江省职工职业技能大赛工具钳工决赛",
    event="电子商务师（跨境电商）",
    group="职工组",
    award="优胜奖",
    title="黑龙江省五一劳动奖章",
    grade="高级技师",
    organiser="黑龙江省总工会",
    place=255,
    duplicate=True,
)


def packed(cert: CertificateData = CERT, url: str = p.DEFAULT_VERIFY_URL) -> str:
    return p.pack(cert, KEY_ID, SIG, url)


def test_round_trip_gives_back_every_printed_field() -> None:
    text = packed()
    got = p.unpack(text)
    assert got.key_id == KEY_ID and got.signature == SIG
    assert got.signed == p.encode(CERT, KEY_ID)
    assert got.fields == dataclasses.replace(
        CERT, qr_text=text, short_code=p.short_code(SIG)
    )


def test_text_is_the_address_then_digits_only() -> None:
    text = packed(url="https://verify.hrss.example.gov.cn/c")
    prefix, digits = text.split("#")
    assert prefix == "https://verify.hrss.example.gov.cn/c"
    assert digits.isdigit()
    assert p.unpack(digits).fields.name == "王建国"  # the payload alone verifies too


def test_worst_case_fits_qr_version_13_at_level_m() -> None:
    assert p.qr_version(packed(WORST)) <= 13
    # A lower-case address costs 62 bits more: four characters less of name or unit.
    shorter = dataclasses.replace(WORST, title="黑龙江省技术能手")
    assert p.qr_version(packed(shorter, "https://verify.example.gov.cn/c#")) <= 13


def test_too_long_for_the_qr_code_is_refused_with_the_serial() -> None:
    long = dataclasses.replace(
        WORST, organiser="黑龙江省总工会 黑龙江省人力资源和社会保障厅"
    )
    with pytest.raises(InputError, match="too long for the QR code"):
        packed(long)


def test_a_field_over_127_bytes_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as err:
        p.encode(dataclasses.replace(CERT, competition="赛" * 64), KEY_ID)
    assert err.value.field == "competition"


def test_id_number_is_only_ever_masked() -> None:
    with pytest.raises(InputError):
        p.encode(dataclasses.replace(CERT, id_masked="230203198001013789"), KEY_ID)
    signed = p.encode(CERT, KEY_ID)
    assert (
        b"2302" not in signed and b"378X" not in signed
    )  # packed, never the digits as text
    assert p.unpack(packed()).fields.id_masked == "2302**********378X"
    no_id = dataclasses.replace(CERT, id_masked="")
    assert p.unpack(packed(no_id)).fields.id_masked == ""


def test_chinese_text_uses_utf16_and_ascii_utf8() -> None:
    signed = p.encode(CERT, KEY_ID)
    serial = CERT.serial.encode()
    assert bytes([len(serial)]) + serial in signed
    name = "王建国".encode("utf-16-be")
    assert bytes([0x80 | len(name)]) + name in signed


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12a4",
        "１２３",  # full-width digits
        "1" * 18,  # one digit left over after a block
        "9" * 17 * 10,  # a block out of range
    ],
)
def test_malformed_digits_are_refused(bad: str) -> None:
    with pytest.raises(VerificationFailed):
        p.unpack("HTTPS://X/C#" + bad)


def _repack(signed: bytes) -> str:
    return "#" + p.bytes_to_digits(signed + SIG)


def test_structural_damage_is_refused() -> None:
    signed = bytearray(p.encode(CERT, KEY_ID))
    cases = []
    cases.append(bytes([0xC2]) + signed[1:])  # unknown format
    flags = bytearray(signed)
    flags[9] |= 0x80
    cases.append(bytes(flags))  # reserved flag bit
    cases.append(bytes(signed) + b"\x00")  # trailing byte
    cases.append(bytes(signed[:-3]))  # truncated text
    ident = bytearray(signed)
    ident[13:15] = (10000).to_bytes(2, "big")
    cases.append(bytes(ident))  # not a 4-digit prefix
    for case in cases:
        with pytest.raises(VerificationFailed):
            p.unpack(_repack(case))


def test_non_canonical_text_encoding_is_refused() -> None:
    signed = p.encode(CERT, KEY_ID)
    name16 = "王建国".encode("utf-16-be")
    name8 = "王建国".encode()
    other = signed.replace(
        bytes([0x80 | len(name16)]) + name16, bytes([len(name8)]) + name8
    )
    assert other != signed
    with pytest.raises(VerificationFailed, match="canonical"):
        p.unpack(_repack(other))


def test_bad_utf16_is_refused() -> None:
    signed = p.encode(CERT, KEY_ID)
    name16 = "王建国".encode("utf-16-be")
    broken = signed.replace(
        bytes([0x80 | 6]) + name16, bytes([0x80 | 6]) + b"\xd8\x00" + name16[2:]
    )
    with pytest.raises(VerificationFailed):
        p.unpack(_repack(broken))


@given(st.binary(min_size=1, max_size=60))
def test_digits_round_trip_any_bytes(data: bytes) -> None:
    assert p.digits_to_bytes(p.bytes_to_digits(data)) == data


_text = st.text(
    st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF), max_size=12
)


@settings(max_examples=60, deadline=None)
@given(
    name=_text,
    unit=_text,
    award=st.one_of(st.none(), _text),
    place=st.integers(0, 255),
    dup=st.booleans(),
    days=st.integers(0, 60000),
)
def test_any_fields_round_trip(
    name: str, unit: str, award: str | None, place: int, dup: bool, days: int
) -> None:
    date = (p.EPOCH + __import__("datetime").timedelta(days=days)).isoformat()
    cert = dataclasses.replace(
        CERT,
        name=name,
        unit=unit,
        award=award or None,
        place=place or None,
        duplicate=dup,
        date=date,
    )
    try:
        text = packed(cert)
    except InputError as exc:
        # a documented refusal: these fields made the QR code too big (the same certificate
        # with them emptied fits); the worst realistic case is tested to fit elsewhere
        assert "too long" in str(exc)
        packed(dataclasses.replace(cert, name="", unit="", award=None))
        reject()
    got = p.unpack(text).fields
    assert dataclasses.replace(got, qr_text="", short_code="") == cert


def test_short_code_is_ten_crockford_symbols_from_the_signature() -> None:
    code = p.short_code(SIG)
    assert len(code) == 11 and code[5] == "-"
    assert set(code.replace("-", "")) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert p.short_code(SIG[:-1] + b"\x00") != code
    assert p.normalize_short_code(code.lower().replace("-", " ")) == code
    assert p.normalize_short_code("oooooiiiii") == "00000-11111"
    with pytest.raises(InputError):
        p.normalize_short_code("ABC")
