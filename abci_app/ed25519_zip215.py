"""Ed25519 verification under the ZIP-215 rules, which CometBFT v0.40.0 uses (crypto/ed25519:
``VerifyOptionsZIP_215`` of curve25519-voi).

libsodium (PyNaCl) is stricter: it rejects some signatures ZIP-215 accepts (e.g. an R with a
small-order component, or non-canonical point encodings). The app verifies with PyNaCl first and
asks this slow (~10 ms) pure-Python check only when PyNaCl says no, so that its verdict is
CometBFT's (abci_app/vote_extensions.py ``verify_extension_signature``).

ZIP-215 (https://zips.z.cash/zip-0215): A and R may be any encodings of curve points, including
non-canonical ones (y >= p is reduced mod p; x = 0 with the sign bit set is accepted); S must be
below the group order L; the equation is the cofactored one, ``[8][S]B = [8]R + [8][k]A`` with
``k = SHA-512(R || A || M) mod L`` over the encodings as given.
"""

from __future__ import annotations

import hashlib

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

# Extended twisted Edwards coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z.
_Point = tuple[int, int, int, int]
_IDENTITY: _Point = (0, 1, 1, 0)


def _add(p: _Point, q: _Point) -> _Point:
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = 2 * t1 * t2 * _D % _P
    d = 2 * z1 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(k: int, p: _Point) -> _Point:
    result = _IDENTITY
    while k:
        if k & 1:
            result = _add(result, p)
        p = _add(p, p)
        k >>= 1
    return result


def _neg(p: _Point) -> _Point:
    x, y, z, t = p
    return (-x % _P, y, z, -t % _P)


def _is_identity(p: _Point) -> bool:
    x, y, z, _ = p
    return x % _P == 0 and (y - z) % _P == 0


def decode_point(data: bytes) -> _Point | None:
    """Decode with ZIP-215's leniency; None if the bytes are not a point at all."""
    if len(data) != 32:
        return None
    n = int.from_bytes(data, "little")
    sign = n >> 255
    y = (n & ((1 << 255) - 1)) % _P
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    # x = sqrt(u / v) = u v^3 (u v^7)^((p-5)/8), then fix up by sqrt(-1).
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if (v * x * x - u) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (v * x * x - u) % _P != 0:
        return None
    if (x & 1) != sign:
        x = -x % _P  # for x = 0 this leaves 0: the sign bit is ignored, as ZIP-215 allows
    return (x, y, 1, x * y % _P)


_BASE = decode_point(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))
assert _BASE is not None


def verify(pub_key: bytes, message: bytes, signature: bytes) -> bool:
    """True iff ``signature`` is valid for ``message`` under ``pub_key`` by ZIP-215."""
    if len(pub_key) != 32 or len(signature) != 64:
        return False
    a = decode_point(pub_key)
    r = decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    assert _BASE is not None
    k = int.from_bytes(hashlib.sha512(signature[:32] + pub_key + message).digest(), "little") % _L
    check = _add(_add(_mul(s, _BASE), _neg(_mul(k, a))), _neg(r))
    return _is_identity(_mul(8, check))
