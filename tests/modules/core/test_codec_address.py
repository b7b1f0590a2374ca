"""Canonical record encoding and bech32 addresses."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from modules.core import codec
from modules.core.address import address_from_pubkey, from_bech32, to_bech32


@dataclass(frozen=True)
class Inner:
    who: bytes
    weight: int


@dataclass(frozen=True)
class Record:
    name: str
    amount: int
    flag: bool
    parts: tuple[Inner, ...]
    note: str | None = None


def test_record_round_trip_and_canonical_bytes() -> None:
    rec = Record("x", 10**30, True, (Inner(b"\x01\x02", -5),))
    data = codec.dumps(rec)
    assert data == b'{"amount":1000000000000000000000000000000,"flag":true,"name":"x","note":null,' \
                   b'"parts":[{"weight":-5,"who":"0102"}]}'
    assert codec.loads(Record, data) == rec


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        codec.dumps({"x": 1.5})


def test_decode_rejects_wrong_types() -> None:
    with pytest.raises(TypeError):
        codec.loads(Inner, b'{"who":"00","weight":"5"}')
    with pytest.raises(TypeError):
        codec.loads(Record, b'{"name":"x","amount":1,"flag":1,"parts":[]}')


def test_u64_keys_sort_numerically() -> None:
    values = [0, 1, 255, 256, 2**40, 2**64 - 1]
    assert sorted(codec.u64(v) for v in values) == [codec.u64(v) for v in values]
    with pytest.raises(ValueError):
        codec.u64(-1)


def test_bech32_round_trip_and_errors() -> None:
    addr = address_from_pubkey(b"\x07" * 32)
    text = to_bech32(addr)
    assert text.startswith("bpdao1") and from_bech32(text) == addr
    assert from_bech32(text.upper()) == addr
    broken = text[:-1] + ("q" if text[-1] != "q" else "p")
    for bad in (broken, "cosmos1" + text[6:], text[:10], text[:8] + "B" + text[9:]):
        with pytest.raises(ValueError):
            from_bech32(bad)


def test_bech32_matches_bip173_vector() -> None:
    # BIP-173 test vector: "a12uel5l" is the valid empty-data string for hrp "a".
    from modules.core import address as a

    assert a._polymod(a._hrp_expand("a") + [a._CHARSET.index(c) for c in "2uel5l"]) == 1
