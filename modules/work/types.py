"""work records, messages and params."""

from __future__ import annotations

from dataclasses import dataclass

SECOND_NS = 10**9
DETAILS_HASH_LEN = 32
# Bounds of the max_wait_epochs param: a request waits at least one epoch past its target (where its
# seed normally comes), and never indefinitely.
MAX_WAIT_EPOCHS_LIMIT = 64


class Status:
    """Where a request is in its life (docs/spec/work.md, "Life of a request")."""

    PENDING = "pending"  # fee escrowed, waiting for its target epoch's seed; no expert, no deadline yet
    ASSIGNED = "assigned"  # an expert's stake is assigned; evidence due by the deadline
    EVIDENCE = "evidence"  # evidence posted; waiting for the client's verdict (until the cutoff)
    POOL_OPEN = "pool_open"  # a validation pool on the evidence post is running
    ACCEPTED = "accepted"  # the pool accepted the evidence
    REJECTED = "rejected"  # the pool rejected it
    EXPIRED = "expired"  # the pool's quorum was not met
    FAILED = "failed"  # no evidence by the deadline: the stake was burned, the fee refunded
    CANCELLED = "cancelled"  # the pool could not be opened: fee refunded, stake released
    NO_EXPERT = "no_expert"  # nobody was available when the seed came: fee refunded
    NO_SEED = "no_seed"  # no seed for max_wait_epochs past its target epoch: fee refunded


class Verdict:
    NONE = "none"  # no verdict by the cutoff
    APPROVE = "approve"
    DISAPPROVE = "disapprove"


@dataclass(frozen=True)
class WorkRequest:
    id: int
    client: bytes
    kind: str
    fee: int  # native tokens escrowed in the work module account until the pool opens
    details_hash: bytes
    created_ns: int
    deadline_s: int  # the evidence is due this long after the assignment
    status: str
    target_epoch: int | None = None  # the beacon epoch whose seed draws the expert (None: the block's)
    deadline_ns: int | None = None  # evidence must be submitted before this block time (set at assignment)
    expert: bytes | None = None  # set at assignment
    stake_id: int | None = None  # the assigned availability stake
    stake_amount: int = 0  # its REP when assigned
    post_id: int | None = None  # the evidence post
    verdict: str = Verdict.NONE
    verdict_cutoff_ns: int | None = None  # without a verdict by then the pool opens anyway
    pool_id: int | None = None


@dataclass(frozen=True)
class MsgRequestWork:
    kind: str
    fee: int
    details_hash: bytes
    deadline_s: int


@dataclass(frozen=True)
class MsgSubmitEvidence:
    request_id: int
    post_id: int


@dataclass(frozen=True)
class MsgVerdict:
    request_id: int
    approve: bool


@dataclass(frozen=True)
class Params:
    min_fee: int = 1  # a request ties up an expert's stake, and a pool needs a positive fee
    max_deadline_s: int = 30 * 24 * 3600
    verdict_window_s: int = 24 * 3600  # after the evidence, how long the client has to give a verdict
    # A pending request whose seed has not come this many epochs after its target epoch is refunded
    # (docs/spec/work.md, "Waiting for the seed"); normally the seed comes one epoch after the target.
    max_wait_epochs: int = 3

    def validate(self) -> str | None:
        if self.min_fee < 1:
            return "min_fee must be >= 1 (validation pools need a positive fee)"
        if self.max_deadline_s < 1:
            return "max_deadline_s must be >= 1"
        if self.verdict_window_s < 0:
            return "verdict_window_s must be >= 0"
        if not 1 <= self.max_wait_epochs <= MAX_WAIT_EPOCHS_LIMIT:
            return f"max_wait_epochs must be in [1, {MAX_WAIT_EPOCHS_LIMIT}]"
        return None
