"""Edge-case ed25519 signatures for a differential test against CometBFT's verifier.

    python scripts/vectors/ed25519_edge_cases.py OUT_DIR

writes OUT_DIR/edge.json (pub key, message, signature, case) and OUT_DIR/edge.txt, the lines that
``cometbft_vote_extension_vectors.go verify`` reads; its output is CometBFT's verdict per line
(kept in tests/abci_app/vectors/ed25519_cometbft_verdicts.json). Deterministic (seeded).
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

import nacl.signing

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from abci_app import ed25519_zip215 as c

P, L = c._P, c._L
SMALL_ORDER_HEX = (
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
)


def point(hex_enc: str) -> tuple[int, int, int, int]:
    p = c.decode_point(bytes.fromhex(hex_enc))
    assert p is not None
    return p


def enc(pt: tuple[int, int, int, int], noncanonical: bool = False, flip_sign: bool = False) -> bytes:
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    if noncanonical:
        assert y + P < 2**255
        y += P
    sign = (x & 1) ^ int(flip_sign)
    return (y | (sign << 255)).to_bytes(32, "little")


def cases() -> list[tuple[str, str, str, str]]:
    small = [point(h) for h in SMALL_ORDER_HEX]
    base = c._BASE
    assert base is not None
    rng = random.Random(215)
    out: list[tuple[str, str, str, str]] = []

    def add(pk: bytes, msg: bytes, sig: bytes, why: str) -> None:
        out.append((pk.hex(), msg.hex(), sig.hex(), why))

    for _ in range(12):
        sk = nacl.signing.SigningKey(rng.randbytes(32))
        msg = rng.randbytes(rng.randrange(0, 80))
        sig = sk.sign(msg).signature
        pk = bytes(sk.verify_key)
        add(pk, msg, sig, "valid")
        add(pk, msg + b"x", sig, "wrong message")
        flipped = bytearray(sig)
        flipped[rng.randrange(64)] ^= 1 << rng.randrange(8)
        add(pk, msg, bytes(flipped), "bit flip")
        s = int.from_bytes(sig[32:], "little") + L
        if s < 2**256:
            add(pk, msg, sig[:32] + s.to_bytes(32, "little"), "S + L")
    for i, t in enumerate(small):  # R with a small-order component, the secret key known
        seed = rng.randbytes(32)
        h = hashlib.sha512(seed).digest()
        a = int.from_bytes(h[:32], "little") & ((1 << 254) - 8) | (1 << 254)
        pk = bytes(nacl.signing.SigningKey(seed).verify_key)
        msg = b"small-order R %d" % i
        r = rng.randrange(1, L)
        r_enc = enc(c._add(c._mul(r, base), t))
        k = int.from_bytes(hashlib.sha512(r_enc + pk + msg).digest(), "little") % L
        add(pk, msg, r_enc + ((r + k * a) % L).to_bytes(32, "little"), "R + small-order T")
    for i, a_pt in enumerate(small):  # small-order A and R with S = 0: valid for any message
        for j, r_pt in enumerate(small[:4]):
            add(enc(a_pt), b"any message %d %d" % (i, j), enc(r_pt) + bytes(32), "small A, small R, S=0")
    ident = small[0]
    add(enc(ident, noncanonical=True), b"m", enc(small[2]) + bytes(32), "A = identity, y + p")
    add(enc(ident, flip_sign=True), b"m", enc(small[2]) + bytes(32), "A = identity, sign bit set")
    add(enc(ident), b"m", enc(ident, noncanonical=True) + bytes(32), "R = identity, y + p")
    add(enc(ident), b"m", enc(ident, flip_sign=True) + bytes(32), "R = identity, sign bit set")
    add(enc(small[2], noncanonical=True), b"m", enc(small[3]) + bytes(32), "A order 4, y=0 + p")
    add((2).to_bytes(32, "little"), b"m", bytes(64), "A not on curve")
    add(enc(small[4]), b"m", (2).to_bytes(32, "little") + bytes(32), "R not on curve")
    return out


def main() -> None:
    out = cases()
    out_dir = Path(sys.argv[1])
    (out_dir / "edge.json").write_text(json.dumps(out))
    (out_dir / "edge.txt").write_text("".join(f"{pk} {m or '-'} {sig}\n" for pk, m, sig, _ in out))
    print(len(out))


if __name__ == "__main__":
    main()
