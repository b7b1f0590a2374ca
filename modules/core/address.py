"""Account addresses: 20 bytes of SHA-256(ed25519 public key), shown as bech32 ``bpdao1…``."""

from __future__ import annotations

import hashlib
from typing import Any

HRP = "bpdao"
ADDRESS_LEN = 20
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def address_from_pubkey(pub_key: bytes) -> bytes:
    return hashlib.sha256(pub_key).digest()[:ADDRESS_LEN]


# _POLY_TABLE[top]: XOR of the generator terms selected by the 5 bits shifted out of the checksum.
def _build_poly_table() -> tuple[int, ...]:
    table = []
    for top in range(32):
        acc = 0
        for i in range(5):
            if (top >> i) & 1:
                acc ^= _GEN[i]
        table.append(acc)
    return tuple(table)


_POLY_TABLE = _build_poly_table()


def _polymod(values: list[int]) -> int:
    chk = 1
    table = _POLY_TABLE
    for v in values:
        chk = ((chk & 0x1FFFFFF) << 5 ^ v) ^ table[chk >> 25]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: bytes | list[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad and bits:
        out.append((acc << (to_bits - bits)) & maxv)
    elif not pad and (bits >= from_bits or (acc << (to_bits - bits)) & maxv):
        raise ValueError("invalid padding")
    return out


def _to_bech32_generic(address: bytes, hrp: str) -> str:
    data = _convert_bits(address, 8, 5, True)
    checksum_in = _hrp_expand(hrp) + data + [0] * 6
    polymod = _polymod(checksum_in) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


def _from_bech32_generic(text: str, hrp: str) -> bytes:
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed-case address")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or text[:pos] != hrp:
        raise ValueError(f"address must start with {hrp}1")
    try:
        data = [_CHARSET.index(c) for c in text[pos + 1 :]]
    except ValueError:
        raise ValueError("invalid bech32 character") from None
    if len(data) < 6 or _polymod(_hrp_expand(hrp) + data) != 1:
        raise ValueError("bad address checksum")
    decoded = bytes(_convert_bits(data[:-6], 5, 8, False))
    if len(decoded) != ADDRESS_LEN:
        raise ValueError(f"address must be {ADDRESS_LEN} bytes")
    return decoded


# --- fast path: the chain's own HRP and 20-byte addresses (every address on the hot path) ---
#
# For a fixed HRP and length the checksum is an affine function of the address bits over GF(2)
# (polymod only shifts and XORs), so it is a constant XOR one table entry per address byte.
# Appending the 6 checksum symbols XORs them into the low 30 bits of polymod unchanged, so a
# string is valid iff its last 30 bits equal the checksum of its data. Both functions agree
# with the generic ones above on every input (tests compare them); anything the fast path does
# not accept goes to the generic code, which gives the same result or the same error.

_DATA_SYMBOLS = ADDRESS_LEN * 8 // 5  # 32: 160 bits, no padding
_ENCODED_LEN = len(HRP) + 1 + _DATA_SYMBOLS + 6
_PREFIX = HRP + "1"
_CHARSET_SET = frozenset(_CHARSET)
# bech32 characters -> base-32 digits in value order, so int(text, 32) reads the symbols.
_TO_DIGITS = str.maketrans(_CHARSET, "0123456789abcdefghijklmnopqrstuv")
# Two symbols (10 bits) -> their two characters.
_PAIRS = tuple(_CHARSET[v >> 5] + _CHARSET[v & 31] for v in range(1024))


def _checksum_tables() -> tuple[int, tuple[tuple[int, ...], ...]]:
    """(polymod of the all-zero address, per byte position: its value -> XOR into polymod)."""
    hrp = _hrp_expand(HRP)
    tail = [0] * (_DATA_SYMBOLS + 6)
    base = _polymod(hrp + tail)
    tables = []
    for byte_index in range(ADDRESS_LEN):
        bit_terms = []  # bit_terms[j]: contribution of bit j (1 << j) of this byte
        for j in range(8):
            bit = byte_index * 8 + (7 - j)  # position from the most significant bit of the address
            symbols = list(tail)
            symbols[bit // 5] = 1 << (4 - bit % 5)
            bit_terms.append(_polymod(hrp + symbols) ^ base)
        table = [0] * 256
        for value in range(1, 256):
            low = value & -value
            table[value] = table[value ^ low] ^ bit_terms[low.bit_length() - 1]
        tables.append(tuple(table))
    return base, tuple(tables)


_BASE_POLYMOD, _BYTE_TERMS = _checksum_tables()


def _checksum(address: bytes) -> int:
    """The 30-bit checksum of a 20-byte address under the chain's HRP."""
    chk = _BASE_POLYMOD
    for terms, byte in zip(_BYTE_TERMS, address, strict=True):
        chk ^= terms[byte]
    return chk ^ 1


# Both directions are pure functions called once or twice per tx (message decoding, events) on a
# working set of active accounts: bounded memos turn ~10 µs of checksum work into a dict lookup.
# (Emptied when full: simple, bounded, and results never depend on what is memoised.)
_MEMO_SIZE = 1 << 16
_ENCODED: dict[bytes, str] = {}
_DECODED: dict[str, bytes] = {}


def _memo(table: dict[Any, Any], key: Any, value: Any) -> None:
    if len(table) >= _MEMO_SIZE:
        table.clear()
    table[key] = value


def to_bech32(address: bytes, hrp: str = HRP) -> str:
    if hrp != HRP or len(address) != ADDRESS_LEN:
        return _to_bech32_generic(address, hrp)
    address = bytes(address)  # a bytearray or memoryview key would be mutable or unhashable
    text = _ENCODED.get(address)
    if text is None:
        n = (int.from_bytes(address, "big") << 30 | _checksum(address)) << 10  # 38 symbols + 2 pad
        pairs = _PAIRS
        text = _PREFIX + "".join([pairs[(n >> shift) & 1023] for shift in range(190, -1, -10)])[:-2]
        _memo(_ENCODED, address, text)
    return text


def from_bech32(text: str, hrp: str = HRP) -> bytes:
    """Decode ``bpdao1…`` into 20 address bytes; ValueError with a reason if it is not one."""
    if hrp == HRP and len(text) == _ENCODED_LEN and text.startswith(_PREFIX):
        address = _DECODED.get(text)
        if address is not None:
            return address
        data = text[len(_PREFIX) :]
        if _CHARSET_SET.issuperset(data):
            n = int(data.translate(_TO_DIGITS), 32)
            address = (n >> 30).to_bytes(ADDRESS_LEN, "big")
            if n & 0x3FFFFFFF == _checksum(address):
                _memo(_DECODED, text, address)
                return address
    return _from_bech32_generic(text, hrp)
