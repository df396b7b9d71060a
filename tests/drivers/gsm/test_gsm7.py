"""GSM 7-bit alphabet and septet packing (3GPP TS 23.038 §6.1.2, §6.2.1)."""

from __future__ import annotations

import random

import pytest
from gsmmodem.pdu import decodeGsm7, encodeGsm7, packSeptets

from drivers.gsm import gsm7

EXTENSION_CHARS = "\x0c^{}\\[~]|€"


def test_default_alphabet_has_128_distinct_characters_with_escape_at_0x1b():
    assert len(gsm7.DEFAULT_ALPHABET) == 128
    assert len(set(gsm7.DEFAULT_ALPHABET)) == 128
    assert gsm7.DEFAULT_ALPHABET[gsm7.ESCAPE] == "\x1b"
    # spot checks against the table in TS 23.038 §6.2.1
    assert gsm7.DEFAULT_ALPHABET[0x00] == "@"
    assert gsm7.DEFAULT_ALPHABET[0x02] == "$"
    assert gsm7.DEFAULT_ALPHABET[0x10] == "Δ"
    assert gsm7.DEFAULT_ALPHABET[0x24] == "¤"
    assert gsm7.DEFAULT_ALPHABET[0x40] == "¡"
    assert gsm7.DEFAULT_ALPHABET[0x5F] == "§"
    assert gsm7.DEFAULT_ALPHABET[0x60] == "¿"
    assert gsm7.DEFAULT_ALPHABET[0x7F] == "à"


def test_extension_table_holds_exactly_the_ten_characters_of_the_spec():
    assert set(gsm7.EXTENSION_TABLE.values()) == set(EXTENSION_CHARS)
    assert gsm7.EXTENSION_TABLE[0x65] == "€"
    assert gsm7.EXTENSION_TABLE[0x0A] == "\x0c"


def test_every_default_character_round_trips_as_one_septet():
    text = "".join(ch for i, ch in enumerate(gsm7.DEFAULT_ALPHABET) if i != gsm7.ESCAPE)
    septets = gsm7.encode(text)
    assert len(septets) == 127
    assert gsm7.decode(septets) == text


def test_extension_characters_take_an_escape_and_round_trip():
    septets = gsm7.encode(EXTENSION_CHARS)
    assert len(septets) == 20
    assert septets[0::2] == bytes([gsm7.ESCAPE]) * 10
    assert gsm7.decode(septets) == EXTENSION_CHARS
    assert gsm7.septet_length("a€b") == 4


def test_encoding_matches_python_gsmmodem_for_its_supported_characters():
    # python-gsmmodem-new is an independent implementation of the same tables
    # Its known deviations are left out: no form feed in its extension table, and "`"
    # where TS 23.038 has "§" at 0x5F.
    text = gsm7.DEFAULT_ALPHABET.replace("\x1b", "").replace("§", "") + "^{}\\[~]|€"
    assert gsm7.encode(text) == bytes(encodeGsm7(text))
    assert gsm7.decode(gsm7.encode(text)) == decodeGsm7(encodeGsm7(text))


def test_characters_outside_both_tables_are_refused_by_name():
    assert not gsm7.can_encode("harga 😀")
    assert not gsm7.can_encode("ç")  # only the capital Ç is in the table
    assert not gsm7.can_encode("`")
    assert not gsm7.can_encode("\x1b")  # a literal escape is not text
    assert gsm7.can_encode("Halo {semua} €5")
    with pytest.raises(gsm7.Gsm7EncodeError, match=r"U\+1F600"):
        gsm7.encode("harga 😀")
    assert issubclass(gsm7.Gsm7EncodeError, ValueError)


def test_escape_before_an_undefined_code_shows_the_default_character():
    # TS 23.038 §6.2.1.1: a code missing from the extension table is shown from the main table
    assert gsm7.decode(bytes([0x1B, 0x41])) == "A"
    # ESC ESC (escape to a further table) is shown as a space, and a lone final ESC is dropped
    assert gsm7.decode(bytes([0x1B, 0x1B, 0x41])) == " A"
    assert gsm7.decode(bytes([0x41, 0x1B])) == "A"
    # escape pairs pair left to right
    assert gsm7.decode(bytes([0x1B, 0x1B, 0x1B, 0x28])) == " {"


def test_decode_refuses_values_that_are_not_septets():
    with pytest.raises(ValueError):
        gsm7.decode(b"\x80")


def test_hellohello_packs_to_the_published_octets():
    # the classic example of TS 23.038 tutorials (developershome.com, SMS PDU mode)
    assert gsm7.pack(gsm7.encode("hellohello")).hex().upper() == "E8329BFD4697D9EC37"
    assert gsm7.decode(gsm7.unpack(bytes.fromhex("E8329BFD4697D9EC37"), 10)) == "hellohello"


def test_eight_septets_fill_seven_octets_and_a_final_at_sign_survives():
    packed = gsm7.pack(gsm7.encode("ABCDEFG@"))
    assert len(packed) == 7
    assert gsm7.decode(gsm7.unpack(packed, 8)) == "ABCDEFG@"


@pytest.mark.parametrize("fill_bits", range(7))
def test_pack_and_unpack_round_trip_for_every_length_and_fill(fill_bits):
    rng = random.Random(fill_bits)
    for count in [*range(0, 200), 255, 256, 257, 300, 600]:
        septets = bytes(rng.randrange(128) for _ in range(count))
        packed = gsm7.pack(septets, fill_bits)
        assert len(packed) == (7 * count + fill_bits + 7) // 8
        # trailing octets (a modem's garbage) must not leak into the septets
        assert gsm7.unpack(packed + b"\xff\xff\xff", count, fill_bits) == septets


def test_packing_matches_python_gsmmodem_bit_for_bit():
    rng = random.Random(7)
    for count in range(1, 170):
        septets = bytes(rng.randrange(128) for _ in range(count))
        assert gsm7.pack(septets) == bytes(packSeptets(bytearray(septets)))
        for fill in (1, 3, 6):
            # python-gsmmodem counts "padBits" from the other end: 7 - fill
            assert gsm7.pack(septets, fill) == bytes(packSeptets(bytearray(septets), 7 - fill))


def test_unpack_refuses_data_too_short_for_the_count():
    with pytest.raises(ValueError, match="need 9 octets"):
        gsm7.unpack(b"\x00" * 8, 10)
    assert gsm7.unpack(b"", 0) == b""
