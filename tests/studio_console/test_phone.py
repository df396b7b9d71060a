"""Numbers as networks and producers write them: one key per person or service."""

from __future__ import annotations

import pytest

from studio_console.phone import mask, parse_number


@pytest.mark.parametrize("raw", ["081234567890", "+6281234567890", "6281234567890", "0812-3456-7890",
                                 "(0812) 3456 7890"])
def test_every_written_form_of_a_mobile_number_has_one_key(raw):
    number = parse_number(raw)
    assert number.key == number.e164 == "+6281234567890"
    assert number.kind == "mobile" and number.national == "081234567890"
    assert number.masked == "0812****7890"


@pytest.mark.parametrize("raw", ["1708", "+1708", "621708", "+621708", "01708", "+62 1708"])
def test_a_short_code_is_the_same_service_however_the_network_prefixes_it(raw):
    number = parse_number(raw)
    assert (number.key, number.kind, number.e164) == ("short:1708", "short_code", None)


def test_hidden_alphanumeric_foreign_and_impossible_numbers_are_kept_apart():
    assert parse_number("").kind == "hidden"
    assert parse_number("TELKOMSEL").key == "alpha:TELKOMSEL"
    assert parse_number("+14155550123").kind == "foreign"
    assert parse_number("+62123").kind == "short_code"  # too short for a subscriber: a service


def test_masking_keeps_only_the_ends():
    assert mask("081234567890") == "0812****7890"
    assert mask("1708") == "1***"
