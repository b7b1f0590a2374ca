"""Proof of Reputation in the ABCI app: the narrow hooks abci_app/app.py calls.

    InitChain        after the modules' init_genesis: ``init_chain(ctx, req)`` -> a ResponseInitChain
                     with the validators and consensus params to answer (the app adds its app hash)
    ExtendVote       ``extend_vote(ctx, req)`` -> ResponseExtendVote
    VerifyVoteExt.   ``verify_vote_extension(ctx, req)`` -> ResponseVerifyVoteExtension (never UNKNOWN)
    PrepareProposal  ``commit_info_tx(req)`` -> the tx to put first (None at the initial height)
    ProcessProposal  ``process_proposal(ctx, req)`` -> None if PoR accepts, else the reason
                     (the app then checks the other txs; ``is_injection`` tells which to skip)
    FinalizeBlock    ``begin_block(ctx, req)`` before the txs (its injection tx at index 0 gets
                     ExecTxResult code 0 and is not run as a user tx; the verdicts of its counted
                     votes go to blocks' ``record_verdicts``); ``end_block(ctx)`` after the
                     modules' end_block -> ResponseFinalizeBlock.validator_updates

Vote extensions are on from the first block (InitChain turns them on), so every block after the
first carries the previous height's extensions in its first tx (docs/spec/por.md).
"""

from __future__ import annotations

import logging
from collections import Counter

from abci_app.extension_payload import join_extension, split_extension
from abci_app.pb.tendermint.abci import types_pb2 as abci_pb
from abci_app.pb.tendermint.crypto import keys_pb2
from abci_app.vote_extensions import (
    CheckedCommit,
    CommitRejected,
    check_extended_commit,
    commit_info_from_pb,
    decode_injection,
    encode_injection,
    is_injection,
)
from modules.beacon.keeper import BeaconKeeper
from modules.beacon.secret import derive_secret
from modules.beacon.types import decode_extension, encode_extension
from modules.blocks.keeper import BlocksKeeper
from modules.blocks.types import VERDICT_NONE
from modules.core.context import Context
from modules.core.errors import GenesisError
from modules.producers.keeper import ProducersKeeper
from modules.producers.keys import pub_key_problem, validator_address
from modules.producers.types import Founder, Misbehavior

log = logging.getLogger(__name__)

__all__ = ["PorAbci", "is_injection"]


def _validator_update_pb(pub_key: bytes, power: int) -> abci_pb.ValidatorUpdate:
    return abci_pb.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=pub_key), power=power)


