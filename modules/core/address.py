"""Account addresses: 20 bytes of SHA-256(ed25519 public key), shown as bech32 ``bpdao1…``."""

from __future__ import annotations

import hashlib

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


def to_bech32(address: bytes, hrp: str = HRP) -> str:
    data = _convert_bits(address, 8, 5, True)
    checksum_in = _hrp_expand(hrp) + data + [0] * 6
    polymod = _polymod(checksum_in) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


def from_bech32(text: str, hrp: str = HRP) -> bytes:
    """Decode ``bpdao1…`` into 20 address bytes; ValueError with a reason if it is not one."""
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
