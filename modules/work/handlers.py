"""work message handlers."""

from __future__ import annotations

from modules.core.context import Context
from modules.work.keeper import WorkKeeper
from modules.work.types import MsgRequestWork, MsgSubmitEvidence, MsgVerdict


def handle_request(keeper: WorkKeeper, ctx: Context, sender: bytes, msg: MsgRequestWork) -> None:
    """MsgRequestWork: the sender (client) escrows the fee; an available expert is assigned."""
    keeper.request_work(ctx, sender, msg.kind, msg.fee, msg.details_hash, msg.deadline_s)


def handle_evidence(keeper: WorkKeeper, ctx: Context, sender: bytes, msg: MsgSubmitEvidence) -> None:
    """MsgSubmitEvidence: the assigned expert names their evidence post before the deadline."""
    keeper.submit_evidence(ctx, sender, msg.request_id, msg.post_id)


def handle_verdict(keeper: WorkKeeper, ctx: Context, sender: bytes, msg: MsgVerdict) -> None:
    """MsgVerdict: the client approves or disapproves; the validation pool opens."""
    keeper.record_verdict(ctx, sender, msg.request_id, msg.approve)
