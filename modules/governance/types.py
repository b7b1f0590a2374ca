"""governance records, messages and params."""

from __future__ import annotations

from dataclasses import dataclass, field

from modules.validation_pool.types import PPM, Rational

# The work-contract versions this software implements. A passed change that activates any other
# version stops the node at the activation height (docs/spec/governance.md, "Work-contract version").
SUPPORTED_WORK_CONTRACT_VERSIONS: tuple[int, ...] = (1,)

MODULE_NAME = "governance"  # also the validation_pool result-hook name of the staged pools

# Proposal status: a proposal moves stage1 → stage2 → scheduled → applied | failed, or ends in
# rejected / expired at the stage whose pool decided so, or failed when stage 2 cannot open.
STAGE1 = "stage1"
STAGE2 = "stage2"
SCHEDULED = "scheduled"
APPLIED = "applied"
REJECTED = "rejected"
EXPIRED = "expired"
FAILED = "failed"
STATUSES = (STAGE1, STAGE2, SCHEDULED, APPLIED, REJECTED, EXPIRED, FAILED)


@dataclass(frozen=True)
class ParamChange:
    """Set ``key`` of ``module``'s params to ``value_json`` (the value's canonical JSON form, as the
    module's ``params`` query shows it: ``100``, ``true``, ``{"den":3,"num":1}``)."""

    module: str
    key: str
    value_json: str


@dataclass(frozen=True)
class MsgProposeParamChange:
    """The signer, an author of ``post_id``, proposes ``changes`` and pays ``fee`` (both stages' pools)."""

    post_id: int
    changes: tuple[ParamChange, ...]
    fee: int


@dataclass(frozen=True)
class Proposal:
    id: int
    post_id: int
    proposer: bytes
    changes: tuple[ParamChange, ...]
    fee: int
    stage1_fee: int  # paid into the stage-1 pool at proposal time
    stage2_fee: int  # held in the governance account until stage 2 opens (refunded if it never does)
    submitted_height: int
    status: str = STAGE1
    stage1_pool: int = 0
    stage2_pool: int = 0  # 0 until stage 2 opens
    activation_height: int = 0  # 0 until scheduled
    reason: str = ""  # why a proposal failed (stage 2 could not open; a change was invalid at apply time)


@dataclass(frozen=True)
class Params:
    """Governance's own params (governable like any other)."""

    # A proposal pays at least this; half funds stage 1, the rest stage 2, so each stage's pool gets >= 1.
    min_fee: int = 100
    max_changes: int = 16  # per proposal: bounds the work of validating and applying it
    stage1_quorum: Rational = field(default_factory=lambda: Rational(1, 10))
    stage1_win_ratio: Rational = field(default_factory=lambda: Rational(1, 2))
    stage1_binding_ppm: int = 0  # non-binding: nobody loses REP for an opinion on a draft
    stage1_duration_s: int = 600
    stage2_quorum: Rational = field(default_factory=lambda: Rational(1, 3))
    stage2_win_ratio: Rational = field(default_factory=lambda: Rational(2, 3))
    stage2_binding_ppm: int = PPM
    stage2_duration_s: int = 3_600
    work_contract_version: int = 1

    def validate(self) -> str | None:
        """Why these params are unusable, or None."""
        if self.min_fee < 2:
            return "min_fee must be >= 2 (each stage's pool needs a fee >= 1)"
        if not 1 <= self.max_changes <= 64:
            return "max_changes must be in [1, 64]"
        stages = (
            (1, self.stage1_quorum, self.stage1_win_ratio, self.stage1_binding_ppm, self.stage1_duration_s),
            (2, self.stage2_quorum, self.stage2_win_ratio, self.stage2_binding_ppm, self.stage2_duration_s),
        )
        for stage, quorum, win_ratio, binding_ppm, duration_s in stages:
            problem = quorum.problem(f"stage{stage}_quorum", True) or win_ratio.problem(
                f"stage{stage}_win_ratio", True
            )
            if problem:
                return problem
            if not 0 <= binding_ppm <= PPM:
                return f"stage{stage}_binding_ppm must be in [0, {PPM}]"
            if duration_s < 1:
                return f"stage{stage}_duration_s must be >= 1"
        q1, q2 = self.stage1_quorum, self.stage2_quorum
        if q2.num * q1.den < q1.num * q2.den:
            return "stage2_quorum must be >= stage1_quorum (the binding stage needs at least as much REP)"
        if self.work_contract_version < 1:
            return "work_contract_version must be >= 1"
        return None
