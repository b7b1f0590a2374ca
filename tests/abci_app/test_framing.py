"""Unsigned-varint length-prefixed framing, as CometBFT's protoio writes and reads it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abci_app.framing import (
    FrameDecoder,
    FramingError,
    decode_uvarint,
    encode_frame,
    encode_uvarint,
)

# (value, encoding) pairs as Go's binary.PutUvarint produces them.
KNOWN_UVARINTS = [
    (0, b"\x00"),
    (1, b"\x01"),
    (127, b"\x7f"),
    (128, b"\x80\x01"),
    (300, b"\xac\x02"),
    (16383, b"\xff\x7f"),
    (16384, b"\x80\x80\x01"),
    (2**31 - 1, b"\xff\xff\xff\xff\x07"),
    (2**64 - 1, b"\xff" * 9 + b"\x01"),
]


@pytest.mark.parametrize(("value", "encoded"), KNOWN_UVARINTS)
def test_uvarint_matches_go_encoding(value: int, encoded: bytes) -> None:
    assert encode_uvarint(value) == encoded
    assert decode_uvarint(encoded) == (value, len(encoded))


# (type: ignore: pyproject makes mypy skip hypothesis, so its decorators look untyped)
@given(st.integers(min_value=0, max_value=2**64 - 1), st.binary(max_size=4))  # type: ignore[untyped-decorator]
def test_uvarint_round_trips_at_any_offset(value: int, prefix: bytes) -> None:
    encoded = encode_uvarint(value)
    assert decode_uvarint(prefix + encoded + b"\xff", len(prefix)) == (value, len(prefix) + len(encoded))


def test_uvarint_incomplete_returns_none() -> None:
    assert decode_uvarint(b"") is None
    assert decode_uvarint(b"\x80") is None
    assert decode_uvarint(b"\xff\xff\xff") is None
    assert decode_uvarint(b"\x00\x80", 1) is None


def test_uvarint_longer_than_ten_bytes_is_rejected() -> None:
    with pytest.raises(FramingError):
        decode_uvarint(b"\x80" * 10 + b"\x01")


def test_uvarint_above_64_bits_is_rejected() -> None:
    with pytest.raises(FramingError):
        decode_uvarint(b"\xff" * 9 + b"\x02")


def test_negative_uvarint_cannot_be_encoded() -> None:
    with pytest.raises(ValueError):
        encode_uvarint(-1)


def _stream(payloads: list[bytes]) -> bytes:
    return b"".join(encode_frame(p) for p in payloads)


PAYLOADS = [b"", b"a", b"x" * 127, b"y" * 128, b"z" * 300, bytes(range(256)) * 70, b"end"]


def test_many_frames_in_one_read() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(_stream(PAYLOADS)) == PAYLOADS
    assert decoder.pending == 0


def test_frames_fed_byte_by_byte() -> None:
    decoder = FrameDecoder()
    received: list[bytes] = []
    for byte in _stream(PAYLOADS):
        received += decoder.feed(bytes((byte,)))
    assert received == PAYLOADS
    assert decoder.pending == 0


@given(  # type: ignore[untyped-decorator]
    st.lists(st.binary(max_size=400), max_size=20), st.lists(st.integers(1, 700), min_size=1)
)
def test_any_split_of_the_stream_yields_the_same_frames(payloads: list[bytes], cuts: list[int]) -> None:
    stream = _stream(payloads)
    decoder = FrameDecoder()
    received: list[bytes] = []
    pos = 0
    i = 0
    while pos < len(stream):
        step = cuts[i % len(cuts)]
        received += decoder.feed(stream[pos : pos + step])
        pos += step
        i += 1
    assert received == payloads
    assert decoder.pending == 0


def test_partial_frame_is_kept_until_complete() -> None:
    decoder = FrameDecoder()
    stream = _stream([b"first", b"second"])
    assert decoder.feed(stream[:9]) == [b"first"]
    assert decoder.pending == 3  # header + 2 bytes of "second"
    assert decoder.feed(stream[9:]) == [b"second"]
    assert decoder.pending == 0


def test_twenty_megabyte_frame_in_socket_sized_chunks() -> None:
    payload = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    stream = encode_frame(payload) + encode_frame(b"after")
    decoder = FrameDecoder()
    received: list[bytes] = []
    chunk = 256 * 1024
    for pos in range(0, len(stream), chunk):
        received += decoder.feed(stream[pos : pos + chunk])
    assert len(received) == 2
    assert received[0] == payload
    assert received[1] == b"after"


def test_frame_over_the_limit_is_rejected_as_soon_as_its_header_arrives() -> None:
    decoder = FrameDecoder(max_frame_size=1000)
    assert decoder.feed(encode_frame(b"q" * 1000)) == [b"q" * 1000]
    with pytest.raises(FramingError):
        decoder.feed(encode_uvarint(1001))
    with pytest.raises(FramingError):
        FrameDecoder(max_frame_size=10).feed(encode_uvarint(11))


def test_malformed_length_header_is_rejected() -> None:
    with pytest.raises(FramingError):
        FrameDecoder().feed(b"\xff" * 11)
