"""Nothing a client sends makes decode_tx or verify_signature raise anything but TxDecodeError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from abci_app.txcodec import TxDecodeError, decode_tx, sign_tx, verify_signature
from modules.bank.types import MsgSend

VALID = sign_tx(
    bytes(32), [MsgSend(to=bytes(range(20)), amount=5)], chain_id="fuzz", nonce=1, fee=1, memo="m"
)


def _decode_or_refuse(raw: bytes) -> None:
    try:
        tx = decode_tx(raw, 4096)
    except TxDecodeError as exc:
        assert exc.codespace == "tx" and exc.code > 0 and exc.message
        return
    assert isinstance(verify_signature(tx), bool)


@settings(max_examples=400, deadline=None)  # type: ignore[untyped-decorator]
@given(st.binary(max_size=600))  # type: ignore[untyped-decorator]
def test_random_bytes(raw: bytes) -> None:
    _decode_or_refuse(raw)


@settings(max_examples=400, deadline=None)  # type: ignore[untyped-decorator]
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=4))  # type: ignore[untyped-decorator]
def test_mutated_valid_tx(edits: list[tuple[int, int]]) -> None:
    raw = bytearray(VALID)
    for pos, value in edits:
        raw[pos] = value
    _decode_or_refuse(bytes(raw))
    if bytes(raw) == VALID:
        return
    try:
        tx = decode_tx(bytes(raw), 4096)
    except TxDecodeError:
        return
    # Canonical encoding: other bytes that still decode differ in key, body or signature.
    assert not verify_signature(tx)
