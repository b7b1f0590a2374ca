"""The table-driven bech32 fast path agrees with the generic BIP-173 code on every input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.core.address import (
    HRP,
    _from_bech32_generic,
    _to_bech32_generic,
    from_bech32,
    to_bech32,
)

addresses = st.binary(min_size=20, max_size=20)
bech32_chars = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _decode(fn: object, text: str) -> bytes | str:
    try:
        return fn(text)  # type: ignore[operator,no-any-return]
    except ValueError as exc:
        return f"error: {exc}"


@given(addresses)
def test_encoding_matches_the_generic_code(address: bytes) -> None:
    assert to_bech32(address) == _to_bech32_generic(address, HRP)
    assert from_bech32(to_bech32(address)) == address


@given(addresses, st.integers(min_value=0, max_value=43), st.sampled_from(bech32_chars + "1bioBQ= _-"))
def test_a_changed_character_is_decoded_or_refused_as_before(address: bytes, pos: int, char: str) -> None:
    text = to_bech32(address)
    changed = text[:pos] + char + text[pos + 1 :]
    assert _decode(from_bech32, changed) == _decode(lambda t: _from_bech32_generic(t, HRP), changed)


@given(addresses, st.integers(min_value=1, max_value=3))
def test_swapped_neighbours_are_caught_by_the_checksum(address: bytes, gap: int) -> None:
    text = to_bech32(address)
    pos = 10
    swapped = text[:pos] + text[pos + gap] + text[pos + 1 : pos + gap] + text[pos] + text[pos + gap + 1 :]
    if swapped != text:
        with pytest.raises(ValueError, match="checksum"):
            from_bech32(swapped)


@pytest.mark.parametrize("address", [b"", b"\x01" * 19, b"\xff" * 21, b"\x00" * 32])
def test_other_lengths_and_hrps_take_the_generic_path(address: bytes) -> None:
    assert to_bech32(address) == _to_bech32_generic(address, HRP)
    assert to_bech32(address, "other") == _to_bech32_generic(address, "other")
    text = to_bech32(b"\x05" * 20, "other")
    assert from_bech32(text, "other") == b"\x05" * 20
    with pytest.raises(ValueError, match="must start with bpdao1"):
        from_bech32(text)


def test_upper_case_is_accepted_and_mixed_case_refused() -> None:
    text = to_bech32(b"\x42" * 20)
    assert from_bech32(text.upper()) == b"\x42" * 20
    with pytest.raises(ValueError, match="mixed-case"):
        from_bech32(text[:10] + text[10:].upper())
