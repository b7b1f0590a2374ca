"""The vote-extension layout (beacon ‖ [verdict]) and the policing judgment over a mempool view."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from abci_app.execution import data_size
from abci_app.extension_payload import join_extension, split_extension
from abci_app.policing import MempoolView, judge, max_data_bytes
from modules.blocks.types import VERDICT_AGAINST, VERDICT_FOR, VERDICT_NONE

BEACON = b"\x01" + bytes(range(32))


@pytest.mark.parametrize("beacon", [b"", BEACON])
@pytest.mark.parametrize("verdict", [VERDICT_NONE, VERDICT_FOR, VERDICT_AGAINST])
def test_every_beacon_and_verdict_pair_round_trips_through_one_encoding(beacon: bytes, verdict: int) -> None:
    data = join_extension(beacon, verdict)
    assert split_extension(data) == (beacon, verdict)
    assert len(data) == len(beacon) + (verdict != VERDICT_NONE)


@pytest.mark.parametrize(
    "data",
    [b"\x00", b"\x03", BEACON + b"\x00", BEACON + b"\x07", b"\x01\x01", BEACON + b"\x01\x01", bytes(2)],
)
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        split_extension(data)


def test_join_refuses_a_malformed_beacon_or_verdict() -> None:
    with pytest.raises(ValueError):
        join_extension(b"\x01", VERDICT_FOR)
    with pytest.raises(ValueError):
        join_extension(b"", 9)


@dataclass(frozen=True)
class Tx:
    signer: bytes
    nonce: int
    fee: int
    pub_key: bytes = b""
    chain_id: str = ""
    memo: str = ""
    msgs: tuple[object, ...] = ()


def raw(name: str, size: int = 100) -> bytes:
    return name.encode().ljust(size, b".")


TXS = {
    "t": Tx(b"s1", 0, 50),
    "u": Tx(b"s2", 0, 10),
    "v": Tx(b"s3", 0, 30),
    "big": Tx(b"s4", 0, 5),
}


def view_of(*seen: tuple[str, int], size: dict[str, int] | None = None) -> MempoolView:
    view = MempoolView()
    for name, height in seen:
        view.after_check(raw(name, (size or {}).get(name, 100)), TXS[name], False, True, height)
    return view


def verdict(
    view: MempoolView, block: list[bytes], *, height: int = 10, room: int | None = 10_000, valid: bool = True
) -> int:
    signers = {raw(n, s): TXS[n].signer for n in TXS for s in (100, 5_000)}
    return judge(
        view, block, height=height, grace=2, room=room, signer_of=signers.get, passes_ante=lambda tx: valid
    )


def test_a_seen_tx_left_out_past_the_grace_with_room_is_censorship() -> None:
    view = view_of(("t", 8))
    assert verdict(view, [], height=10) == VERDICT_AGAINST
    assert verdict(view, [], height=9) == VERDICT_FOR  # still within the grace
    assert verdict(view, [raw("t")], height=10) == VERDICT_FOR  # included
    assert verdict(view, [], height=10, valid=False) == VERDICT_FOR  # no longer passes ante


def test_a_full_block_is_no_censorship_unless_a_later_cheaper_tx_got_in() -> None:
    view = view_of(("t", 8), ("u", 9))
    full = [raw("u")]
    assert verdict(view, full, room=data_size(raw("u")) + 50) == VERDICT_AGAINST  # u came later and pays less
    view = view_of(("u", 7), ("t", 8))
    assert verdict(view, full, room=data_size(raw("u")) + 50) == VERDICT_FOR  # u came first: FIFO


def test_fifo_reaping_that_stopped_at_an_earlier_misfit_is_no_censorship() -> None:
    view = view_of(("big", 7), ("t", 8), size={"big": 5_000})
    assert verdict(view, [], room=1_000) == VERDICT_FOR  # the reap stopped at big, before t
    assert verdict(view, [], room=10_000) == VERDICT_AGAINST


def test_evidence_in_the_block_leaves_only_the_fee_rule() -> None:
    assert verdict(view_of(("t", 8)), [], room=None) == VERDICT_FOR


def test_a_block_with_a_tx_of_the_same_signer_is_not_judged_on_that_signer() -> None:
    view = view_of(("t", 8))
    other = raw("t", 5_000)  # another tx of s1 (e.g. the same nonce, a different fee)
    assert verdict(view, [other]) == VERDICT_FOR


def test_the_view_keeps_new_txs_forgets_finalized_and_failed_rechecks_and_is_bounded() -> None:
    view = MempoolView(capacity=2)
    view.after_check(raw("t"), TXS["t"], False, True, 1)
    view.after_check(raw("u"), TXS["u"], False, False, 1)  # refused
    view.after_check(raw("t"), TXS["t"], True, True, 5)  # recheck keeps first sight
    assert len(view) == 1 and [e.height for _, e in view.entries()] == [1]
    view.after_check(raw("u"), TXS["u"], False, True, 2)
    view.after_check(raw("v"), TXS["v"], False, True, 2)
    assert [e.tx.signer for _, e in view.entries()] == [b"s2", b"s3"]  # the oldest went
    view.after_check(raw("u"), None, True, False, 3)
    view.forget_block([raw("v")])
    assert len(view) == 0
    silent = MempoolView(capacity=0)  # a node that gives no verdicts keeps nothing
    silent.after_check(raw("t"), TXS["t"], False, True, 1)
    assert len(silent) == 0


def test_max_data_bytes_follows_cometbft() -> None:
    # types.MaxDataBytes(1 MiB, 0, 4) in CometBFT v0.40.0
    assert max_data_bytes(1 << 20, 4) == (1 << 20) - 11 - 626 - 94 - 4 * 3358
    assert max_data_bytes(-1, 1) == 104_857_600 - 11 - 626 - 94 - 3358
