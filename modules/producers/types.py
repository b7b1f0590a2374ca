"""producers records, messages, params, and the plain data the app hands to the keeper.

The app (abci_app/) converts CometBFT's protobuf into the plain dataclasses below, so this
module never sees protobuf (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass

PPM = 1_000_000
BLOCK_PRODUCTION = "block_production"  # the availability kind a producer stakes under
# CometBFT: the total voting power of a validator set must stay <= MaxInt64 / 8.
MAX_TOTAL_POWER = ((1 << 63) - 1) // 8

# CometBFT BlockIDFlag values (tendermint.types.BlockIDFlag).
FLAG_ABSENT = 1
FLAG_COMMIT = 2
FLAG_NIL = 3

# CometBFT MisbehaviorType values (tendermint.abci.MisbehaviorType).
DUPLICATE_VOTE = 1
LIGHT_CLIENT_ATTACK = 2


@dataclass(frozen=True)
class MsgRegisterConsensusKey:
    """Bind the signer (a member account) to the ed25519 key its node signs blocks with.

    ``possession_sig`` is that consensus key's signature over
    :func:`modules.producers.keys.possession_message` (chain id + member address): nobody can
    register a key whose owner did not agree, so a key cannot be squatted.
    """

    pub_key: bytes
    possession_sig: bytes


@dataclass(frozen=True)
class ConsensusKey:
    member: bytes  # account address (20 bytes)
    pub_key: bytes  # ed25519, 32 bytes
    validator_address: bytes  # sha256(pub_key)[:20], how CometBFT names the validator


@dataclass(frozen=True)
class Validator:
    """One entry of a validator set as CometBFT will hold it (after our updates apply)."""

    validator_address: bytes
    pub_key: bytes
    member: bytes
    power: int


@dataclass(frozen=True)
class ValidatorUpdate:
    """What the app turns into ``tendermint.abci.ValidatorUpdate`` (power 0 removes)."""

    pub_key: bytes
    power: int


@dataclass(frozen=True)
class VoteInfo:
    """One entry of ``decided_last_commit``: did this validator sign the previous block?"""

    validator_address: bytes
    power: int
    block_id_flag: int


@dataclass(frozen=True)
class Misbehavior:
    """One entry of FinalizeBlock's ``misbehavior`` (evidence committed in this block)."""

    kind: int  # DUPLICATE_VOTE | LIGHT_CLIENT_ATTACK
    validator_address: bytes
    height: int  # height of the offence


@dataclass(frozen=True)
class Founder:
    """A member of the founding committee (genesis): must match CometBFT's genesis validators."""

    member: bytes
    pub_key: bytes
    power: int


@dataclass(frozen=True)
class Params:
    epoch_length: int = 100  # blocks; committees change every epoch_length blocks
    committee_size: int = 21
    # Voting power of a selected member: max(1, stake // rep_per_power), at most max_power.
    # rep_per_power = 0 gives every member power 1 (selection alone is REP-weighted).
    rep_per_power: int = 0
    max_power: int = 1_000_000
    # A stake is a candidate only if it stays locked this long after the selection, so a
    # committee member cannot reclaim its stake while it can still be slashed.
    min_stake_remaining_s: int = 7 * 24 * 3600
    # Liveness: a validator missing more than this share of the commits seen between two
    # candidate snapshots (one epoch) is left out of the next selection.
    max_missed_ppm: int = 500_000
    # Misbehaviour (duplicate vote / light client attack): slash this share of the offender's
    # block_production stake, remove it at once, leave it out of the next jail_epochs selections.
    slash_misbehavior_ppm: int = 50_000
    jail_epochs: int = 4
    # Beacon: committed a secret but never revealed it: slash this share of the stake.
    slash_non_reveal_ppm: int = 10_000
    # Records (committees per epoch, slashes, liveness exclusions) older than this many epochs are
    # pruned at each decision, so history in state stays bounded.
    history_epochs: int = 1_000

    def validate(self) -> str | None:
        if self.epoch_length < 6:
            return "epoch_length must be >= 6 (commit and reveal phases need room)"
        if self.committee_size < 1:
            return "committee_size must be >= 1"
        if self.rep_per_power < 0:
            return "rep_per_power must be >= 0"
        if self.max_power < 1:
            return "max_power must be >= 1"
        if self.committee_size * self.max_power > MAX_TOTAL_POWER:
            return "committee_size * max_power exceeds CometBFT's MaxInt64/8 total power"
        if self.min_stake_remaining_s < 0:
            return "min_stake_remaining_s must be >= 0"
        for name in ("max_missed_ppm", "slash_misbehavior_ppm", "slash_non_reveal_ppm"):
            if not 0 <= getattr(self, name) <= PPM:
                return f"{name} must be in [0, {PPM}]"
        if self.jail_epochs < 1:
            return "jail_epochs must be >= 1"
        if self.history_epochs < 1:
            return "history_epochs must be >= 1"
        return None


# Kinds of a SlashRecord: CometBFT's two misbehaviour types and the beacon's non-reveal.
KIND_DUPLICATE_VOTE = "duplicate_vote"
KIND_LIGHT_CLIENT_ATTACK = "light_client_attack"
KIND_NON_REVEAL = "non_reveal"
MISBEHAVIOR_KINDS = {DUPLICATE_VOTE: KIND_DUPLICATE_VOTE, LIGHT_CLIENT_ATTACK: KIND_LIGHT_CLIENT_ATTACK}


@dataclass(frozen=True)
class CommitteeRecord:
    """The committee that validates epoch ``epoch``, as fixed at its decision height."""

    epoch: int
    decided_height: int  # 0 for the founding committee (genesis)
    seed: bytes  # the beacon seed it was drawn with (empty: founders, or no candidate)
    drawn: bool  # False: founders, or no candidate so the previous committee stayed
    candidates: int  # candidates in the draw
    members: tuple[Validator, ...]  # ascending validator address


@dataclass(frozen=True)
class SlashRecord:
    """A penalty applied to a member: misbehaviour evidence or a beacon non-reveal."""

    id: int
    kind: str  # KIND_DUPLICATE_VOTE | KIND_LIGHT_CLIENT_ATTACK | KIND_NON_REVEAL
    validator_address: bytes
    member: bytes  # empty if the validator address has no registered member
    offence_height: int  # evidence: the height of the offence; non-reveal: the epoch's decision height
    height: int  # the block that applied the penalty
    epoch: int  # the epoch of ``height``
    burned: int  # REP burned from the member's block_production stakes
    jailed_until_epoch: int  # the first epoch whose committee it may be drawn for again


@dataclass(frozen=True)
class LivenessRecord:
    """A validator left out of a selection for missing too many blocks."""

    id: int
    validator_address: bytes
    member: bytes
    missed: int
    seen: int  # commits counted in the window
    max_missed_ppm: int  # the threshold in force
    height: int  # the snapshot height that judged it
    epoch: int  # the epoch of ``height``
    left_out_of_epoch: int  # the committee it may not be drawn for


def power_for_stake(params: Params, stake: int) -> int:
    """Voting power of a selected member with ``stake`` REP (>= 1, <= max_power)."""
    if params.rep_per_power == 0:
        return 1
    return min(params.max_power, max(1, stake // params.rep_per_power))
