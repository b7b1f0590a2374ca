"""What Proof of Reputation costs per block: the same in-process N-validator chain, with and without PoR.

    python scripts/bench_por.py [--validators 4] [--blocks 60] [--txs 0 200] [--epoch 10]

N ``Application`` instances (one per validator, each with its own RocksDB dir and beacon seed) are
driven as CometBFT drives them: the proposer's PrepareProposal, every node's ProcessProposal,
FinalizeBlock and Commit, then every committee member's ExtendVote (signed with its validator key)
and every node's VerifyVoteExtension of the others' extensions. The next proposal carries them.

Two wirings, same genesis (founders with REP, tokens, consensus keys; ``--txs`` transfers per
block from funded senders):

- ``por``:   the production wiring (abci_app/wiring.py): committee per epoch, commit-reveal beacon in
             vote extensions, the commit-info tx checked in ProcessProposal and applied in
             FinalizeBlock, and whatever else PoR runs per block (block posts and their pools when
             wired).
- ``plain``: the same modules without the PoR ones (producers, beacon, blocks) and no PoR hooks:
             fixed validators, empty vote extensions.

It prints, per wiring and tx count, one node's CPU per block (ms) in each ABCI step, and the
difference: PoR's extra cost per block. CPU time is the process's (``time.process_time``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from google.protobuf import timestamp_pb2
from nacl.signing import SigningKey

from abci_app.app import Application
from abci_app.pb.tendermint.abci import types_pb2 as abci
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.testnet.genesis import Founder, app_state
from abci_app.txcodec import sign_tx
from abci_app.vote_extensions import vote_extension_sign_bytes
from abci_app.wiring import Wiring, default_wiring, wire
from genesis.accounts import add_account
from modules.bank.types import MsgSend
from modules.core.address import address_from_pubkey

CHAIN_ID = "bpdao-bench-por"
POR_MODULES = frozenset({"producers", "beacon", "blocks"})
STEPS = ("prepare", "process", "finalize", "commit", "extend", "verify")
T = TypeVar("T")


def _key(label: str, i: int) -> SigningKey:
    return SigningKey(hashlib.sha256(f"bpdao-bench-por/{label}/{i}".encode()).digest())


def plain_wiring() -> Wiring:
    full = default_wiring()
    kept = [m for m in full.modules if m.name not in POR_MODULES]
    return wire(kept, ante=full.ante, max_tx_bytes=full.max_tx_bytes, por=None)


def _genesis(wiring: Wiring, validators: list[SigningKey], senders: list[SigningKey], epoch: int) -> bytes:
    founders = [
        Founder(f"founder{i}", bytes(_key("account", i).verify_key), bytes(v.verify_key))
        for i, v in enumerate(validators)
    ]
    state = app_state(wiring.modules, CHAIN_ID, founders)
    for s in senders:
        add_account(state, address_from_pubkey(bytes(s.verify_key)), 10**15, bytes(s.verify_key))
    if "producers" in state:
        params = state["producers"].setdefault("params", {})
        params.update(epoch_length=epoch, min_stake_remaining_s=0)
    return json.dumps(state).encode()


def _ts(height: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=1_700_000_000 + height)


@dataclass
class Node:
    app: Application
    key: SigningKey
    cpu: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})

    @property
    def address(self) -> bytes:
        return address_from_pubkey(bytes(self.key.verify_key))

    def timed(self, step: str, call: Callable[[Any], T], request: Any) -> T:
        start = time.process_time()
        result = call(request)
        self.cpu[step].append(time.process_time() - start)
        return result


class Chain:
    def __init__(self, root: Path, wiring_of: Callable[[], Wiring], n: int, txs: int, epoch: int) -> None:
        self.validators = [_key("validator", i) for i in range(n)]
        self.senders = [_key("sender", i) for i in range(max(txs, 1))]
        self.nonces = [0] * len(self.senders)
        self.txs = txs
        self.nodes = [
            Node(
                Application(root / f"node{i}", wiring_of(), beacon_seed=hashlib.sha256(b"%d" % i).digest()),
                v,
            )
            for i, v in enumerate(self.validators)
        ]
        genesis = _genesis(wiring_of(), self.validators, self.senders, epoch)
        power = {n.address: 10 for n in self.nodes}
        self.valsets: dict[int, dict[bytes, int]] = {1: dict(power), 2: dict(power)}
        for node in self.nodes:
            req = abci.RequestInitChain(
                chain_id=CHAIN_ID,
                time=_ts(0),
                initial_height=1,
                app_state_bytes=genesis,
                validators=[
                    abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=bytes(v.verify_key)), power=10)
                    for v in self.validators
                ],
            )
            node.app.init_chain(req)
        self.last_extended = abci.ExtendedCommitInfo()

    def _transfers(self) -> list[bytes]:
        out = []
        for i in range(self.txs):
            to = address_from_pubkey(bytes(self.senders[(i + 1) % len(self.senders)].verify_key))
            msg = MsgSend(to=to, amount=1)
            out.append(sign_tx(bytes(self.senders[i]), [msg], chain_id=CHAIN_ID, nonce=self.nonces[i], fee=1))
            self.nonces[i] += 1
        return out

    def block(self, height: int) -> None:
        mempool = self._transfers()
        for node in self.nodes:  # the mempool: every node checks every tx (caches the signature check)
            for raw in mempool:
                node.app.check_tx(abci.RequestCheckTx(tx=raw))
        committee = self.valsets[height]
        by_addr = {n.address: n for n in self.nodes}
        proposer = by_addr[sorted(committee)[height % len(committee)]]
        last = abci.CommitInfo(
            round=0,
            votes=[
                abci.VoteInfo(validator=v.validator, block_id_flag=v.block_id_flag)
                for v in self.last_extended.votes
            ],
        )
        prep = abci.RequestPrepareProposal(
            height=height,
            time=_ts(height),
            txs=mempool,
            local_last_commit=self.last_extended,
            max_tx_bytes=4 << 20,
            proposer_address=proposer.address,
        )
        txs = list(proposer.timed("prepare", proposer.app.prepare_proposal, prep).txs)
        block_hash = hashlib.sha256(b"".join(txs) + height.to_bytes(8, "big")).digest()
        proc = abci.RequestProcessProposal(
            height=height,
            time=_ts(height),
            txs=txs,
            proposed_last_commit=last,
            proposer_address=proposer.address,
            hash=block_hash,
        )
        for node in self.nodes:
            status = node.timed("process", node.app.process_proposal, proc).status
            if status != abci.ResponseProcessProposal.ACCEPT:
                raise SystemExit(f"node {node.address.hex()} rejected block {height}")
        # votes for this block: extensions of the committee members, verified by the others
        ext_req = abci.RequestExtendVote(
            height=height, time=_ts(height), txs=txs, hash=block_hash, proposer_address=proposer.address
        )
        votes = []
        for addr, power in sorted(committee.items(), key=lambda kv: (-kv[1], kv[0])):
            node = by_addr[addr]
            ext = bytes(node.timed("extend", node.app.extend_vote, ext_req).vote_extension)
            sig = node.key.sign(vote_extension_sign_bytes(CHAIN_ID, height, 0, ext)).signature
            for other in self.nodes:
                if other is not node:
                    vreq = abci.RequestVerifyVoteExtension(
                        hash=block_hash, validator_address=addr, height=height, vote_extension=ext
                    )
                    other.timed("verify", other.app.verify_vote_extension, vreq)
            votes.append(
                abci.ExtendedVoteInfo(
                    validator=abci.Validator(address=addr, power=power),
                    block_id_flag=2,  # type: ignore[arg-type]
                    vote_extension=ext,
                    extension_signature=sig,
                )
            )
        fin = abci.RequestFinalizeBlock(
            height=height,
            time=_ts(height),
            txs=txs,
            decided_last_commit=last,
            proposer_address=proposer.address,
            hash=block_hash,
        )
        hashes = set()
        updates: Any = ()
        for node in self.nodes:
            res = node.timed("finalize", node.app.finalize_block, fin)
            hashes.add(bytes(res.app_hash))
            updates = res.validator_updates
            node.timed("commit", node.app.commit, abci.RequestCommit())
        if len(hashes) != 1:
            raise SystemExit(f"app hashes differ at height {height}")
        nxt = dict(self.valsets[height + 1])
        for u in updates:
            addr = address_from_pubkey(bytes(u.pub_key.ed25519))
            if u.power == 0:
                nxt.pop(addr, None)
            else:
                nxt[addr] = u.power
        self.valsets[height + 2] = nxt
        self.last_extended = abci.ExtendedCommitInfo(round=0, votes=votes)

    def close(self) -> None:
        for node in self.nodes:
            node.app.close()


def run(wiring_of: Callable[[], Wiring], n: int, blocks: int, txs: int, epoch: int) -> dict[str, float]:
    """Median CPU ms per block of one node in each step (sum over a node's calls in that block)."""
    with tempfile.TemporaryDirectory(prefix="bpdao-bench-por-") as tmp:
        chain = Chain(Path(tmp), wiring_of, n, txs, epoch)
        try:
            for h in range(1, blocks + 1):
                chain.block(h)
        finally:
            chain.close()
        warm = max(2, blocks // 10)  # the first blocks have no commit info yet
        per_step: dict[str, float] = {}
        for step in STEPS:
            # per node and block: the node's calls of that step in that block, summed over nodes / n
            samples = [c for node in chain.nodes for c in node.cpu[step]]
            calls_per_block = len(samples) / blocks
            tail = samples[int(warm * calls_per_block) :]
            per_step[step] = statistics.fmean(tail) * calls_per_block / n * 1000 if tail else 0.0
        return per_step


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--validators", type=int, default=4)
    p.add_argument("--blocks", type=int, default=60)
    p.add_argument("--txs", type=int, nargs="+", default=[0, 200])
    p.add_argument("--epoch", type=int, default=10, help="producers' epoch_length (default %(default)s)")
    args = p.parse_args()
    print(
        f"# bench_por: {args.validators} validators in one process, {args.blocks} blocks, "
        f"epoch {args.epoch}; CPU ms per block of one node (mean over nodes and blocks after warm-up)"
    )
    print(f"{'wiring':8} {'txs':>5} " + " ".join(f"{s:>9}" for s in STEPS) + f" {'total':>9}")
    for txs in args.txs:
        totals = {}
        for name, wiring_of in (("plain", plain_wiring), ("por", default_wiring)):
            figures = run(wiring_of, args.validators, args.blocks, txs, args.epoch)
            totals[name] = sum(figures.values())
            cells = " ".join(f"{figures[s]:9.2f}" for s in STEPS)
            print(f"{name:8} {txs:>5} {cells} {totals[name]:9.2f}")
        extra = totals["por"] - totals["plain"]
        print(f"{'PoR +':8} {txs:>5} {'':>59} {extra:9.2f}  ms per block per node")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
