"""What the real-app DAO tests share: an Application on default_wiring started from a genesis with REP
holders and funded accounts, and a chain driver that signs txs into blocks (FinalizeBlock + Commit)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.txcodec import sign_tx
from abci_app.wiring import default_wiring
from genesis.accounts import add_account
from genesis.app_state import build_app_state
from modules.core.address import to_bech32

FUNDS = 10_000  # bank tokens of every account at genesis


def start_app(
    data_dir: Path,
    chain_id: str,
    t0: Timestamp,
    *,
    rep: Sequence[tuple[bytes, int]],
    accounts: Sequence[bytes],
    sections: Mapping[str, Any] | None = None,
) -> Application:
    """InitChain at ``t0``: ``rep`` are the genesis REP balances, every account gets FUNDS tokens,
    ``sections`` override further genesis sections."""
    wiring = default_wiring()
    balances = [{"address": to_bech32(who), "amount": amount} for who, amount in rep]
    overrides = {"chain_id": chain_id, "reputation": {"balances": balances}, **(sections or {})}
    state = build_app_state(wiring.modules, overrides)
    for who in accounts:
        add_account(state, who, FUNDS)
    app = Application(data_dir, wiring)
    app.init_chain(
        abci.RequestInitChain(
            chain_id=chain_id, time=t0, initial_height=1, app_state_bytes=json.dumps(state).encode()
        )
    )
    return app


class SignedChain:
    """Blocks of txs signed by ``seeds[i]`` (nonces tracked) with a fixed fee; block ``h`` has hash
    ``bytes([h]) * 32`` (the chain's randomness) and one proposer."""

    def __init__(self, app: Application, chain_id: str, seeds: Sequence[bytes], fee: int, t0_s: int) -> None:
        self.app = app
        self.chain_id = chain_id
        self.seeds = seeds
        self.fee = fee
        self.t0_s = t0_s
        self.height = 0
        self.nonces = [0] * len(seeds)

    def block_at(self, at_s: int, *txs: tuple[int, Any]) -> list[tuple[str, int]]:
        """A block at t0 + at_s whose txs are (signer index, message); returns (codespace, code)s."""
        raw = []
        for who, msg in txs:
            raw.append(
                sign_tx(self.seeds[who], [msg], chain_id=self.chain_id, nonce=self.nonces[who], fee=self.fee)
            )
            self.nonces[who] += 1
        self.height += 1
        res = self.app.finalize_block(
            abci.RequestFinalizeBlock(
                height=self.height,
                time=Timestamp(seconds=self.t0_s + at_s),
                txs=raw,
                hash=bytes([self.height]) * 32,
                proposer_address=b"\x01" * 20,
            )
        )
        self.app.commit(abci.RequestCommit())
        return [(r.codespace, r.code) for r in res.tx_results]

    def query(self, path: str, **args: Any) -> Any:
        res = self.app.query(abci.RequestQuery(path=path, data=json.dumps(args).encode()))
        assert res.code == 0, res.log
        return json.loads(res.value)
