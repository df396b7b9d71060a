"""Property-based tests of the PDU codec: round trips, size limits, and robustness."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from drivers.gsm import gsm7
from drivers.gsm.pdu import (
    PduError,
    Sms,
    decode,
    encode_deliver,
    encode_status_report,
    encode_submit,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GSM_CHARS = gsm7.DEFAULT_ALPHABET.replace("\x1b", "") + "".join(gsm7.EXTENSION_TABLE.values())
ASTRAL = "😀👍🏽🇮🇩🎶🙏𝄞𠜎"

# Text from everywhere: any code point but lone surrogates, with extra weight on the GSM
# tables (extension characters included) and astral characters (surrogate pairs in UCS2).
texts = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=GSM_CHARS, max_size=700),
    st.text(alphabet=st.sampled_from(GSM_CHARS + ASTRAL + "ŽЖ中"), max_size=300),
    st.text(alphabet=st.sampled_from("{}[]€~|^\\\x0caZ"), min_size=140, max_size=400),
)

numbers = st.one_of(
    st.from_regex(r"\+62[0-9]{8,12}", fullmatch=True),
    st.from_regex(r"0[0-9]{9,12}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{2,5}", fullmatch=True),
)
senders = st.one_of(
    numbers,
    # A name of 8 septets ending in "@" is indistinguishable from a 7-character name whose
    # length was given in whole octets (the decoder assumes the latter): not generated.
    st.text(alphabet=st.sampled_from(GSM_CHARS[:120].replace("+", "")), min_size=1, max_size=11).filter(
        lambda s: not s.isdigit() and not s.endswith("@")
    ),
)
zones = st.integers(min_value=-79, max_value=79).map(lambda q: timezone(timedelta(minutes=15 * q)))
stamps = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1969, 1, 1), max_value=datetime(2068, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    zones,
)


def user_data_octets(sms: Sms) -> int:
    """Octets of TP-UD (header + text) of a decoded part."""
    header = sum(2 + len(data) for _, data in sms.udh) + 1 if sms.udh else 0
    if sms.encoding == "gsm7":
        septets = (header * 8 + 6) // 7 + len(sms.data)
        return (septets * 7 + 7) // 8
    return header + len(sms.data)


def reassemble(parts: list[Sms]) -> str:
    ordered = sorted(parts, key=lambda p: p.concat.seq if p.concat else 0)
    if len(parts) > 1:
        assert [p.concat.seq for p in ordered] == list(range(1, len(parts) + 1))
        assert {(p.concat.ref, p.concat.parts) for p in ordered} == {(ordered[0].concat.ref, len(parts))}
    return "".join(p.text for p in ordered)


@FAST
@given(number=numbers, text=texts, srr=st.booleans())
@example(number="+6281234567890", text="a" * 152 + "€" * 5, srr=False)
@example(number="1708", text="b" * 66 + "😀" * 3, srr=True)
def test_any_text_round_trips_through_encode_submit(number, text, srr):
    pdus = encode_submit(number, text, request_status_report=srr, concat_ref=7)
    parts = [decode(p.hex) for p in pdus]
    assert reassemble(parts) == text
    for part, pdu in zip(parts, pdus, strict=True):
        assert part.kind == "submit"
        assert part.recipient == number
        assert part.status_report_requested is srr
        assert user_data_octets(part) <= 140
        assert pdu.tpdu_length == len(pdu.hex) // 2 - 1
        assert part.tpdu_length == pdu.tpdu_length
    if len(pdus) == 1:
        assert parts[0].concat is None


@FAST
@given(sender=senders, text=texts, stamp=stamps, ref_bits=st.sampled_from([8, 16]))
def test_any_text_round_trips_through_encode_deliver(sender, text, stamp, ref_bits):
    pdus = encode_deliver(sender, text, timestamp=stamp, ref_bits=ref_bits)
    parts = [decode(p) for p in pdus]
    assert reassemble(parts) == text
    for part in parts:
        assert part.kind == "deliver"
        assert part.sender == sender
        assert part.timestamp == stamp
        assert part.timestamp.utcoffset() == stamp.utcoffset()
        assert user_data_octets(part) <= 140
        if part.concat:
            assert part.concat.ref_bits == ref_bits
    assert [p.more_messages for p in parts] == [True] * (len(parts) - 1) + [False]


@FAST
@given(
    recipient=numbers,
    reference=st.integers(0, 255),
    status=st.integers(0, 255),
    stamp=stamps,
    delay=st.integers(0, 10**6),
)
def test_status_reports_round_trip(recipient, reference, status, stamp, delay):
    discharge = stamp + timedelta(seconds=delay)
    if discharge.year > 2068:
        discharge = stamp
    sms = decode(
        encode_status_report(recipient, reference, status, timestamp=stamp, discharge_time=discharge)
    )
    assert (sms.recipient, sms.reference, sms.status) == (recipient, reference, status)
    assert (sms.timestamp, sms.discharge_time) == (stamp, discharge)
    assert sms.delivered is (status < 0x20)


def decodes_or_pdu_error(hexpdu: str, smsc: bool = True) -> None:
    try:
        result = decode(hexpdu, smsc=smsc)
    except PduError as exc:
        assert str(exc)  # a reason, never empty
    else:
        assert isinstance(result, Sms)
        assert isinstance(result.text, str)


@FAST
@given(data=st.binary(max_size=200), smsc=st.booleans())
def test_random_octets_raise_only_pdu_error(data, smsc):
    decodes_or_pdu_error(data.hex(), smsc)
    decodes_or_pdu_error(data.hex().upper(), smsc)


@FAST
@given(text=st.text(max_size=80))
def test_random_strings_raise_only_pdu_error(text):
    decodes_or_pdu_error(text)


VALID = [
    *encode_deliver("+6281234567890", "Halo {semua} 😀 " * 12, ref_bits=16),
    *encode_deliver("TELKOMSEL", "Pulsa Anda Rp 5.000 " * 10),
    encode_status_report("+6281234567890", 3, 0x21),
    "0006D60B911326880736F4111011719551401110117195714000",
    "0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301",
    "0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421",
    *(p.hex for p in encode_submit("+6281234567890", "x" * 200, validity=timedelta(days=2))),
]


@FAST
@given(
    base=st.sampled_from(VALID),
    edits=st.lists(
        st.tuples(st.integers(0, 400), st.integers(0, 255), st.sampled_from(["set", "ins", "del"])),
        min_size=1,
        max_size=4,
    ),
    cut=st.integers(0, 400),
)
def test_mutated_valid_pdus_raise_only_pdu_error(base, edits, cut):
    raw = bytearray(bytes.fromhex(base))
    for position, value, op in edits:
        i = position % (len(raw) + 1)
        if op == "ins" or i == len(raw):
            raw.insert(i, value)
        elif op == "set":
            raw[i] = value
        else:
            del raw[i]
    decodes_or_pdu_error(raw.hex())
    decodes_or_pdu_error(raw[: cut % (len(raw) + 1)].hex())
    decodes_or_pdu_error(raw.hex(), smsc=False)