class PorAbci:
    def __init__(
        self,
        producers: ProducersKeeper,
        beacon: BeaconKeeper,
        node_seed: bytes | None,
        blocks: BlocksKeeper | None = None,
    ) -> None:
        """``node_seed``: this node's beacon seed file contents (None: a non-validator, or a node
        that takes no part in the beacon; its extensions are then empty). ``blocks``: takes the
        verdicts on blocks that the extensions carry (None: verdicts are not recorded)."""
        self._producers = producers
        self._beacon = beacon
        self._node_seed = node_seed
        self._blocks = blocks

    @property
    def takes_part(self) -> bool:
        """Whether this node signs extensions with content (a beacon secret, a verdict)."""
        return self._node_seed is not None

    # --- InitChain ----------------------------------------------------------------------------
    def init_chain(self, ctx: Context, req: abci_pb.RequestInitChain) -> abci_pb.ResponseInitChain:
        """Check genesis against PoR's needs; the answer's ``validators`` and ``consensus_params``
        go into the app's ResponseInitChain (which adds the app hash).

        * Founders: ``app_state.producers.founders`` must equal genesis.json's validators (keys and
          powers). If the section names none, genesis.json's validators become the founders, each
          bound to the account of its own key (address = sha256(pub_key)[:20]).
        * Vote extensions must be on from the first block. If genesis leaves them off (enable height
          0, CometBFT's default), the answer turns them on at ``initial_height`` (CometBFT applies
          InitChain's consensus params as they are); any other enable height is an error.
        """
        initial_height = req.initial_height or 1
        resp = abci_pb.ResponseInitChain()
        enable = req.consensus_params.abci.vote_extensions_enable_height
        if enable == 0:
            resp.consensus_params.abci.vote_extensions_enable_height = initial_height
        elif enable != initial_height:
            raise GenesisError(
                f"consensus_params.abci.vote_extensions_enable_height must be 0 or initial_height "
                f"({initial_height}), got {enable}: the beacon needs extensions from the first block"
            )
        theirs: Counter[tuple[bytes, int]] = Counter()
        for v in req.validators:
            if v.pub_key.WhichOneof("sum") != "ed25519":
                raise GenesisError("genesis validators must use ed25519 keys")
            theirs[(bytes(v.pub_key.ed25519), v.power)] += 1
        founders = self._producers.validator_set(ctx)
        if not founders:
            if not theirs:
                # Nothing to check or adopt; CometBFT itself refuses to start without validators.
                return resp
            adopted = [Founder(validator_address(k), k, p) for (k, p) in sorted(theirs.elements())]
            for f in adopted:
                problem = pub_key_problem(f.pub_key)
                if problem:
                    raise GenesisError(f"genesis validator {f.pub_key.hex()}: {problem}")
            if len({f.pub_key for f in adopted}) != len(adopted):
                raise GenesisError("genesis validators list a key twice")
            self._producers.set_founders(ctx, adopted)
            return resp
        ours = Counter((v.pub_key, v.power) for v in founders)
        if not theirs:
            resp.validators.extend(_validator_update_pb(v.pub_key, v.power) for v in founders)
        elif ours != theirs:
            raise GenesisError("genesis.json validators differ from producers.founders (keys and powers)")
        return resp

    # --- ExtendVote / VerifyVoteExtension ------------------------------------------------------
    def extend_vote(
        self, ctx: Context, req: abci_pb.RequestExtendVote, verdict: int = VERDICT_NONE
    ) -> abci_pb.ResponseExtendVote:
        """The beacon payload for the height's phase, then ``verdict`` on the block (this node's
        policing judgment, abci_app/policing.py); a node without a beacon seed gives neither."""
        if self._node_seed is None:
            return abci_pb.ResponseExtendVote(vote_extension=b"")
        pos = self._producers.position(ctx, req.height)
        secret = derive_secret(self._node_seed, ctx.block.chain_id, pos.epoch)
        beacon = encode_extension(pos.phase, secret)
        return abci_pb.ResponseExtendVote(vote_extension=join_extension(beacon, verdict))

    def verify_vote_extension(
        self, ctx: Context, req: abci_pb.RequestVerifyVoteExtension
    ) -> abci_pb.ResponseVerifyVoteExtension:
        """Format only (a function of height and bytes): whether a reveal matches its commitment is
        judged when the extension is applied, so honest nodes never disagree here."""
        status = abci_pb.ResponseVerifyVoteExtension.ACCEPT
        try:
            if req.height < 1:
                raise ValueError("height < 1")
            beacon, _ = split_extension(bytes(req.vote_extension))
            decode_extension(self._producers.position(ctx, req.height).phase, beacon)
        except ValueError as e:
            log.info("rejecting vote extension of %s at %d: %s", req.validator_address.hex(), req.height, e)
            status = abci_pb.ResponseVerifyVoteExtension.REJECT
        return abci_pb.ResponseVerifyVoteExtension(status=status)

    # --- PrepareProposal / ProcessProposal -----------------------------------------------------
    def commit_info_tx(self, req: abci_pb.RequestPrepareProposal) -> bytes | None:
        """The tx the proposer must put first in its block (None at the initial height). The app
        counts it against ``max_tx_bytes`` and leaves out any mempool tx that ``is_injection``."""
        if not req.local_last_commit.votes:
            return None
        return encode_injection(req.local_last_commit)

    def process_proposal(self, ctx: Context, req: abci_pb.RequestProcessProposal) -> str | None:
        """None if the block's PoR part is sound, else why it must be rejected."""
        positions = [i for i, tx in enumerate(req.txs) if is_injection(tx)]
        if not req.proposed_last_commit.votes:
            return None if not positions else "commit-info tx in a block without a last commit"
        if positions != [0]:
            return "the first tx, and only it, must be the commit-info tx"
        try:
            self._check(ctx, req.height, req.txs[0], req.proposed_last_commit)
        except (ValueError, CommitRejected) as e:
            return str(e)
        return None

    # --- FinalizeBlock ---------------------------------------------------------------------------
    def begin_block(self, ctx: Context, req: abci_pb.RequestFinalizeBlock) -> None:
        """Liveness from decided_last_commit, misbehaviour, then the beacon input of the block's
        commit-info tx. A block that fails the checks (only possible with > 1/3 Byzantine power)
        contributes nothing to the beacon."""
        last_commit = commit_info_from_pb(req.decided_last_commit)
        self._producers.record_commit(ctx, last_commit.votes)
        self._producers.handle_misbehavior(
            ctx,
            [Misbehavior(int(m.type), bytes(m.validator.address), m.height) for m in req.misbehavior],
        )
        if not last_commit.votes or not req.txs or not is_injection(req.txs[0]):
            return
        try:
            checked = self._check(ctx, req.height, req.txs[0], req.decided_last_commit)
        except (ValueError, CommitRejected) as e:
            log.warning("block %d: commit-info tx ignored: %s", req.height, e)
            return
        pos = self._producers.position(ctx, req.height - 1)
        verdicts: list[tuple[bytes, int]] = []
        for vote in checked.counted:
            try:
                beacon, verdict = split_extension(vote.extension)
                ext = decode_extension(pos.phase, beacon)
            except ValueError:
                continue
            self._beacon.record(ctx, pos.epoch, pos.phase, vote.validator_address, ext)
            if verdict != VERDICT_NONE:
                member = self._producers.member_of_validator(ctx, vote.validator_address)
                if member is not None:
                    verdicts.append((member, verdict))
        if self._blocks is not None:
            self._blocks.record_verdicts(ctx, req.height - 1, verdicts)

    def end_block(self, ctx: Context) -> list[abci_pb.ValidatorUpdate]:
        return [_validator_update_pb(u.pub_key, u.power) for u in self._producers.end_block(ctx)]

    # --- helpers ---------------------------------------------------------------------------------
    def _check(
        self, ctx: Context, height: int, tx: bytes, last_commit_pb: abci_pb.CommitInfo
    ) -> CheckedCommit:
        return check_extended_commit(
            decode_injection(tx),
            commit_info_from_pb(last_commit_pb),
            ctx.block.chain_id,
            height - 1,
            lambda addr: self._producers.pub_key_of_validator(ctx, addr),
        )
