"""Framing of the modem's byte stream by AtLineParser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.gsm.at import AtLineParser, Line, Prompt


def feed_all(chunks: list[bytes], parser: AtLineParser | None = None) -> list[Line | Prompt]:
    parser = parser or AtLineParser()
    events: list[Line | Prompt] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    return events


def texts(events: list[Line | Prompt]) -> list[str]:
    return [e.text for e in events if isinstance(e, Line)]


def test_crlf_lines_are_split_and_empty_lines_dropped() -> None:
    events = feed_all([b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"])
    assert events == [Line("+CSQ: 20,99"), Line("OK")]


def test_bare_cr_and_bare_lf_end_lines() -> None:
    assert texts(feed_all([b"one\rtwo\nthree\r\r\nfour\n\r"])) == ["one", "two", "three", "four"]


def test_echo_appears_as_its_own_line() -> None:
    # echo on: the modem repeats the command up to its \r, then answers
    assert texts(feed_all([b"AT+CSQ\r\r\n+CSQ: 9,99\r\n\r\nOK\r\n"])) == [
        "AT+CSQ",
        "+CSQ: 9,99",
        "OK",
    ]


def test_byte_by_byte_feeding_gives_the_same_lines() -> None:
    data = b"\r\n+CMGL: 1,0,,23\r\n07911326040000F0\r\n\r\nOK\r\n"
    one_go = feed_all([data])
    byte_wise = feed_all([data[i : i + 1] for i in range(len(data))])
    assert byte_wise == one_go
    assert texts(one_go) == ["+CMGL: 1,0,,23", "07911326040000F0", "OK"]


def test_incomplete_line_waits_for_its_end() -> None:
    parser = AtLineParser()
    assert parser.feed(b'\r\n+CMTI: "SM"') == []
    assert parser.partial == '+CMTI: "SM"'
    assert parser.feed(b",3\r\n") == [Line('+CMTI: "SM",3')]


def test_prompt_without_line_end_is_recognised() -> None:
    assert feed_all([b"\r\n> "]) == [Prompt()]


def test_prompt_split_across_reads_is_recognised() -> None:
    parser = AtLineParser()
    assert parser.feed(b"\r\n>") == []
    assert parser.feed(b" ") == [Prompt()]


def test_prompt_after_echo_of_cmgs() -> None:
    assert feed_all([b"AT+CMGS=23\r\r\n> "]) == [Line("AT+CMGS=23"), Prompt()]


def test_greater_than_inside_a_line_is_not_a_prompt() -> None:
    assert feed_all([b'+CUSD: 0,"a > b",15\r\n']) == [Line('+CUSD: 0,"a > b",15')]


def test_greater_than_at_line_start_followed_by_text_is_a_line() -> None:
    assert feed_all([b"\r\n>x\r\n"]) == [Line(">x")]


def test_text_after_prompt_starts_a_new_line() -> None:
    # echo of the PDU after the prompt, then the answer
    events = feed_all([b"> 0011AB\x1a\r\n+CMGS: 7\r\n\r\nOK\r\n"])
    assert events == [Prompt(), Line("0011AB"), Line("+CMGS: 7"), Line("OK")]


def test_nul_and_control_bytes_are_dropped_from_lines() -> None:
    assert texts(feed_all([b"\x00O\x00K\x07\r\n\x1b\x1aRING\r\n"])) == ["OK", "RING"]


def test_non_ascii_bytes_become_replacement_characters() -> None:
    assert texts(feed_all([b"\xff\xfeOK\x80\r\n"])) == ["\ufffd\ufffdOK\ufffd"]


def test_garbage_without_line_end_is_cut_and_flagged() -> None:
    parser = AtLineParser(max_line=64)
    events = parser.feed(b"x" * 200)
    assert events, "an over-long line must be emitted, not kept"
    assert all(isinstance(e, Line) and e.truncated for e in events)
    assert all(len(e.text) <= 64 for e in events if isinstance(e, Line))
    assert len(parser.partial) < 64
    # the rest of the over-long line is still flagged; the next line is clean
    tail = parser.feed(b"yy\r\nOK\r\n")
    assert tail == [Line("xxxxxxxxyy", truncated=True), Line("OK")]


def test_memory_stays_bounded_under_endless_garbage() -> None:
    parser = AtLineParser(max_line=256)
    for _ in range(200):
        parser.feed(b"\xaa" * 1000)
        assert len(parser.partial) <= 256


def test_reset_forgets_the_unfinished_line() -> None:
    parser = AtLineParser()
    parser.feed(b"garb")
    parser.reset()
    assert parser.feed(b"OK\r\n") == [Line("OK")]


# --------------------------------------------------------------------- properties

printable_line = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80
).filter(lambda s: not s.startswith(">"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_random_bytes_never_raise(chunks: list[bytes]) -> None:
    parser = AtLineParser(max_line=128)
    for chunk in chunks:
        for event in parser.feed(chunk):
            assert isinstance(event, Line | Prompt)
            if isinstance(event, Line):
                assert event.text
                assert len(event.text) <= 128
                assert not any(ord(c) < 0x20 for c in event.text)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(printable_line, min_size=1, max_size=15),
    terminators=st.lists(st.sampled_from([b"\r\n", b"\r", b"\n", b"\r\r\n"]), min_size=1),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
)
def test_valid_lines_survive_arbitrary_chunking(
    lines: list[str], terminators: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(
        line.encode("ascii") + terminators[i % len(terminators)] for i, line in enumerate(lines)
    )
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert texts(feed_all(chunks)) == [line.strip() for line in lines]
